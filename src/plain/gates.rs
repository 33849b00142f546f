//! Go/No-Go gates in the plain walk: the criteria shown, the operator's decision.

use super::dialogue::{Dialogue, Reply};
use super::walk::{Flow, WalkOptions, record, rollback_or_abort};
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
                ('q', super::walk::QUIT),
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

pub(super) fn show_criteria(engine: &Engine, d: &mut Dialogue, index: usize) {
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
