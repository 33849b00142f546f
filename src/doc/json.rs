//! The `runbook show --json` contract (documented in README.md; keep it stable).

use super::duration::format_duration;
use super::health::Probe;
use super::model::*;
use serde_json::{Value, json};

/// The version of the JSON shapes `show --json` and `check --json` print.
pub const SCHEMA: u32 = 1;

/// The whole runbook as the documented JSON outline.
pub fn runbook_json(runbook: &Runbook) -> Value {
    let days = super::days::plan_days(runbook);
    json!({
        "schema": SCHEMA,
        "title": runbook.title,
        "subtitles": runbook.subtitles,
        "path": runbook.path.display().to_string(),
        "format": match runbook.format { Format::Markdown => "markdown", Format::Yaml => "yaml" },
        "params": runbook.meta.params.iter().map(|p| json!({
            "name": p.name, "env": p.env_name(),
            "default": if runbook.meta.param_is_secret(p) { p.default.as_ref().map(|_| MASK) } else { p.default.as_deref() },
            "pattern": p.pattern, "prompt": p.prompt,
        })).collect::<Vec<_>>(),
        "env": { "require": runbook.meta.env.require, "secret": runbook.meta.env.secret },
        "health": runbook.meta.health.iter().map(|h| json!({
            "name": h.name, "kind": h.probe.label(), "line": h.line, "every": format_duration(h.every),
            "target": probe_target(&h.probe), "on": h.on,
        })).collect::<Vec<_>>(),
        "contacts": runbook.meta.contacts.iter().map(|c| json!({
            "role": c.role, "name": c.name, "phone": c.phone, "email": c.email, "chat": c.chat,
        })).collect::<Vec<_>>(),
        "hosts": super::hosts::spec_json(&runbook.meta.hosts),
        "gates": if runbook.meta.gates_in_place { "in-place" } else { "moved" },
        "meta": runbook.meta.foreign.iter().map(|(k, v)| (k.clone(), masked_meta(k, v))).collect::<serde_json::Map<_, _>>(),
        "preamble": runbook.preamble,
        "days": super::days::json::days_json(&days),
        "sections": sections_json(&runbook.sections, &mut Vec::new(), &days),
        "warnings": warnings_json(&runbook.warnings),
    })
}

/// What a masked value is shown as.
const MASK: &str = "***";

/// A foreign front-matter value, masked when its key says secret.
fn masked_meta(key: &str, value: &Value) -> Value {
    if is_secret_name(key) && !value.is_null() {
        Value::String(MASK.into())
    } else {
        value.clone()
    }
}

/// A foreign front-matter value as one line of text (masked when its key says secret).
pub fn foreign_value(key: &str, value: &Value) -> String {
    match masked_meta(key, value) {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Warnings as `[{line, col, code, message}]`.
pub fn warnings_json(warnings: &[Warning]) -> Vec<Value> {
    warnings
        .iter()
        .map(
            |w| json!({"line": w.line, "col": w.col, "code": w.code.label(), "message": w.message}),
        )
        .collect()
}

fn probe_target(probe: &Probe) -> String {
    match probe {
        Probe::Http(http) => http.url.clone(),
        Probe::Tcp { address } => address.clone(),
        Probe::Cmd { command } => command.clone(),
        Probe::System(metric) => format!("{metric:?}").to_lowercase(),
        Probe::Prometheus { url, query, .. } => format!("{url} {query}"),
    }
}

fn sections_json(
    sections: &[Section],
    path: &mut Vec<usize>,
    days: &super::days::Days,
) -> Vec<Value> {
    sections
        .iter()
        .enumerate()
        .map(|(i, section)| {
            path.push(i);
            let value = json!({
                "title": section.title,
                "line": section.line,
                "level": section.level,
                "rollback": section.is_rollback(),
                "role": section.role.label(),
                "day": super::days::json::section_day(days, path),
                "prose": section.prose.iter().map(|p| json!({
                    "line": p.line, "before_step": p.before_step, "markdown": p.markdown,
                })).collect::<Vec<_>>(),
                "steps": section.steps.iter().enumerate().map(|(n, s)| step_json(s, &step_id(s, path, n))).collect::<Vec<_>>(),
                "sections": sections_json(&section.sections, path, days),
            });
            path.pop();
            value
        })
        .collect()
}

fn step_id(step: &Step, path: &[usize], n: usize) -> String {
    match &step.name {
        Some(name) => name.clone(),
        None => {
            let parts: Vec<String> = path.iter().map(|i| (i + 1).to_string()).collect();
            format!("{}#{}", parts.join("."), n + 1)
        }
    }
}

fn step_json(step: &Step, id: &str) -> Value {
    let mut value =
        json!({ "kind": step.kind.label(), "line": step.line, "id": id, "name": step.name });
    let extra = match &step.kind {
        StepKind::Run(run) => json!({
            "script": run.script,
            "lang": run.lang,
            "timeout_seconds": run.timeout.map(|t| t.as_secs_f64()),
            "confirm": format!("{:?}", run.confirm).to_lowercase(),
            "cwd": run.cwd,
            "tty": run.tty,
            "interactive": run.interactive,
            "on_fail": format!("{:?}", run.on_fail).to_lowercase(),
            "retries": run.retries,
            "expect_exit": run.expect_exit,
            "errexit": run.errexit,
            "origin": run.origin.label(),
            "proposed": run.proposed,
            "placeholders": run.placeholders.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            "placeholder_env": run.placeholders.iter().map(|p| p.env.clone()).collect::<Vec<_>>(),
            "elsewhere": run.elsewhere.iter().map(|e| json!({
                "opener": e.opener, "opens": e.opens, "typed_there": e.typed_there, "left_open": e.left_open,
            })).collect::<Vec<_>>(),
            "transcript": run.transcript.iter().map(|l| match l {
                TranscriptLine::Command(c) => json!({"command": c}),
                TranscriptLine::Output(o) => json!({"output": o}),
            }).collect::<Vec<_>>(),
        }),
        StepKind::Check(check) => {
            json!({ "text": check.text, "done": check.done, "depth": check.depth, "origin": check.origin.label() })
        }
        StepKind::Wait(wait) => json!({
            "seconds": wait.duration.as_secs_f64(),
            "text": wait.text,
            "until": wait.until,
            "stable_for_seconds": wait.stable_for.map(|d| d.as_secs_f64()),
        }),
        StepKind::Gate(gate) => json!({
            "title": gate.title,
            "criteria": gate.criteria.iter().map(|c| c.text.clone()).collect::<Vec<_>>(),
            "criteria_groups": gate.criteria.iter().map(|c| c.group.clone()).collect::<Vec<_>>(),
            "signoffs": gate.signoffs.iter().map(|s| s.role.clone()).collect::<Vec<_>>(),
            "distinct_signoffs": gate.signoffs.iter().filter(|s| s.distinct).map(|s| s.role.clone()).collect::<Vec<_>>(),
            "evidence": gate.evidence,
            "moved_from_line": gate.moved_from_line,
        }),
        StepKind::Note(note) => json!({ "text": note.text }),
    };
    if let (StepKind::Run(run), Value::Object(target)) = (&step.kind, &mut value)
        && let Value::Object(fleet) = super::hosts::options_json(&run.fleet)
    {
        target.extend(fleet);
    }
    if let (Value::Object(target), Value::Object(more)) = (&mut value, extra) {
        target.extend(more);
    }
    value
}
