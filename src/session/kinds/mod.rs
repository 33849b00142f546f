//! Step kinds: what the walk does at each kind of step, in one file per kind — its
//! rules for the conductor (when it acts, what it asks, what the autopilot answers),
//! its line in `runbook show`, and how exports treat its output.
//!
//! A new kind of step is a new file here implementing [`StepRules`] for the loader's new
//! step type, and one line in [`rules`].

mod check;
pub mod fleet_step;
mod gate;
mod note;
mod proposed;
mod run;
mod signoff;
mod wait;

pub use gate::outline_details;
pub use proposed::{
    NOT_CONFIRMED, errexit_words, origin_words, proposed_from, proposed_short, unfilled_in,
};
pub use run::failure;

use super::conductor::{At, Next, Policy, Until};
use crate::doc::model::StepKind;

/// What one kind of step does.
pub trait StepRules {
    /// What the walk does at this step (it is at the walk's cursor, and nothing runs).
    fn next(&self, at: &At, policy: &Policy) -> Next;

    /// What the walk does while this step runs (a run step's process, a wait's clock).
    fn running(&self, at: &At, _policy: &Policy) -> Next {
        Next::Await(Until::Exit { index: at.index })
    }

    /// Its line in `runbook show`: a mark and what it does.
    fn outline(&self) -> String;

    /// Its output drives a terminal (exports pass it through as the terminal showed it).
    fn terminal_output(&self) -> bool {
        false
    }
}

/// The registry: the rules of each kind of step.
pub fn rules(kind: &StepKind) -> &dyn StepRules {
    match kind {
        StepKind::Run(step) => step,
        StepKind::Check(step) => step,
        StepKind::Wait(step) => step,
        StepKind::Gate(step) => step,
        StepKind::Note(step) => step,
    }
}

/// "1 role", "3 roles", "1 criterion", "10 criteria".
pub fn plural(n: usize, word: &str) -> String {
    let many = match word {
        "criterion" => "criteria".to_string(),
        _ => format!("{word}s"),
    };
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {many}")
    }
}

/// `text`, cut to `max` characters with an ellipsis.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{cut}…")
}
