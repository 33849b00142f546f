//! Reading the whole document (`d`): the centre shows every line the runbook has — its
//! preamble, sections without steps, prose after steps — and the keys scroll it. Keys
//! that act on a step are held while the document is open, so nothing acts out of sight.

use super::app::App;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::cell::Cell;

/// Where the document is scrolled. The screen writes back what it could show, so the
/// keys scroll within the document as it was last drawn.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// The first line shown; `None` opens at the selected step's section.
    pub top: Option<usize>,
    /// As last drawn: the first line shown, the last possible first line, a page's height.
    pub drawn: Cell<(usize, usize, usize)>,
}

impl Reading {
    /// The first line to show, given the document's `anchor`, its last possible first
    /// line and the page height; remembered for the keys.
    pub fn place(&self, anchor: usize, max_top: usize, page: usize) -> usize {
        let top = self.top.unwrap_or(anchor).min(max_top);
        self.drawn.set((top, max_top, page));
        top
    }

    pub(super) fn scroll(&mut self, by: isize) {
        let (top, max_top, _) = self.drawn.get();
        let moved = top.saturating_add_signed(by).min(max_top);
        self.top = Some(moved);
    }

    pub(super) fn page(&self) -> isize {
        isize::try_from(self.drawn.get().2.max(1)).unwrap_or(20)
    }
}

/// Handles `key` when it concerns the document; `true` when it was taken.
pub fn key(app: &mut App, key: KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let Some(reading) = app.reading.as_mut() else {
        if key.code == KeyCode::Char('d') && !ctrl {
            app.reading = Some(Reading::default());
            return true;
        }
        return false;
    };
    let page = reading.page();
    match key.code {
        KeyCode::Char('d') | KeyCode::Esc if !ctrl => app.reading = None,
        KeyCode::Down | KeyCode::Char('j') => reading.scroll(1),
        KeyCode::Up | KeyCode::Char('k') => reading.scroll(-1),
        KeyCode::PageDown | KeyCode::Char(' ') => reading.scroll(page),
        KeyCode::PageUp => reading.scroll(-page),
        KeyCode::Home | KeyCode::Char('g') => reading.top = Some(0),
        KeyCode::End | KeyCode::Char('G') => reading.top = Some(usize::MAX),
        KeyCode::Char('q' | '?' | '/') => return false,
        KeyCode::Char('c') if ctrl => return false,
        _ => app.message = Some("reading the document: d or Esc closes it".into()),
    }
    true
}
