//! Whether a sign-off may be recorded: the gate is open, the role is its own
//! and unsigned, the name is a name, and a `distinct` role has a second person.

use super::request::MAX_TEXT;
use crate::doc::model::{Signoff, StepKind, StepRef};
use crate::session::state::SessionState;

/// Who asks to sign what.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    /// The gate's step id; `None` for the gate the walk is at.
    pub step: Option<&'a str>,
    pub role: &'a str,
    pub name: &'a str,
    /// The signer's OS user id (the sidecar's owner, or the driver's own).
    pub uid: u32,
}

/// The driver's OS user, against whom `distinct` roles are checked.
#[derive(Debug, Clone, Copy)]
pub struct DriverUser<'a> {
    pub uid: u32,
    pub name: &'a str,
}

/// What becomes of a sign-off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Record it: the gate's index and the role as the runbook spells it.
    Sign { index: usize, role: String },
    /// Record why not; `index` when the gate is known.
    Reject {
        index: Option<usize>,
        reason: String,
    },
}

/// Judges one sign-off against the session as it stands.
pub fn judge(refs: &[StepRef], state: &SessionState, ask: &Ask, driver: DriverUser) -> Verdict {
    let index = match gate_index(state, ask.step) {
        Ok(index) => index,
        Err(reason) => {
            return Verdict::Reject {
                index: None,
                reason,
            };
        }
    };
    let reject = |reason: String| Verdict::Reject {
        index: Some(index),
        reason,
    };
    let id = &state.steps[index].id;
    let Some(StepKind::Gate(gate)) = refs.get(index).map(|r| &r.step.kind) else {
        return reject(format!("`{id}` is not a sign-off gate"));
    };
    if gate.signoffs.is_empty() {
        return reject(format!("`{id}` is not a sign-off gate"));
    }
    if let Some(reason) = not_open(state, index) {
        return reject(reason);
    }
    let Some(signoff) = find_role(&gate.signoffs, ask.role) else {
        let roles: Vec<&str> = gate.signoffs.iter().map(|s| s.role.as_str()).collect();
        return reject(format!(
            "`{id}` has no role `{}`; its roles: {}",
            clip(ask.role.trim(), 60),
            roles.join(", ")
        ));
    };
    if let Some(signer) = state.steps[index]
        .signers
        .iter()
        .find(|s| s.role == signoff.role)
    {
        return reject(format!(
            "{} is already signed by {} ({})",
            signoff.role, signer.name, signer.os_user
        ));
    }
    if let Some(problem) = bad_name(ask.name) {
        return reject(problem);
    }
    if signoff.distinct && ask.uid == driver.uid {
        return reject(format!(
            "{} must be signed by a second person: {} is the driver's own OS user",
            signoff.role, driver.name
        ));
    }
    Verdict::Sign {
        index,
        role: signoff.role.clone(),
    }
}

fn gate_index(state: &SessionState, step: Option<&str>) -> Result<usize, String> {
    if state.outcome.is_some() {
        return Err("the session has ended".into());
    }
    match step {
        Some(id) => state
            .position(id)
            .ok_or_else(|| format!("no step `{}` in this runbook", clip(id, 60))),
        None if state.walk_finished() => Err("the walk is over; no gate is open".into()),
        None => Ok(state.cursor),
    }
}

/// Why the gate at `index` cannot be signed now, if it cannot.
fn not_open(state: &SessionState, index: usize) -> Option<String> {
    let step = &state.steps[index];
    if let Some(decision) = step.decision {
        return Some(format!(
            "`{}` is already decided ({})",
            step.id,
            decision.word()
        ));
    }
    if state.cursor != index {
        let at = state
            .current()
            .map_or_else(|| "the end".to_string(), |s| format!("`{}`", s.id));
        return Some(format!("`{}` is not open: the walk is at {at}", step.id));
    }
    None
}

/// The role as written, else the one that differs only in case.
fn find_role<'g>(signoffs: &'g [Signoff], role: &str) -> Option<&'g Signoff> {
    let role = role.trim();
    signoffs
        .iter()
        .find(|s| s.role == role)
        .or_else(|| signoffs.iter().find(|s| s.role.eq_ignore_ascii_case(role)))
}

fn bad_name(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        Some("the name is empty".into())
    } else if name.chars().count() > MAX_TEXT {
        Some(format!("the name is longer than {MAX_TEXT} characters"))
    } else if name.chars().any(char::is_control) {
        Some("the name contains control characters".into())
    } else {
        None
    }
}

/// At most `max` characters of `text`, with an ellipsis when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::session::event::{Body, Decision, Event};

    const RUNBOOK: &str = "title: T\nsteps:\n  - check: Ready\n  - gate: Sign-off\n    name: approve\n    signoffs: [Lead, {role: SRE, distinct: true}]\n  - note: after\n";
    const DRIVER: DriverUser = DriverUser {
        uid: 1000,
        name: "ana",
    };

    fn runbook() -> crate::doc::model::Runbook {
        crate::doc::load_str(RUNBOOK, std::path::Path::new("t.yaml")).unwrap()
    }

    fn at_gate(rb: &crate::doc::model::Runbook) -> SessionState {
        let checked = Event::new(Some("1#1"), Body::CheckConfirmed { auto: false });
        SessionState::fold(rb, [&checked])
    }

    fn ask<'a>(step: Option<&'a str>, role: &'a str, uid: u32) -> Ask<'a> {
        Ask {
            step,
            role,
            name: "Bob",
            uid,
        }
    }

    fn reason(verdict: Verdict) -> String {
        match verdict {
            Verdict::Reject { reason, .. } => reason,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn the_current_gate_signs_its_own_roles() {
        let rb = runbook();
        let state = at_gate(&rb);
        let refs = rb.steps();
        for step in [None, Some("approve")] {
            assert_eq!(
                judge(&refs, &state, &ask(step, "lead", 1000), DRIVER),
                Verdict::Sign {
                    index: 1,
                    role: "Lead".into()
                }
            );
        }
        assert_eq!(
            judge(&refs, &state, &ask(None, "SRE", 1001), DRIVER),
            Verdict::Sign {
                index: 1,
                role: "SRE".into()
            }
        );
    }

    #[test]
    fn a_distinct_role_is_refused_to_the_drivers_own_user() {
        let rb = runbook();
        let reason = reason(judge(
            &rb.steps(),
            &at_gate(&rb),
            &ask(None, "SRE", 1000),
            DRIVER,
        ));
        assert!(
            reason.contains("second person") && reason.contains("ana"),
            "{reason}"
        );
    }

    #[test]
    fn unknown_closed_and_signed_gates_are_refused() {
        let rb = runbook();
        let refs = rb.steps();
        let fresh = SessionState::new(&rb);
        let state = at_gate(&rb);
        let cases = [
            (&state, ask(Some("nope"), "SRE", 1), "no step `nope`"),
            (&state, ask(Some("1#1"), "SRE", 1), "not a sign-off gate"),
            (&fresh, ask(Some("approve"), "SRE", 1), "not open"),
            (
                &state,
                ask(None, "DBA", 1),
                "no role `DBA`; its roles: Lead, SRE",
            ),
        ];
        for (state, ask, expected) in cases {
            let got = reason(judge(&refs, state, &ask, DRIVER));
            assert!(got.contains(expected), "{got} vs {expected}");
        }
        let signed = Event::new(
            Some("approve"),
            Body::Signed {
                role: "Lead".into(),
                name: "Ana".into(),
                os_user: "ana".into(),
                via: "driver".into(),
                request: None,
            },
        );
        let mut twice = state.clone();
        twice.apply(&signed);
        let got = reason(judge(&refs, &twice, &ask(None, "Lead", 1), DRIVER));
        assert_eq!(got, "Lead is already signed by Ana (ana)");
        let decided = Event::new(
            Some("approve"),
            Body::GateDecided {
                decision: Decision::NoGo,
                auto: false,
                criteria: vec![],
                groups: vec![],
                signers: vec![],
                evidence: Default::default(),
            },
        );
        twice.apply(&decided);
        let got = reason(judge(&refs, &twice, &ask(None, "SRE", 1), DRIVER));
        assert!(got.contains("already decided"), "{got}");
    }

    #[test]
    fn names_must_be_names() {
        let rb = runbook();
        let state = at_gate(&rb);
        let mut bad = ask(None, "Lead", 1);
        bad.name = " ";
        assert_eq!(
            reason(judge(&rb.steps(), &state, &bad, DRIVER)),
            "the name is empty"
        );
    }
}
