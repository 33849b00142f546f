//! Checks that need the whole runbook: names, references, patterns, emptiness.

use super::model::*;
use super::sink::Sink;
use std::collections::HashMap;

/// Runs every whole-runbook check, reporting to `sink`.
pub fn validate(runbook: &Runbook, sink: &mut Sink) {
    let steps = runbook.steps();
    if steps.is_empty() && runbook.format == Format::Yaml {
        sink.at_line(1, 1, 1, "the runbook has no steps", "at least one step: a shell code block (```bash), a task item (- [ ] ...), or a ```runbook block");
    }
    unique_step_names(&steps, sink);
    step_options(&steps, sink);
    health_references(runbook, &steps, sink);
    unique_health_names(runbook, sink);
    params(runbook, sink);
    super::hosts::validate(runbook, &steps, sink);
    super::hosts::validate_checks(runbook, sink);
}

fn whole_line(sink: &mut Sink, line: u32, message: String, expected: String) {
    let text = sink.map.line_text(line);
    let indent = text.chars().take_while(|c| c.is_whitespace()).count();
    let width = text.trim().chars().count().max(1);
    sink.at_line(line, indent as u32 + 1, width as u32, message, expected);
}

fn unique_step_names(steps: &[StepRef], sink: &mut Sink) {
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for r in steps {
        let Some(name) = r.step.name.as_deref() else {
            continue;
        };
        if let Some(first) = seen.get(name) {
            whole_line(
                sink,
                r.step.line,
                format!("step name `{name}` is already used at line {first}"),
                "a name unique within the runbook".into(),
            );
        } else {
            seen.insert(name, r.step.line);
        }
    }
}

fn step_options(steps: &[StepRef], sink: &mut Sink) {
    for r in steps {
        let StepKind::Run(run) = &r.step.kind else {
            continue;
        };
        if run.confirm == Confirm::Danger && r.step.name.is_none() {
            whole_line(
                sink,
                r.step.line,
                "a `confirm=danger` step has no name".into(),
                "a `name` as well — the operator types it to confirm the step".into(),
            );
        }
        if run.tty && run.interactive {
            whole_line(sink, r.step.line, "a step cannot be both `tty` and `interactive`".into(), "`tty=true` (output in a pseudo-terminal) or `interactive=true` (the command gets the real terminal), not both".into());
        }
    }
}

fn health_references(runbook: &Runbook, steps: &[StepRef], sink: &mut Sink) {
    let names: Vec<&str> = runbook
        .meta
        .health
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    let expected = if names.is_empty() {
        "a check declared under `health:` (this runbook declares none)".to_string()
    } else {
        format!("one of the health checks: {}", names.join(", "))
    };
    for r in steps {
        let (key, refs) = match &r.step.kind {
            StepKind::Wait(wait) => ("until", &wait.until),
            StepKind::Gate(gate) => ("evidence", &gate.evidence),
            _ => continue,
        };
        for name in refs.iter().filter(|n| !names.contains(&n.as_str())) {
            whole_line(
                sink,
                r.step.line,
                format!("`{key}` names `{name}`, which is not a health check"),
                expected.clone(),
            );
        }
    }
}

fn unique_health_names(runbook: &Runbook, sink: &mut Sink) {
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for check in &runbook.meta.health {
        if let Some(first) = seen.get(check.name.as_str()) {
            whole_line(
                sink,
                check.line,
                format!(
                    "health check `{}` is already declared at line {first}",
                    check.name
                ),
                "a name unique among the health checks".into(),
            );
        } else {
            seen.insert(&check.name, check.line);
        }
    }
}

fn params(runbook: &Runbook, sink: &mut Sink) {
    let mut env_names: HashMap<String, &str> = HashMap::new();
    for param in &runbook.meta.params {
        if let Some(other) = env_names.insert(param.env_name(), &param.name) {
            whole_line(
                sink,
                param.line,
                format!(
                    "parameters `{other}` and `{}` both become ${}",
                    param.name,
                    param.env_name()
                ),
                "parameter names that differ after upper-casing".into(),
            );
        }
        let Some(pattern) = &param.pattern else {
            continue;
        };
        match regex::Regex::new(pattern) {
            Err(e) => {
                let reason = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("invalid")
                    .trim()
                    .to_string();
                whole_line(
                    sink,
                    param.line,
                    format!("the pattern of `{}` does not compile: {reason}", param.name),
                    "a regular expression such as '^v\\d+\\.\\d+\\.\\d+$'".into(),
                );
            }
            Ok(re) => {
                if let Some(default) = param.default.as_deref().filter(|d| !re.is_match(d)) {
                    whole_line(
                        sink,
                        param.line,
                        format!(
                            "the default `{default}` of `{}` does not match its pattern",
                            param.name
                        ),
                        format!("a default matching {pattern}"),
                    );
                }
            }
        }
    }
}
