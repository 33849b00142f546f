//! Waits: a countdown that ends at its deadline, or earlier once every check in its
//! `until` has held OK for `stable_for`; not waited under `--skip-waits` and
//! `--dry-run`; cut short by a rollback prompt.

use super::StepRules;
use crate::doc::duration::format_duration;
use crate::doc::model::WaitStep;
use crate::session::conductor::{Act, At, Next, Policy, Prompt, Until, WaitOver};
use crate::session::state::Status;

impl StepRules for WaitStep {
    fn next(&self, at: &At, policy: &Policy) -> Next {
        if at.step.status == Status::Failed {
            let failure = at.step.reason.clone().unwrap_or_else(|| "failed".into());
            return Next::Ask(Prompt::Failed {
                index: at.index,
                failure,
            });
        }
        if policy.goes_ahead() {
            return Next::Act(Act::StartWait { index: at.index });
        }
        Next::Ask(Prompt::Wait { index: at.index })
    }

    fn running(&self, at: &At, policy: &Policy) -> Next {
        let index = at.index;
        let end = |reason: String, early: bool, why: WaitOver| {
            Next::Act(Act::EndWait {
                index,
                early,
                reason,
                why,
            })
        };
        if let Some(why) = policy.skips_waits() {
            return end(why.into(), true, WaitOver::Skipped);
        }
        if let Some(reason) = &at.here.state.rollback_prompt {
            return end(format!("cut short: {reason}"), true, WaitOver::CutShort);
        }
        if at.here.state.in_rollback && !at.step.rollback {
            let reason = "cut short: rollback was entered".to_string();
            return end(reason, true, WaitOver::CutShort);
        }
        let Some(ends_at) = at.step.wait_ends_at else {
            return end("waited".into(), false, WaitOver::Due);
        };
        let now = at.here.now;
        let stable_for = self.stable_for.unwrap_or_default();
        let unstable = at.here.health.unstable(&self.until, stable_for, now.mono);
        let deadline = now.wall >= ends_at;
        let reason = match (self.until.is_empty(), unstable.is_empty(), deadline) {
            (false, true, _) => format!(
                "{} OK for {} (stable_for)",
                self.until.join(", "),
                format_duration(stable_for)
            ),
            (_, _, false) => return Next::Await(Until::Wait { index, ends_at }),
            (true, ..) => format!("waited {}", format_duration(self.duration)),
            (false, false, true) => format!(
                "deadline reached before {} stayed OK for {}: {}",
                self.until.join(", "),
                format_duration(stable_for),
                unstable.join("; ")
            ),
        };
        let early = !self.until.is_empty() && unstable.is_empty() && !deadline;
        let missed = !self.until.is_empty() && !unstable.is_empty();
        end(
            reason,
            early,
            if missed {
                WaitOver::Missed
            } else {
                WaitOver::Due
            },
        )
    }

    fn outline(&self) -> String {
        let until = if self.until.is_empty() {
            String::new()
        } else {
            format!(" until {} OK", self.until.join(", "))
        };
        let text = self
            .text
            .as_deref()
            .map(|t| format!(" — {}", super::clip(t, 60)))
            .unwrap_or_default();
        format!("⏱ wait {}{until}{text}", format_duration(self.duration))
    }
}
