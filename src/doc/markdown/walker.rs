//! Walks the Markdown events once, in order, handing headings, list items and code
//! blocks to the builder as the scan decided they read.

use super::builder::Builder;
use super::front::{FrontMatter, front_matter};
use super::scan::{Embedded, Plan};
use crate::doc::model::Step;
use crate::doc::sink::Sink;
use crate::doc::warning::Code;
use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};
use std::ops::Range;

struct Heading {
    level: u8,
    start: usize,
    end: usize,
    text: String,
}

struct Item {
    event: usize,
    start: usize,
    end: usize,
    depth: u8,
    ordered: bool,
    task: Option<bool>,
    text: String,
    finished: bool,
}

/// An open list: ordered or not, and whether its items were already said to be checks.
struct List {
    ordered: bool,
    warned: bool,
}

/// The top of the file: a run of `#` headings with nothing between is the title and its
/// subtitles.
#[derive(Default)]
pub struct TopRun {
    pub title: Option<String>,
    pub subtitles: Vec<(String, u32)>,
    /// Where the text after the last heading of the run (or the front matter) starts.
    after: usize,
    closed: bool,
}

pub struct Walker<'t> {
    pub builder: Builder<'t>,
    text: &'t str,
    plan: Plan,
    pub front: FrontMatter,
    pub first_h1: Option<String>,
    pub top: TopRun,
    heading: Option<Heading>,
    /// Headings seen so far (0 before the first): indexes `plan.section_has_tasks`.
    headings_seen: usize,
    items: Vec<Item>,
    lists: Vec<List>,
    metadata: Option<(usize, String)>,
    skip_until: usize,
}

impl<'t> Walker<'t> {
    pub fn new(text: &'t str, plan: Plan) -> Self {
        Walker {
            builder: Builder::new(text),
            text,
            plan,
            front: FrontMatter::default(),
            first_h1: None,
            top: TopRun::default(),
            heading: None,
            headings_seen: 0,
            items: Vec::new(),
            lists: Vec::new(),
            metadata: None,
            skip_until: 0,
        }
    }

    pub fn on_event(
        &mut self,
        index: usize,
        event: Event<'_>,
        range: Range<usize>,
        sink: &mut Sink,
    ) {
        if !self.plan.tab_marks.is_empty() {
            let at = if matches!(event, Event::End(_)) {
                range.end
            } else {
                range.start
            };
            self.flush_tab_marks(at, sink);
        }
        if range.start < self.skip_until {
            return;
        }
        if !self.plan.embedded.is_empty()
            && let Some(embedded) = self.plan.embedded.remove(&index)
        {
            self.on_embedded(embedded, sink);
            return;
        }
        match event {
            Event::Start(tag) => self.on_start(index, tag, range, sink),
            Event::End(tag) => self.on_end(index, tag, range, sink),
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

    /// Applies the tab markup that starts before `at`.
    pub fn flush_tab_marks(&mut self, at: usize, sink: &mut Sink) {
        while self
            .plan
            .tab_marks
            .front()
            .is_some_and(|m| m.range.start < at)
        {
            if let Some(mark) = self.plan.tab_marks.pop_front() {
                self.finish_item(mark.range.start, sink);
                let line = sink.map.line_of(mark.range.start);
                self.builder.tab_mark(&mark, line, sink);
            }
        }
    }

    /// Liquid highlight blocks and fences inside HTML: their steps, in place.
    fn on_embedded(&mut self, embedded: Embedded, sink: &mut Sink) {
        for (range, steps) in embedded.blocks {
            self.flush_tab_marks(range.start, sink);
            if !steps.is_empty() {
                self.finish_item(range.start, sink);
                self.builder.consume(range.start, range.end, sink);
                self.push_steps(steps);
            }
        }
        self.flush_tab_marks(embedded.end, sink);
        self.skip_until = embedded.end;
    }

    fn push_steps(&mut self, steps: Vec<Step>) {
        steps.into_iter().for_each(|s| self.builder.push_step(s));
    }

    fn on_start(&mut self, index: usize, tag: Tag<'_>, range: Range<usize>, sink: &mut Sink) {
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
            Tag::CodeBlock(_) => self.finish_item(range.start, sink),
            Tag::List(start) => {
                self.finish_item(range.start, sink);
                self.lists.push(List {
                    ordered: start.is_some(),
                    warned: false,
                });
            }
            Tag::Item => self.items.push(Item {
                event: index,
                start: range.start,
                end: range.end,
                depth: u8::try_from(self.lists.len().saturating_sub(1)).unwrap_or(u8::MAX),
                ordered: self.lists.last().is_some_and(|l| l.ordered),
                task: None,
                text: String::new(),
                finished: false,
            }),
            _ => {}
        }
        self.close_top_run_unless_heading(range.start);
    }

    fn on_end(&mut self, index: usize, tag: TagEnd, range: Range<usize>, sink: &mut Sink) {
        match tag {
            TagEnd::MetadataBlock(_) => {
                if let Some((offset, yaml)) = self.metadata.take() {
                    self.front = front_matter(&yaml, offset, sink);
                }
                self.builder.skip_to(range.end);
                self.top.after = range.end;
            }
            TagEnd::Heading(_) => {
                if let Some(h) = self.heading.take() {
                    self.on_heading(h, sink);
                }
            }
            TagEnd::CodeBlock => {
                if let Some(steps) = self.plan.take_code_steps(index) {
                    self.builder.consume(range.start, range.end, sink);
                    self.push_steps(steps);
                }
            }
            TagEnd::Paragraph => self.finish_item(range.end, sink),
            TagEnd::List(_) => {
                self.lists.pop();
            }
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

    /// Anything but a heading at the top ends the run of title headings.
    fn close_top_run_unless_heading(&mut self, start: usize) {
        if self.heading.is_none() && self.metadata.is_none() {
            self.top.closed = true;
        }
        let _ = start;
    }

    fn on_heading(&mut self, heading: Heading, sink: &mut Sink) {
        let title = collapse_spaces(&heading.text);
        let title = if title.is_empty() {
            "(untitled)".to_string()
        } else {
            title
        };
        self.headings_seen += 1;
        let line = sink.map.line_of(heading.start);
        let between = self.text.get(self.top.after..heading.start).unwrap_or("x");
        let in_top_run = !self.top.closed && heading.level == 1 && between.trim().is_empty();
        if heading.level == 1 && self.first_h1.is_none() {
            self.first_h1 = Some(title.clone());
        }
        if in_top_run && self.top.title.is_some() {
            self.top.subtitles.push((title, line));
            self.top.after = heading.end;
            self.builder.consume(heading.start, heading.end, sink);
            return;
        }
        let is_title = in_top_run;
        if is_title {
            self.top.title = Some(title.clone());
            self.top.after = heading.end;
        } else {
            self.top.closed = true;
        }
        self.builder.heading(
            heading.level,
            title,
            line,
            (heading.start, heading.end),
            is_title,
            sink,
        );
    }

    /// The open item's own text has ended: a check, a role, a criterion, or prose.
    fn finish_item(&mut self, end: usize, sink: &mut Sink) {
        let Some(item) = self.items.last_mut().filter(|i| !i.finished) else {
            return;
        };
        item.finished = true;
        let text = collapse_spaces(&item.text);
        let (start, depth, task, ordered, event) =
            (item.start, item.depth, item.task, item.ordered, item.event);
        let line = sink.map.line_of(start);
        if self.builder.in_gate() {
            if !text.is_empty() {
                self.builder.consume(start, end, sink);
                self.builder.criterion(text, line);
            }
        } else if let Some(done) = task {
            self.builder.consume(start, end, sink);
            self.builder.task_item(text, done, depth, line);
        } else if ordered
            && !text.is_empty()
            && !self.plan.section_has_tasks(self.headings_seen)
            && !self.plan.items_with_commands.contains(&event)
        {
            self.builder.consume(start, end, sink);
            self.builder.list_check(text, depth, line);
            if let Some(list) = self.lists.last_mut().filter(|l| !l.warned) {
                list.warned = true;
                sink.warn_line(line, Code::ListChecks, "a numbered procedure in a section without task items: each item is a manual check");
            }
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

pub fn collapse_spaces(text: &str) -> String {
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
