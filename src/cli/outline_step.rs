//! One step of the `show` outline: its kind's own line (how it was read: proposed,
//! placeholders, moved, where a check came from), from [`crate::session::kinds`].

use crate::doc::model::{GateStep, Step};
use std::fmt::Write;

/// One line describing a step: its kind marker and what it does.
pub fn step_summary(step: &Step) -> String {
    crate::session::kinds::rules(&step.kind).outline()
}

/// A gate's criteria (by group) and roles, indented under its line.
pub fn gate_lines(gate: &GateStep, indent: &str, out: &mut String) {
    for line in crate::session::kinds::outline_details(gate, indent) {
        let _ = writeln!(out, "{line}");
    }
}
