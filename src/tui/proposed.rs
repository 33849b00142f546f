//! The full screen's dialogs about how a runbook was read: a proposed step (only `y`
//! runs it — Enter does not, so a hurried Enter never confirms a guess), a placeholder's
//! value, and the loader's warnings (scrolled, Enter acknowledges).

use super::app::{App, Effect};
use super::dialog::Dialog;
use crate::doc::model::Placeholder;
use crossterm::event::{KeyCode, KeyEvent};

/// Rows a page key scrolls the warnings.
const PAGE: u16 = 10;

/// `y` runs the proposed step; `n` closes; anything else keeps the dialog open.
pub fn proposed_key(app: &mut App, key: KeyEvent, index: usize) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('y') => vec![Effect::Run { index }],
        KeyCode::Char('n') => Vec::new(),
        _ => {
            app.dialog = Some(Dialog::Proposed { index });
            Vec::new()
        }
    }
}

/// Typing a placeholder's value; Enter gives it (an empty value is not taken).
pub fn placeholder_key(
    app: &mut App,
    key: KeyEvent,
    index: usize,
    placeholder: Placeholder,
    mut text: String,
) -> Vec<Effect> {
    match key.code {
        KeyCode::Enter if !text.is_empty() => {
            return vec![Effect::FillPlaceholder {
                index,
                env: placeholder.env,
                value: text,
            }];
        }
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) => text.push(c),
        _ => {}
    }
    app.dialog = Some(Dialog::Placeholder {
        index,
        placeholder,
        text,
    });
    Vec::new()
}

/// Scrolling the warnings; Enter acknowledges them (recorded).
pub fn warnings_key(app: &mut App, key: KeyEvent, scroll: u16, count: usize) -> Vec<Effect> {
    let scroll = match key.code {
        KeyCode::Enter => return vec![Effect::AcknowledgeWarnings],
        KeyCode::Char('q') => {
            app.dialog = Some(Dialog::Quit { running: false });
            return Vec::new();
        }
        KeyCode::Down | KeyCode::Char('j') => scroll.saturating_add(1),
        KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
        KeyCode::PageDown | KeyCode::Char(' ') => scroll.saturating_add(PAGE),
        KeyCode::PageUp => scroll.saturating_sub(PAGE),
        KeyCode::Home | KeyCode::Char('g') => 0,
        _ => scroll,
    };
    let last = u16::try_from(count.saturating_sub(1)).unwrap_or(u16::MAX);
    app.dialog = Some(Dialog::Warnings {
        scroll: scroll.min(last),
    });
    Vec::new()
}
