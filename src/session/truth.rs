//! What each step really ended as, in one mark and a few words, for every screen, the
//! line dialogue and the exports: only a step that ran and succeeded is `✓`; a dry run,
//! a step marked done by hand, a signed gate, a skipped, cancelled or failed step each
//! say so. And the end-of-walk summary that counts them.

use super::event::Decision;
use super::state::{Kind, SessionState, Status, StepState};

/// How a step stands, told honestly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Pending,
    Running,
    /// Ran (or, for a check, a wait, a gate, a note: was done) and succeeded.
    Succeeded,
    /// Walked under `--dry-run`: nothing ran.
    NotRun,
    /// A sign-off gate whose every role signed.
    Signed,
    /// A sign-off gate passed in a dry run without signatures.
    NotSigned,
    /// Its option of a choice was not chosen: it never runs.
    NotChosen,
    /// Marked done by hand; `after` is how it stood before (failed, cancelled…).
    MarkedDone {
        after: Option<Status>,
    },
    /// Skipped with a reason; `after` is how it stood before.
    Skipped {
        after: Option<Status>,
    },
    Failed,
    TimedOut,
    Cancelled,
    Interrupted,
    NoGo,
}

impl Mark {
    /// The mark of `step`, as the fold keeps it.
    pub fn of(step: &StepState) -> Mark {
        let before = step.settled_from.filter(|s| is_trouble(*s));
        match step.status {
            Status::Pending => Mark::Pending,
            Status::Running => Mark::Running,
            // A note is done once shown: that is all there is to do with it.
            Status::Done if step.by_hand && step.kind == Kind::Note => Mark::Succeeded,
            Status::Done if step.by_hand => Mark::MarkedDone { after: before },
            Status::Done if step.dry_run => Mark::NotRun,
            Status::Done if !step.signers.is_empty() && step.decision == Some(Decision::Go) => {
                Mark::Signed
            }
            Status::Done => Mark::Succeeded,
            Status::Skipped if step.dry_run && step.kind == Kind::Gate => Mark::NotSigned,
            Status::Skipped => Mark::Skipped { after: before },
            Status::Failed => Mark::Failed,
            Status::TimedOut => Mark::TimedOut,
            Status::Cancelled => Mark::Cancelled,
            Status::Interrupted => Mark::Interrupted,
            Status::NoGo => Mark::NoGo,
            Status::NotChosen => Mark::NotChosen,
        }
    }

    /// A symbol readable without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Pending => "○",
            Mark::Running => "▶",
            Mark::Succeeded => "✓",
            Mark::NotRun => "◌",
            Mark::Signed => "✍",
            Mark::NotSigned => "◌",
            Mark::MarkedDone { .. } => "☑",
            Mark::Skipped { .. } => "↷",
            Mark::Failed => "✗",
            Mark::TimedOut => "⏱",
            Mark::Cancelled => "⊘",
            Mark::Interrupted => "!",
            Mark::NoGo => "✋",
            Mark::NotChosen => "◇",
        }
    }

    /// The mark in words: `done`, `not run (dry run)`, `cancelled, then marked done`.
    pub fn words(self) -> String {
        match self {
            Mark::Pending => "not reached".into(),
            Mark::Running => "running".into(),
            Mark::Succeeded => "done".into(),
            Mark::NotRun => "not run (dry run)".into(),
            Mark::Signed => "signed".into(),
            Mark::NotSigned => "not signed (dry run)".into(),
            Mark::MarkedDone { after: None } => "marked done by hand".into(),
            Mark::MarkedDone { after: Some(s) } => format!("{}, then marked done", s.word()),
            Mark::Skipped { after: None } => "skipped".into(),
            Mark::Skipped { after: Some(s) } => format!("{} and skipped", s.word()),
            Mark::Failed => "failed".into(),
            Mark::TimedOut => "timed out".into(),
            Mark::Cancelled => "cancelled".into(),
            Mark::Interrupted => "interrupted".into(),
            Mark::NoGo => "NO-GO".into(),
            Mark::NotChosen => "not chosen".into(),
        }
    }

    /// Whether the step ran (or was done) and succeeded — the only kind of `✓`.
    pub fn succeeded(self) -> bool {
        matches!(self, Mark::Succeeded | Mark::Signed)
    }
}

/// A status that is trouble, worth keeping in the words once the step is settled.
fn is_trouble(status: Status) -> bool {
    matches!(
        status,
        Status::Failed | Status::TimedOut | Status::Cancelled | Status::Interrupted | Status::NoGo
    )
}

/// How a finished step's status line reads: `✓ exit 0 · 1.2s`, `◌ not run (dry run)`,
/// `⊘ cancelled (signal 15), then marked done · 9.9s`.
pub fn status_words(step: &StepState, duration: &str) -> String {
    let mark = Mark::of(step);
    let took = if duration.is_empty() || step.dry_run {
        String::new()
    } else {
        format!(" · {duration}")
    };
    let signal = step
        .signal
        .map(|s| format!(" (signal {s})"))
        .unwrap_or_default();
    let cancelled = Some(Status::Cancelled);
    if mark == Mark::Succeeded && step.kind == Kind::Run {
        format!("✓ exit {}{took}", step.exit_code.unwrap_or(0))
    } else if mark == (Mark::MarkedDone { after: cancelled }) {
        format!("☑ cancelled{signal}, then marked done{took}")
    } else if mark == (Mark::Skipped { after: cancelled }) {
        format!("↷ cancelled{signal}, then skipped{took}")
    } else {
        format!("{} {}{took}", mark.symbol(), mark.words())
    }
}

/// The walk's steps counted by how they really ended, in one line:
/// `18 done, 1 failed and skipped, 1 cancelled, 2 not reached`.
pub fn counts(state: &SessionState) -> String {
    let mut counted: Vec<(String, usize)> = Vec::new();
    for step in &state.steps {
        let pending = step.status == Status::Pending;
        if pending && step.rollback && !state.in_rollback {
            continue;
        }
        let words = if pending && step.reference {
            "reference, not run".to_string()
        } else {
            Mark::of(step).words()
        };
        match counted.iter_mut().find(|(w, _)| *w == words) {
            Some((_, n)) => *n += 1,
            None => counted.push((words, 1)),
        }
    }
    counted.sort_by_key(|(w, _)| order(w));
    let parts: Vec<String> = counted.iter().map(|(w, n)| format!("{n} {w}")).collect();
    if parts.is_empty() {
        "no steps".into()
    } else {
        parts.join(", ")
    }
}

/// Done first, then trouble, then what was not reached.
fn order(words: &str) -> u8 {
    match words {
        "done" => 0,
        "signed" => 1,
        "not run (dry run)" => 2,
        "not reached" | "reference, not run" => 9,
        _ => 5,
    }
}

/// Whether every step that was walked succeeded (nothing skipped, failed, marked done).
pub fn all_succeeded(state: &SessionState) -> bool {
    state
        .steps
        .iter()
        .filter(|s| s.rollback == state.in_rollback && !s.reference)
        .all(|s| Mark::of(s).succeeded() || s.status == Status::NotChosen)
}

impl StepState {
    /// A new attempt (a run or a wait) starts: what the last one ended as is gone.
    pub(super) fn fresh_attempt(&mut self, dry_run: bool) {
        self.dry_run = dry_run;
        self.signal = None;
        self.by_hand = false;
        self.settled_from = None;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "truth_tests.rs"]
mod tests;
