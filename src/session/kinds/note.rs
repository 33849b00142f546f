//! Notes: shown, and passed (the full screen waits for Enter).

use super::{StepRules, clip};
use crate::doc::model::NoteStep;
use crate::session::conductor::{Act, At, Next, Policy, Prompt};

impl StepRules for NoteStep {
    fn next(&self, at: &At, policy: &Policy) -> Next {
        if policy.goes_ahead() {
            return Next::Act(Act::MarkDone {
                index: at.index,
                reason: "shown".into(),
            });
        }
        Next::Ask(Prompt::Note { index: at.index })
    }

    fn outline(&self) -> String {
        format!("ℹ {}", clip(&self.text, 80))
    }
}
