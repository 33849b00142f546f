//! The Markdown syntax of runbooks, on pulldown-cmark (CommonMark + GFM task lists and tables).

mod attrs;
mod builder;
pub mod classify;
mod fences;

use builder::Builder;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::ops::Range;
use std::path::Path;

use crate::doc::model::*;
use crate::doc::sink::Sink;
use crate::doc::yaml::document::file_title;
use crate::doc::yaml::fields::Fields;
use crate::doc::yaml::meta::{META_KEYS, metadata};
use crate::doc::yaml::node;

/// Parses Markdown text into a runbook; problems go to `sink`.
pub fn load(text: &str, path: &Path, sink: &mut Sink) -> Runbook {
    let options = Options::ENABLE_TASKLISTS
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    let mut walker = Walker {
        builder: Builder::new(text),
        front: FrontMatter::default(),
        first_h1: None,
        heading: None,
        code: None,
        items: Vec::new(),
        list_depth: 0,
        metadata: None,
    };
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        walker.on_event(event, range, sink);
    }
    let Walker {
        builder,
        front,
        first_h1,
        ..
    } = walker;
    let root = builder.finish(sink);
    assemble(root, front, first_h1, path)
}

#[derive(Default)]
struct FrontMatter {
    title: Option<String>,
    description: Option<String>,
    meta: Metadata,
}

struct Heading {
    level: u8,
    start: usize,
    end: usize,
    text: String,
}

struct Code {
    range: Range<usize>,
    info: Option<String>,
    content: String,
}

struct Item {
    start: usize,
    end: usize,
    depth: u8,
    task: Option<bool>,
    text: String,
    finished: bool,
}

struct Walker<'t> {
    builder: Builder<'t>,
    front: FrontMatter,
    first_h1: Option<String>,
    heading: Option<Heading>,
    code: Option<Code>,
    items: Vec<Item>,
    list_depth: u8,
    metadata: Option<(usize, String)>,
}

impl<'t> Walker<'t> {
    fn on_event(&mut self, event: Event<'_>, range: Range<usize>, sink: &mut Sink) {
        match event {
            Event::Start(tag) => self.on_start(tag, range, sink),
            Event::End(tag) => self.on_end(tag, range, sink),
            Event::Text(text) => self.on_text(&text, range.start),
            Event::Code(code) => self.on_inline(&format!("`{code}`"), &code),
            Event::SoftBreak | Event::HardBreak => self.on_inline(" ", " "),
            Event::TaskListMarker(checked) => {
                if let Some(item) = self.items.last_mut() {
                    item.task = Some(checked);
                }
            }
            _ => {}
        }
    }

    fn on_start(&mut self, tag: Tag<'_>, range: Range<usize>, sink: &mut Sink) {
        match tag {
            Tag::MetadataBlock(_) => self.metadata = Some((range.start, String::new())),
            Tag::Heading { level, .. } => {
                self.heading = Some(Heading {
                    level: heading_level(level),
                    start: range.start,
                    end: range.end,
                    text: String::new(),
                });
            }
            Tag::CodeBlock(kind) => {
                self.finish_item(range.start, sink);
                let info = match kind {
                    CodeBlockKind::Fenced(info) => Some(info.to_string()),
                    CodeBlockKind::Indented => None,
                };
                self.code = Some(Code {
                    range,
                    info,
                    content: String::new(),
                });
            }
            Tag::List(_) => {
                self.finish_item(range.start, sink);
                self.list_depth = self.list_depth.saturating_add(1);
            }
            Tag::Item => self.items.push(Item {
                start: range.start,
                end: range.end,
                depth: self.list_depth.saturating_sub(1),
                task: None,
                text: String::new(),
                finished: false,
            }),
            _ => {}
        }
    }

    fn on_end(&mut self, tag: TagEnd, range: Range<usize>, sink: &mut Sink) {
        match tag {
            TagEnd::MetadataBlock(_) => {
                if let Some((offset, yaml)) = self.metadata.take() {
                    self.front = front_matter(&yaml, offset, sink);
                }
                self.builder.skip_to(range.end);
            }
            TagEnd::Heading(_) => {
                if let Some(h) = self.heading.take() {
                    self.on_heading(h, sink);
                }
            }
            TagEnd::CodeBlock => {
                if let Some(code) = self.code.take() {
                    fences::code_block(
                        code.range,
                        code.info.as_deref(),
                        &code.content,
                        &mut self.builder,
                        sink,
                    );
                }
            }
            TagEnd::Paragraph => self.finish_item(range.end, sink),
            TagEnd::List(_) => self.list_depth = self.list_depth.saturating_sub(1),
            TagEnd::Item => {
                if let Some(item) = self.items.last() {
                    let end = item.end;
                    self.finish_item(end, sink);
                }
                self.items.pop();
            }
            _ => {}
        }
    }

    fn on_text(&mut self, text: &str, offset: usize) {
        if let Some((start, yaml)) = &mut self.metadata {
            if yaml.is_empty() {
                *start = offset;
            }
            yaml.push_str(text);
        } else if let Some(code) = &mut self.code {
            code.content.push_str(text);
        } else {
            self.on_inline(text, text);
        }
    }

    /// Inline text: `marked` keeps code backticks (for check text), `plain` drops them (titles).
    fn on_inline(&mut self, marked: &str, plain: &str) {
        if let Some(heading) = &mut self.heading {
            heading.text.push_str(plain);
        } else if let Some(item) = self.items.last_mut().filter(|i| !i.finished) {
            item.text.push_str(marked);
        }
    }

    fn on_heading(&mut self, heading: Heading, sink: &mut Sink) {
        let title = collapse_spaces(&heading.text);
        let title = if title.is_empty() {
            "(untitled)".to_string()
        } else {
            title
        };
        if heading.level == 1 && self.first_h1.is_none() {
            self.first_h1 = Some(title.clone());
        }
        let line = sink.map.line_of(heading.start);
        self.builder.heading(
            heading.level,
            title,
            line,
            (heading.start, heading.end),
            sink,
        );
    }

    /// The open item's own text has ended: it becomes a check, a role or a criterion.
    fn finish_item(&mut self, end: usize, sink: &mut Sink) {
        let Some(item) = self.items.last_mut().filter(|i| !i.finished) else {
            return;
        };
        item.finished = true;
        let text = collapse_spaces(&item.text);
        let (start, depth, task) = (item.start, item.depth, item.task);
        let line = sink.map.line_of(start);
        if self.builder.in_gate() {
            if !text.is_empty() {
                self.builder.consume(start, end, sink);
                self.builder.criterion(text, line);
            }
        } else if let Some(done) = task {
            self.builder.consume(start, end, sink);
            self.builder.task_item(text, done, depth, line);
        }
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn collapse_spaces(text: &str) -> String {
    let trimmed = text.trim();
    let already_single = !trimmed.contains(['\n', '\t', '\r']) && !trimmed.contains("  ");
    if already_single {
        return trimmed.to_string();
    }
    let mut out = String::with_capacity(trimmed.len());
    for word in trimmed.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Front matter: metadata keys only; positions are shifted to file lines.
fn front_matter(yaml: &str, offset: usize, sink: &mut Sink) -> FrontMatter {
    let first_line = sink.map.line_of(offset);
    let mut root = match node::parse(yaml) {
        Ok(root) => root,
        Err(e) => {
            sink.at_line(
                e.line + first_line - 1,
                e.col,
                1,
                format!("invalid YAML in the front matter: {}", e.message),
                e.expected("well-formed YAML between the `---` lines"),
            );
            return FrontMatter::default();
        }
    };
    root.shift(first_line - 1, 0);
    if matches!(root.value, node::Value::Null) {
        return FrontMatter::default();
    }
    let Some(fields) = Fields::of(&root, "the front matter", sink) else {
        return FrontMatter::default();
    };
    fields.reject_unknown(META_KEYS, sink);
    FrontMatter {
        title: fields.text("title", sink),
        description: fields.text("description", sink),
        meta: metadata(&fields, sink),
    }
}

/// Turns the builder's root into a runbook. A document with a single `#`
/// heading that comes first uses it as the title, its sub-headings as the
/// top-level sections; otherwise every heading is a section.
fn assemble(
    mut root: Section,
    front: FrontMatter,
    first_h1: Option<String>,
    path: &Path,
) -> Runbook {
    let mut preamble = take_prose(&mut root.prose);
    let mut sections = std::mem::take(&mut root.sections);
    let is_title_root = sections.len() == 1
        && sections[0].level == 1
        && !sections[0].rollback
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
    let title = front.title.or(title).unwrap_or_else(|| file_title(path));
    if !root.steps.is_empty() {
        root.title = title.clone();
        root.level = 1;
        sections.insert(0, root);
    }
    Runbook {
        title,
        path: path.to_path_buf(),
        format: Format::Markdown,
        preamble,
        meta: front.meta,
        sections,
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
