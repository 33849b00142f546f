//! The fold's side of a step's own events: runs and waits starting and ending, how a
//! step settles, and what it keeps (output, its process, sign-offs, notes).

use super::{Rejection, SessionState, Status, StepState};
use crate::session::event::{Body, Decision, Signer};

impl SessionState {
    /// Folds an event about step `i`.
    pub(super) fn apply_to_step(&mut self, i: usize, body: &Body) {
        if matches!(
            body,
            Body::CheckConfirmed { .. } | Body::GateDecided { .. } | Body::StepSkipped { .. }
        ) {
            self.steps[i].dry_run = self.dry_run;
        }
        let step = &mut self.steps[i];
        match body {
            Body::WaitStarted { ends_at, .. } => self.wait_started(i, *ends_at),
            Body::StepStarted { dry_run, .. } => self.step_started(i, *dry_run),
            Body::Output { stream, bytes } => step.tail.push(*stream, bytes.as_slice()),
            Body::StepFinished {
                exit_code,
                signal,
                duration_ms,
                ok,
                ..
            } => self.step_finished(i, (*exit_code, *signal), *duration_ms, *ok),
            Body::StepTimedOut { .. } => step.status = Status::TimedOut,
            Body::StepProcess {
                pgid,
                leader_start,
                cgroup,
            } => step.process_started((*pgid, *leader_start), cgroup.as_deref()),
            Body::StepCancelled { reason } => step.cancelled(reason),
            Body::StepInterrupted { reason } => self.interrupted(i, reason),
            Body::StepSkipped { reason } => self.settle_by_hand(i, reason, Status::Skipped),
            Body::StepMarkedDone { reason } => self.settle_by_hand(i, reason, Status::Done),
            Body::CheckConfirmed { .. } => {
                step.status = Status::Done;
                self.advance_past(i);
            }
            Body::WaitEnded { reason, failed, .. } => self.wait_ended(i, reason, *failed),
            Body::Signed { role, .. } => step.signed(role, body.signer()),
            Body::SignoffRejected { reason, .. } => step.rejected(reason, body.signer()),
            Body::GateDecided { decision, .. } => self.gate_decided(i, *decision),
            Body::Note { text } => step.notes.push(text.clone()),
            Body::Jumped { .. } if !step.reference && step.status != Status::NotChosen => {
                self.cursor = i;
            }
            Body::Jumped { .. } => {}
            Body::FleetPlanned(_)
            | Body::BatchStarted(_)
            | Body::HostStarted(_)
            | Body::HostOutput(_)
            | Body::HostFinished(_)
            | Body::BatchFinished(_)
            | Body::BatchDecided(_)
            | Body::FleetStopped(_) => step.fleet.get_or_insert_default().apply(body),
            // Session-wide events are folded by `apply`.
            Body::SessionStarted { .. }
            | Body::SessionResumed { .. }
            | Body::SessionEnded { .. }
            | Body::LogRepaired { .. }
            | Body::DriverLeft { .. }
            | Body::RollbackEntered { .. }
            | Body::RollbackPrompted { .. }
            | Body::RollbackDeclined { .. }
            | Body::HealthChanged { .. }
            | Body::EnvChanged { .. }
            | Body::DriverChanged { .. }
            | Body::PlaceholderFilled { .. }
            | Body::WarningsAcknowledged { .. }
            | Body::OptionChosen { .. }
            | Body::ChainSigned { .. }
            | Body::SigningFailed { .. }
            | Body::AnchorFailed { .. }
            | Body::DayOpened(_) => {}
        }
    }

    fn wait_started(&mut self, i: usize, ends_at: chrono::DateTime<chrono::Utc>) {
        let step = &mut self.steps[i];
        step.wait_ends_at = Some(ends_at);
        step.status = Status::Running;
        step.attempts += 1;
        step.reason = None;
        step.fresh_attempt(self.dry_run);
        self.running = Some(i);
        self.cursor = i;
    }

    fn step_started(&mut self, i: usize, dry_run: bool) {
        let step = &mut self.steps[i];
        step.status = Status::Running;
        step.attempts += 1;
        step.exit_code = None;
        step.reason = None;
        step.fresh_attempt(dry_run);
        self.running = Some(i);
        if !step.reference {
            self.cursor = i;
        }
    }

    /// A run ended: `(exit code, signal)` as the process ended.
    fn step_finished(
        &mut self,
        i: usize,
        (exit_code, signal): (Option<i32>, Option<i32>),
        duration_ms: u64,
        ok: bool,
    ) {
        let step = &mut self.steps[i];
        step.exit_code = exit_code;
        step.signal = signal;
        step.duration_ms = Some(duration_ms);
        step.process = None;
        step.cgroup = None;
        if ok {
            step.status = Status::Done;
        } else if step.status == Status::Running {
            step.status = Status::Failed;
        }
        self.running = None;
        if ok {
            self.advance_past(i);
        }
    }

    fn interrupted(&mut self, i: usize, reason: &str) {
        let step = &mut self.steps[i];
        if let Some(fleet) = &mut step.fleet {
            fleet.interrupt();
        }
        step.status = Status::Interrupted;
        step.reason = Some(reason.to_string());
        self.running = None;
        self.cursor = i;
    }

    /// Skipped (`Skipped`) or marked done (`Done`) by the operator: the walk moves on.
    fn settle_by_hand(&mut self, i: usize, reason: &str, status: Status) {
        let step = &mut self.steps[i];
        step.settled_from = Some(step.status);
        step.by_hand = status == Status::Done;
        step.status = status;
        step.reason = Some(reason.to_string());
        self.running = None;
        self.advance_past(i);
    }

    fn wait_ended(&mut self, i: usize, reason: &str, failed: bool) {
        let step = &mut self.steps[i];
        step.wait_ends_at = None;
        step.reason = Some(reason.to_string());
        self.running = None;
        if failed {
            step.status = Status::Failed;
        } else {
            step.status = Status::Done;
            self.advance_past(i);
        }
    }

    fn gate_decided(&mut self, i: usize, decision: Decision) {
        let go = decision == Decision::Go;
        let step = &mut self.steps[i];
        step.decision = Some(decision);
        step.status = if go { Status::Done } else { Status::NoGo };
        if go {
            self.advance_past(i);
        }
    }
}

impl StepState {
    /// The step's process group (its leader's start time) and its own cgroup, if any.
    fn process_started(&mut self, process: (i32, u64), cgroup: Option<&str>) {
        self.process = Some(process);
        self.cgroup = cgroup.map(str::to_string);
    }

    fn cancelled(&mut self, reason: &str) {
        self.status = Status::Cancelled;
        self.reason = Some(reason.to_string());
    }

    /// A role signed: a new signature of the role replaces the earlier one.
    fn signed(&mut self, role: &str, signer: Option<Signer>) {
        self.signers.retain(|s| s.role != role);
        self.signers.extend(signer);
    }

    fn rejected(&mut self, reason: &str, signer: Option<Signer>) {
        let rejection = signer.map(|signer| Rejection {
            signer,
            reason: reason.to_string(),
        });
        self.rejections.extend(rejection);
    }
}
