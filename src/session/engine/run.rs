//! Runs in the engine: each start handed to the executor under a fresh [`RunId`] (the
//! start is on disk before the command runs), each run's output masked, batched and
//! recorded, and its end recorded with what it exported and where it `cd`'d carried to
//! the next step.

use super::Engine;
use super::batch::OutputBatch;
use crate::doc::model::StepKind;
use crate::exec::{ExecEvent, Exit, IoMode, Outcome as ExecOutcome};
use crate::session::event::{Body, HostOutput, Stream};
use crate::session::executor::{RunId, RunSpec};
use crate::session::log::{AuditError, SyncPolicy};
use crate::session::mask::{StreamMasker, is_secret};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

/// Output of a run that waited long enough: its step, its host, the record.
type DueOutput = (usize, Option<String>, (Stream, Vec<u8>));

/// Variables the shell manages itself; their changes are not worth an audit event.
const SHELL_NOISE: &[&str] = &["PWD", "OLDPWD", "SHLVL", "_"];

/// A run in flight.
pub struct Run {
    pub id: RunId,
    /// The step it runs.
    pub index: usize,
    pub(super) maskers: [StreamMasker; 3],
    pub(super) batch: OutputBatch,
    pub started: Instant,
    /// It owns the terminal (`interactive=true`).
    pub interactive: bool,
    /// The host it runs on, for a step on hosts.
    pub host: Option<String>,
}

fn slot(stream: Stream) -> usize {
    match stream {
        Stream::Stdout => 0,
        Stream::Stderr => 1,
        Stream::Pty => 2,
    }
}

impl Engine<'_> {
    /// Starts run step `index` (nothing when a run is in flight). A step that needs the
    /// terminal waits until the driver hands it over ([`Engine::hand_terminal`]).
    pub(super) fn start_run(&mut self, index: usize, auto: bool) {
        let Some(StepKind::Run(run)) = self.refs.get(index).map(|r| &r.step.kind) else {
            return;
        };
        if self.running() || !self.may_run(index, auto) {
            return;
        }
        if run.fleet.is_remote() {
            let _ = self.begin_fleet(index, auto);
            return;
        }
        if run.interactive && !self.policy.dry_run && !self.terminal.handed() {
            self.terminal.want(index, auto);
            return;
        }
        let _ = self.begin_run(index, auto);
    }

    /// A step of an option not chosen never runs; a reference step runs only on the
    /// operator's own word.
    fn may_run(&self, index: usize, auto: bool) -> bool {
        use crate::session::state::Status;
        self.projection
            .state
            .steps
            .get(index)
            .is_some_and(|s| s.status != Status::NotChosen && !(s.reference && auto))
    }

    fn begin_run(&mut self, index: usize, auto: bool) -> Result<(), AuditError> {
        let Some(StepKind::Run(run)) = self.refs.get(index).map(|r| r.step.kind.clone()) else {
            return Ok(());
        };
        let cwd = self.step_cwd(run.cwd.as_deref());
        let attempt = self.next_attempt(index);
        let started = Body::StepStarted {
            attempt,
            script: self.mask(&run.script),
            cwd: cwd.display().to_string(),
            auto,
            dry_run: self.policy.dry_run,
            proposed: run.proposed,
            on_demand: self.is_reference(index),
        };
        self.record_step(index, started, SyncPolicy::Now)?;
        if self.policy.dry_run {
            return self.finish_without_running(index, true, None);
        }
        let io = if run.interactive {
            IoMode::Interactive
        } else if run.tty {
            IoMode::Pty {
                cols: self.pty_size.0,
                rows: self.pty_size.1,
            }
        } else {
            IoMode::Pipes
        };
        let spec = RunSpec {
            script: run.script.clone(),
            env: self.with_placeholders(&run.placeholders, self.place.env.clone()),
            cwd,
            timeout: run.timeout,
            io,
            secret_names: self.declared_secrets.clone(),
            errexit: run.errexit,
            on: None,
        };
        let id = RunId(self.next_run);
        self.next_run += 1;
        match self.executor.start(id, spec, &self.inputs) {
            Ok(started) => {
                if let Some((pgid, leader_start)) = started.process {
                    let cgroup = started.cgroup.clone();
                    let body = Body::StepProcess {
                        pgid,
                        leader_start,
                        cgroup,
                    };
                    let _ = self.record_step(index, body, SyncPolicy::Now);
                }
                if run.interactive {
                    self.pause_health(true);
                }
                let run = Run {
                    id,
                    index,
                    maskers: Default::default(),
                    batch: OutputBatch::default(),
                    started: self.now.mono,
                    interactive: run.interactive,
                    host: None,
                };
                self.runs.insert(id, run);
                Ok(())
            }
            Err(e) => {
                let message = format!("runbook: the step could not start: {e}\n");
                self.finish_without_running(index, false, Some(message))
            }
        }
    }

    /// Whether step `index` is a reference step (run on demand, off the forward path).
    pub(super) fn is_reference(&self, index: usize) -> bool {
        self.projection
            .state
            .steps
            .get(index)
            .is_some_and(|s| s.reference)
    }

    /// The number the next attempt at step `index` gets.
    pub(super) fn next_attempt(&self, index: usize) -> u32 {
        self.projection
            .state
            .steps
            .get(index)
            .map_or(1, |s| s.attempts + 1)
    }

    /// The driver has handed the terminal over: the step that waited for it starts.
    pub fn hand_terminal(&mut self) {
        if let Some((index, auto)) = self.terminal.hand() {
            let _ = self.begin_run(index, auto);
        }
        if !self.runs.values().any(|r| r.interactive) {
            // Nothing took the terminal (a dry run, a step that could not start).
            self.terminal.give_back();
        }
        self.drive();
    }

    /// The step that needed the terminal, if one waits for it.
    pub fn terminal_wanted(&self) -> Option<usize> {
        self.terminal.wanted_step()
    }

    /// Whether the terminal came back since the last call (its step ended).
    pub fn take_terminal_back(&mut self) -> bool {
        self.terminal.take_back()
    }

    pub(super) fn finish_without_running(
        &mut self,
        index: usize,
        ok: bool,
        message: Option<String>,
    ) -> Result<(), AuditError> {
        if let Some(message) = message {
            let bytes = self.mask(&message).into_bytes().into();
            let body = Body::Output {
                stream: Stream::Stderr,
                bytes,
            };
            self.record_step(index, body, SyncPolicy::Lazy)?;
        }
        let body = Body::StepFinished {
            // Nothing ran (a dry run, or a step that could not start): no exit code.
            exit_code: None,
            signal: None,
            duration_ms: 0,
            ok,
            lingering: false,
        };
        self.record_step(index, body, SyncPolicy::Now)
    }

    fn step_cwd(&self, cwd: Option<&str>) -> PathBuf {
        match cwd {
            Some(dir) if dir.starts_with('/') => PathBuf::from(dir),
            Some(dir) => self.place.cwd.join(dir),
            None => self.place.cwd.clone(),
        }
    }

    /// Asks every run to stop (TERM, grace, KILL); their ends arrive as inputs.
    pub fn cancel_runs(&mut self, reason: &str) {
        let runs: Vec<(RunId, usize)> = self.runs.values().map(|r| (r.id, r.index)).collect();
        let mut told = std::collections::BTreeSet::new();
        for (id, index) in runs {
            self.executor.cancel(id);
            if !told.insert(index) {
                continue;
            }
            let body = Body::StepCancelled {
                reason: reason.to_string(),
            };
            let _ = self.record_step(index, body, SyncPolicy::Now);
        }
    }

    pub(super) fn exec_event(&mut self, run: RunId, event: ExecEvent) {
        match event {
            ExecEvent::Output { stream, bytes } => {
                self.inputs.output_taken();
                self.take_output(run, stream, &bytes);
            }
            ExecEvent::Assigned { name, value } => {
                if is_secret(&name, &value, &self.declared_secrets) {
                    self.secrets.add(&value);
                }
            }
            ExecEvent::Finished(outcome) => self.finish_run(run, outcome),
        }
    }

    pub(super) fn take_output(&mut self, run: RunId, stream: Stream, bytes: &[u8]) {
        let now = self.now.mono;
        let Some(running) = self.runs.get_mut(&run) else {
            return;
        };
        let masked = running.maskers[slot(stream)].push(&self.secrets, bytes);
        if masked.is_empty() {
            return;
        }
        let (index, host) = (running.index, running.host.clone());
        let ready = running.batch.push(stream, &masked, now);
        for (stream, bytes) in ready {
            self.record_output(index, host.as_deref(), stream, bytes);
        }
    }

    fn record_output(&mut self, index: usize, host: Option<&str>, stream: Stream, bytes: Vec<u8>) {
        let body = match host {
            Some(host) => Body::HostOutput(HostOutput {
                host: host.to_string(),
                stream,
                bytes: bytes.into(),
            }),
            None => Body::Output {
                stream,
                bytes: bytes.into(),
            },
        };
        let _ = self.record_step(index, body, SyncPolicy::Lazy);
    }

    /// Writes output that has waited its 100 ms.
    pub(super) fn flush_due_output(&mut self) {
        let now = self.now.mono;
        let due: Vec<DueOutput> = self
            .runs
            .values_mut()
            .filter_map(|run| Some((run.index, run.host.clone(), run.batch.due(now)?)))
            .collect();
        for (index, host, (stream, bytes)) in due {
            self.record_output(index, host.as_deref(), stream, bytes);
        }
    }

    fn finish_run(&mut self, run: RunId, outcome: ExecOutcome) {
        self.executor.forget(run);
        let Some(mut running) = self.runs.remove(&run) else {
            return;
        };
        let index = running.index;
        self.flush_run(&mut running);
        if running.interactive {
            self.pause_health(false);
            self.terminal.give_back();
        }
        self.record_end(index, outcome);
    }

    /// Records what a run's maskers and batch still hold.
    pub(super) fn flush_run(&mut self, running: &mut Run) {
        let (index, host) = (running.index, running.host.clone());
        for stream in [Stream::Stdout, Stream::Stderr, Stream::Pty] {
            let rest = running.maskers[slot(stream)].finish(&self.secrets);
            if !rest.is_empty() {
                for (s, bytes) in running.batch.push(stream, &rest, self.now.mono) {
                    self.record_output(index, host.as_deref(), s, bytes);
                }
            }
        }
        if let Some((stream, bytes)) = running.batch.take_all() {
            self.record_output(index, host.as_deref(), stream, bytes);
        }
    }

    fn record_end(&mut self, index: usize, outcome: ExecOutcome) {
        let duration_ms = u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX);
        if outcome.timed_out {
            let body = Body::StepTimedOut {
                after_ms: duration_ms,
            };
            let _ = self.record_step(index, body, SyncPolicy::Lazy);
        }
        let expected = match self.refs.get(index).map(|r| &r.step.kind) {
            Some(StepKind::Run(run)) => run.expect_exit,
            _ => 0,
        };
        let (exit_code, signal) = match outcome.exit {
            Exit::Code(code) => (Some(code), None),
            Exit::Signal(sig) => (None, Some(sig)),
        };
        let ok = !outcome.timed_out && !outcome.cancelled && exit_code == Some(expected);
        self.carry_env(outcome.env_after, outcome.cwd_after);
        let body = Body::StepFinished {
            exit_code,
            signal,
            duration_ms,
            ok,
            lingering: outcome.lingering,
        };
        let _ = self.record_step(index, body, SyncPolicy::Now);
    }

    /// Exports and `cd` carry over to later steps; the change is recorded with secrets masked.
    fn carry_env(
        &mut self,
        env_after: Option<BTreeMap<String, String>>,
        cwd_after: Option<PathBuf>,
    ) {
        let mut set = BTreeMap::new();
        let mut unset = Vec::new();
        if let Some(after) = env_after {
            for (name, value) in &after {
                if self.place.env.get(name) != Some(value) && !SHELL_NOISE.contains(&name.as_str())
                {
                    if is_secret(name, value, &self.declared_secrets) {
                        self.secrets.add(value);
                    }
                    set.insert(name.clone(), self.secrets.mask_str(value));
                }
            }
            unset = self
                .place
                .env
                .keys()
                .filter(|k| !after.contains_key(*k) && !SHELL_NOISE.contains(&k.as_str()))
                .cloned()
                .collect();
            self.place.env = after;
        }
        let mut cwd = None;
        if let Some(dir) = cwd_after.filter(|d| *d != self.place.cwd) {
            cwd = Some(dir.display().to_string());
            self.place.cwd = dir;
        }
        if set.is_empty() && unset.is_empty() && cwd.is_none() {
            return;
        }
        let _ = self.record(None, Body::EnvChanged { set, unset, cwd }, SyncPolicy::Lazy);
    }
}
