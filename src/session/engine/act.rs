//! Carrying out what the conductor decides ([`Act`]) and what the operator asks
//! ([`Command`]). Both end up as the same records; only `auto` tells them apart.

use super::{Engine, Notice, WalkEnd};
use crate::doc::model::StepKind;
use crate::session::conductor::{Act, Next, WaitOver};
use crate::session::event::Outcome;
use crate::session::input::Command;

impl Engine<'_> {
    pub(super) fn perform(&mut self, act: Act) {
        let _ = match act {
            Act::Run { index, auto, retry } => {
                if retry {
                    self.notice_retry(index);
                }
                self.start_run(index, auto);
                Ok(())
            }
            Act::ConfirmCheck { index, auto } => self.confirm_check(index, auto),
            Act::MarkDone { index, reason } => self.mark_done(index, &reason),
            Act::Skip { index, reason } => self.skip(index, &reason),
            Act::StartWait { index } => self.start_wait(index),
            Act::EndWait {
                index,
                early,
                reason,
                why,
            } => {
                let failed = why == WaitOver::Missed;
                let ended = self.end_wait(index, early, &reason, failed);
                self.notice(Notice::WaitOver { index, reason, why });
                ended
            }
            Act::Sign { index, role, name } => {
                let os_user = self.os_user.clone();
                self.sign(index, &role, &name, &os_user, "driver")
            }
            Act::Decide {
                index,
                decision,
                auto,
            } => self.decide_gate(index, decision, auto),
            Act::EnterRollback { reason } => {
                let index = self.projection.state.cursor;
                self.notice(Notice::OnFailRollback { index });
                self.enter_rollback(&reason)
            }
            Act::AcknowledgeWarnings => self.acknowledge_warnings(true),
            Act::StartBatch { index } => self.start_batch(index),
            Act::DecideBatch {
                index,
                decision,
                auto,
            } => self.decide_batch(index, decision, auto),
            Act::EndFleetStep { index, stop } => self.end_fleet_step(index, stop),
            Act::Choose { choice, chosen } => self.choose(choice, chosen, "--choose"),
        };
    }

    fn is_wait(&self, index: usize) -> bool {
        matches!(
            self.refs.get(index).map(|r| &r.step.kind),
            Some(StepKind::Wait(_))
        )
    }

    fn notice_retry(&mut self, index: usize) {
        let Some(StepKind::Run(run)) = self.refs.get(index).map(|r| &r.step.kind) else {
            return;
        };
        let attempt = self
            .projection
            .state
            .steps
            .get(index)
            .map_or(0, |s| s.attempts);
        self.notice(Notice::Retrying {
            index,
            attempt,
            retries: run.retries,
        });
    }

    /// Carries out the operator's command (answers are never automatic).
    pub(super) fn command(&mut self, command: Command) {
        let _ = match command {
            Command::Run { index } if self.is_wait(index) => self.start_wait(index),
            Command::Run { index } => {
                self.start_run(index, false);
                Ok(())
            }
            Command::Skip { index, reason } => self.skip(index, &reason),
            Command::MarkDone { index, reason } => self.mark_done(index, &reason),
            Command::ConfirmCheck { index } => self.confirm_check(index, false),
            Command::StartWait { index } => self.start_wait(index),
            Command::EndWait { index, reason } => self.end_wait(index, true, &reason, false),
            Command::Sign { index, role, name } => {
                let os_user = self.os_user.clone();
                self.sign(index, &role, &name, &os_user, "driver")
            }
            Command::Decide { index, decision } => self.decide_gate(index, decision, false),
            Command::DecideBatch { index, decision } => self.decide_batch(index, decision, false),
            Command::Note { index, text } => self.note(index, &text),
            Command::EnterRollback { reason } => self.enter_rollback(&reason),
            Command::DeclineRollback { reason } => self.decline_rollback(&reason),
            Command::Jump { index } => self.jump(index),
            Command::FillPlaceholder { index, env, value } => {
                self.fill_placeholder(index, &env, &value)
            }
            Command::AcknowledgeWarnings => self.acknowledge_warnings(false),
            Command::Choose { choice, chosen } => self.choose(choice, chosen, "operator"),
            Command::Cancel => {
                self.cancel_runs("cancelled by the operator");
                self.cancel_between_batches("cancelled by the operator")
            }
            Command::Leave => {
                self.end_walk(WalkEnd::Left);
                Ok(())
            }
            Command::Abort { reason } => {
                self.end_walk(WalkEnd::Ended(Outcome::Aborted, reason));
                Ok(())
            }
            Command::Finish => {
                let (outcome, reason) = match self.next() {
                    Next::End(outcome, reason) => (outcome, reason),
                    Next::Act(_) | Next::Ask(_) | Next::Await(_) => {
                        self.projection.state.finished()
                    }
                };
                self.end_walk(WalkEnd::Ended(outcome, reason));
                Ok(())
            }
        };
    }
}
