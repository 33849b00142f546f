//! A question the walk asks the operator, as data: the line dialogue prints it with its
//! choices, the full screen opens a dialog for it; both answer with a
//! [`Command`](crate::session::input::Command).

use crate::doc::model::{Confirm, Placeholder, Signoff};
use crate::session::event::Outcome;

/// What the walk waits for the operator to decide.
#[derive(Debug, Clone, PartialEq)]
pub enum Prompt {
    /// Run this step? (`confirm=normal` or `danger`, a step the session stopped in the
    /// middle of, or any run step on the full screen.)
    Run {
        index: usize,
        confirm: Confirm,
        /// The step was running when the session stopped: run it again, or mark it done.
        again: bool,
    },
    /// Run this proposed step (commands read as shell without the author saying so)? Only
    /// the operator's own answer runs it; `--yes` never does.
    Proposed { index: usize },
    /// The step needs a value for this placeholder (asked once per session).
    Placeholder {
        index: usize,
        placeholder: Placeholder,
    },
    /// The runbook was read with warnings: the operator acknowledges them before the
    /// first step.
    Warnings,
    /// Is this check done?
    Check { index: usize },
    /// A note was shown (the full screen waits for Enter).
    Note { index: usize },
    /// Start this wait (the full screen waits for Enter).
    Wait { index: usize },
    /// GO or NO-GO?
    Gate { index: usize },
    /// NO-GO was decided: roll back, or abort.
    NoGo { index: usize },
    /// Who signs `role` (the first role nobody signed yet)? `None`: every role is signed,
    /// and GO waits for the operator's Enter.
    Signoff { index: usize, role: Option<Signoff> },
    /// The step failed and neither `retries` nor `on_fail` decide what follows.
    Failed { index: usize, failure: String },
    /// A health check's `rollback_if` holds: roll back, or stay (and say why).
    Rollback { reason: String },
    /// A step on hosts finished batch `batch` of `batches` (`batch_gate`): GO for the
    /// next, or NO-GO (the step stops).
    Batch {
        index: usize,
        batch: usize,
        batches: usize,
    },
    /// Which option of a choice applies? `answers` are the options' titles, then "none of
    /// these" when the choice is a condition; `choice` is its place in the session's choices.
    Choose {
        choice: usize,
        title: String,
        answers: Vec<String>,
    },
}

/// What happens when nobody can answer a prompt (the line dialogue under `--yes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The session ends.
    End(Outcome, String),
    /// The driver leaves and the session stays resumable, for someone to decide.
    Leave(String),
}

impl Prompt {
    /// The step the prompt is about.
    pub fn step(&self) -> Option<usize> {
        match self {
            Prompt::Run { index, .. }
            | Prompt::Proposed { index }
            | Prompt::Placeholder { index, .. }
            | Prompt::Check { index }
            | Prompt::Note { index }
            | Prompt::Wait { index }
            | Prompt::Gate { index }
            | Prompt::NoGo { index }
            | Prompt::Signoff { index, .. }
            | Prompt::Failed { index, .. }
            | Prompt::Batch { index, .. } => Some(*index),
            Prompt::Rollback { .. } | Prompt::Warnings | Prompt::Choose { .. } => None,
        }
    }

    /// What the session does when nobody answers; `id` is the prompt's step id.
    pub fn unanswered(&self, id: &str) -> Stop {
        match self {
            Prompt::Failed { failure, .. } => {
                Stop::End(Outcome::Failed, format!("step {id} failed ({failure})"))
            }
            Prompt::NoGo { .. } => Stop::End(Outcome::Aborted, format!("NO-GO at {id}")),
            Prompt::Run { again: true, .. } => Stop::Leave(format!(
                "stopped at {id}: this step was running when the session stopped and its end \
                 was not recorded; it is never run again automatically"
            )),
            Prompt::Rollback { reason } => Stop::Leave(format!(
                "stopped before the next step: {reason}. --yes never rolls back on its own; \
                 resume to decide (roll back or continue)"
            )),
            Prompt::Choose { title, answers, .. } => Stop::Leave(format!(
                "stopped at the choice \"{title}\": --yes never picks an option for the operator; \
                 resume with --choose 'TITLE' (one of: {})",
                answers
                    .iter()
                    .map(|a| if a == "none of these" {
                        "'none'".to_string()
                    } else {
                        format!("'{a}'")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Prompt::Placeholder { placeholder, .. } => Stop::Leave(format!(
                "stopped at {id}: it needs a value for {} (${}), which --yes cannot give; \
                 pass --param {}=VALUE and resume",
                placeholder.written, placeholder.env, placeholder.name
            )),
            Prompt::Run { .. }
            | Prompt::Proposed { .. }
            | Prompt::Warnings
            | Prompt::Check { .. }
            | Prompt::Note { .. }
            | Prompt::Wait { .. }
            | Prompt::Gate { .. }
            | Prompt::Batch { .. }
            | Prompt::Signoff { .. } => {
                Stop::End(Outcome::Aborted, "no answer: standard input closed".into())
            }
        }
    }

    /// When the autopilot meets a prompt it cannot answer, the full screen hands over to
    /// the operator (the autopilot pauses) and says this; `None` when the prompt shows
    /// itself and the autopilot carries on once it is answered (the rollback box).
    pub fn hand_over(&self, id: &str) -> Option<String> {
        match self {
            Prompt::Failed { .. } => Some(format!(
                "{id} failed: r retry · s skip · m mark done · b roll back"
            )),
            Prompt::NoGo { .. } => Some(format!("NO-GO at {id}: b roll back, or q to abort")),
            Prompt::Run { again: true, .. } => Some(format!(
                "{id} was running when the session stopped: Enter runs it again, m marks it done"
            )),
            Prompt::Proposed { .. } => Some(format!(
                "{id} is a proposed command: --yes never runs it — Enter to review it, s to skip"
            )),
            Prompt::Placeholder { placeholder, .. } => Some(format!(
                "{id} needs a value for {}: Enter to give it",
                placeholder.written
            )),
            // These dialogs open by themselves; the autopilot goes on once they are answered.
            Prompt::Rollback { .. } | Prompt::Warnings | Prompt::Choose { .. } => None,
            Prompt::Run { .. }
            | Prompt::Check { .. }
            | Prompt::Note { .. }
            | Prompt::Wait { .. }
            | Prompt::Gate { .. }
            | Prompt::Batch { .. }
            | Prompt::Signoff { .. } => Some(format!("{id} waits for the operator")),
        }
    }
}
