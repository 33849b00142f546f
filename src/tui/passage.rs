//! Moving through the tree's entries — steps and passages to read — and the keys while a
//! passage (the preamble, a section without steps) is shown: they scroll it, move on, go
//! back to the current step or search; a key that would act on a step does nothing and
//! says where it works, since no step is on screen.

use super::app::{App, Ctx};
use super::outline::{Entry, Outline};
use super::reading::Reading;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A passage shown in the centre and how far it is scrolled.
#[derive(Debug, Clone, Default)]
pub struct PassageView {
    /// Its index in [`Outline::passages`].
    pub index: usize,
    pub scroll: Reading,
}

/// Where a move through the tree goes.
#[derive(Debug, Clone, Copy)]
pub enum Move {
    Next,
    Previous,
    First,
    Last,
}

/// The entry on screen.
pub fn shown(app: &App) -> Entry {
    match &app.passage {
        Some(p) => Entry::Passage(p.index),
        None => Entry::Step(app.selected),
    }
}

/// Shows `entry` in the centre (the selection leaves the walk).
pub fn show(app: &mut App, entry: Entry) {
    app.follow_walk = false;
    app.scroll = 0;
    app.host_row = None;
    app.host_open = false;
    match entry {
        Entry::Step(index) => {
            app.selected = index;
            app.passage = None;
        }
        Entry::Passage(index) => {
            app.passage = Some(PassageView {
                index,
                scroll: Reading::default(),
            })
        }
    }
}

/// Moves the selection through the tree.
pub fn step(app: &mut App, ctx: &Ctx, to: Move) {
    let outline = Outline::of(ctx.runbook);
    let entries = &outline.entries;
    let last = entries.len().saturating_sub(1);
    let here = outline.position(shown(app));
    let at = match (to, here) {
        (Move::First, _) => 0,
        (Move::Last, _) => last,
        (Move::Next, Some(i)) => (i + 1).min(last),
        (Move::Previous, Some(i)) => i.saturating_sub(1),
        (_, None) => 0,
    };
    if let Some(&entry) = entries.get(at) {
        show(app, entry);
    }
}

/// Handles `key` while a passage is shown; `false` lets it through (search, help, quit).
pub fn key(app: &mut App, key: KeyEvent, ctx: &Ctx) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let Some(view) = app.passage.as_mut() else {
        return false;
    };
    let page = view.scroll.page();
    match key.code {
        KeyCode::Char('c') if ctrl => return false,
        KeyCode::Char('u') if ctrl => view.scroll.scroll(-page),
        KeyCode::Char('d') if ctrl => view.scroll.scroll(page),
        KeyCode::PageDown => view.scroll.scroll(page),
        KeyCode::PageUp => view.scroll.scroll(-page),
        KeyCode::Home => view.scroll.top = Some(0),
        KeyCode::End => view.scroll.top = Some(usize::MAX),
        KeyCode::Down | KeyCode::Char('j') => step(app, ctx, Move::Next),
        KeyCode::Up | KeyCode::Char('k') => step(app, ctx, Move::Previous),
        KeyCode::Char('g') => step(app, ctx, Move::First),
        KeyCode::Char('G') => step(app, ctx, Move::Last),
        KeyCode::Char('.') | KeyCode::Esc => back_to_the_walk(app, ctx),
        KeyCode::Char('/' | '?' | 'q') => return false,
        _ => app.message = Some(not_here(ctx)),
    }
    true
}

/// `.`: the centre follows the walk's current step again.
pub fn back_to_the_walk(app: &mut App, ctx: &Ctx) {
    app.passage = None;
    app.follow_walk = true;
    app.sync_selection(ctx.state);
}

/// Why a key that acts does nothing here, and where it would.
fn not_here(ctx: &Ctx) -> String {
    match ctx.state.steps.get(ctx.state.cursor) {
        Some(current) if !ctx.state.walk_finished() => format!(
            "this is text to read, not a step: . goes back to the current step {}",
            current.id
        ),
        _ => "this is text to read, not a step: . goes back to the last step".into(),
    }
}
