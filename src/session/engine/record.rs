//! Recording: every event the engine writes goes through [`Engine::record`] — into the
//! audit log (through its writer thread), into the fold, and into the events the
//! current input returns. The plain records (a skip, a check, a wait, a gate…) are here.

use super::Engine;
use crate::doc::model::StepKind;
use crate::session::event::{Body, Decision, Event, Outcome, Signer};
use crate::session::log::{AuditError, EventDraft, SyncPolicy};

impl Engine<'_> {
    /// Appends an event and folds it into the state. A write failure is kept: after it
    /// no step may start (the driver checks [`Engine::audit_error`]).
    pub fn record(
        &mut self,
        step: Option<&str>,
        body: Body,
        sync: SyncPolicy,
    ) -> Result<(), AuditError> {
        let event = Event::new(step, body);
        let at = self.session_ms();
        self.projection.apply(&event, at, Some(self.now.wall));
        let (kind, data) = event.clone().into_kind_and_data();
        self.out.push(event);
        let written = self.journal.append(EventDraft::new(kind, step, data), sync);
        if let Err(e) = &written {
            self.audit_error.get_or_insert_with(|| e.to_string());
        }
        written
    }

    /// Records against step `index` (by its id).
    pub(super) fn record_step(
        &mut self,
        index: usize,
        body: Body,
        sync: SyncPolicy,
    ) -> Result<(), AuditError> {
        let id = self.step_id(index);
        self.record(Some(&id), body, sync)
    }

    pub fn start_session(&mut self, operator: &str, source: &str) -> Result<(), AuditError> {
        let body = Body::SessionStarted {
            title: self.display(&self.runbook.title),
            steps: self.refs.len(),
            yes: self.policy.yes,
            dry_run: self.policy.dry_run,
            skip_waits: self.policy.skip_waits,
            source: self.secrets.mask_str(source),
            operator: operator.to_string(),
        };
        self.walking = true;
        self.record(None, body, SyncPolicy::Now)
    }

    pub fn skip(&mut self, index: usize, reason: &str) -> Result<(), AuditError> {
        let reason = self.mask(reason);
        self.record_step(index, Body::StepSkipped { reason }, SyncPolicy::Now)
    }

    pub fn mark_done(&mut self, index: usize, reason: &str) -> Result<(), AuditError> {
        let reason = self.mask(reason);
        self.record_step(index, Body::StepMarkedDone { reason }, SyncPolicy::Now)
    }

    pub fn confirm_check(&mut self, index: usize, auto: bool) -> Result<(), AuditError> {
        self.record_step(index, Body::CheckConfirmed { auto }, SyncPolicy::Now)
    }

    /// Starts wait step `index`; it runs out at the engine's now plus its length.
    pub fn start_wait(&mut self, index: usize) -> Result<(), AuditError> {
        let Some(StepKind::Wait(wait)) = self.refs.get(index).map(|r| &r.step.kind) else {
            return Ok(());
        };
        let (seconds, until) = (wait.duration.as_secs_f64(), wait.until.clone());
        let ends_at = self.now.plus(wait.duration).wall;
        let body = Body::WaitStarted {
            seconds,
            until,
            ends_at,
        };
        self.record_step(index, body, SyncPolicy::Now)
    }

    /// Ends wait step `index`; `failed` when its deadline came with its checks not OK.
    pub fn end_wait(
        &mut self,
        index: usize,
        early: bool,
        reason: &str,
        failed: bool,
    ) -> Result<(), AuditError> {
        let reason = self.mask(reason);
        let body = Body::WaitEnded {
            early,
            reason,
            failed,
        };
        self.record_step(index, body, SyncPolicy::Now)
    }

    /// A gate decision, with the criteria, the signers and the evidence as they stand.
    pub fn decide_gate(
        &mut self,
        index: usize,
        decision: Decision,
        auto: bool,
    ) -> Result<(), AuditError> {
        if decision == Decision::Go && self.refuse_go(index).is_some() {
            return Ok(());
        }
        let (criteria, groups, evidence) = match self.refs.get(index).map(|r| &r.step.kind) {
            Some(StepKind::Gate(gate)) => (
                gate.criteria.iter().map(|c| c.text.clone()).collect(),
                criteria_groups(&gate.criteria),
                self.health
                    .evidence(&gate.evidence, self.now.mono, &|r| self.mask(r)),
            ),
            _ => (Vec::new(), Vec::new(), Default::default()),
        };
        let signers: Vec<Signer> = self
            .projection
            .state
            .steps
            .get(index)
            .map(|s| s.signers.clone())
            .unwrap_or_default();
        let body = Body::GateDecided {
            decision,
            auto,
            criteria,
            groups,
            signers,
            evidence,
        };
        self.record_step(index, body, SyncPolicy::Now)
    }

    pub fn note(&mut self, index: Option<usize>, text: &str) -> Result<(), AuditError> {
        let id = index.map(|i| self.step_id(i));
        let text = self.mask(text);
        self.record(id.as_deref(), Body::Note { text }, SyncPolicy::Now)
    }

    pub fn enter_rollback(&mut self, reason: &str) -> Result<(), AuditError> {
        let reason = self.mask(reason);
        self.record(None, Body::RollbackEntered { reason }, SyncPolicy::Now)
    }

    pub fn jump(&mut self, index: usize) -> Result<(), AuditError> {
        let to = self.step_id(index);
        self.record_step(index, Body::Jumped { to }, SyncPolicy::Now)
    }

    /// The driver has quit; the session stays resumable. Runs are stopped first
    /// ([`Engine::stop_runs`]); whatever they left in the background is stopped here.
    pub fn record_leave(&mut self, operator: &str) -> Result<(), AuditError> {
        let processes = self.executor.stop_all(super::GRACE);
        self.background.stop();
        let stopped = what_was_stopped(processes, self.executor.hosts_stopped());
        let body = Body::DriverLeft {
            operator: operator.to_string(),
            stopped: (!stopped.is_empty()).then(|| stopped.join("; ")),
        };
        self.record(None, body, SyncPolicy::Now)
    }

    /// Ends the session: stops the health checks and every process group still alive,
    /// then records the end. Runs are stopped first ([`Engine::stop_runs`]). The reason as
    /// recorded: `reason`, and what had to be stopped.
    pub fn end(&mut self, outcome: Outcome, reason: &str) -> Result<String, AuditError> {
        self.background.stop();
        let processes = self.executor.stop_all(super::GRACE);
        let stopped = what_was_stopped(processes, self.executor.hosts_stopped());
        let reason = std::iter::once(reason.to_string())
            .chain(stopped)
            .collect::<Vec<_>>()
            .join("; ");
        let body = Body::SessionEnded {
            outcome,
            reason: reason.clone(),
        };
        self.record(None, body, SyncPolicy::Now)?;
        Ok(reason)
    }

    /// The audit log failed: nothing more may run; everything started is stopped.
    pub fn abandon(&mut self) {
        self.cancel_runs("the audit log cannot be written");
        self.background.stop();
        self.executor.stop_all(super::GRACE);
    }
}

/// What closing had to stop: background processes here, leftovers on hosts.
fn what_was_stopped(processes: usize, hosts: usize) -> Vec<String> {
    let mut said = Vec::new();
    match processes {
        0 => {}
        1 => said.push("stopped 1 background process".to_string()),
        n => said.push(format!("stopped {n} background processes")),
    }
    match hosts {
        0 => {}
        1 => said.push("stopped what steps left running on 1 host".to_string()),
        n => said.push(format!("stopped what steps left running on {n} hosts")),
    }
    said
}

/// Each criterion's group (empty when none), or nothing when no criterion has one.
fn criteria_groups(criteria: &[crate::doc::model::Criterion]) -> Vec<String> {
    if criteria.iter().all(|c| c.group.is_none()) {
        return Vec::new();
    }
    criteria
        .iter()
        .map(|c| c.group.clone().unwrap_or_default())
        .collect()
}
