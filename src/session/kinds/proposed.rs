//! What a run step needs before it may run, beyond its confirmation: a value for each
//! placeholder (asked once per session, never spliced), and for a *proposed* step —
//! commands the document did not mark as shell — the operator's own answer, which the
//! autopilot never gives (`--plain --yes` skips it, recorded; `--run-proposed` runs it).

use crate::doc::model::{Placeholder, RunOrigin, RunStep, Runbook};
use crate::doc::warning::Code;
use crate::session::conductor::{Act, At, Next, Pace, Policy, Prompt};
use crate::session::state::SessionState;

/// Why `--plain --yes` passes a proposed step by (recorded as the skip's reason).
pub const NOT_CONFIRMED: &str = "proposed command, not confirmed; --run-proposed runs it";

/// What the walk does at a proposed step that may run now.
pub fn proposed(at: &At, policy: &Policy) -> Next {
    let index = at.index;
    if policy.autopilot() {
        // A dry run runs nothing, so walking a proposed step there confirms nothing.
        if policy.run_proposed || policy.dry_run {
            return Next::Act(Act::Run {
                index,
                auto: true,
                retry: false,
            });
        }
        if policy.pace == Pace::Continuous {
            return Next::Act(Act::Skip {
                index,
                reason: NOT_CONFIRMED.into(),
            });
        }
    }
    // The full screen's autopilot hands over here (`Prompt::hand_over`).
    Next::Ask(Prompt::Proposed { index })
}

/// Before anything that would run the step (the autopilot's run, the operator's
/// confirmation, a retry the operator may choose): the first placeholder without a
/// value is asked for instead.
pub fn needs_values(run: &RunStep, at: &At, policy: &Policy, next: Next) -> Next {
    let runs_it = match &next {
        Next::Act(Act::Run { .. }) | Next::Ask(Prompt::Run { .. } | Prompt::Proposed { .. }) => {
            true
        }
        Next::Ask(Prompt::Failed { .. }) => !policy.autopilot(),
        Next::Act(_) | Next::Ask(_) | Next::Await(_) | Next::End(..) => false,
    };
    match unfilled(run, at) {
        // A dry run passes no value to any command: nothing is asked for.
        Some(_) if policy.dry_run => next,
        Some(placeholder) if runs_it => Next::Ask(Prompt::Placeholder {
            index: at.index,
            placeholder: placeholder.clone(),
        }),
        _ => next,
    }
}

/// The step's first placeholder that has no value in this session yet.
fn unfilled<'r>(run: &'r RunStep, at: &At) -> Option<&'r Placeholder> {
    unfilled_in(run, at.here.state).into_iter().next()
}

/// The step's placeholders that have no value in this session yet.
pub fn unfilled_in<'r>(run: &'r RunStep, state: &SessionState) -> Vec<&'r Placeholder> {
    run.placeholders
        .iter()
        .filter(|p| !state.filled(&p.env))
        .collect()
}

/// Where a run step's commands were found, in words: "a fence without a language".
pub fn origin_words(origin: RunOrigin) -> &'static str {
    match origin {
        RunOrigin::Fence => "a shell fence",
        RunOrigin::Unlabeled => "a fence without a language",
        RunOrigin::Indented => "indented code",
        RunOrigin::Console => "a console transcript",
        RunOrigin::Comment => "a comment",
    }
}

/// Where a proposed step's commands were found, as the loader said it at `line` ("a
/// fence inside an HTML block"); the origin's own words when it said nothing there.
fn found_in(runbook: &Runbook, run: &RunStep, line: u32) -> String {
    runbook
        .warnings
        .iter()
        .filter(|w| w.line == line && w.code == Code::Proposed)
        .find_map(|w| {
            let rest = w.message.strip_prefix("commands in ")?;
            Some(rest.split(" read as shell").next()?.to_string())
        })
        .unwrap_or_else(|| origin_words(run.origin).to_string())
}

/// What every presenter says of a proposed step: what it is and where it came from.
pub fn proposed_from(runbook: &Runbook, run: &RunStep, line: u32) -> String {
    format!(
        "PROPOSED command, read as shell from {} at line {line}: the document does not mark it as a command, so it runs only when you confirm it",
        found_in(runbook, run, line)
    )
}

/// Where it came from in a few words, for the step view: "a fence inside an HTML block,
/// line 8".
pub fn proposed_short(runbook: &Runbook, run: &RunStep, line: u32) -> String {
    format!("{}, line {line}", found_in(runbook, run, line))
}

/// Whether the step stops at its first failing command, in words for the step view.
pub fn errexit_words(run: &RunStep) -> &'static str {
    if run.errexit {
        "stops at the first failing command"
    } else {
        "errexit=false: runs every line"
    }
}
