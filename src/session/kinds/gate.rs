//! Go/No-Go gates: the criteria shown, GO or NO-GO decided (GO by the autopilot); after
//! NO-GO the walk rolls back or is aborted. A gate with sign-off roles is a sign-off gate
//! ([`super::signoff`]).

use super::{StepRules, clip, plural};
use crate::doc::model::GateStep;
use crate::session::conductor::{Act, At, Next, Policy, Prompt};
use crate::session::event::{Decision, Outcome};
use crate::session::state::Status;

impl StepRules for GateStep {
    fn next(&self, at: &At, policy: &Policy) -> Next {
        if !self.signoffs.is_empty() {
            return super::signoff::next(self, at, policy);
        }
        let index = at.index;
        if at.step.status == Status::NoGo {
            if !at.here.can_roll_back() {
                return Next::End(Outcome::Aborted, format!("NO-GO at {}", at.id()));
            }
            return Next::Ask(Prompt::NoGo { index });
        }
        if policy.autopilot() {
            return Next::Act(Act::Decide {
                index,
                decision: Decision::Go,
                auto: true,
            });
        }
        Next::Ask(Prompt::Gate { index })
    }

    fn outline(&self) -> String {
        let what = if self.signoffs.is_empty() {
            format!(
                "◆ gate: {} ({})",
                self.title,
                plural(self.criteria.len(), "criterion")
            )
        } else {
            format!(
                "✍ sign-off: {} ({})",
                self.title,
                plural(self.signoffs.len(), "role")
            )
        };
        match self.moved_from_line {
            Some(line) => format!("{what}  ⚠ moved here from :{line}"),
            None => what,
        }
    }
}

/// The gate's criteria, and its roles, one line each under `indent`, for `runbook show`.
pub fn outline_details(gate: &GateStep, indent: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut group: Option<&str> = None;
    for c in &gate.criteria {
        if c.group.as_deref() != group {
            group = c.group.as_deref();
            lines.push(format!("{indent}{}:", group.unwrap_or("criteria")));
        }
        lines.push(format!("{indent}  • {}", clip(&c.text, 80)));
    }
    for s in &gate.signoffs {
        let distinct = if s.distinct { " (a second person)" } else { "" };
        lines.push(format!("{indent}  ✍ {}{distinct}", s.role));
    }
    lines
}
