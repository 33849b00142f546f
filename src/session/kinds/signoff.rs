//! Sign-off gates: every role signed by name — from the driver's terminal, by
//! `--signoff ROLE=NAME`, or from a follower's (`runbook sign`) — then GO. The autopilot
//! waits for followers up to the sign-off timeout, then the run fails.

use crate::doc::duration::format_duration;
use crate::doc::model::{GateStep, Signoff};
use crate::session::conductor::{Act, At, Next, Policy, Prompt, Until};
use crate::session::event::{Decision, Outcome};

pub(super) fn next(gate: &GateStep, at: &At, policy: &Policy) -> Next {
    let index = at.index;
    let step = at.step;
    let unsigned: Vec<&Signoff> = gate
        .signoffs
        .iter()
        .filter(|s| !step.signers.iter().any(|x| x.role == s.role))
        .collect();
    // A role given on the command line is signed once; a refusal (a `distinct` role) stays recorded.
    let given = unsigned.iter().find_map(|role| {
        let tried = step
            .rejections
            .iter()
            .any(|r| r.signer.role == role.role && r.signer.via == "driver");
        let name = policy.signoffs.iter().find(|(r, _)| *r == role.role);
        name.filter(|_| !tried).map(|(_, name)| (role, name))
    });
    if let Some((role, name)) = given {
        return Next::Act(Act::Sign {
            index,
            role: role.role.clone(),
            name: name.clone(),
        });
    }
    if !unsigned.is_empty() && policy.dry_run && policy.autopilot() {
        let roles: Vec<&str> = unsigned.iter().map(|s| s.role.as_str()).collect();
        return Next::Act(Act::Skip {
            index,
            reason: format!("roles left unsigned: {}", roles.join(", ")),
        });
    }
    if unsigned.is_empty() {
        if policy.goes_ahead() {
            return Next::Act(Act::Decide {
                index,
                decision: Decision::Go,
                auto: policy.autopilot(),
            });
        }
        return Next::Ask(Prompt::Signoff { index, role: None });
    }
    if !policy.autopilot() {
        return Next::Ask(Prompt::Signoff {
            index,
            role: unsigned.first().map(|s| (*s).clone()),
        });
    }
    let now = at.here.now.mono;
    let deadline = at.here.arrived.unwrap_or(now) + policy.signoff_timeout;
    let missing: Vec<String> = unsigned.iter().map(|s| s.role.clone()).collect();
    if now >= deadline {
        let reason = timed_out(gate, &unsigned, policy, at.here.sign_command);
        return Next::End(Outcome::Failed, reason);
    }
    Next::Await(Until::Signoffs {
        index,
        missing,
        deadline,
    })
}

fn timed_out(gate: &GateStep, missing: &[&Signoff], policy: &Policy, sign: &str) -> String {
    let names: Vec<&str> = missing.iter().map(|s| s.role.as_str()).collect();
    let flags: Vec<String> = missing
        .iter()
        .filter(|s| !s.distinct)
        .map(|s| format!("--signoff '{}=NAME'", s.role))
        .collect();
    let here = if flags.is_empty() {
        String::new()
    } else {
        format!(", or give {}", flags.join(" "))
    };
    format!(
        "sign-off gate `{}` still needs a signer for each role after waiting {}: {} — sign from a follower's terminal (`{sign}`){here}",
        gate.title,
        format_duration(policy.signoff_timeout),
        names.join(", "),
    )
}
