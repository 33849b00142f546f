//! Text renderings of a runbook for the terminal: the `show` outline and the `check` summary.

use super::outline_step::{elsewhere_lines, gate_lines, step_summary};
use crate::doc::duration::format_duration;
use crate::doc::model::*;
use std::fmt::Write;

/// Counts of a runbook's contents, for summaries.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    pub sections: usize,
    pub run: usize,
    pub check: usize,
    pub wait: usize,
    pub gate: usize,
    pub note: usize,
    pub rollback_steps: usize,
    /// Steps in reference sections (FAQ, troubleshooting), off the forward path.
    pub reference_steps: usize,
    /// Sections whose options are alternatives.
    pub choices: usize,
    pub signoff_roles: usize,
}

impl Counts {
    pub fn of(runbook: &Runbook) -> Self {
        let sections = runbook.all_sections();
        let mut counts = Counts {
            sections: sections.len(),
            choices: sections
                .iter()
                .filter(|s| s.role == SectionRole::Choice)
                .count(),
            ..Counts::default()
        };
        for r in runbook.steps() {
            if r.rollback {
                counts.rollback_steps += 1;
            }
            if r.reference {
                counts.reference_steps += 1;
            }
            match &r.step.kind {
                StepKind::Run(_) => counts.run += 1,
                StepKind::Check(_) => counts.check += 1,
                StepKind::Wait(_) => counts.wait += 1,
                StepKind::Gate(g) => {
                    counts.gate += 1;
                    counts.signoff_roles += g.signoffs.len();
                }
                StepKind::Note(_) => counts.note += 1,
            }
        }
        counts
    }

    pub fn steps(&self) -> usize {
        self.run + self.check + self.wait + self.gate + self.note
    }

    /// "12 steps (5 run, 6 check, 1 gate)"
    pub fn steps_phrase(&self) -> String {
        let parts: Vec<String> = [
            ("run", self.run),
            ("check", self.check),
            ("wait", self.wait),
            ("gate", self.gate),
            ("note", self.note),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
        if parts.is_empty() {
            return plural(self.steps(), "step");
        }
        format!("{} ({})", plural(self.steps(), "step"), parts.join(", "))
    }
}

/// The one-line `check` summary of a valid runbook.
pub fn summary_line(runbook: &Runbook) -> String {
    let c = Counts::of(runbook);
    format!(
        "ok  {} — {}: {}, {}, {}, {}",
        runbook.path.display(),
        runbook.title,
        plural(c.sections, "section"),
        c.steps_phrase(),
        plural(c.rollback_steps, "rollback step"),
        plural(c.gate, "gate")
    )
}

/// The readable outline printed by `show`.
pub fn outline(runbook: &Runbook) -> String {
    let c = Counts::of(runbook);
    let mut out = String::new();
    let _ = writeln!(out, "{}", runbook.title);
    for subtitle in &runbook.subtitles {
        let _ = writeln!(out, "  {subtitle}");
    }
    let _ = write!(
        out,
        "{} · {} · {}",
        runbook.path.display(),
        c.steps_phrase(),
        plural(c.rollback_steps, "rollback step")
    );
    if c.reference_steps > 0 {
        let _ = write!(out, " · {}", plural(c.reference_steps, "reference step"));
    }
    if c.choices > 0 {
        let _ = write!(out, " · {}", plural(c.choices, "choice"));
    }
    let _ = writeln!(out);
    meta_lines(&runbook.meta, &mut out);
    out.push_str(&super::days_list::days_lines(&crate::doc::days::plan_days(
        runbook,
    )));
    let hosts = super::hosts::StepHosts::of(runbook);
    for (i, section) in runbook.sections.iter().enumerate() {
        section_lines(section, &[i], false, &hosts, &mut out);
    }
    if !runbook.warnings.is_empty() {
        let _ = writeln!(
            out,
            "\n⚠ how it was read ({}):",
            plural(runbook.warnings.len(), "decision")
        );
        for w in &runbook.warnings {
            let _ = writeln!(
                out,
                "  :{}:{} {} [{}]",
                w.line,
                w.col,
                w.message,
                w.code.label()
            );
        }
    }
    out
}

fn meta_lines(meta: &Metadata, out: &mut String) {
    for p in &meta.params {
        let default = p
            .default
            .as_deref()
            .map(|d| format!(" (default {d})"))
            .unwrap_or_default();
        let default = if meta.param_is_secret(p) && p.default.is_some() {
            " (default ***)".to_string()
        } else {
            default
        };
        let _ = writeln!(out, "param  {} → ${}{default}", p.name, p.env_name());
    }
    if !meta.env.require.is_empty() {
        let _ = writeln!(out, "env    requires {}", meta.env.require.join(", "));
    }
    if !meta.env.secret.is_empty() {
        let _ = writeln!(out, "env    masks {}", meta.env.secret.join(", "));
    }
    for h in &meta.health {
        let _ = writeln!(
            out,
            "health {} ({}, every {})",
            h.name,
            h.probe.label(),
            format_duration(h.every)
        );
    }
    for group in &meta.hosts.groups {
        let mut names: Vec<&str> = group
            .hosts
            .iter()
            .take(8)
            .map(|h| h.name.as_str())
            .collect();
        if group.hosts.len() > names.len() {
            names.push("…");
        }
        let _ = writeln!(
            out,
            "hosts  {} ({}): {}",
            group.name,
            group.hosts.len(),
            names.join(", ")
        );
    }
    if let Some(inventory) = &meta.hosts.inventory {
        let _ = writeln!(out, "hosts  inventory {}", inventory.path);
    }
    if !meta.foreign.is_empty() {
        let shown: Vec<String> = meta
            .foreign
            .iter()
            .map(|(k, v)| format!("{k}: {}", clip(&crate::doc::json::foreign_value(k, v), 40)))
            .collect();
        let _ = writeln!(out, "meta   {}", shown.join(" · "));
    }
    for contact in &meta.contacts {
        let who = [&contact.name, &contact.phone, &contact.email, &contact.chat]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let who = if who.is_empty() {
            "(no details)"
        } else {
            who.as_str()
        };
        let _ = writeln!(out, "contact {}: {who}", contact.role);
    }
}

/// The mark after a section's title: where it stands in the walk. Off-path regions are
/// marked where they start.
fn section_mark(section: &Section, inherited_off_path: bool) -> String {
    match section.role {
        SectionRole::Rollback if !inherited_off_path => "  ↺ ROLLBACK".into(),
        SectionRole::Reference if !inherited_off_path => "  ☰ REFERENCE".into(),
        SectionRole::Choice => format!(
            "  ◇ CHOICE — one of {}",
            section
                .sections
                .iter()
                .filter(|s| s.role == SectionRole::Option)
                .count()
        ),
        SectionRole::Option => "  ◇ option".into(),
        _ => String::new(),
    }
}

fn section_lines(
    section: &Section,
    path: &[usize],
    inherited_off_path: bool,
    hosts: &super::hosts::StepHosts,
    out: &mut String,
) {
    let off_path = inherited_off_path || section.is_rollback() || section.is_reference();
    let depth = path.len() - 1;
    let number: Vec<String> = path.iter().map(|i| (i + 1).to_string()).collect();
    let number = number.join(".");
    let marker = section_mark(section, inherited_off_path);
    let _ = writeln!(
        out,
        "\n{}§ {number} {}{marker}  :{}",
        "  ".repeat(depth),
        section.title,
        section.line
    );
    for (n, step) in section.steps.iter().enumerate() {
        let id = step
            .name
            .clone()
            .unwrap_or_else(|| format!("{number}#{}", n + 1));
        let indent = "  ".repeat(depth + 1);
        let _ = writeln!(
            out,
            "{indent}{:<8} {}  :{}",
            id,
            step_summary(step),
            step.line
        );
        match &step.kind {
            StepKind::Gate(gate) => gate_lines(gate, &format!("{indent}         "), out),
            StepKind::Run(run) => elsewhere_lines(run, &format!("{indent}         "), out),
            _ => {}
        }
        if let StepKind::Run(run) = &step.kind
            && run.fleet.is_remote()
        {
            let line = hosts.outline_line(&run.fleet.on, &run.fleet.describe());
            let _ = writeln!(out, "{indent}         {line}");
        }
    }
    for (i, child) in section.sections.iter().enumerate() {
        let mut child_path = path.to_vec();
        child_path.push(i);
        section_lines(child, &child_path, off_path, hosts, out);
    }
}

pub(crate) use crate::session::kinds::clip;
pub use crate::session::kinds::plural;
