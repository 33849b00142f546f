//! Display-width helpers for the prose renderer: cleaning, measuring, appending and truncating styled text.

use ratatui::style::Style;
use ratatui::text::Span;
use std::borrow::Cow;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

const ELLIPSIS: &str = "…";
const TAB_STOP: usize = 4;

/// Columns `text` takes on a terminal.
pub(super) fn width(text: &str) -> usize {
    text.width()
}

/// Columns a run of spans takes.
pub(super) fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(Span::width).sum()
}

/// Replaces characters a terminal would act on with a visible stand-in; tabs and newlines become spaces.
pub(super) fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(visible).collect())
}

fn visible(c: char) -> char {
    match c {
        '\t' | '\n' => ' ',
        c if c.is_control() => '\u{FFFD}',
        c => c,
    }
}

/// Like [`clean`], but expands tabs to the next tab stop, for preformatted text.
pub(super) fn clean_code(line: &str) -> Cow<'_, str> {
    if !line.contains('\t') {
        return clean(line);
    }
    let mut out = String::with_capacity(line.len() + TAB_STOP);
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let pad = TAB_STOP - column % TAB_STOP;
            out.extend(std::iter::repeat_n(' ', pad));
            column += pad;
        } else {
            let c = visible(c);
            out.push(c);
            column += width(c.encode_utf8(&mut [0; 4]));
        }
    }
    Cow::Owned(out)
}

/// Appends `text`, extending the last span when it has the same style.
pub(super) fn push(spans: &mut Vec<Span<'static>>, text: &str, style: Style) {
    if text.is_empty() {
        return;
    }
    match spans.last_mut() {
        Some(last) if last.style == style => last.content.to_mut().push_str(text),
        _ => spans.push(Span::styled(text.to_owned(), style)),
    }
}

/// Cuts `spans` to at most `max` columns, ending in `…` when anything was cut.
pub(super) fn truncate(spans: Vec<Span<'static>>, max: usize) -> Vec<Span<'static>> {
    // No character is wider than its UTF-8 encoding is long: short text needs no measuring.
    let bytes: usize = spans.iter().map(|span| span.content.len()).sum();
    if bytes <= max || spans_width(&spans) <= max {
        return spans;
    }
    let mut out = Vec::new();
    if max == 0 {
        return out;
    }
    let room = max - 1;
    let mut used = 0;
    let mut cut_style = Style::default();
    'spans: for span in &spans {
        cut_style = span.style;
        for grapheme in span.content.graphemes(true) {
            let w = width(grapheme);
            if used + w > room {
                break 'spans;
            }
            push(&mut out, grapheme, span.style);
            used += w;
        }
    }
    push(&mut out, ELLIPSIS, cut_style);
    out
}

/// Removes trailing spaces (and spans left empty by that).
pub(super) fn trim_end(spans: &mut Vec<Span<'static>>) {
    while let Some(last) = spans.last_mut() {
        let kept = last.content.trim_end_matches(' ').len();
        if kept > 0 {
            last.content.to_mut().truncate(kept);
            return;
        }
        spans.pop();
    }
}

/// Styled text collected in one reused buffer and turned into spans only when
/// complete, so building a line costs no allocation per word.
#[derive(Default)]
pub(super) struct Runs {
    text: String,
    ends: Vec<(usize, Style)>,
    width: usize,
}

impl Runs {
    pub(super) fn push(&mut self, text: &str, style: Style) {
        self.push_measured(text, style, width(text));
    }

    /// Appends text without measuring it, for text that is laid out later.
    pub(super) fn push_text(&mut self, text: &str, style: Style) {
        self.push_measured(text, style, 0);
    }

    pub(super) fn push_measured(&mut self, text: &str, style: Style, text_width: usize) {
        if text.is_empty() {
            return;
        }
        self.text.push_str(text);
        self.width += text_width;
        match self.ends.last_mut() {
            Some((end, last)) if *last == style => *end = self.text.len(),
            _ => self.ends.push((self.text.len(), style)),
        }
    }

    pub(super) fn extend(&mut self, other: &Runs) {
        for (piece, style) in other.pieces() {
            self.push_measured(piece, style, 0);
        }
        self.width += other.width;
    }

    pub(super) fn pieces(&self) -> impl Iterator<Item = (&str, Style)> {
        let mut start = 0;
        self.ends.iter().map(move |&(end, style)| {
            let piece = &self.text[start..end];
            start = end;
            (piece, style)
        })
    }

    pub(super) fn width(&self) -> usize {
        self.width
    }

    pub(super) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.width = 0;
    }

    /// The runs as spans, leaving the buffer empty for reuse.
    pub(super) fn take_spans(&mut self) -> Vec<Span<'static>> {
        let spans = self
            .pieces()
            .map(|(piece, style)| Span::styled(piece.to_owned(), style))
            .collect();
        self.clear();
        spans
    }
}
