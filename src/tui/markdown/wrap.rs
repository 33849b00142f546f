//! Greedy word wrapping of styled inline text at a display width.

use super::text::{Runs, width};
use ratatui::style::Style;
use ratatui::text::Span;
use unicode_segmentation::UnicodeSegmentation;

/// Marks a hard line break in inline text (real control characters never reach the wrapper).
pub(super) const HARD_BREAK: &str = "\n";

/// Spaces that allow a line break (not the no-break spaces).
fn is_break_space(c: char) -> bool {
    c.is_whitespace() && c != '\n' && !matches!(c, '\u{A0}' | '\u{2007}' | '\u{202F}')
}

/// Lays inline text out in lines of at most `avail` columns, breaking at spaces
/// and inside words only when a word alone is wider than a line. Keeps its
/// buffers between paragraphs.
#[derive(Default)]
pub(super) struct Wrapper {
    avail: usize,
    lines: Vec<Vec<Span<'static>>>,
    line: Runs,
    word: Runs,
    space: Option<Style>,
}

impl Wrapper {
    pub(super) fn wrap(&mut self, inline: &Runs, avail: usize) -> Vec<Vec<Span<'static>>> {
        self.avail = avail.max(1);
        self.space = None;
        for (piece, style) in inline.pieces() {
            for (index, text) in piece.split(HARD_BREAK).enumerate() {
                if index > 0 {
                    self.hard_break();
                }
                self.text(text, style);
            }
        }
        self.commit();
        if !self.line.is_empty() {
            self.new_line();
        }
        std::mem::take(&mut self.lines)
    }

    fn text(&mut self, text: &str, style: Style) {
        let mut rest = text;
        while !rest.is_empty() {
            let word_end = rest.find(is_break_space).unwrap_or(rest.len());
            let (word, tail) = rest.split_at(word_end);
            self.word.push(word, style);
            let trimmed = tail.trim_start_matches(is_break_space);
            if trimmed.len() < tail.len() {
                self.commit();
                self.space = Some(style);
            }
            rest = trimmed;
        }
    }

    fn hard_break(&mut self) {
        self.commit();
        self.new_line();
        self.space = None;
    }

    /// Places the word collected so far on the current line or the next.
    fn commit(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let mut word = std::mem::take(&mut self.word);
        let line_width = self.line.width();
        let space = self.space.take().filter(|_| line_width > 0);
        let gap = usize::from(space.is_some());
        if line_width + gap + word.width() > self.avail && line_width > 0 {
            self.new_line();
        } else if let Some(style) = space {
            self.line.push_measured(" ", style, 1);
        }
        if word.width() <= self.avail {
            self.line.extend(&word);
        } else {
            self.break_word(&word);
        }
        word.clear();
        self.word = word;
    }

    fn break_word(&mut self, word: &Runs) {
        for (piece, style) in word.pieces() {
            for grapheme in piece.graphemes(true) {
                let w = width(grapheme);
                if !self.line.is_empty() && self.line.width() + w > self.avail {
                    self.new_line();
                }
                self.line.push_measured(grapheme, style, w);
            }
        }
    }

    fn new_line(&mut self) {
        self.lines.push(self.line.take_spans());
    }
}
