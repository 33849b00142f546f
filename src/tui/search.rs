//! Search (`/`): the text typed, then the next item of the tree — a step or a passage to
//! read — whose words contain it, after the one shown and round to the start again.

use super::app::{App, Ctx};
use super::outline::{Entry, Outline};
use crate::doc::model::{StepKind, StepRef};
use crossterm::event::{KeyCode, KeyEvent};

/// Handles a key while the search is typed.
pub fn key(app: &mut App, key: KeyEvent, ctx: &Ctx) {
    let Some(text) = app.search.as_mut() else {
        return;
    };
    match key.code {
        KeyCode::Esc => app.search = None,
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) => text.push(c),
        KeyCode::Enter => {
            let needle = text.to_lowercase();
            app.search = None;
            match find(app, ctx, &needle) {
                Some(entry) => super::passage::show(app, entry),
                None => app.message = Some(format!("no step or section matches “{needle}”")),
            }
        }
        _ => {}
    }
}

/// The first entry after the one shown whose words hold `needle` (lower case).
fn find(app: &App, ctx: &Ctx, needle: &str) -> Option<Entry> {
    let outline = Outline::of(ctx.runbook);
    let count = outline.entries.len();
    let here = outline
        .position(super::passage::shown(app))
        .unwrap_or(count.saturating_sub(1));
    (1..=count)
        .map(|k| outline.entries[(here + k) % count])
        .find(|&entry| {
            let text = match entry {
                Entry::Passage(i) => outline.passages.get(i).map(|p| p.search_text()),
                Entry::Step(i) => ctx.refs.get(i).map(shown_with_step),
            };
            text.is_some_and(|t| t.to_lowercase().contains(needle))
        })
}

/// A step's words and the prose the centre shows with it (before it, and after a
/// section's last step), so a hit in a section's prose lands where it is read.
fn shown_with_step(r: &StepRef) -> String {
    let last = r.section.steps.len();
    let mut text = step_text(r);
    for prose in r.section.prose.iter().filter(|p| {
        p.before_step == r.position || (r.position + 1 == last && p.before_step >= last)
    }) {
        text.push(' ');
        text.push_str(&prose.markdown);
    }
    text
}

/// What `/` searches in a step: its section title and its own text.
fn step_text(r: &StepRef) -> String {
    let own = match &r.step.kind {
        StepKind::Run(run) => run.script.clone(),
        StepKind::Check(c) => c.text.clone(),
        StepKind::Gate(g) => g.title.clone(),
        StepKind::Note(n) => n.text.clone(),
        StepKind::Wait(_) => "wait".into(),
    };
    format!(
        "{} {} {own}",
        r.step.name.as_deref().unwrap_or(""),
        r.section.title
    )
}
