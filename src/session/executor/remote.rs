//! Runs on hosts over the system ssh ([`crate::fleet`]): one run per host, its output and
//! its end reported as [`Input::Remote`]; each host keeps what its steps exported and
//! where they `cd`'d ([`crate::fleet::Place`]). [`Executors`] puts it beside the local
//! executor: a run with a host goes to ssh, any other runs here.

use super::{Executor, LocalExecutor, RunId, RunSpec, Started};
use crate::doc::hosts::HostEntry;
use crate::fleet::{
    Connections, EventSink, Place, RemoteEvent, RemoteRequest, RemoteRun, SshSettings,
};
use crate::session::input::Input;
use crate::session::queue::Inputs;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Where a run on a host runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostTarget {
    pub host: HostEntry,
    /// The step's `cwd`, relative to where the host's last step ended.
    pub cwd: Option<String>,
}

/// Each host's exports and directory, by host name.
type Places = Arc<Mutex<BTreeMap<String, Place>>>;

/// Runs on hosts: the session's connections (opened on the first run) and each host's place.
pub struct SshExecutor {
    settings: SshSettings,
    /// Tags every run ([`crate::fleet::stop`]); random when the session has no id.
    session: Option<String>,
    connections: Option<Connections>,
    places: Places,
    runs: BTreeMap<RunId, RemoteRun>,
    /// Hosts where closing found something left running, and stopped it.
    hosts_stopped: usize,
    /// Hosts earlier drivers of the session ran on, swept when it closes.
    earlier_hosts: Vec<HostEntry>,
}

impl SshExecutor {
    pub fn new(settings: SshSettings) -> Self {
        SshExecutor {
            settings,
            session: None,
            connections: None,
            places: Places::default(),
            runs: BTreeMap::new(),
            hosts_stopped: 0,
            earlier_hosts: Vec::new(),
        }
    }

    /// Runs tagged with the session's id: closing a resumed session also stops what an
    /// earlier driver of it left on its hosts.
    pub fn for_session(settings: SshSettings, session: &str) -> Self {
        SshExecutor {
            session: Some(session.to_string()),
            ..SshExecutor::new(settings)
        }
    }

    fn connections(&mut self) -> Result<&Connections, String> {
        if self.connections.is_none() {
            let settings = self.settings.clone();
            let opened = match &self.session {
                Some(session) => Connections::for_session(settings, session),
                None => Connections::new(settings),
            }
            .map_err(|e| e.to_string())?;
            self.connections = Some(opened);
        }
        self.connections
            .as_ref()
            .ok_or_else(|| "no connections".to_string())
    }

    fn start_on(
        &mut self,
        run: RunId,
        spec: RunSpec,
        target: HostTarget,
        inputs: &Inputs,
    ) -> Result<Started, String> {
        let name = target.host.name.clone();
        let start = lock(&self.places)
            .entry(name.clone())
            .or_default()
            .start(&spec.env, target.cwd.as_deref());
        let request = RemoteRequest {
            script: spec.script,
            start,
            timeout: spec.timeout,
            errexit: spec.errexit,
        };
        let sink = report_to(run, name, Arc::clone(&self.places), inputs.clone());
        let remote = self.connections()?.start(&target.host, request, sink)?;
        self.runs.insert(run, remote);
        Ok(Started::default())
    }

    /// Health samples over the session's connections (opened now if need be).
    fn sampler(&mut self) -> Option<crate::fleet::HostSampler> {
        self.connections().ok().map(Connections::sampler)
    }

    /// Stops every run, what they left on the hosts, and closes the masters.
    fn close(&mut self) {
        self.runs.clear();
        let earlier = std::mem::take(&mut self.earlier_hosts);
        if !earlier.is_empty()
            && let Ok(connections) = self.connections()
        {
            for host in &earlier {
                connections.remember(host);
            }
        }
        if let Some(connections) = self.connections.take() {
            self.hosts_stopped += connections.close().hosts_with_leftovers;
        }
    }
}

/// Where a host run's events go: output with back-pressure, the end after the host's
/// place took in what the step changed.
fn report_to(run: RunId, host: String, places: Places, inputs: Inputs) -> EventSink {
    Arc::new(move |event: RemoteEvent| match &event {
        RemoteEvent::Output { .. } => inputs.send_output(Input::Remote { run, event }),
        RemoteEvent::Started { .. } => true,
        RemoteEvent::Finished(outcome) => {
            if let Some(change) = &outcome.change
                && outcome.success()
            {
                lock(&places).entry(host.clone()).or_default().apply(change);
            }
            inputs.send(Input::Remote { run, event })
        }
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The session's executors: runs here, and runs on hosts.
pub struct Executors {
    pub local: LocalExecutor,
    pub ssh: SshExecutor,
}

impl Executor for Executors {
    fn start(&mut self, run: RunId, mut spec: RunSpec, inputs: &Inputs) -> Result<Started, String> {
        match spec.on.take() {
            Some(target) => self.ssh.start_on(run, spec, target, inputs),
            None => self.local.start(run, spec, inputs),
        }
    }

    fn cancel(&mut self, run: RunId) {
        match self.ssh.runs.get(&run) {
            Some(remote) => remote.cancel(),
            None => self.local.cancel(run),
        }
    }

    fn forget(&mut self, run: RunId) {
        if self.ssh.runs.remove(&run).is_none() {
            self.local.forget(run);
        }
    }

    fn stop_all(&mut self, grace: Duration) -> usize {
        // What the hosts still ran is stopped too; the count is of this machine's processes.
        self.ssh.close();
        self.local.stop_all(grace)
    }

    fn hosts_stopped(&self) -> usize {
        self.ssh.hosts_stopped
    }

    fn stop_at_close_on(&mut self, hosts: Vec<HostEntry>) {
        self.ssh.earlier_hosts = hosts;
    }

    fn stop_leftover(
        &mut self,
        process: (i32, u64),
        cgroup: Option<&str>,
        grace: Duration,
    ) -> usize {
        self.local.stop_leftover(process, cgroup, grace)
    }

    fn sampler(&mut self) -> Option<crate::fleet::HostSampler> {
        self.ssh.sampler()
    }
}
