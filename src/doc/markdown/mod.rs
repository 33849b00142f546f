//! The Markdown syntax of runbooks, on pulldown-cmark (CommonMark + GFM task lists and tables).

mod alternatives;
pub use alternatives::is_condition;
mod attrs;
pub mod blocks;
mod builder;
pub mod classify;
pub mod console;
mod embedded;
mod fences;
mod front;
mod gates;
pub mod instructions;
mod other_host;
mod scan;
mod tabs;
mod walker;
mod where_run;

use front::FrontMatter;
use pulldown_cmark::{Event, Options, Parser};
use std::ops::Range;
use std::path::Path;
use walker::{TopRun, Walker};

use crate::doc::model::*;
use crate::doc::sink::Sink;
use crate::doc::warning::Code;
use crate::doc::yaml::document::file_title;

/// Parses Markdown text into a runbook; problems go to `sink`.
pub fn load(text: &str, path: &Path, sink: &mut Sink) -> Runbook {
    let options = Options::ENABLE_TASKLISTS
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    front::check_closed(text, sink);
    // About one event per six bytes of Markdown: reserved once instead of regrown.
    let mut events: Vec<(Event<'_>, Range<usize>)> = Vec::with_capacity(text.len() / 6);
    events.extend(Parser::new_ext(text, options).into_offset_iter());
    let plan = scan::scan(&events, text, sink);
    let mut walker = Walker::new(text, plan);
    for (index, (event, range)) in events.into_iter().enumerate() {
        walker.on_event(index, event, range, sink);
    }
    walker.flush_tab_marks(usize::MAX, sink);
    let Walker {
        builder,
        front,
        first_h1,
        top,
        ..
    } = walker;
    let root = builder.finish(sink);
    let mut runbook = assemble(root, front, first_h1, top, path, sink);
    alternatives::mark(&mut runbook.sections, sink);
    gates::place(&mut runbook, sink);
    other_host::mark(&runbook, sink);
    if !runbook.has_steps() {
        sink.warn(1, 1, Code::NothingToRun, "nothing to run or tick: no shell block, task item or numbered procedure; the document opens for reading");
    }
    runbook
}

/// Turns the builder's root into a runbook. A document with a single `#`
/// heading that comes first uses it as the title, its sub-headings as the
/// top-level sections; otherwise every heading is a section.
fn assemble(
    mut root: Section,
    front: FrontMatter,
    first_h1: Option<String>,
    top_run: TopRun,
    path: &Path,
    sink: &mut Sink,
) -> Runbook {
    let mut preamble = take_prose(&mut root.prose);
    let mut sections = std::mem::take(&mut root.sections);
    let is_title_root = sections.len() == 1
        && sections[0].level == 1
        && !sections[0].is_rollback()
        && !sections[0]
            .steps
            .iter()
            .any(|s| matches!(s.kind, StepKind::Gate(_)));
    let mut title = first_h1;
    if is_title_root {
        let mut top = sections.remove(0);
        title = Some(top.title.clone());
        let intro = take_prose(&mut top.prose);
        if !intro.is_empty() {
            preamble = if preamble.is_empty() {
                intro
            } else {
                format!("{preamble}\n\n{intro}")
            };
        }
        let children = std::mem::take(&mut top.sections);
        if !top.steps.is_empty() {
            sections.push(top);
        }
        sections.extend(children);
    }
    if let Some(description) = front.description {
        preamble = if preamble.is_empty() {
            description
        } else {
            format!("{description}\n\n{preamble}")
        };
    }
    if let Some((_, line)) = top_run.subtitles.first() {
        let listed: Vec<String> = top_run
            .subtitles
            .iter()
            .map(|(t, _)| format!("\"{t}\""))
            .collect();
        sink.warn_line(
            *line,
            Code::Subtitles,
            format!(
                "`#` headings right after the title are its subtitles, not sections: {}",
                listed.join(", ")
            ),
        );
    }
    let title = match (front.title, title, front.fallback_title) {
        (Some(title), _, _) | (None, Some(title), _) => title,
        (None, None, Some((title, key, line))) => {
            sink.warn_line(
                line,
                Code::TitleFromMeta,
                format!("no `#` heading: the title is the front matter's `{key}`"),
            );
            title
        }
        (None, None, None) => file_title(path),
    };
    if !root.steps.is_empty() {
        root.title = title.clone();
        root.level = 1;
        sections.insert(0, root);
    }
    Runbook {
        title,
        subtitles: top_run.subtitles.into_iter().map(|(t, _)| t).collect(),
        path: path.to_path_buf(),
        format: Format::Markdown,
        preamble,
        meta: front.meta,
        sections,
        warnings: Vec::new(),
    }
}

/// Takes the prose placed before any step, joined as one passage.
fn take_prose(prose: &mut Vec<Prose>) -> String {
    let (leading, rest): (Vec<Prose>, Vec<Prose>) = std::mem::take(prose)
        .into_iter()
        .partition(|p| p.before_step == 0);
    *prose = rest;
    leading
        .into_iter()
        .map(|p| p.markdown)
        .collect::<Vec<_>>()
        .join("\n\n")
}
