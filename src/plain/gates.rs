//! Gates in the plain walk: Go/No-Go decisions and sign-offs by name.

use super::dialogue::{Dialogue, Reply};
use super::walk::{Flow, WalkOptions, interrupted, record, rollback_or_abort};
use crate::doc::model::GateStep;
use crate::session::engine::Engine;
use crate::session::event::{Decision, Outcome};

/// A Go/No-Go gate: the criteria are shown, the operator decides (GO under `--yes`).
pub fn decision_gate(
    engine: &mut Engine,
    d: &mut Dialogue,
    opts: &WalkOptions,
    index: usize,
) -> Flow {
    show_criteria(engine, d, index);
    if opts.yes {
        d.say("  GO (decided automatically: --yes)");
        return record(engine, |e| e.decide_gate(index, Decision::Go, true));
    }
    loop {
        match d.choose(
            "Decision?",
            &[
                ('g', "[g]o"),
                ('x', "[x] no-go"),
                ('n', "[n]ote"),
                ('b', "[b]ack out"),
                ('a', "[a]bort"),
            ],
        ) {
            Reply::Chose('g') => {
                return record(engine, |e| e.decide_gate(index, Decision::Go, false));
            }
            Reply::Chose('x') => {
                let _ = engine.decide_gate(index, Decision::NoGo, false);
                return after_no_go(engine, d, index);
            }
            Reply::Chose(key) => {
                if let Some(flow) = rollback_or_abort(engine, d, key, index) {
                    return flow;
                }
            }
            other => return other.into(),
        }
    }
}

fn after_no_go(engine: &mut Engine, d: &mut Dialogue, index: usize) -> Flow {
    if !engine.has_rollback() || engine.state.in_rollback {
        return Flow::End(
            Outcome::Aborted,
            format!("NO-GO at {}", engine.step_id(index)),
        );
    }
    loop {
        match d.choose(
            "NO-GO.",
            &[('b', "[b]ack out (rollback)"), ('a', "[a]bort")],
        ) {
            Reply::Chose(key) => {
                if let Some(flow) = rollback_or_abort(engine, d, key, index) {
                    return flow;
                }
            }
            other => return other.into(),
        }
    }
}

fn show_criteria(engine: &Engine, d: &mut Dialogue, index: usize) {
    let crate::doc::model::StepKind::Gate(gate) = &engine.refs[index].step.kind else {
        return;
    };
    d.say(&format!("  gate: {}", engine.display(&gate.title)));
    let mut group: Option<&str> = None;
    for c in &gate.criteria {
        if c.group.as_deref() != group {
            group = c.group.as_deref();
            d.say(&format!("  {}:", group.unwrap_or("criteria")));
        }
        d.say(&format!("    • {}", engine.display(&c.text)));
    }
}

/// A sign-off gate: every role signed by name (`--signoff ROLE=NAME`, or asked).
pub fn signoff_gate(
    engine: &mut Engine,
    d: &mut Dialogue,
    opts: &WalkOptions,
    index: usize,
    gate: &GateStep,
) -> Flow {
    show_criteria(engine, d, index);
    let unsigned: Vec<_> = gate
        .signoffs
        .iter()
        .filter(|s| {
            !engine.state.steps[index]
                .signers
                .iter()
                .any(|signer| signer.role == s.role)
        })
        .collect();
    if opts.yes {
        let missing: Vec<&str> = unsigned
            .iter()
            .filter(|s| !opts.signoffs.iter().any(|(role, _)| role == &s.role))
            .map(|s| s.role.as_str())
            .collect();
        if !missing.is_empty() {
            let wanted: Vec<String> = missing
                .iter()
                .map(|r| format!("--signoff '{r}=NAME'"))
                .collect();
            return Flow::End(
                Outcome::Failed,
                format!(
                    "sign-off gate `{}` needs a signer for each role: {}",
                    gate.title,
                    wanted.join(" ")
                ),
            );
        }
    }
    for signoff in unsigned {
        if signoff.distinct {
            return Flow::End(
                Outcome::Failed,
                format!(
                    "`{}` must be signed by a second person from their own terminal, not by the driver ({})",
                    signoff.role, engine.os_user
                ),
            );
        }
        let given = opts
            .signoffs
            .iter()
            .find(|(role, _)| role == &signoff.role)
            .map(|(_, name)| name.clone());
        let name = match given {
            Some(name) => name,
            None => match d.ask_text(&format!("Name signing as {}:", signoff.role), None) {
                Reply::Chose(name) => name,
                Reply::Interrupted(sig) => return interrupted(sig),
                Reply::NoAnswer => return Reply::<char>::NoAnswer.into(),
            },
        };
        let os_user = engine.os_user.clone();
        let _ = engine.sign(index, &signoff.role, &name, &os_user, "driver");
        d.say(&format!(
            "  ✍ {} signed by {name} ({os_user})",
            signoff.role
        ));
    }
    record(engine, |e| e.decide_gate(index, Decision::Go, opts.yes))
}
