//! `--yes` in the full-screen view: the next action the autopilot takes, with
//! the same rules as `--plain --yes` (checks and gates answered, sign-offs
//! with `--signoff` or from followers, waited for), or why it has to stop for the operator.

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
        (StepKind::Run(_), status)
            if crate::session::policy::autopilot_must_ask(status).is_some() =>
        {
            Next::Stop(format!(
                "{} was running when the session stopped: Enter runs it again, m marks it done",
                step.id
            ))
        }
        (StepKind::Run(_), Status::Pending) => Next::Act(vec![Effect::Run { index }]),
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
            let mut missing = false;
            for role in gate
                .signoffs
                .iter()
                .filter(|s| !step.signers.iter().any(|x| x.role == s.role))
            {
                // A `distinct` role is never signed from the driver's side: a follower signs it.
                match signoffs.iter().find(|(r, _)| r == &role.role) {
                    Some((_, name)) if !role.distinct => effects.push(Effect::Sign {
                        index,
                        role: role.role.clone(),
                        name: name.clone(),
                    }),
                    _ => missing = true,
                }
            }
            if missing {
                // Waits for the operator (Enter) or a follower (`runbook sign`) to sign the rest.
                return if effects.is_empty() {
                    Next::Idle
                } else {
                    Next::Act(effects)
                };
            }
            effects.push(Effect::Decide {
                index,
                decision: Decision::Go,
            });
            Next::Act(effects)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::session::event::{Body, Event};

    fn signed(role: &str, via: &str) -> Event {
        Event::new(
            Some("approve"),
            Body::Signed {
                role: role.into(),
                name: "X".into(),
                os_user: "x".into(),
                via: via.into(),
                request: None,
            },
        )
    }

    #[test]
    fn an_interrupted_step_is_left_to_the_operator() {
        let text = "title: T\nsteps:\n  - run: echo hi\n    name: once\n";
        let rb = crate::doc::load_str(text, std::path::Path::new("t.yaml")).unwrap();
        let refs = rb.steps();
        let mut state = SessionState::new(&rb);
        assert_eq!(
            next(&refs, &state, &[]),
            Next::Act(vec![Effect::Run { index: 0 }])
        );
        state.apply(&Event::new(
            Some("once"),
            Body::StepInterrupted {
                reason: "the disk was full".into(),
            },
        ));
        assert!(matches!(next(&refs, &state, &[]), Next::Stop(_)));
    }

    #[test]
    fn sign_off_gates_wait_for_followers_and_never_sign_a_distinct_role() {
        let text = "title: T\nsteps:\n  - gate: Approve\n    name: approve\n    signoffs: [Lead, {role: SRE, distinct: true}]\n";
        let rb = crate::doc::load_str(text, std::path::Path::new("t.yaml")).unwrap();
        let refs = rb.steps();
        let given = [
            ("Lead".to_string(), "Ana".to_string()),
            ("SRE".into(), "Ana".into()),
        ];
        let mut state = SessionState::new(&rb);
        assert_eq!(
            next(&refs, &state, &given),
            Next::Act(vec![Effect::Sign {
                index: 0,
                role: "Lead".into(),
                name: "Ana".into()
            }])
        );
        state.apply(&signed("Lead", "driver"));
        assert_eq!(next(&refs, &state, &given), Next::Idle, "waits for SRE");
        state.apply(&signed("SRE", "follower@laptop"));
        assert_eq!(
            next(&refs, &state, &given),
            Next::Act(vec![Effect::Decide {
                index: 0,
                decision: Decision::Go
            }])
        );
    }
}
