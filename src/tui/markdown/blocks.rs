//! Block layout for the prose renderer: blank lines between blocks, list markers
//! and quote bars in front of each line, code blocks, tables and rules.

use super::table::Table;
use super::text::{clean, clean_code, push, trim_end, truncate, width as display_width};
use super::{BULLETS, CODE_BLOCK, CODE_INDENT, Code, Container, DIM, Renderer};
use pulldown_cmark::CodeBlockKind;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

impl Renderer {
    pub(super) fn paragraph(&mut self) {
        if matches!(self.containers.last(), Some(Container::Item { .. }))
            && let Some(list) = self.lists.last_mut()
        {
            list.loose = true;
        }
        self.begin_block(false);
    }

    /// Separates a new block from the one before with a blank line, unless it
    /// opens a list item (it then goes on the bullet's line).
    pub(super) fn begin_block(&mut self, list: bool) {
        let tight_item_text = self.flush_inline();
        if tight_item_text && !list {
            self.blank_due = true;
        }
        if self.blank_due && !self.lines.is_empty() && !self.opening_item() {
            self.blank();
        }
        self.blank_due = false;
    }

    pub(super) fn end_block(&mut self) {
        self.flush_inline();
        self.blank_due = true;
    }

    fn opening_item(&self) -> bool {
        let innermost = self
            .containers
            .iter()
            .rev()
            .find_map(|container| match container {
                Container::Item { shown, .. } => Some(*shown),
                Container::Quote => None,
            });
        innermost == Some(false)
    }

    pub(super) fn begin_item(&mut self) {
        self.flush_inline();
        let depth = self.lists.len().saturating_sub(1);
        let Some(list) = self.lists.last_mut() else {
            return;
        };
        let loose = list.loose;
        let marker = match &mut list.next {
            Some(number) => {
                let marker = format!("{number}. ");
                *number = number.saturating_add(1);
                marker
            }
            None => BULLETS[depth % BULLETS.len()].to_owned(),
        };
        if self.blank_due && loose && !self.lines.is_empty() {
            self.blank();
        }
        self.blank_due = false;
        let width = display_width(&marker);
        self.containers.push(Container::Item {
            marker,
            width,
            shown: false,
        });
    }

    pub(super) fn end_item(&mut self) {
        self.flush_inline();
        if self.opening_item() {
            self.emit(Vec::new());
        }
        self.containers.pop();
    }

    pub(super) fn task(&mut self, done: bool) {
        let ordered = self.lists.last().is_some_and(|list| list.next.is_some());
        let Some(Container::Item {
            marker,
            width,
            shown: false,
        }) = self.containers.last_mut()
        else {
            return;
        };
        let check = if done { "☑ " } else { "☐ " };
        if ordered {
            marker.push_str(check);
        } else {
            *marker = check.to_owned();
        }
        *width = display_width(marker);
    }

    pub(super) fn begin_code(&mut self, kind: &CodeBlockKind<'_>) {
        self.begin_block(false);
        let info = match kind {
            CodeBlockKind::Fenced(info) => clean(info.trim()).into_owned(),
            CodeBlockKind::Indented => String::new(),
        };
        self.code = Some(Code {
            info,
            body: String::new(),
        });
    }

    /// Code is never wrapped: each line is cut at the width.
    pub(super) fn end_code(&mut self) {
        let Some(code) = self.code.take() else { return };
        let avail = self.avail();
        if !code.info.is_empty() {
            self.emit(truncate(vec![Span::styled(code.info, DIM)], avail));
        }
        for line in code.body.lines() {
            let line = clean_code(line);
            if line.trim().is_empty() {
                self.emit(Vec::new());
                continue;
            }
            let content = vec![Span::styled(line.into_owned(), CODE_BLOCK)];
            let mut spans = vec![Span::raw(CODE_INDENT)];
            spans.extend(truncate(content, avail.saturating_sub(CODE_INDENT.len())));
            self.emit(spans);
        }
        self.blank_due = true;
    }

    pub(super) fn end_table(&mut self) {
        let Some(table) = self.table.take() else {
            return;
        };
        for line in table.layout(self.avail()) {
            self.emit(line);
        }
        self.blank_due = true;
    }

    pub(super) fn with_table(&mut self, action: impl FnOnce(&mut Table)) {
        if let Some(table) = &mut self.table {
            action(table);
        }
    }

    pub(super) fn rule(&mut self) {
        self.begin_block(false);
        self.emit(vec![Span::styled("─".repeat(self.avail()), DIM)]);
        self.blank_due = true;
    }

    /// Lays out pending inline text; tells whether there was any.
    pub(super) fn flush_inline(&mut self) -> bool {
        if self.inline.is_empty() {
            return false;
        }
        let lines = self.wrapper.wrap(&self.inline, self.avail());
        self.inline.clear();
        let any = !lines.is_empty();
        for line in lines {
            self.emit(line);
        }
        any
    }

    /// Columns left for content inside the current containers.
    fn avail(&self) -> usize {
        let prefix: usize = self.containers.iter().map(Container::width).sum();
        self.width.saturating_sub(prefix).max(1)
    }

    fn emit(&mut self, content: Vec<Span<'static>>) {
        if self.containers.is_empty() {
            self.push_line(content);
            return;
        }
        let mut spans = Vec::with_capacity(self.containers.len() + content.len());
        self.prefix(&mut spans, false);
        if content.is_empty() {
            trim_end(&mut spans);
        }
        spans.extend(content);
        self.push_line(spans);
    }

    fn blank(&mut self) {
        let mut spans = Vec::new();
        self.prefix(&mut spans, true);
        trim_end(&mut spans);
        self.push_line(spans);
    }

    /// Quote bars and list indents; the first line of an item shows its marker.
    fn prefix(&mut self, spans: &mut Vec<Span<'static>>, blank: bool) {
        for container in &mut self.containers {
            match container {
                Container::Quote => push(spans, "│ ", DIM),
                Container::Item { marker, shown, .. } if !*shown && !blank => {
                    *shown = true;
                    push(spans, marker, Style::default());
                }
                Container::Item { width, .. } => {
                    (0..*width).for_each(|_| push(spans, " ", Style::default()));
                }
            }
        }
    }

    fn push_line(&mut self, spans: Vec<Span<'static>>) {
        self.lines.push(Line::from(truncate(spans, self.width)));
    }
}

impl Container {
    fn width(&self) -> usize {
        match self {
            Container::Quote => 2,
            Container::Item { width, .. } => *width,
        }
    }
}
