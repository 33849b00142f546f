//! One day's walk: the plan with only that day's steps left in place (plus the preflight
//! the first time, the Go/No-Go gates that guard the whole plan, rollback and reference).
//! Sections stay where they are, so every step keeps the id it has in the whole plan.

use super::{Belongs, Days};
use crate::doc::model::{Runbook, Section, StepKind};

/// What a day's walk takes besides the day's own sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Including {
    /// The sections before the first day (prerequisites, checklists).
    pub preflight: bool,
}

/// `runbook` reduced to day `day` (0-based index into `days.days`).
pub fn day_walk(runbook: &Runbook, days: &Days, day: usize, including: Including) -> Runbook {
    let mut out = runbook.clone();
    prune(&mut out.sections, &mut Vec::new(), days, day, including);
    out
}

/// The walk of the day labelled `label`, as a session recorded it; the whole plan when
/// the plan no longer has that day.
pub fn recorded_day(runbook: Runbook, label: &str, preflight: bool) -> Runbook {
    let days = super::plan_days(&runbook);
    match days.days.iter().position(|d| d.label == label) {
        Some(index) => day_walk(&runbook, &days, index, Including { preflight }),
        None => runbook,
    }
}

fn prune(
    list: &mut [Section],
    path: &mut Vec<usize>,
    days: &Days,
    day: usize,
    including: Including,
) {
    for (i, section) in list.iter_mut().enumerate() {
        path.push(i);
        let kept = match days.belongs(path) {
            Some(Belongs::Day(d)) => d == day,
            Some(Belongs::Preflight) => including.preflight,
            Some(Belongs::Every) | None => true,
        };
        if !kept {
            section.prose.clear();
            section.steps.retain(guards_the_plan);
        }
        prune(&mut section.sections, path, days, day, including);
        path.pop();
    }
}

/// A Go/No-Go or sign-off gate the document placed after everything: it guards every day.
fn guards_the_plan(step: &crate::doc::model::Step) -> bool {
    matches!(&step.kind, StepKind::Gate(gate) if gate.moved_from_line.is_some())
}
