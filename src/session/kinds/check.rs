//! Checklist items: confirmed by the operator (or the autopilot); one ticked in the
//! runbook itself (`- [x]`) is marked done as the walk passes.

use super::{StepRules, clip};
use crate::doc::model::{CheckOrigin, CheckStep};
use crate::session::conductor::{Act, At, Next, Policy, Prompt};

impl StepRules for CheckStep {
    fn next(&self, at: &At, policy: &Policy) -> Next {
        let index = at.index;
        if self.done {
            return Next::Act(Act::MarkDone {
                index,
                reason: "marked done in the runbook".into(),
            });
        }
        if policy.autopilot() {
            return Next::Act(Act::ConfirmCheck { index, auto: true });
        }
        Next::Ask(Prompt::Check { index })
    }

    fn outline(&self) -> String {
        let mark = if self.done { "[x]" } else { "[ ]" };
        let origin = match self.origin {
            CheckOrigin::Task | CheckOrigin::Explicit => "",
            CheckOrigin::List => "  ·from a numbered list",
            CheckOrigin::Comment => "  ·from a comment",
            CheckOrigin::Fence => "  ·from a fence",
        };
        format!(
            "{}{mark} {}{origin}",
            "  ".repeat(self.depth as usize),
            clip(&self.text, 80)
        )
    }
}
