//! YAML step mappings (`- run: ...`, `- check: ...`) → [`Step`]s.

use super::fields::{Fields, expect_text};
use super::node::{Node, Value};
use crate::doc::model::*;
use crate::doc::options::{RUN_OPTIONS, Spot, apply_run_option, check_step_name};
use crate::doc::sink::Sink;

/// The key that makes a mapping a step, one per kind.
pub const STEP_KINDS: &[&str] = &["run", "check", "wait", "gate", "note"];
const CHECK_KEYS: &[&str] = &["check", "name", "done"];
const WAIT_KEYS: &[&str] = &["wait", "name", "until", "stable_for"];
const GATE_KEYS: &[&str] = &["gate", "name", "criteria", "signoffs", "evidence"];
const NOTE_KEYS: &[&str] = &["note", "name"];

/// Whether a mapping has a step-kind key (used to tell steps from sections).
pub fn is_step(node: &Node) -> bool {
    match &node.value {
        Value::Map(entries) => entries.iter().any(|(k, _)| {
            k.as_text()
                .is_some_and(|t| STEP_KINDS.contains(&t.as_str()))
        }),
        _ => false,
    }
}

/// A step list: a mapping is one step, a list is several.
pub fn steps_from(node: &Node, sink: &mut Sink) -> Vec<Step> {
    match &node.value {
        Value::Seq(items) => items.iter().filter_map(|item| step(item, sink)).collect(),
        Value::Map(_) => step(node, sink).into_iter().collect(),
        Value::Null => Vec::new(),
        _ => {
            sink.at_node(
                node,
                format!(
                    "steps must be a list of mappings, found {}",
                    node.type_name()
                ),
                "a list such as `- run: ./deploy.sh`",
            );
            Vec::new()
        }
    }
}

/// One step mapping.
pub fn step(node: &Node, sink: &mut Sink) -> Option<Step> {
    let fields = Fields::of(node, "a step", sink)?;
    let kinds: Vec<&str> = STEP_KINDS
        .iter()
        .copied()
        .filter(|k| fields.has(k))
        .collect();
    let kind = match kinds.as_slice() {
        [kind] => *kind,
        [] => {
            if fields.reject_unknown(&all_step_keys(), sink) {
                sink.at_node(
                    node,
                    "this step says nothing to do",
                    "one of the keys run, check, wait, gate, note",
                );
            }
            return None;
        }
        [_, second, ..] => {
            let at = fields.key_node(second).unwrap_or(node);
            sink.at_node(
                at,
                format!("a step is one thing, found {}", kinds.join(" and ")),
                "exactly one of run, check, wait, gate, note per step",
            );
            return None;
        }
    };
    fields.reject_unknown(&keys_for(kind), sink);
    let name = step_name(&fields, sink);
    let kind = match kind {
        "run" => StepKind::Run(run_step(&fields, sink)?),
        "check" => StepKind::Check(CheckStep {
            text: fields.text("check", sink)?,
            done: fields.bool("done", sink).unwrap_or(false),
            depth: 0,
            origin: CheckOrigin::Explicit,
        }),
        "wait" => StepKind::Wait(wait_step(&fields, sink)?),
        "gate" => StepKind::Gate(gate_step(&fields, sink)?),
        _ => StepKind::Note(NoteStep {
            text: fields.text("note", sink)?,
        }),
    };
    Some(Step {
        line: node.line,
        name,
        kind,
    })
}

fn all_step_keys() -> Vec<&'static str> {
    let mut keys: Vec<&str> = STEP_KINDS.to_vec();
    for list in [RUN_OPTIONS, CHECK_KEYS, WAIT_KEYS, GATE_KEYS, NOTE_KEYS] {
        for key in list {
            if !keys.contains(key) {
                keys.push(key);
            }
        }
    }
    keys
}

fn keys_for(kind: &str) -> Vec<&'static str> {
    match kind {
        "run" => std::iter::once("run")
            .chain(RUN_OPTIONS.iter().copied())
            .collect(),
        "check" => CHECK_KEYS.to_vec(),
        "wait" => WAIT_KEYS.to_vec(),
        "gate" => GATE_KEYS.to_vec(),
        _ => NOTE_KEYS.to_vec(),
    }
}

fn step_name(fields: &Fields, sink: &mut Sink) -> Option<String> {
    let node = fields.get("name")?;
    let name = expect_text(node, "name", sink)?;
    check_step_name(&name, spot(node), sink).then_some(name)
}

fn spot(node: &Node) -> Spot {
    Spot {
        line: node.line,
        col: node.col,
        width: node.width(),
    }
}

fn run_step(fields: &Fields, sink: &mut Sink) -> Option<RunStep> {
    let script = fields.text("run", sink)?;
    if script.trim().is_empty() {
        sink.at_node(
            fields.get("run")?,
            "`run` has no command",
            "the shell command(s) to run",
        );
        return None;
    }
    let mut step = RunStep::new(script, "bash".into());
    for (key, value) in fields.entries {
        let key = key.key_text();
        if key == "run" || key == "name" || !RUN_OPTIONS.contains(&key.as_str()) {
            continue;
        }
        if let Some(text) = crate::doc::hosts::yaml_option_text(&key, value, sink) {
            apply_run_option(&mut step, &key, &text, spot(value), sink);
        }
    }
    Some(step)
}

fn wait_step(fields: &Fields, sink: &mut Sink) -> Option<WaitStep> {
    let duration = fields.duration("wait", sink)?;
    let until: Vec<String> = fields
        .text_list("until", sink)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    let stable_for = fields.duration("stable_for", sink);
    if stable_for.is_some() && until.is_empty() {
        let at = fields.key_node("stable_for").unwrap_or(fields.node);
        sink.at_node(
            at,
            "`stable_for` without `until`",
            "`until: [check names]` saying which health checks must stay OK",
        );
    }
    Some(WaitStep {
        duration,
        text: None,
        until,
        stable_for,
    })
}

fn gate_step(fields: &Fields, sink: &mut Sink) -> Option<GateStep> {
    let title = fields.text("gate", sink)?;
    let criteria = fields
        .text_list("criteria", sink)
        .into_iter()
        .map(|(text, node)| Criterion {
            text,
            group: None,
            line: node.line,
        })
        .collect();
    let signoffs = match fields.get("signoffs") {
        Some(node) => signoffs(node, sink),
        None => Vec::new(),
    };
    let evidence = fields
        .text_list("evidence", sink)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    Some(GateStep {
        title,
        criteria,
        signoffs,
        evidence,
        moved_from_line: None,
    })
}

fn signoffs(node: &Node, sink: &mut Sink) -> Vec<Signoff> {
    let Value::Seq(items) = &node.value else {
        sink.at_node(
            node,
            "`signoffs` must be a list",
            "a list of roles, e.g. `[Engineering Lead, {role: SRE, distinct: true}]`",
        );
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| signoff(item, sink))
        .collect()
}

fn signoff(node: &Node, sink: &mut Sink) -> Option<Signoff> {
    if let Some(role) = node.as_text() {
        return Some(Signoff {
            role,
            distinct: false,
            line: node.line,
        });
    }
    let fields = Fields::of(node, "a sign-off", sink)?;
    fields.reject_unknown(&["role", "distinct"], sink);
    let role = fields.required_text("role", sink)?;
    let distinct = fields.bool("distinct", sink).unwrap_or(false);
    Some(Signoff {
        role,
        distinct,
        line: node.line,
    })
}
