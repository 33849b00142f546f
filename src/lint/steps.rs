//! The rules read from each run step's script: RB001 (shellcheck), RB002/RB003
//! (destructive), RB004 (unbounded waits), RB007 (never-ending) and RB008 (secrets).

use super::commands::{
    destructive, destructive_sql, never_ending, unbounded_loop, unbounded_wait, unwrap,
};
use super::locate::{Place, places, position};
use super::rules::{Level, Rule};
use super::secrets::literal_secret;
use super::shellcheck::{self, Script, ShellcheckError};
use super::{Document, Finding, Scope};
use crate::doc::model::*;
use crate::doc::shell::commands;

/// Where in the document a step's script lines are, and how to turn script positions into
/// document ones.
struct Located<'a> {
    script: &'a str,
    places: Vec<Option<Place>>,
    fallback: u32,
}

impl Located<'_> {
    /// Row and byte column of the script → document line and character column.
    fn at(&self, row: usize, byte_col: usize) -> (u32, u32) {
        let line = self.script.split('\n').nth(row).unwrap_or("");
        let chars = line
            .get(..byte_col.min(line.len()))
            .map_or(0, |p| p.chars().count());
        position(
            &self.places,
            self.script,
            row,
            u32::try_from(chars + 1).unwrap_or(1),
            self.fallback,
        )
    }
}

/// The script rules, on every run step of the document.
pub fn step_rules(doc: &Document, out: &mut Vec<Finding>) {
    let lines: Vec<&str> = doc.text.lines().collect();
    let refs = doc.runbook.steps();
    let has_rollback = refs.iter().any(|r| r.rollback);
    let mut gate_seen = false;
    for (index, r) in refs.iter().enumerate() {
        let forward = !r.rollback && !r.reference;
        if forward && matches!(r.step.kind, StepKind::Gate(_)) {
            gate_seen = true;
        }
        let StepKind::Run(run) = &r.step.kind else {
            continue;
        };
        let at = Located {
            script: &run.script,
            places: places(&lines, r.step.line, &run.script),
            fallback: r.step.line,
        };
        let context = Context {
            index,
            forward,
            has_rollback,
            asked: gate_seen || run.confirm == Confirm::Danger,
            run,
        };
        command_rules(&context, &at, out);
        line_rules(&context, &at, out);
        if forward && run.confirm == Confirm::Danger {
            gate_seen = true;
        }
    }
}

struct Context<'a> {
    index: usize,
    forward: bool,
    has_rollback: bool,
    /// A gate or the step's own `confirm=danger` comes before its commands.
    asked: bool,
    run: &'a RunStep,
}

fn command_rules(c: &Context, at: &Located, out: &mut Vec<Finding>) {
    let scope = Scope::Step(c.index);
    let read = commands::read(&c.run.script, false);
    for command in &read.commands {
        let place = at.at(command.row, command.col);
        let (words, _) = unwrap(&command.words);
        let written = command.words.join(" ");
        if let Some(what) = destructive(words) {
            destructive_findings(c, place, &written, what, out);
        }
        if c.run.timeout.is_none() {
            if let Some(why) = unbounded_wait(command) {
                out.push(Finding::new(Rule::UnboundedWait, place, format!("{why}: give it a `--timeout`, wrap it in `timeout`, or set `timeout=` on the block"), scope));
            }
            if let Some(why) = never_ending(command) {
                out.push(Finding::new(Rule::NeverEnding, place, format!("{why} and the step has no `timeout=`: the walk would wait on it until someone stops it"), scope));
            }
        }
    }
    if c.run.timeout.is_none() {
        for lp in read.loops.iter().filter(|l| unbounded_loop(&l.text)) {
            let first = lp.text.lines().next().unwrap_or("").trim();
            out.push(Finding::new(Rule::UnboundedWait, at.at(lp.row, lp.col), format!("`{first}` polls with no limit: count the tries or check `$SECONDS`, or set `timeout=` on the block"), scope));
        }
    }
}

fn destructive_findings(
    c: &Context,
    place: (u32, u32),
    written: &str,
    what: &str,
    out: &mut Vec<Finding>,
) {
    if !c.forward {
        return;
    }
    let shown = crate::cli::outline::clip(written, 60);
    if !c.has_rollback {
        out.push(Finding::new(Rule::DestructiveWithoutRollback, place, format!("`{shown}` {what}, and this runbook has no rollback path: add a rollback section that says how to undo it"), Scope::Step(c.index)));
    }
    if !c.asked {
        out.push(Finding::new(Rule::DestructiveWithoutGate, place, format!("`{shown}` {what}, and nothing asks before it: put a Go/No-Go gate before it, or mark the block `confirm=danger` with a `name`"), Scope::Step(c.index)));
    }
}

fn line_rules(c: &Context, at: &Located, out: &mut Vec<Finding>) {
    for (row, line) in c.run.script.split('\n').enumerate() {
        if let Some((col, what)) = destructive_sql(line) {
            destructive_findings(c, at.at(row, col), line.trim(), what, out);
        }
        if let Some((col, what)) = literal_secret(line) {
            out.push(Finding::new(Rule::LiteralSecret, at.at(row, col), format!("{what} is written in the script: whoever reads the runbook, the screen or the audit log sees it; read it from the environment (`env.secret`) or a secret store"), Scope::Step(c.index)));
        }
    }
}

/// RB001 on every run step of every document, in one shellcheck run.
pub fn shellcheck_findings(docs: &[Document]) -> Result<Vec<Vec<Finding>>, ShellcheckError> {
    let mut scripts = Vec::new();
    let mut owners = Vec::new();
    for (file, doc) in docs.iter().enumerate() {
        for (index, r) in doc.runbook.steps().iter().enumerate() {
            let StepKind::Run(run) = &r.step.kind else {
                continue;
            };
            // Only a fence's own language says which shell; untagged commands run under bash.
            let lang = match run.origin {
                RunOrigin::Unlabeled | RunOrigin::Indented => "bash",
                _ => run.lang.as_str(),
            };
            let Some(dialect) = shellcheck::dialect(lang) else {
                continue;
            };
            if run
                .script
                .lines()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
            {
                continue;
            }
            scripts.push(Script {
                dialect,
                text: run.script.clone(),
                errexit: run.errexit,
            });
            owners.push((file, index, r.step.line));
        }
    }
    let comments = shellcheck::check(&scripts)?;
    let mut out = vec![Vec::new(); docs.len()];
    let lines: Vec<Vec<&str>> = docs.iter().map(|d| d.text.lines().collect()).collect();
    for ((script, (file, index, step_line)), comments) in scripts.iter().zip(owners).zip(comments) {
        let located = places(&lines[file], step_line, &script.text);
        for comment in comments {
            let place = position(&located, &script.text, comment.row, comment.col, step_line);
            let mut finding = Finding::new(
                Rule::Shellcheck,
                place,
                format!("{} ({})", comment.message, comment.code),
                Scope::Step(index),
            );
            finding.level = match comment.level.as_str() {
                "error" => Level::Error,
                "warning" => Level::Warning,
                _ => Level::Note,
            };
            finding.detail = Some(comment.code);
            out[file].push(finding);
        }
    }
    Ok(out)
}
