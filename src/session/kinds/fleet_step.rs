//! A run step on many hosts, as the conductor walks it (PRODUCT.md §8): the engine starts
//! a batch and records its hosts' ends; between batches the conductor decides — the step
//! ends once more hosts failed than `max_fail` allows, or a NO-GO was given, or every
//! batch ran; else `batch_gate` asks GO/NO-GO (the autopilot says GO) and `batch_wait`
//! holds the next batch back until its time.

use crate::doc::model::RunStep;
use crate::fleet::plan::too_many_failed;
use crate::session::conductor::{Act, At, Next, Policy, Prompt, Until};
use crate::session::event::Decision;
use crate::session::state::Status;

/// What the walk does while a step on hosts is running.
pub fn running(run: &RunStep, at: &At, policy: &Policy) -> Next {
    let index = at.index;
    let wait = Next::Await(Until::Exit { index });
    let Some(fleet) = &at.step.fleet else {
        return wait;
    };
    if fleet.batch_open {
        return wait;
    }
    let stop = if at.step.status == Status::Cancelled {
        Some("cancelled".to_string())
    } else if fleet.no_go {
        Some(format!("NO-GO after batch {}", fleet.decided))
    } else if too_many_failed(fleet.failed(), fleet.run.len(), run.fleet.max_fail) {
        let allowed = run
            .fleet
            .max_fail
            .map_or_else(|| "0".to_string(), |m| m.to_string());
        Some(format!(
            "{} of {} hosts failed (max_fail {allowed})",
            fleet.failed(),
            fleet.run.len()
        ))
    } else {
        None
    };
    if stop.is_some() || fleet.batch >= fleet.batches.len() {
        return Next::Act(Act::EndFleetStep { index, stop });
    }
    if run.fleet.batch_gate && fleet.decided < fleet.batch {
        if policy.autopilot() {
            return Next::Act(Act::DecideBatch {
                index,
                decision: Decision::Go,
                auto: true,
            });
        }
        return Next::Ask(Prompt::Batch {
            index,
            batch: fleet.batch,
            batches: fleet.batches.len(),
        });
    }
    if fleet
        .next_at
        .is_some_and(|at_time| at.here.now.wall < at_time)
    {
        return wait;
    }
    Next::Act(Act::StartBatch { index })
}

/// A step on hosts the session stopped in the middle of: the autopilot runs the hosts
/// that did not finish OK when none was running at the time (none can have half-run);
/// otherwise the operator decides.
pub fn interrupted(at: &At, policy: &Policy) -> Option<Next> {
    let fleet = at.step.fleet.as_ref()?;
    (policy.autopilot() && !fleet.any_interrupted()).then_some(Next::Act(Act::Run {
        index: at.index,
        auto: true,
        retry: false,
    }))
}
