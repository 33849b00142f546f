//! A first pass over the events: what each code block becomes, which sections hold task
//! items (a numbered list there is prose), which numbered items hold a command (the item
//! is its explanation, not a check), and code outside Markdown fences (Liquid, HTML).

use super::blocks::{Block, Reading, Source, read};
use super::tabs::{TabKind, TabMark, marks_in, mkdocs_title};
use crate::doc::model::{Step, StepKind};
use crate::doc::sink::Sink;
use pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Code found outside Markdown fences, and where the region it covers ends.
#[derive(Debug, Default)]
pub struct Embedded {
    /// Each block's source range and its steps (empty for content).
    pub blocks: Vec<(Range<usize>, Vec<Step>)>,
    pub end: usize,
}

/// What the walk needs to know ahead.
#[derive(Debug, Default)]
pub struct Plan {
    /// Steps of each code block that has any, by the index of its `End` event, in order.
    code: std::collections::VecDeque<(usize, Vec<Step>)>,
    /// Per section in document order (0 = before the first heading).
    tasks: Vec<bool>,
    /// `Start(Item)` indices of numbered items that contain a command.
    pub items_with_commands: HashSet<usize>,
    /// By the index of the event that opens the region.
    pub embedded: HashMap<usize, Embedded>,
    /// Tab markup, in source order.
    pub tab_marks: std::collections::VecDeque<TabMark>,
}

impl Plan {
    /// The steps of the code block ending at `end_index`; blocks are taken in order.
    pub fn take_code_steps(&mut self, end_index: usize) -> Option<Vec<Step>> {
        while self.code.front().is_some_and(|(i, _)| *i < end_index) {
            self.code.pop_front();
        }
        match self.code.front() {
            Some((i, _)) if *i == end_index => self.code.pop_front().map(|(_, steps)| steps),
            _ => None,
        }
    }

    /// Whether the section after `headings_seen` headings has task items.
    pub fn section_has_tasks(&self, headings_seen: usize) -> bool {
        self.tasks.get(headings_seen).copied().unwrap_or(false)
    }
}

struct OpenCode {
    range: Range<usize>,
    info: Option<String>,
    content: String,
}

/// Scans the events once.
pub fn scan(events: &[(Event<'_>, Range<usize>)], text: &str, sink: &mut Sink) -> Plan {
    let mut plan = Plan {
        tasks: vec![false],
        ..Plan::default()
    };
    let mut lists: Vec<bool> = Vec::new();
    let mut items: Vec<(usize, bool)> = Vec::new();
    let mut code: Option<OpenCode> = None;
    let mut skip_until = 0;
    let mut mkdocs = MkdocsTabs::default();
    let mut marks = Vec::new();
    for (i, (event, range)) in events.iter().enumerate() {
        if range.start < skip_until {
            continue;
        }
        if let Event::Start(tag) = event {
            mkdocs.on_block(tag, text, range.start, &mut marks);
        }
        match event {
            Event::Start(Tag::Heading { .. }) => plan.tasks.push(false),
            Event::TaskListMarker(_) => {
                if let Some(last) = plan.tasks.last_mut() {
                    *last = true;
                }
            }
            Event::Start(Tag::List(start)) => lists.push(start.is_some()),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => items.push((i, lists.last().copied().unwrap_or(false))),
            Event::End(TagEnd::Item) => {
                items.pop();
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                code = Some(OpenCode {
                    range: range.clone(),
                    info: match kind {
                        CodeBlockKind::Fenced(info) => Some(info.to_string()),
                        CodeBlockKind::Indented => None,
                    },
                    content: String::new(),
                });
            }
            Event::Text(t) => {
                if let Some(open) = &mut code {
                    open.content.push_str(t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(open) = code.take() {
                    let steps = code_block(&open, text, sink);
                    mark_items(&steps, &items, &mut plan.items_with_commands);
                    if let Some(steps) = steps {
                        plan.code.push_back((i, steps));
                    }
                }
            }
            Event::Start(Tag::Paragraph) => {
                if let Some(embedded) = super::embedded::liquid(text, range.start, sink) {
                    skip_until = embedded.end;
                    mark_embedded(&embedded, &items, &mut plan.items_with_commands);
                    plan.embedded.insert(i, embedded);
                } else {
                    marks_in(text, range.clone(), &mut marks);
                }
            }
            Event::Start(Tag::HtmlBlock) => {
                marks_in(text, range.clone(), &mut marks);
                if let Some(embedded) = super::embedded::html_fences(text, range.clone(), sink) {
                    skip_until = embedded.end;
                    mark_embedded(&embedded, &items, &mut plan.items_with_commands);
                    plan.embedded.insert(i, embedded);
                }
            }
            _ => {}
        }
    }
    mkdocs.close(text.len(), &mut marks);
    plan.tab_marks = marks.into();
    plan
}

/// MkDocs content tabs have no closing markup: the set ends at the first block after a
/// tab's indented content that is not another `=== "…"`.
#[derive(Default)]
struct MkdocsTabs {
    open: bool,
    /// A tab title was just seen: the indented block that follows is its content.
    awaiting_content: bool,
}

impl MkdocsTabs {
    fn on_block(&mut self, tag: &Tag<'_>, text: &str, at: usize, marks: &mut Vec<TabMark>) {
        if !self.open {
            if matches!(tag, Tag::Paragraph) && starts_mkdocs_tab(text, at) {
                self.open = true;
                self.awaiting_content = true;
            }
            return;
        }
        match tag {
            Tag::Paragraph if starts_mkdocs_tab(text, at) => self.awaiting_content = true,
            Tag::CodeBlock(CodeBlockKind::Indented) if self.awaiting_content => {
                self.awaiting_content = false;
            }
            Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::List(_)
            | Tag::CodeBlock(_)
            | Tag::HtmlBlock
            | Tag::Table(_)
            | Tag::BlockQuote(_)
            | Tag::MetadataBlock(_) => self.close(at, marks),
            _ => {}
        }
    }

    fn close(&mut self, at: usize, marks: &mut Vec<TabMark>) {
        if std::mem::take(&mut self.open) {
            self.awaiting_content = false;
            marks.push(TabMark {
                range: at..at,
                kind: TabKind::CloseSet,
            });
        }
    }
}

fn starts_mkdocs_tab(text: &str, at: usize) -> bool {
    let line = text.get(at..).and_then(|r| r.lines().next()).unwrap_or("");
    mkdocs_title(line).is_some()
}

fn code_block(open: &OpenCode, text: &str, sink: &mut Sink) -> Option<Vec<Step>> {
    let line = sink.map.line_of(open.range.start);
    let source = match &open.info {
        Some(info) => {
            super::embedded::check_fence_closed(text, open.range.clone(), line, sink);
            Source::Fenced(info.as_str())
        }
        None => Source::Indented,
    };
    let block = Block {
        source,
        content: &open.content,
        line,
    };
    match read(&block, sink) {
        Reading::Steps(steps) => Some(steps),
        Reading::Content => None,
    }
}

fn has_run(steps: &[Step]) -> bool {
    steps.iter().any(|s| matches!(s.kind, StepKind::Run(_)))
}

fn mark_items(steps: &Option<Vec<Step>>, items: &[(usize, bool)], marked: &mut HashSet<usize>) {
    if steps.as_deref().is_some_and(has_run) {
        marked.extend(
            items
                .iter()
                .filter(|(_, ordered)| *ordered)
                .map(|(i, _)| *i),
        );
    }
}

fn mark_embedded(embedded: &Embedded, items: &[(usize, bool)], marked: &mut HashSet<usize>) {
    if embedded.blocks.iter().any(|(_, steps)| has_run(steps)) {
        marked.extend(
            items
                .iter()
                .filter(|(_, ordered)| *ordered)
                .map(|(i, _)| *i),
        );
    }
}
