//! The conductor: one pure function that says what the walk does next, for every driver.
//!
//! [`next`] looks at the session as it stands ([`Here`]: the fold, the health board, the
//! time) and the [`Policy`], and answers with one of
//!
//! - [`Next::Act`]: something to do now without asking (the autopilot's answers, a
//!   retry, `on_fail`, a wait that is over) — the engine carries it out at once;
//! - [`Next::Ask`]: a [`Prompt`] for the operator, as data — the line dialogue prints
//!   it, the full screen opens a dialog; both answer with a command;
//! - [`Next::Await`]: nothing to decide until an input arrives or a deadline passes;
//! - [`Next::End`]: the walk is over, and how it ended.
//!
//! What happens at a step is its kind's business ([`crate::session::kinds`]); the
//! order of precedence is here: a running step first, then an open rollback prompt,
//! then the loader's warnings (acknowledged once, before the first step), then a choice
//! nobody answered at the cursor, then the end of the walk, then the step at the cursor.

mod policy;
mod prompt;

pub use policy::{Pace, Policy};
pub use prompt::{Prompt, Stop};

use super::choices::Chosen;
use super::clock::Now;
use super::event::{Decision, Outcome};
use super::health_board::HealthBoard;
use super::state::{SessionState, StepState};
use crate::doc::model::StepRef;
use chrono::{DateTime, Utc};
use std::time::Instant;

/// What the walk does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    Act(Act),
    Ask(Prompt),
    Await(Until),
    End(Outcome, String),
}

/// Something the engine does at once, without asking.
#[derive(Debug, Clone, PartialEq)]
pub enum Act {
    /// Start a run step; `retry` when `retries` ask for another attempt.
    Run {
        index: usize,
        auto: bool,
        retry: bool,
    },
    ConfirmCheck {
        index: usize,
        auto: bool,
    },
    MarkDone {
        index: usize,
        reason: String,
    },
    Skip {
        index: usize,
        reason: String,
    },
    StartWait {
        index: usize,
    },
    EndWait {
        index: usize,
        early: bool,
        reason: String,
        why: WaitOver,
    },
    /// Sign a role given with `--signoff` (a `distinct` role is refused, and recorded).
    Sign {
        index: usize,
        role: String,
        name: String,
    },
    Decide {
        index: usize,
        decision: Decision,
        auto: bool,
    },
    EnterRollback {
        reason: String,
    },
    /// `--plain --yes`: the loader's warnings were printed; recorded as acknowledged.
    AcknowledgeWarnings,
    /// A step on hosts: start its next batch.
    StartBatch {
        index: usize,
    },
    /// A step on hosts: GO or NO-GO after a batch (`batch_gate`, the autopilot's GO).
    DecideBatch {
        index: usize,
        decision: Decision,
        auto: bool,
    },
    /// A step on hosts is over: every batch ran, or `stop` says why not.
    EndFleetStep {
        index: usize,
        stop: Option<String>,
    },
    /// `--choose` names the option that applies at this choice.
    Choose {
        choice: usize,
        chosen: Chosen,
    },
}

/// Why a wait ends without the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitOver {
    /// Its checks held OK for `stable_for`, or its time ran out.
    Due,
    /// `--skip-waits` or `--dry-run`.
    Skipped,
    /// A rollback prompt was raised while it ran, or rollback was entered.
    CutShort,
    /// Its deadline came with its `until` checks not OK: the wait failed.
    Missed,
}

/// What the walk waits for.
#[derive(Debug, Clone, PartialEq)]
pub enum Until {
    /// A run step is running: its end.
    Exit { index: usize },
    /// A wait runs: its checks holding, or its time running out.
    Wait {
        index: usize,
        ends_at: DateTime<Utc>,
    },
    /// The autopilot at a sign-off gate: followers' sign-offs, until the deadline.
    Signoffs {
        index: usize,
        missing: Vec<String>,
        deadline: Instant,
    },
}

/// The session as the conductor sees it.
#[derive(Debug, Clone, Copy)]
pub struct Here<'a> {
    pub refs: &'a [StepRef<'a>],
    pub state: &'a SessionState,
    pub health: &'a HealthBoard,
    pub now: Now,
    /// When the walk reached the step at the cursor (the sign-off timeout counts from it).
    pub arrived: Option<Instant>,
    /// How a follower signs a role of this session (`runbook sign … --role ROLE …`).
    pub sign_command: &'a str,
}

/// One step, where the conductor looks at it.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub index: usize,
    pub step: &'a StepState,
    pub r: &'a StepRef<'a>,
    pub here: &'a Here<'a>,
}

impl<'a> Here<'a> {
    /// The step at `index`.
    pub fn at(&'a self, index: usize) -> Option<At<'a>> {
        Some(At {
            index,
            step: self.state.steps.get(index)?,
            r: self.refs.get(index)?,
            here: self,
        })
    }

    /// Whether the walk could leave the forward path for rollback now.
    pub fn can_roll_back(&self) -> bool {
        !self.state.in_rollback && self.state.steps.iter().any(|s| s.rollback)
    }
}

impl At<'_> {
    pub fn id(&self) -> &str {
        &self.step.id
    }

    /// What this step's kind says now: its rules while it runs — a step on hosts runs
    /// between its batches too, with no host running — else its rules at rest.
    pub fn step_next(&self, policy: &Policy) -> Next {
        let rules = super::kinds::rules(&self.r.step.kind);
        if self.here.state.running == Some(self.index) {
            rules.running(self, policy)
        } else {
            rules.next(self, policy)
        }
    }
}

/// What the walk does next, under `policy`.
pub fn next(here: &Here, policy: &Policy) -> Next {
    let state = here.state;
    if let (Some(outcome), Some(reason)) = (state.outcome, &state.end_reason) {
        return Next::End(outcome, reason.clone());
    }
    if let Some(at) = state.running.and_then(|i| here.at(i)) {
        return at.step_next(policy);
    }
    if let Some(reason) = &state.rollback_prompt {
        return Next::Ask(Prompt::Rollback {
            reason: reason.clone(),
        });
    }
    if state.warnings_pending() {
        // The line dialogue prints them; the full screen's dialog waits for the operator.
        return if policy.autopilot() && policy.pace == Pace::Continuous {
            Next::Act(Act::AcknowledgeWarnings)
        } else {
            Next::Ask(Prompt::Warnings)
        };
    }
    if let Some((slot, choice)) = state.open_choice() {
        return match choice.picked(&policy.choose) {
            Ok(Some(chosen)) => Next::Act(Act::Choose {
                choice: slot,
                chosen,
            }),
            Ok(None) | Err(_) => Next::Ask(Prompt::Choose {
                choice: slot,
                title: choice.title.clone(),
                answers: choice.answers(),
            }),
        };
    }
    match here.at(state.cursor) {
        Some(at) if !state.walk_finished() => at.step_next(policy),
        _ => {
            let (outcome, reason) = state.finished();
            Next::End(outcome, reason)
        }
    }
}

#[cfg(test)]
mod tests;
