//! The session engine: the one place where what the operator does becomes
//! events. Every action appends to the audit log and folds into the state;
//! drivers (`--plain`, the TUI) decide *when* to act, never *how* it is recorded.

mod batch;
mod handover;
mod health;
mod journal;
mod proof;
mod run;
mod signoff;

use super::event::{Body, Decision, Event, Outcome, Signer};
use super::log::{AuditError, AuditWriter, EventDraft, SyncPolicy};
use super::mask::Secrets;
use super::state::SessionState;
use crate::doc::model::{Runbook, StepRef};
use crate::exec::ProcessGroups;
use journal::Journal;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub use health::WaitEnd;
pub use run::{Begun, RunEnd, Running};
pub use signoff::{SignoffNews, origin};

/// How long a step's process group gets between TERM and KILL.
pub const GRACE: Duration = Duration::from_secs(2);

/// A live session: the runbook, the log being written, and the fold of what happened.
pub struct Engine<'r> {
    pub runbook: &'r Runbook,
    pub refs: Vec<StepRef<'r>>,
    pub state: SessionState,
    journal: Journal,
    audit_error: Option<String>,
    pub env: BTreeMap<String, String>,
    pub cwd: PathBuf,
    pub secrets: Secrets,
    declared_secrets: Vec<String>,
    pub groups: ProcessGroups,
    running: Option<Running>,
    /// Follower sign-off requests and what became of sign-offs.
    signoffs: signoff::Desk,
    pub os_user: String,
    /// Parameter values, for `{{name}}` in titles and prose.
    pub params: BTreeMap<String, String>,
    /// The runbook's health checks, once started.
    health: Option<crate::health::Monitor>,
    /// Checks whose `rollback_if` already raised a prompt in this critical spell.
    rollback_raised: std::collections::BTreeSet<String>,
}

impl<'r> Engine<'r> {
    /// An engine writing to `writer`, starting from `state` (fresh, or folded from a log being resumed).
    pub fn new(
        runbook: &'r Runbook,
        writer: AuditWriter,
        state: SessionState,
        env: BTreeMap<String, String>,
        cwd: PathBuf,
    ) -> std::io::Result<Self> {
        let declared_secrets = runbook.meta.env.secret.clone();
        let secrets = Secrets::from_env(&env, &declared_secrets);
        let signoffs = signoff::Desk::open(writer.path());
        Ok(Engine {
            runbook,
            refs: runbook.steps(),
            state,
            journal: Journal::start(writer)?,
            audit_error: None,
            env,
            cwd,
            secrets,
            declared_secrets,
            groups: ProcessGroups::default(),
            running: None,
            signoffs,
            os_user: os_user(),
            params: BTreeMap::new(),
            health: None,
            rollback_raised: Default::default(),
        })
    }

    /// The log file being written.
    pub fn log_path(&self) -> PathBuf {
        self.journal.path().to_path_buf()
    }

    /// Why the audit log can no longer be written, if it cannot.
    pub fn audit_error(&self) -> Option<&str> {
        self.audit_error.as_deref()
    }

    /// Appends an event and folds it into the state. A write failure is kept:
    /// after it no step may start (the driver checks [`Engine::audit_error`]).
    pub fn record(
        &mut self,
        step: Option<&str>,
        body: Body,
        sync: SyncPolicy,
    ) -> Result<(), AuditError> {
        let event = Event::new(step, body);
        self.state.apply(&event);
        let (kind, data) = event.into_kind_and_data();
        let written = self.journal.append(EventDraft::new(kind, step, data), sync);
        if let Err(e) = &written {
            self.audit_error.get_or_insert_with(|| e.to_string());
        }
        written
    }

    /// Records against step `index` (by its id).
    fn record_step(
        &mut self,
        index: usize,
        body: Body,
        sync: SyncPolicy,
    ) -> Result<(), AuditError> {
        let id = self.step_id(index);
        self.record(Some(&id), body, sync)
    }

    pub fn step_id(&self, index: usize) -> String {
        self.state
            .steps
            .get(index)
            .map(|s| s.id.clone())
            .unwrap_or_default()
    }

    /// Syncs lazily written records that are due, and writes output batches that waited long enough.
    pub fn tick(&mut self) {
        self.flush_due_output();
        if let Some(e) = self.journal.error() {
            self.audit_error.get_or_insert_with(|| e.to_string());
        }
    }

    pub fn start_session(
        &mut self,
        operator: &str,
        yes: bool,
        dry_run: bool,
        skip_waits: bool,
        source: &str,
    ) -> Result<(), AuditError> {
        let body = Body::SessionStarted {
            title: self.display(&self.runbook.title),
            steps: self.refs.len(),
            yes,
            dry_run,
            skip_waits,
            source: self.secrets.mask_str(source),
            operator: operator.to_string(),
        };
        self.record(None, body, SyncPolicy::Now)
    }

    pub fn skip(&mut self, index: usize, reason: &str) -> Result<(), AuditError> {
        self.record_step(
            index,
            Body::StepSkipped {
                reason: self.secrets.mask_str(reason),
            },
            SyncPolicy::Now,
        )
    }

    pub fn mark_done(&mut self, index: usize, reason: &str) -> Result<(), AuditError> {
        self.record_step(
            index,
            Body::StepMarkedDone {
                reason: self.secrets.mask_str(reason),
            },
            SyncPolicy::Now,
        )
    }

    pub fn confirm_check(&mut self, index: usize, auto: bool) -> Result<(), AuditError> {
        self.record_step(index, Body::CheckConfirmed { auto }, SyncPolicy::Now)
    }

    pub fn start_wait(
        &mut self,
        index: usize,
        seconds: f64,
        until: Vec<String>,
    ) -> Result<(), AuditError> {
        let length = chrono::Duration::milliseconds((seconds * 1000.0) as i64);
        let ends_at = chrono::Utc::now() + length;
        self.record_step(
            index,
            Body::WaitStarted {
                seconds,
                until,
                ends_at,
            },
            SyncPolicy::Now,
        )
    }

    pub fn end_wait(&mut self, index: usize, early: bool, reason: &str) -> Result<(), AuditError> {
        self.record_step(
            index,
            Body::WaitEnded {
                early,
                reason: self.secrets.mask_str(reason),
            },
            SyncPolicy::Now,
        )
    }

    /// A gate decision, with the criteria and the signers as they stand.
    pub fn decide_gate(
        &mut self,
        index: usize,
        decision: Decision,
        auto: bool,
    ) -> Result<(), AuditError> {
        if decision == Decision::Go && self.refuse_go(index).is_some() {
            return Ok(());
        }
        let criteria = match self.refs.get(index).map(|r| &r.step.kind) {
            Some(crate::doc::model::StepKind::Gate(gate)) => {
                gate.criteria.iter().map(|c| c.text.clone()).collect()
            }
            _ => Vec::new(),
        };
        let signers: Vec<Signer> = self
            .state
            .steps
            .get(index)
            .map(|s| s.signers.clone())
            .unwrap_or_default();
        let evidence = self.gate_evidence(index);
        let body = Body::GateDecided {
            decision,
            auto,
            criteria,
            signers,
            evidence,
        };
        self.record_step(index, body, SyncPolicy::Now)
    }

    pub fn note(&mut self, index: Option<usize>, text: &str) -> Result<(), AuditError> {
        let id = index.map(|i| self.step_id(i));
        self.record(
            id.as_deref(),
            Body::Note {
                text: self.secrets.mask_str(text),
            },
            SyncPolicy::Now,
        )
    }

    pub fn enter_rollback(&mut self, reason: &str) -> Result<(), AuditError> {
        self.record(
            None,
            Body::RollbackEntered {
                reason: self.secrets.mask_str(reason),
            },
            SyncPolicy::Now,
        )
    }

    pub fn jump(&mut self, index: usize) -> Result<(), AuditError> {
        let to = self.step_id(index);
        self.record_step(index, Body::Jumped { to }, SyncPolicy::Now)
    }

    /// The driver quits; the session stays resumable. A running step is cancelled first.
    pub fn leave(&mut self, operator: &str) -> Result<(), AuditError> {
        self.stop_running("the driver quit");
        self.stop_health();
        self.groups.terminate_all(GRACE);
        self.record(
            None,
            Body::DriverLeft {
                operator: operator.to_string(),
            },
            SyncPolicy::Now,
        )
    }

    /// Whether the runbook has any rollback step to go to.
    pub fn has_rollback(&self) -> bool {
        self.state.steps.iter().any(|s| s.rollback)
    }

    /// Ends the session: stops every process still alive, then records the end.
    pub fn end(&mut self, outcome: Outcome, reason: &str) -> Result<(), AuditError> {
        self.stop_running("the session is ending");
        self.stop_health();
        let stopped = self.groups.terminate_all(GRACE);
        let reason = match stopped {
            0 => reason.to_string(),
            1 => format!("{reason}; stopped 1 background process"),
            n => format!("{reason}; stopped {n} background processes"),
        };
        self.record(
            None,
            Body::SessionEnded { outcome, reason },
            SyncPolicy::Now,
        )
    }

    /// A secret-masked copy of text for display.
    pub fn mask(&self, text: &str) -> String {
        self.secrets.mask_str(text)
    }

    /// Text from the runbook as people see it: parameters filled in, secrets masked.
    pub fn display(&self, text: &str) -> String {
        self.mask(&super::params::interpolate(text, &self.params))
    }
}

impl Drop for Engine<'_> {
    /// Even on an early return or a panic, no step's processes outlive the session.
    fn drop(&mut self) {
        self.groups.terminate_all(Duration::from_millis(500));
    }
}

/// The OS user this process runs as.
pub fn os_user() -> String {
    let uid = nix::unistd::getuid();
    nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map(|u| u.name)
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| format!("uid {uid}"))
}
