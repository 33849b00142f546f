//! A whole YAML runbook: metadata, `sections:`, `steps:`, `rollback:`.

use super::fields::Fields;
use super::meta::{LINT_KEYS, META_KEYS, metadata};
use super::node::{self, Node, Value};
use super::steps::{is_step, steps_from};
use crate::doc::model::*;
use crate::doc::sink::Sink;
use std::path::Path;

const BODY_KEYS: &[&str] = &["sections", "steps", "rollback"];
const SECTION_KEYS: &[&str] = &["title", "day", "prose", "steps", "sections"];

/// Parses YAML text into a runbook; problems go to `sink`.
pub fn load(text: &str, path: &Path, sink: &mut Sink) -> Option<Runbook> {
    let root = match node::parse(text) {
        Ok(root) => root,
        Err(e) => {
            sink.at_line(
                e.line,
                e.col,
                1,
                format!("invalid YAML: {}", e.message),
                e.expected("well-formed YAML (check indentation, quotes and brackets)"),
            );
            return None;
        }
    };
    if let Some(what) = super::foreign::recognise(&root) {
        sink.at_line(
            1,
            1,
            1,
            format!("this is {what}, not a runbook"),
            "a runbook: `title:` and `sections:` (or `steps:`) — to run its commands, put them in `run:` steps of a runbook",
        );
        return None;
    }
    let mut runbook = Runbook {
        title: file_title(path),
        subtitles: Vec::new(),
        path: path.to_path_buf(),
        format: Format::Yaml,
        preamble: String::new(),
        meta: Metadata::default(),
        sections: Vec::new(),
        warnings: Vec::new(),
    };
    match &root.value {
        Value::Seq(_) => runbook.sections.push(implicit_section(
            &runbook.title,
            1,
            false,
            steps_from(&root, sink),
        )),
        Value::Map(_) => read_top(&root, &mut runbook, sink),
        _ => sink.at_node(
            &root,
            format!("a runbook must be a mapping, found {}", root.type_name()),
            "top-level keys such as `title:` and `sections:`",
        ),
    }
    Some(runbook)
}

fn read_top(root: &Node, runbook: &mut Runbook, sink: &mut Sink) {
    let Some(fields) = Fields::of(root, "a runbook", sink) else {
        return;
    };
    let accepted: Vec<&str> = META_KEYS
        .iter()
        .chain(BODY_KEYS)
        .chain(LINT_KEYS)
        .copied()
        .collect();
    fields.reject_unknown(&accepted, sink);
    if let Some(title) = fields.text("title", sink) {
        runbook.title = title;
    }
    runbook.preamble = fields.text("description", sink).unwrap_or_default();
    runbook.meta = metadata(&fields, sink);
    runbook.meta.foreign = LINT_KEYS
        .iter()
        .filter_map(|key| Some((key.to_string(), fields.get(key)?.to_json())))
        .collect();
    if let Some(steps) = fields.get("steps") {
        let title = runbook.title.clone();
        runbook.sections.push(implicit_section(
            &title,
            steps.line,
            false,
            steps_from(steps, sink),
        ));
    }
    if let Some(sections) = fields.get("sections") {
        runbook
            .sections
            .extend(section_list(sections, 1, false, sink));
    }
    if let Some(rollback) = fields.get("rollback") {
        runbook.sections.extend(rollback_sections(rollback, sink));
    }
}

fn section_list(node: &Node, level: u8, rollback: bool, sink: &mut Sink) -> Vec<Section> {
    let Value::Seq(items) = &node.value else {
        sink.at_node(
            node,
            "`sections` must be a list",
            "a list of `- title: ...` mappings",
        );
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| section(item, level, rollback, sink))
        .collect()
}

fn section(node: &Node, level: u8, rollback: bool, sink: &mut Sink) -> Option<Section> {
    let fields = Fields::of(node, "a section", sink)?;
    fields.reject_unknown(SECTION_KEYS, sink);
    let title = fields.required_text("title", sink)?;
    let prose = fields
        .text("prose", sink)
        .map(|markdown| {
            vec![Prose {
                line: node.line,
                before_step: 0,
                markdown,
            }]
        })
        .unwrap_or_default();
    let steps = fields
        .get("steps")
        .map(|n| steps_from(n, sink))
        .unwrap_or_default();
    let sections = fields
        .get("sections")
        .map(|n| section_list(n, level.saturating_add(1), rollback, sink))
        .unwrap_or_default();
    Some(Section {
        title,
        line: node.line,
        level,
        role: role_of(rollback),
        day: fields.text("day", sink),
        prose,
        steps,
        sections,
    })
}

/// `rollback:` holds sections, steps, or both; loose steps form one "Rollback" section.
fn rollback_sections(node: &Node, sink: &mut Sink) -> Vec<Section> {
    let Value::Seq(items) = &node.value else {
        sink.at_node(
            node,
            "`rollback` must be a list",
            "a list of rollback steps or `- title: ...` sections",
        );
        return Vec::new();
    };
    let mut sections = Vec::new();
    let mut loose = Vec::new();
    for item in items {
        if is_step(item) {
            loose.extend(steps_from(item, sink));
        } else if let Some(section) = section(item, 1, true, sink) {
            sections.push(section);
        }
    }
    if !loose.is_empty() {
        sections.insert(0, implicit_section("Rollback", node.line, true, loose));
    }
    sections
}

fn implicit_section(title: &str, line: u32, rollback: bool, steps: Vec<Step>) -> Section {
    Section {
        title: title.to_string(),
        line,
        level: 1,
        role: role_of(rollback),
        day: None,
        prose: Vec::new(),
        steps,
        sections: Vec::new(),
    }
}

fn role_of(rollback: bool) -> SectionRole {
    if rollback {
        SectionRole::Rollback
    } else {
        SectionRole::Forward
    }
}

/// The file name without extension, the title of last resort.
pub fn file_title(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "runbook".into())
}
