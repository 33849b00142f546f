//! Running a run step inside the engine: start it (synced first), pump its
//! output through masking to the screen and the log, record how it ended.

use super::Engine;
use super::batch::OutputBatch;
use crate::doc::model::StepKind;
use crate::exec::{self, ExecEvent, Exit, IoMode, Outcome as ExecOutcome, RunRequest, RunningStep};
use crate::session::event::{Body, Stream};
use crate::session::log::encode_output;
use crate::session::log::{AuditError, SyncPolicy};
use crate::session::mask::{StreamMasker, is_secret};
use crate::session::policy::{AfterFailure, after_failure};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Variables the shell manages itself; their changes are not worth an audit event.
const SHELL_NOISE: &[&str] = &["PWD", "OLDPWD", "SHLVL", "_"];

/// A step whose process is running.
pub struct Running {
    pub index: usize,
    handle: RunningStep,
    rx: Receiver<ExecEvent>,
    maskers: [StreamMasker; 3],
    batch: OutputBatch,
    pub started: Instant,
}

/// How a run step ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEnd {
    pub index: usize,
    pub ok: bool,
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub cancelled: bool,
    pub duration: Duration,
}

impl RunEnd {
    /// How a failed run ended, in a few words: `exit 3`, `timed out`, `cancelled`, `killed by a signal`.
    pub fn failure(&self) -> String {
        match self.exit_code {
            _ if self.timed_out => "timed out".into(),
            _ if self.cancelled => "cancelled".into(),
            Some(code) => format!("exit {code}"),
            None => "killed by a signal".into(),
        }
    }
}

/// What `begin_run` did.
pub enum Begun {
    Running,
    /// Nothing ran (dry run, or the step could not start); it is already recorded.
    Ended(RunEnd),
}

fn slot(stream: Stream) -> usize {
    match stream {
        Stream::Stdout => 0,
        Stream::Stderr => 1,
        Stream::Pty => 2,
    }
}

impl Engine<'_> {
    /// After a failed run: the policy every driver follows (retries, then `on_fail`), with
    /// what `on_fail` asks for (a skip, or entering rollback) already recorded. Retrying and
    /// stopping for the operator are left to the driver.
    pub fn after_failure(&mut self, end: &RunEnd) -> AfterFailure {
        let Some(StepKind::Run(run)) = self.refs.get(end.index).map(|r| &r.step.kind) else {
            return AfterFailure::Stop;
        };
        let attempts = self.state.steps.get(end.index).map_or(1, |s| s.attempts);
        let can_roll_back = self.has_rollback() && !self.state.in_rollback;
        let policy = after_failure(run, attempts, can_roll_back);
        let (id, what) = (self.step_id(end.index), end.failure());
        let _ = match policy {
            AfterFailure::Continue => {
                self.skip(end.index, &format!("failed ({what}); on_fail=continue"))
            }
            AfterFailure::Rollback => {
                self.enter_rollback(&format!("step {id} failed ({what}); on_fail=rollback"))
            }
            AfterFailure::Retry | AfterFailure::Stop => Ok(()),
        };
        policy
    }

    /// The running step, if any.
    pub fn running(&self) -> Option<&Running> {
        self.running.as_ref()
    }

    /// Starts run step `index`. The start is on disk before the command runs.
    pub fn begin_run(
        &mut self,
        index: usize,
        auto: bool,
        dry_run: bool,
        pty: (u16, u16),
    ) -> Result<Begun, AuditError> {
        let Some(StepKind::Run(run)) = self.refs.get(index).map(|r| r.step.kind.clone()) else {
            return Ok(Begun::Ended(RunEnd {
                index,
                ok: false,
                exit_code: None,
                timed_out: false,
                cancelled: false,
                duration: Duration::ZERO,
            }));
        };
        let cwd = self.step_cwd(run.cwd.as_deref());
        let attempt = self.state.steps.get(index).map_or(1, |s| s.attempts + 1);
        let started = Body::StepStarted {
            attempt,
            script: self.mask(&run.script),
            cwd: cwd.display().to_string(),
            auto,
            dry_run,
        };
        self.record_step(index, started, SyncPolicy::Now)?;
        if dry_run {
            return self
                .finish_without_running(index, true, None)
                .map(Begun::Ended);
        }
        let io = if run.interactive {
            IoMode::Inherit
        } else if run.tty {
            IoMode::Pty {
                cols: pty.0,
                rows: pty.1,
            }
        } else {
            IoMode::Pipes
        };
        let request = RunRequest {
            script: run.script.clone(),
            env: self.env.clone(),
            cwd,
            timeout: run.timeout,
            io,
            secret_names: self.declared_secrets.clone(),
            errexit: run.errexit,
        };
        let (tx, rx) = mpsc::sync_channel(exec::EVENT_BACKLOG);
        match exec::start(request, tx, &self.groups) {
            Ok(handle) => {
                if let Some(leader_start) = exec::leftover::start_ticks(handle.pid()) {
                    let body = Body::StepProcess {
                        pgid: handle.pgid(),
                        leader_start,
                        cgroup: handle.cgroup().map(|dir| dir.display().to_string()),
                    };
                    let _ = self.record_step(index, body, SyncPolicy::Now);
                }
                self.running = Some(Running {
                    index,
                    handle,
                    rx,
                    maskers: Default::default(),
                    batch: OutputBatch::default(),
                    started: Instant::now(),
                });
                Ok(Begun::Running)
            }
            Err(e) => self
                .finish_without_running(
                    index,
                    false,
                    Some(format!("runbook: the step could not start: {e}\n")),
                )
                .map(Begun::Ended),
        }
    }

    fn finish_without_running(
        &mut self,
        index: usize,
        ok: bool,
        message: Option<String>,
    ) -> Result<RunEnd, AuditError> {
        if let Some(message) = message {
            let chunk = encode_output(self.mask(&message).as_bytes());
            self.record_step(
                index,
                Body::Output {
                    stream: Stream::Stderr,
                    chunk,
                },
                SyncPolicy::Lazy,
            )?;
        }
        let exit_code = ok.then_some(0);
        let body = Body::StepFinished {
            exit_code,
            signal: None,
            duration_ms: 0,
            ok,
            lingering: false,
        };
        self.record_step(index, body, SyncPolicy::Now)?;
        Ok(RunEnd {
            index,
            ok,
            exit_code,
            timed_out: false,
            cancelled: false,
            duration: Duration::ZERO,
        })
    }

    fn step_cwd(&self, cwd: Option<&str>) -> PathBuf {
        match cwd {
            Some(dir) if dir.starts_with('/') => PathBuf::from(dir),
            Some(dir) => self.cwd.join(dir),
            None => self.cwd.clone(),
        }
    }

    /// Asks the running step and every process it started to stop (TERM, grace, KILL).
    pub fn cancel_running(&mut self, reason: &str) {
        let Some(running) = &self.running else { return };
        let index = running.index;
        running.handle.cancel();
        let _ = self.record_step(
            index,
            Body::StepCancelled {
                reason: reason.to_string(),
            },
            SyncPolicy::Now,
        );
    }

    /// Cancels the running step and waits (at most the grace period and a little)
    /// until its end is recorded.
    pub fn stop_running(&mut self, reason: &str) -> Option<RunEnd> {
        self.running.as_ref()?;
        self.cancel_running(reason);
        let deadline = Instant::now() + super::GRACE + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Some(end) = self.pump(Duration::from_millis(50), &mut |_, _, _| {}) {
                return Some(end);
            }
        }
        None
    }

    /// Moves the running step forward for at most `wait` (also while output keeps
    /// flowing, so a driver stays responsive): output goes (masked) to
    /// `show` and the log. Returns how the step ended once it has.
    pub fn pump(
        &mut self,
        wait: Duration,
        show: &mut dyn FnMut(&str, Stream, &[u8]),
    ) -> Option<RunEnd> {
        let deadline = Instant::now() + wait;
        loop {
            let Some(running) = &self.running else {
                return None;
            };
            if self.journal.busy() {
                std::thread::sleep(Duration::from_millis(1));
                if Instant::now() >= deadline {
                    self.tick();
                    return None;
                }
                continue;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match running.rx.recv_timeout(left) {
                Ok(ExecEvent::Output { stream, bytes }) => {
                    self.take_output(stream, &bytes, show);
                    if Instant::now() >= deadline {
                        self.tick();
                        return None;
                    }
                }
                Ok(ExecEvent::Assigned { name, value }) => {
                    if is_secret(&name, &value, &self.declared_secrets) {
                        self.secrets.add(&value);
                    }
                }
                Ok(ExecEvent::Finished(outcome)) => return Some(self.finish_run(outcome, show)),
                Err(RecvTimeoutError::Timeout) => {
                    self.tick();
                    return None;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let lost = ExecOutcome {
                        exit: Exit::Code(-1),
                        timed_out: false,
                        cancelled: false,
                        duration: running.started.elapsed(),
                        env_after: None,
                        cwd_after: None,
                        lingering: false,
                        pgid: 0,
                    };
                    return Some(self.finish_run(lost, show));
                }
            }
        }
    }

    fn take_output(
        &mut self,
        stream: Stream,
        bytes: &[u8],
        show: &mut dyn FnMut(&str, Stream, &[u8]),
    ) {
        let Some(running) = self.running.as_mut() else {
            return;
        };
        let masked = running.maskers[slot(stream)].push(&self.secrets, bytes);
        if masked.is_empty() {
            return;
        }
        let index = running.index;
        let ready = running.batch.push(stream, &masked, Instant::now());
        show(&self.step_id(index), stream, &masked);
        for (stream, bytes) in ready {
            self.record_output(index, stream, &bytes);
        }
    }

    fn record_output(&mut self, index: usize, stream: Stream, bytes: &[u8]) {
        let chunk = encode_output(bytes);
        let _ = self.record_step(index, Body::Output { stream, chunk }, SyncPolicy::Lazy);
    }

    /// Writes output that has waited its 100 ms.
    pub(super) fn flush_due_output(&mut self) {
        let Some(running) = self.running.as_mut() else {
            return;
        };
        let index = running.index;
        if let Some((stream, bytes)) = running.batch.due(Instant::now()) {
            self.record_output(index, stream, &bytes);
        }
    }

    fn finish_run(
        &mut self,
        outcome: ExecOutcome,
        show: &mut dyn FnMut(&str, Stream, &[u8]),
    ) -> RunEnd {
        let Some(mut running) = self.running.take() else {
            return RunEnd {
                index: 0,
                ok: false,
                exit_code: None,
                timed_out: false,
                cancelled: false,
                duration: outcome.duration,
            };
        };
        let index = running.index;
        let id = self.step_id(index);
        for stream in [Stream::Stdout, Stream::Stderr, Stream::Pty] {
            let rest = running.maskers[slot(stream)].finish(&self.secrets);
            if !rest.is_empty() {
                show(&id, stream, &rest);
                for (s, bytes) in running.batch.push(stream, &rest, Instant::now()) {
                    self.record_output(index, s, &bytes);
                }
            }
        }
        if let Some((stream, bytes)) = running.batch.take_all() {
            self.record_output(index, stream, &bytes);
        }
        self.record_end(index, outcome)
    }

    fn record_end(&mut self, index: usize, outcome: ExecOutcome) -> RunEnd {
        let duration_ms = u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX);
        if outcome.timed_out {
            let _ = self.record_step(
                index,
                Body::StepTimedOut {
                    after_ms: duration_ms,
                },
                SyncPolicy::Lazy,
            );
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
        RunEnd {
            index,
            ok,
            exit_code,
            timed_out: outcome.timed_out,
            cancelled: outcome.cancelled,
            duration: outcome.duration,
        }
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
                if self.env.get(name) != Some(value) && !SHELL_NOISE.contains(&name.as_str()) {
                    if is_secret(name, value, &self.declared_secrets) {
                        self.secrets.add(value);
                    }
                    set.insert(name.clone(), self.secrets.mask_str(value));
                }
            }
            unset = self
                .env
                .keys()
                .filter(|k| !after.contains_key(*k) && !SHELL_NOISE.contains(&k.as_str()))
                .cloned()
                .collect();
            self.env = after;
        }
        let mut cwd = None;
        if let Some(dir) = cwd_after.filter(|d| *d != self.cwd) {
            cwd = Some(dir.display().to_string());
            self.cwd = dir;
        }
        if set.is_empty() && unset.is_empty() && cwd.is_none() {
            return;
        }
        let _ = self.record(None, Body::EnvChanged { set, unset, cwd }, SyncPolicy::Lazy);
    }
}
