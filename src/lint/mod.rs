//! `runbook lint`: what an operations runbook should not do — destructive commands with no
//! way back or nothing asked before them, waits and commands that never end, gates without
//! criteria, empty rollback sections, secrets written out, an overdue review — and
//! shellcheck's findings on every run step, each at its line and column in the document.

mod allow;
mod commands;
mod document;
pub mod locate;
pub mod report;
pub mod rules;
mod secrets;
pub mod shellcheck;
mod steps;

use crate::doc::model::Runbook;
use chrono::NaiveDate;
use rules::{Level, Rule};

/// What a finding is about, for silencing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A step, by its index in `Runbook::steps()`.
    Step(usize),
    /// A section, by its heading's line.
    Section(u32),
    File,
}

/// One problem found, at a place in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub line: u32,
    /// 1-based, in characters.
    pub col: u32,
    pub level: Level,
    pub message: String,
    /// shellcheck's own code (`SC2086`) for RB001.
    pub detail: Option<String>,
    pub scope: Scope,
}

impl Finding {
    pub fn new(rule: Rule, (line, col): (u32, u32), message: String, scope: Scope) -> Self {
        Finding {
            rule,
            line,
            col: col.max(1),
            level: rule.level(),
            message,
            detail: None,
            scope,
        }
    }
}

/// A loaded document and its text (for positions).
pub struct Document<'a> {
    pub runbook: &'a Runbook,
    pub text: &'a str,
}

/// How to lint.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Run shellcheck when it is on PATH.
    pub shellcheck: bool,
    /// Today, for RB009.
    pub today: NaiveDate,
}

/// Whether shellcheck took part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shellcheck {
    Ran,
    Off,
    /// Not on PATH, or it failed: why.
    Unavailable(String),
}

/// Every document's findings, in the order given, sorted by place.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub files: Vec<Vec<Finding>>,
    pub shellcheck: Shellcheck,
}

/// Lints each document; shellcheck runs once for all of them.
pub fn lint(docs: &[Document], options: &Options) -> Outcome {
    let mut files: Vec<Vec<Finding>> = docs
        .iter()
        .map(|doc| {
            let mut found = Vec::new();
            steps::step_rules(doc, &mut found);
            document::gates_without_criteria(doc.runbook, &mut found);
            document::empty_rollback(&doc.runbook.sections, &mut found);
            document::stale_review(doc.runbook, doc.text, options.today, &mut found);
            found
        })
        .collect();
    let shellcheck = if options.shellcheck {
        match steps::shellcheck_findings(docs) {
            Ok(per_file) => {
                for (found, more) in files.iter_mut().zip(per_file) {
                    found.extend(more);
                }
                Shellcheck::Ran
            }
            Err(e) => Shellcheck::Unavailable(e.to_string()),
        }
    } else {
        Shellcheck::Off
    };
    for (doc, found) in docs.iter().zip(files.iter_mut()) {
        silence(doc.runbook, found);
        found.sort_by(|a, b| {
            (a.line, a.col, a.rule, &a.detail).cmp(&(b.line, b.col, b.rule, &b.detail))
        });
        found.dedup();
    }
    Outcome { files, shellcheck }
}

/// Drops what the document allows, per step, section or file.
fn silence(runbook: &Runbook, found: &mut Vec<Finding>) {
    let file = allow::file_allows(runbook);
    let sections = allow::section_allows(&runbook.sections);
    let refs = runbook.steps();
    found.retain(|f| {
        let mut allowed = file.clone();
        match f.scope {
            Scope::Step(i) => {
                if let Some(r) = refs.get(i) {
                    allowed.extend(allow::step_allows(r.step));
                    allowed.extend(sections.get(&r.section.line).into_iter().flatten());
                }
            }
            Scope::Section(line) => allowed.extend(sections.get(&line).into_iter().flatten()),
            Scope::File => {}
        }
        !allowed.contains(&f.rule)
    });
}
