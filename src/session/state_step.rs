//! The fold's side of a step's own events: runs and waits, how a step settles, and what
//! it keeps (output, its process, sign-offs, notes).

use super::{Rejection, SessionState, Status, StepState};
use crate::session::event::{Body, Decision};

impl SessionState {
    /// Folds an event about step `i`.
    pub(super) fn apply_to_step(&mut self, i: usize, body: &Body) {
        if matches!(
            body,
            Body::CheckConfirmed { .. } | Body::GateDecided { .. } | Body::StepSkipped { .. }
        ) {
            self.steps[i].dry_run = self.dry_run;
        }
        match body {
            Body::WaitStarted { .. }
            | Body::StepStarted { .. }
            | Body::StepFinished { .. }
            | Body::StepInterrupted { .. } => self.run_event(i, body),
            Body::StepSkipped { .. }
            | Body::StepMarkedDone { .. }
            | Body::CheckConfirmed { .. }
            | Body::WaitEnded { .. }
            | Body::GateDecided { .. }
            | Body::Jumped { .. } => self.settle(i, body),
            Body::Output { .. }
            | Body::StepTimedOut { .. }
            | Body::StepProcess { .. }
            | Body::StepCancelled { .. }
            | Body::Signed { .. }
            | Body::SignoffRejected { .. }
            | Body::Note { .. } => self.steps[i].keep(body),
            Body::FleetPlanned(_)
            | Body::BatchStarted(_)
            | Body::HostStarted(_)
            | Body::HostOutput(_)
            | Body::HostFinished(_)
            | Body::BatchFinished(_)
            | Body::BatchDecided(_)
            | Body::FleetStopped(_) => self.steps[i].fleet.get_or_insert_default().apply(body),
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

    /// A run or a wait starts, a run finishes or is interrupted: the step, and where the
    /// walk is.
    fn run_event(&mut self, i: usize, body: &Body) {
        let step = &mut self.steps[i];
        match body {
            Body::WaitStarted { ends_at, .. } => {
                step.wait_ends_at = Some(*ends_at);
                step.status = Status::Running;
                step.attempts += 1;
                step.reason = None;
                step.fresh_attempt(self.dry_run);
                self.running = Some(i);
                self.cursor = i;
            }
            Body::StepStarted { dry_run, .. } => {
                step.status = Status::Running;
                step.attempts += 1;
                step.exit_code = None;
                step.reason = None;
                step.fresh_attempt(*dry_run);
                self.running = Some(i);
                if !step.reference {
                    self.cursor = i;
                }
            }
            Body::StepFinished {
                exit_code,
                signal,
                duration_ms,
                ok,
                ..
            } => {
                step.exit_code = *exit_code;
                step.signal = *signal;
                step.duration_ms = Some(*duration_ms);
                step.process = None;
                step.cgroup = None;
                if *ok {
                    step.status = Status::Done;
                } else if step.status == Status::Running {
                    step.status = Status::Failed;
                }
                self.running = None;
                if *ok {
                    self.advance_past(i);
                }
            }
            Body::StepInterrupted { reason } => {
                if let Some(fleet) = &mut step.fleet {
                    fleet.interrupt();
                }
                step.status = Status::Interrupted;
                step.reason = Some(reason.clone());
                self.running = None;
                self.cursor = i;
            }
            _ => {}
        }
    }

    /// The step settles (skipped, marked done, confirmed, waited out, decided), or the
    /// walk jumps to it.
    fn settle(&mut self, i: usize, body: &Body) {
        let step = &mut self.steps[i];
        match body {
            Body::StepSkipped { reason } | Body::StepMarkedDone { reason } => {
                step.settled_from = Some(step.status);
                step.by_hand = matches!(body, Body::StepMarkedDone { .. });
                step.status = if step.by_hand {
                    Status::Done
                } else {
                    Status::Skipped
                };
                step.reason = Some(reason.clone());
                self.running = None;
                self.advance_past(i);
            }
            Body::CheckConfirmed { .. } => {
                step.status = Status::Done;
                self.advance_past(i);
            }
            Body::WaitEnded { reason, failed, .. } => {
                step.wait_ends_at = None;
                step.reason = Some(reason.clone());
                self.running = None;
                if *failed {
                    step.status = Status::Failed;
                } else {
                    step.status = Status::Done;
                    self.advance_past(i);
                }
            }
            Body::GateDecided { decision, .. } => {
                let go = *decision == Decision::Go;
                step.decision = Some(*decision);
                step.status = if go { Status::Done } else { Status::NoGo };
                if go {
                    self.advance_past(i);
                }
            }
            Body::Jumped { .. } if !step.reference && step.status != Status::NotChosen => {
                self.cursor = i;
            }
            _ => {}
        }
    }
}

impl StepState {
    /// Events that change the step alone: its output and process, a timeout or cancel,
    /// sign-offs and notes.
    fn keep(&mut self, body: &Body) {
        match body {
            Body::Output { stream, bytes } => self.tail.push(*stream, bytes.as_slice()),
            Body::StepTimedOut { .. } => self.status = Status::TimedOut,
            Body::StepProcess {
                pgid,
                leader_start,
                cgroup,
            } => {
                self.process = Some((*pgid, *leader_start));
                self.cgroup.clone_from(cgroup);
            }
            Body::StepCancelled { reason } => {
                self.status = Status::Cancelled;
                self.reason = Some(reason.clone());
            }
            Body::Signed { role, .. } => {
                self.signers.retain(|s| &s.role != role);
                self.signers.extend(body.signer());
            }
            Body::SignoffRejected { reason, .. } => {
                let rejection = body.signer().map(|signer| Rejection {
                    signer,
                    reason: reason.clone(),
                });
                self.rejections.extend(rejection);
            }
            Body::Note { text } => self.notes.push(text.clone()),
            _ => {}
        }
    }
}
