//! Run steps: started (after a confirmation unless `confirm=none`, or by the
//! autopilot), retried while `retries` allow, then `on_fail` decides — or the operator.
//! Placeholder values and proposed steps are guarded in [`super::proposed`].

use super::{StepRules, clip, plural};
use crate::doc::duration::format_duration;
use crate::doc::model::{Confirm, OnFail, RunStep, TranscriptLine};
use crate::session::conductor::{Act, At, Next, Pace, Policy, Prompt};
use crate::session::state::{Status, StepState};
use std::fmt::Write;

impl StepRules for RunStep {
    fn next(&self, at: &At, policy: &Policy) -> Next {
        let next = walk_on(self, at, policy);
        super::proposed::needs_values(self, at, policy, next)
    }

    fn outline(&self) -> String {
        let lines: Vec<&str> = self
            .script
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let first = lines.first().copied().unwrap_or("(comments only)");
        let more = if lines.len() > 1 {
            format!("  (+{} more)", lines.len() - 1)
        } else {
            String::new()
        };
        let mark = if self.proposed { "?$" } else { "$" };
        let (tags, notes) = (outline_tags(self), outline_notes(self));
        format!("{mark} {}{more}  [{tags}]{notes}", clip(first, 70))
    }

    fn running(&self, at: &At, policy: &Policy) -> Next {
        if self.fleet.is_remote() {
            return super::fleet_step::running(self, at, policy);
        }
        Next::Await(crate::session::conductor::Until::Exit { index: at.index })
    }

    fn terminal_output(&self) -> bool {
        self.tty || self.interactive
    }
}

/// What the walk does at a run step, before its placeholders are looked at.
fn walk_on(run: &RunStep, at: &At, policy: &Policy) -> Next {
    let index = at.index;
    let auto = policy.autopilot();
    if at.step.status == Status::Interrupted
        && run.fleet.is_remote()
        && let Some(next) = super::fleet_step::interrupted(at, policy)
    {
        return next;
    }
    match at.step.status {
        // It has no recorded end — it may have finished (a crash, a full disk that took
        // its `step_finished`) — so running it again is the operator's call, never the
        // autopilot's.
        Status::Interrupted => Next::Ask(Prompt::Run {
            index,
            confirm: run.confirm,
            again: true,
        }),
        Status::Cancelled => Next::Ask(Prompt::Failed {
            index,
            failure: failure(at.step),
        }),
        Status::Failed | Status::TimedOut => after_failure(run, at, auto),
        Status::Pending
        | Status::Running
        | Status::Done
        | Status::Skipped
        | Status::NoGo
        | Status::NotChosen => {
            if run.proposed {
                return super::proposed::proposed(at, policy);
            }
            let unasked = run.confirm == Confirm::None && policy.pace == Pace::Continuous;
            if auto || (unasked && at.step.status == Status::Pending) {
                return Next::Act(Act::Run {
                    index,
                    auto,
                    retry: false,
                });
            }
            Next::Ask(Prompt::Run {
                index,
                confirm: run.confirm,
                again: false,
            })
        }
    }
}

/// The bracketed tags of a run step's outline line: its language and options.
fn outline_tags(run: &RunStep) -> String {
    let mut tags = run.lang.clone();
    if let Some(t) = run.timeout {
        let _ = write!(tags, " timeout {}", format_duration(t));
    }
    if run.confirm == Confirm::Danger {
        tags.push_str(" DANGER");
    }
    if !run.errexit {
        tags.push_str(" errexit=false");
    }
    if run.proposed {
        tags.push_str(" PROPOSED");
    }
    if run.interactive {
        tags.push_str(" interactive");
    }
    tags
}

/// What an outline line says of how a run step was read: transcript output never run,
/// placeholders it needs.
fn outline_notes(run: &RunStep) -> String {
    let outputs = run
        .transcript
        .iter()
        .filter(|l| matches!(l, TranscriptLine::Output(_)))
        .count();
    let mut notes = String::new();
    if outputs > 0 {
        let _ = write!(notes, "  ·{} never run", plural(outputs, "output line"));
    }
    if !run.placeholders.is_empty() {
        let names: Vec<&str> = run
            .placeholders
            .iter()
            .map(|p| p.written.as_str())
            .collect();
        let _ = write!(notes, "  ·needs {}", names.join(", "));
    }
    notes
}

/// After a failure: another attempt while `retries` allow, then what `on_fail` says;
/// with neither, the operator decides.
fn after_failure(run: &RunStep, at: &At, auto: bool) -> Next {
    let index = at.index;
    let what = failure(at.step);
    if at.step.attempts <= run.retries {
        return Next::Act(Act::Run {
            index,
            auto,
            retry: true,
        });
    }
    match run.on_fail {
        OnFail::Continue => Next::Act(Act::Skip {
            index,
            reason: format!("failed ({what}); on_fail=continue"),
        }),
        OnFail::Rollback if at.here.can_roll_back() => Next::Act(Act::EnterRollback {
            reason: format!("step {} failed ({what}); on_fail=rollback", at.id()),
        }),
        OnFail::Rollback | OnFail::Stop => Next::Ask(Prompt::Failed {
            index,
            failure: what,
        }),
    }
}

/// How a run ended badly, in a few words: `exit 3`, `timed out`, `cancelled`,
/// `killed by a signal`.
pub fn failure(step: &StepState) -> String {
    if let Some(fleet) = &step.fleet
        && step.status != Status::Cancelled
    {
        return match &fleet.stopped {
            Some(reason) => reason.clone(),
            None => format!("{} of {} hosts failed", fleet.failed(), fleet.run.len()),
        };
    }
    match (step.status, step.exit_code) {
        (Status::TimedOut, _) => "timed out".into(),
        (Status::Cancelled, _) => "cancelled".into(),
        (_, Some(code)) => format!("exit {code}"),
        (_, None) => "killed by a signal".into(),
    }
}
