//! A run step on many hosts (PRODUCT.md §8), as the engine carries it out: the hosts `on`
//! names are resolved and planned into batches (recorded), each batch's hosts started
//! through the executor — one run per host, at most [`AT_ONCE`] at a time without
//! `serial` — each host's start, output and end recorded with its name, and the batch's
//! end once its last host ended. What follows a batch is the conductor's call
//! ([`crate::session::kinds::fleet_step`]).

use super::batch::OutputBatch;
use super::{Engine, Run};
use crate::doc::hosts::HostEntry;
use crate::doc::model::{RunStep, StepKind};
use crate::exec::{Exit, IoMode};
use crate::fleet::{Failure, RemoteEvent, RemoteOutcome};
use crate::session::event::{
    BatchDecision, BatchEnd, BatchStart, Body, Decision, FleetPlan, FleetStop, HostEnd, HostStart,
};
use crate::session::executor::{HostTarget, RunId, RunSpec};
use crate::session::fleet_state::{FleetProgress, HostStatus};
use crate::session::log::{AuditError, SyncPolicy};
use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

/// Hosts running at once in a batch when `serial` does not say.
pub const AT_ONCE: usize = 20;

/// The step on hosts in progress, as far as the fold does not hold it.
#[derive(Debug, Default)]
pub(super) struct FleetRuns {
    /// The step's hosts by name.
    hosts: BTreeMap<String, HostEntry>,
    /// Hosts of the current batch not started yet.
    queue: VecDeque<String>,
    /// How many of a batch run at once.
    at_once: usize,
    began: Option<Instant>,
}

impl Engine<'_> {
    /// A resumed session: the hosts its earlier drivers ran on (by name, as recorded) are
    /// swept when it closes, so what was left there does not outlive it.
    pub fn stop_at_close_on_earlier_hosts(&mut self, names: &std::collections::BTreeSet<String>) {
        let hosts = crate::fleet::summary::hosts_named(self.runbook, names);
        if !hosts.is_empty() {
            self.executor.stop_at_close_on(hosts);
        }
    }

    /// Starts run step `index` on its hosts: resolves and plans them, records the plan;
    /// the conductor then starts the first batch.
    pub(super) fn begin_fleet(&mut self, index: usize, auto: bool) -> Result<(), AuditError> {
        let Some(StepKind::Run(run)) = self.refs.get(index).map(|r| r.step.kind.clone()) else {
            return Ok(());
        };
        let prior = self
            .projection
            .state
            .steps
            .get(index)
            .and_then(crate::session::fleet_state::partial)
            .cloned();
        let attempt = self.next_attempt(index);
        let started = Body::StepStarted {
            attempt,
            script: self.mask(&run.script),
            cwd: match &run.cwd {
                Some(dir) => format!("{dir} on each host"),
                None => "each host's own directory".into(),
            },
            auto,
            dry_run: self.policy.dry_run,
            proposed: run.proposed,
            on_demand: self.is_reference(index),
        };
        self.record_step(index, started, SyncPolicy::Now)?;
        let hosts = match crate::fleet::summary::step_hosts(self.runbook, &run) {
            Ok(hosts) => hosts,
            Err(why) => {
                let message = format!("runbook: the step's hosts: {why}\n");
                return self.finish_without_running(index, false, Some(message));
            }
        };
        let names: Vec<String> = hosts.iter().map(|h| h.name.clone()).collect();
        // A rerun after a partial attempt: every host but those that finished OK.
        let finished_ok: Vec<&str> = prior
            .as_ref()
            .map(FleetProgress::finished_ok)
            .unwrap_or_default();
        let run_on: Vec<String> = names
            .iter()
            .filter(|n| !finished_ok.contains(&n.as_str()))
            .cloned()
            .collect();
        let remaining_only = prior.is_some();
        let batches = crate::fleet::plan::batches(run_on.len(), &run.fleet.serial);
        self.fleet = FleetRuns {
            hosts: hosts.into_iter().map(|h| (h.name.clone(), h)).collect(),
            queue: VecDeque::new(),
            at_once: if run.fleet.serial.is_empty() {
                AT_ONCE
            } else {
                usize::MAX
            },
            began: Some(self.now.mono),
        };
        let plan = FleetPlan {
            hosts: names,
            run: run_on,
            batches,
            remaining_only,
        };
        self.record_step(index, Body::FleetPlanned(plan), SyncPolicy::Now)?;
        if self.policy.dry_run {
            return self.finish_without_running(index, true, None);
        }
        Ok(())
    }

    /// The fleet part of step `index` as folded.
    fn fleet_of(&self, index: usize) -> Option<&FleetProgress> {
        self.projection
            .state
            .steps
            .get(index)
            .and_then(|s| s.fleet.as_ref())
    }

    /// Starts the step's next batch.
    pub(super) fn start_batch(&mut self, index: usize) -> Result<(), AuditError> {
        let Some(fleet) = self.fleet_of(index) else {
            return Ok(());
        };
        let batch = fleet.batch + 1;
        let hosts = fleet.batch_hosts(batch);
        let start = BatchStart {
            batch,
            batches: fleet.batches.len(),
            hosts: hosts.clone(),
        };
        self.record_step(index, Body::BatchStarted(start), SyncPolicy::Now)?;
        self.fleet.queue = hosts.into();
        self.launch_queued(index);
        self.end_batch_if_done(index)
    }

    /// Starts queued hosts while fewer than the batch's limit run: their starts are
    /// recorded first, on disk with one sync, then ssh is called for each.
    fn launch_queued(&mut self, index: usize) {
        let room = self.fleet.at_once.saturating_sub(self.runs.len());
        let take = room.min(self.fleet.queue.len());
        let names: Vec<String> = self.fleet.queue.drain(..take).collect();
        for (n, name) in names.iter().enumerate() {
            let address = self.fleet.hosts.get(name).map(|h| h.address.clone());
            let start = HostStart {
                host: name.clone(),
                address: address.unwrap_or_default(),
            };
            let sync = if n + 1 == names.len() {
                SyncPolicy::Now
            } else {
                SyncPolicy::Lazy
            };
            if self
                .record_step(index, Body::HostStarted(start), sync)
                .is_err()
            {
                return;
            }
        }
        for name in &names {
            if self.launch_host(index, name).is_err() {
                return;
            }
        }
    }

    fn launch_host(&mut self, index: usize, name: &str) -> Result<(), AuditError> {
        let Some(StepKind::Run(run)) = self.refs.get(index).map(|r| r.step.kind.clone()) else {
            return Ok(());
        };
        let Some(host) = self.fleet.hosts.get(name).cloned() else {
            return Ok(());
        };
        let spec = RunSpec {
            script: run.script.clone(),
            env: self.remote_env(&run),
            cwd: self.place.cwd.clone(),
            timeout: run.timeout,
            io: IoMode::Pipes,
            secret_names: self.declared_secrets.clone(),
            errexit: run.errexit,
            on: Some(HostTarget {
                host: host.clone(),
                cwd: run.cwd.clone(),
            }),
        };
        let id = RunId(self.next_run);
        self.next_run += 1;
        match self.executor.start(id, spec, &self.inputs) {
            Ok(_) => {
                let running = Run {
                    id,
                    index,
                    maskers: Default::default(),
                    batch: OutputBatch::default(),
                    started: self.now.mono,
                    interactive: false,
                    host: Some(host.name),
                };
                self.runs.insert(id, running);
                Ok(())
            }
            Err(why) => {
                let end = HostEnd {
                    host: host.name,
                    exit_code: None,
                    signal: None,
                    duration_ms: 0,
                    ok: false,
                    timed_out: false,
                    cancelled: false,
                    failure: Some(format!("not started: {why}")),
                };
                self.record_step(index, Body::HostFinished(end), SyncPolicy::Now)
            }
        }
    }

    /// What a host's run gets: the parameters, the placeholders the step reads, and what
    /// the session's earlier steps here exported — never this machine's own environment.
    fn remote_env(&self, run: &RunStep) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        for param in &self.runbook.meta.params {
            if let Some(value) = self.params.get(&param.name) {
                env.insert(param.env_name(), value.clone());
            }
        }
        for name in self.projection.state.env_set.keys() {
            if let Some(value) = self.place.env.get(name) {
                env.insert(name.clone(), value.clone());
            }
        }
        self.with_placeholders(&run.placeholders, env)
    }

    pub(super) fn remote_event(&mut self, run: RunId, event: RemoteEvent) {
        match event {
            RemoteEvent::Output { stream, bytes } => {
                self.inputs.output_taken();
                self.take_output(run, stream, &bytes);
            }
            RemoteEvent::Started { .. } => {}
            RemoteEvent::Finished(outcome) => {
                self.learn_secrets(&outcome);
                self.finish_host(run, &outcome);
            }
        }
    }

    /// Values a host's step assigned to secret names are masked from here on.
    fn learn_secrets(&mut self, outcome: &RemoteOutcome) {
        let Some(change) = &outcome.change else {
            return;
        };
        for (name, value) in &change.set {
            if crate::session::mask::is_secret(name, value, &self.declared_secrets) {
                self.secrets.add(value);
            }
        }
    }

    fn finish_host(&mut self, run: RunId, outcome: &RemoteOutcome) {
        self.executor.forget(run);
        let Some(mut running) = self.runs.remove(&run) else {
            return;
        };
        self.flush_run(&mut running);
        let index = running.index;
        let (exit_code, signal) = match outcome.exit {
            Exit::Code(-1) => (None, None),
            Exit::Code(code) => (Some(code), None),
            Exit::Signal(sig) => (None, Some(sig)),
        };
        let expected = match self.refs.get(index).map(|r| &r.step.kind) {
            Some(StepKind::Run(step)) => step.expect_exit,
            _ => 0,
        };
        let end = HostEnd {
            host: running.host.unwrap_or_default(),
            exit_code,
            signal,
            duration_ms: u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX),
            ok: outcome.failure.is_none()
                && !outcome.timed_out
                && !outcome.cancelled
                && exit_code == Some(expected),
            timed_out: outcome.timed_out,
            cancelled: outcome.cancelled,
            failure: outcome
                .failure
                .as_ref()
                .map(Failure::to_string)
                .map(|f| self.mask(&f)),
        };
        // Lazy: the batch's end is synced; a host end lost to a crash reads as interrupted.
        let _ = self.record_step(index, Body::HostFinished(end), SyncPolicy::Lazy);
        let cancelled = self
            .projection
            .state
            .steps
            .get(index)
            .is_some_and(|s| s.status == crate::session::state::Status::Cancelled);
        if cancelled || self.ending.is_some() {
            self.fleet.queue.clear();
        }
        self.launch_queued(index);
        let _ = self.end_batch_if_done(index);
    }

    /// Records the batch's end once none of its hosts runs or waits to.
    fn end_batch_if_done(&mut self, index: usize) -> Result<(), AuditError> {
        if !self.fleet.queue.is_empty() || self.runs.values().any(|r| r.index == index) {
            return Ok(());
        }
        let Some(fleet) = self.fleet_of(index) else {
            return Ok(());
        };
        if !fleet.batch_open {
            return Ok(());
        }
        let hosts = fleet.batch_hosts(fleet.batch);
        let ended = |status| {
            fleet
                .hosts
                .iter()
                .filter(|h| hosts.contains(&h.name) && h.status == status)
                .count()
        };
        let more = fleet.batch < fleet.batches.len();
        let pause = match self.refs.get(index).map(|r| &r.step.kind) {
            Some(StepKind::Run(run)) => run.fleet.batch_wait.filter(|_| more),
            _ => None,
        };
        let end = BatchEnd {
            batch: fleet.batch,
            ok: ended(HostStatus::Ok),
            failed: ended(HostStatus::Failed),
            next_at: pause.map(|p| self.now.plus(p).wall),
        };
        self.record_step(index, Body::BatchFinished(end), SyncPolicy::Now)
    }

    /// Cancels the running step on hosts between its batches (no host runs to cancel):
    /// the batches not started never start.
    pub(super) fn cancel_between_batches(&mut self, reason: &str) -> Result<(), AuditError> {
        let Some(index) = self.projection.state.running else {
            return Ok(());
        };
        let between = self.fleet_of(index).is_some_and(|f| !f.batch_open)
            && !self.runs.values().any(|r| r.index == index)
            && self
                .projection
                .state
                .steps
                .get(index)
                .is_some_and(|s| s.status == crate::session::state::Status::Running);
        if !between {
            return Ok(());
        }
        let body = Body::StepCancelled {
            reason: reason.to_string(),
        };
        self.record_step(index, body, SyncPolicy::Now)
    }

    /// GO or NO-GO after the step's current batch.
    pub(super) fn decide_batch(
        &mut self,
        index: usize,
        decision: Decision,
        auto: bool,
    ) -> Result<(), AuditError> {
        let Some(fleet) = self.fleet_of(index) else {
            return Ok(());
        };
        if fleet.batch_open || fleet.decided >= fleet.batch {
            return Ok(());
        }
        let body = Body::BatchDecided(BatchDecision {
            batch: fleet.batch,
            decision,
            auto,
        });
        self.record_step(index, body, SyncPolicy::Now)
    }

    /// Ends the step: every batch ran, or `stop` says why the rest never started.
    pub(super) fn end_fleet_step(
        &mut self,
        index: usize,
        stop: Option<String>,
    ) -> Result<(), AuditError> {
        let never_started = self
            .fleet_of(index)
            .map(FleetProgress::never_started)
            .unwrap_or_default();
        let ok = stop.is_none();
        if let Some(reason) = stop {
            let body = Body::FleetStopped(FleetStop {
                reason,
                never_started,
            });
            self.record_step(index, body, SyncPolicy::Now)?;
        }
        let duration_ms = self.fleet.began.take().map_or(0, |began| {
            u64::try_from(self.now.mono.saturating_duration_since(began).as_millis())
                .unwrap_or(u64::MAX)
        });
        let body = Body::StepFinished {
            exit_code: None,
            signal: None,
            duration_ms,
            ok,
            lingering: false,
        };
        self.record_step(index, body, SyncPolicy::Now)
    }
}
