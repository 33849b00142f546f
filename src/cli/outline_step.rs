//! One step of the `show` outline: its kind mark, what it does, and how it was read
//! (proposed, placeholders, moved, where a check came from).

use super::outline::{clip, plural};
use crate::doc::duration::format_duration;
use crate::doc::model::*;
use std::fmt::Write;

/// One line describing a step: its kind marker and what it does.
pub fn step_summary(step: &Step) -> String {
    match &step.kind {
        StepKind::Run(run) => run_summary(run),
        StepKind::Check(check) => {
            let mark = if check.done { "[x]" } else { "[ ]" };
            let origin = match check.origin {
                CheckOrigin::Task | CheckOrigin::Explicit => "",
                CheckOrigin::List => "  ·from a numbered list",
                CheckOrigin::Comment => "  ·from a comment",
                CheckOrigin::Fence => "  ·from a fence",
            };
            format!(
                "{}{mark} {}{origin}",
                "  ".repeat(check.depth as usize),
                clip(&check.text, 80)
            )
        }
        StepKind::Wait(wait) => {
            let until = if wait.until.is_empty() {
                String::new()
            } else {
                format!(" until {} OK", wait.until.join(", "))
            };
            let text = wait
                .text
                .as_deref()
                .map(|t| format!(" — {}", clip(t, 60)))
                .unwrap_or_default();
            format!("⏱ wait {}{until}{text}", format_duration(wait.duration))
        }
        StepKind::Gate(gate) => {
            let what = if gate.signoffs.is_empty() {
                format!(
                    "◆ gate: {} ({})",
                    gate.title,
                    plural(gate.criteria.len(), "criterion")
                )
            } else {
                format!(
                    "✍ sign-off: {} ({})",
                    gate.title,
                    plural(gate.signoffs.len(), "role")
                )
            };
            match gate.moved_from_line {
                Some(line) => format!("{what}  ⚠ moved here from :{line}"),
                None => what,
            }
        }
        StepKind::Note(note) => format!("ℹ {}", clip(&note.text, 80)),
    }
}

fn run_summary(run: &RunStep) -> String {
    let lines: Vec<&str> = run
        .script
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let first = lines.first().copied().unwrap_or("(comments only)");
    let more = if lines.len() > 1 {
        format!("  (+{} more)", lines.len() - 1)
    } else {
        String::new()
    };
    let mut tags = run.lang.clone();
    if let Some(t) = run.timeout {
        let _ = write!(tags, " timeout {}", format_duration(t));
    }
    if run.confirm == Confirm::Danger {
        tags.push_str(" DANGER");
    }
    if !run.errexit {
        tags.push_str(" errexit=false");
    }
    if run.proposed {
        tags.push_str(" PROPOSED");
    }
    if run.interactive {
        tags.push_str(" interactive");
    }
    let outputs = run
        .transcript
        .iter()
        .filter(|l| matches!(l, TranscriptLine::Output(_)))
        .count();
    let mut notes = String::new();
    if outputs > 0 {
        let _ = write!(notes, "  ·{} never run", plural(outputs, "output line"));
    }
    if !run.placeholders.is_empty() {
        let names: Vec<&str> = run
            .placeholders
            .iter()
            .map(|p| p.written.as_str())
            .collect();
        let _ = write!(notes, "  ·needs {}", names.join(", "));
    }
    let mark = if run.proposed { "?$" } else { "$" };
    format!("{mark} {}{more}  [{tags}]{notes}", clip(first, 70))
}

/// Where a step's sessions go and what the operator types there, indented under its line.
pub fn elsewhere_lines(run: &RunStep, indent: &str, out: &mut String) {
    for session in &run.elsewhere {
        let typed = if session.typed_there.is_empty() {
            ""
        } else {
            "; typed there, never run here:"
        };
        let _ = writeln!(
            out,
            "{indent}↪ `{}` opens {}{typed}",
            clip(&session.opener, 60),
            session.opens
        );
        for line in &session.typed_there {
            let _ = writeln!(out, "{indent}    {}", clip(line, 76));
        }
        if session.left_open {
            let _ = writeln!(out, "{indent}  (the block ends inside it)");
        }
    }
}

/// A gate's criteria (by group) and roles, indented under its line.
pub fn gate_lines(gate: &GateStep, indent: &str, out: &mut String) {
    let mut group: Option<&str> = None;
    for c in &gate.criteria {
        if c.group.as_deref() != group {
            group = c.group.as_deref();
            let _ = writeln!(out, "{indent}{}:", group.unwrap_or("criteria"));
        }
        let _ = writeln!(out, "{indent}  • {}", clip(&c.text, 80));
    }
    for s in &gate.signoffs {
        let distinct = if s.distinct { " (a second person)" } else { "" };
        let _ = writeln!(out, "{indent}  ✍ {}{distinct}", s.role);
    }
}
