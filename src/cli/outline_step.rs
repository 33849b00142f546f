//! One step of the `show` outline: its kind's own line (how it was read: proposed,
//! placeholders, moved, where a check came from), from [`crate::session::kinds`].

use crate::doc::model::{GateStep, RunStep, Step};
use crate::session::kinds::clip;
use std::fmt::Write;

/// One line describing a step: its kind marker and what it does.
pub fn step_summary(step: &Step) -> String {
    crate::session::kinds::rules(&step.kind).outline()
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
    for line in crate::session::kinds::outline_details(gate, indent) {
        let _ = writeln!(out, "{line}");
    }
}
