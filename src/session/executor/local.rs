//! Runs on this machine: each run a fresh shell in its own process group
//! ([`crate::exec`]), its events forwarded to the session's queue by a small thread.

use super::{Executor, RunId, RunSpec, Started};
use crate::exec::{self, ExecEvent, Exit, Outcome, ProcessGroups, RunRequest, RunningStep};
use crate::session::input::Input;
use crate::session::queue::Inputs;
use std::collections::BTreeMap;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// The local executor: the process groups it started, and the runs still going.
#[derive(Debug, Default)]
pub struct LocalExecutor {
    groups: ProcessGroups,
    runs: BTreeMap<RunId, RunningStep>,
}

impl LocalExecutor {
    pub fn new() -> Self {
        LocalExecutor::default()
    }

    /// For a session, with its `groups` ([`ProcessGroups::for_session`]): nothing a step
    /// starts may outlive it — this process is a child subreaper, each run gets a cgroup
    /// where one can be created — and its runs keep their private files in its private
    /// directory.
    pub fn for_session(groups: ProcessGroups) -> Self {
        LocalExecutor {
            groups,
            runs: BTreeMap::new(),
        }
    }

    /// What keeps the session's processes within reach.
    pub fn groups(&self) -> &ProcessGroups {
        &self.groups
    }
}

impl Executor for LocalExecutor {
    fn start(&mut self, run: RunId, spec: RunSpec, inputs: &Inputs) -> Result<Started, String> {
        let request = RunRequest {
            script: spec.script,
            env: spec.env,
            cwd: spec.cwd,
            timeout: spec.timeout,
            io: spec.io,
            secret_names: spec.secret_names,
            errexit: spec.errexit,
        };
        let (tx, rx) = mpsc::sync_channel(exec::EVENT_BACKLOG);
        let handle = exec::start(request, tx, &self.groups).map_err(|e| e.to_string())?;
        let inputs = inputs.clone();
        let forwarded = std::thread::Builder::new()
            .name("step-events".into())
            .spawn(move || forward(run, &rx, &inputs));
        if let Err(e) = forwarded {
            handle.cancel();
            return Err(format!("cannot follow the step: {e}"));
        }
        let process = exec::leftover::start_ticks(handle.pid()).map(|t| (handle.pgid(), t));
        let cgroup = handle.cgroup().map(|dir| dir.display().to_string());
        self.runs.insert(run, handle);
        Ok(Started { process, cgroup })
    }

    fn cancel(&mut self, run: RunId) {
        if let Some(handle) = self.runs.get(&run) {
            handle.cancel();
        }
    }

    fn forget(&mut self, run: RunId) {
        self.runs.remove(&run);
    }

    fn stop_leftover(
        &mut self,
        (pgid, leader_start): (i32, u64),
        cgroup: Option<&str>,
        grace: Duration,
    ) -> usize {
        let cgroup = cgroup.map(std::path::Path::new);
        exec::leftover::stop_step(pgid, leader_start, cgroup, grace)
    }

    fn stop_all(&mut self, grace: Duration) -> usize {
        self.groups.terminate_all(grace)
    }
}

impl Drop for LocalExecutor {
    /// Even on an early return or a panic, nothing a step started outlives the session.
    fn drop(&mut self) {
        self.groups.terminate_all(Duration::from_millis(500));
    }
}

/// Passes one run's events on, tagged with its id; a run whose events stop without an
/// end (its threads died) is reported as ended with an unknown status.
fn forward(run: RunId, rx: &Receiver<ExecEvent>, inputs: &Inputs) {
    let started = Instant::now();
    for event in rx.iter() {
        match event {
            ExecEvent::Output { .. } => {
                if !inputs.send_output(Input::Exec { run, event }) {
                    return;
                }
            }
            ExecEvent::Assigned { .. } => {
                if !inputs.send(Input::Exec { run, event }) {
                    return;
                }
            }
            ExecEvent::Finished(_) => {
                inputs.send(Input::Exec { run, event });
                return;
            }
        }
    }
    let lost = Outcome {
        exit: Exit::Code(-1),
        timed_out: false,
        cancelled: false,
        duration: started.elapsed(),
        env_after: None,
        cwd_after: None,
        lingering: false,
        pgid: 0,
    };
    inputs.send(Input::Exec {
        run,
        event: ExecEvent::Finished(lost),
    });
}
