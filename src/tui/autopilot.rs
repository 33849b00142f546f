//! `--yes` in the full-screen view: the next action the autopilot takes, with
//! the same rules as `--plain --yes` (checks and gates answered, sign-offs only
//! with `--signoff`), or why it has to stop for the operator.

use super::app::Effect;
use crate::doc::model::{StepKind, StepRef};
use crate::session::event::Decision;
use crate::session::state::{SessionState, Status};

/// What the autopilot does now.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    Act(Vec<Effect>),
    /// The operator has to take over; the reason is shown.
    Stop(String),
    Idle,
}

/// The autopilot's next move at the walk's cursor (nothing while a step or wait runs).
pub fn next(refs: &[StepRef], state: &SessionState, signoffs: &[(String, String)]) -> Next {
    let index = state.cursor;
    let (Some(r), Some(step)) = (refs.get(index), state.steps.get(index)) else {
        return Next::Idle;
    };
    if state.running.is_some() {
        return Next::Idle;
    }
    match (&r.step.kind, step.status) {
        (StepKind::Run(_), Status::Pending | Status::Interrupted) => {
            Next::Act(vec![Effect::Run { index }])
        }
        (StepKind::Run(_), _) => Next::Stop(format!(
            "{} failed: r retry · s skip · m mark done · b roll back",
            step.id
        )),
        (StepKind::Check(_), _) => Next::Act(vec![Effect::ConfirmCheck { index }]),
        (StepKind::Wait(_), _) => Next::Act(vec![Effect::StartWait { index }]),
        (StepKind::Note(_), _) => Next::Act(vec![Effect::MarkDone {
            index,
            reason: "shown".into(),
        }]),
        (StepKind::Gate(_), Status::NoGo) => {
            Next::Stop(format!("NO-GO at {}: b roll back, or q to abort", step.id))
        }
        (StepKind::Gate(gate), _) => {
            let mut effects = Vec::new();
            for role in gate
                .signoffs
                .iter()
                .filter(|s| !step.signers.iter().any(|x| x.role == s.role))
            {
                match signoffs.iter().find(|(r, _)| r == &role.role) {
                    Some((_, name)) if !role.distinct => effects.push(Effect::Sign {
                        index,
                        role: role.role.clone(),
                        name: name.clone(),
                    }),
                    _ => {
                        return Next::Stop(format!(
                            "sign-off `{}` needs {} — Enter to sign",
                            gate.title, role.role
                        ));
                    }
                }
            }
            effects.push(Effect::Decide {
                index,
                decision: Decision::Go,
            });
            Next::Act(effects)
        }
    }
}
