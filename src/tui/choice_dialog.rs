//! The choice dialog: which option of a choice applies. It opens by itself when the walk
//! reaches a choice nobody answered and holds every key until it is answered (`q` still
//! leaves, resumable); the options not chosen are then shown as not chosen.

use super::app::{App, Ctx, Effect};
use super::dialog::Dialog;
use super::view::View;
use crate::session::choices::Choice;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

/// A key while the choice dialog for `slot` is open with answer `selected` highlighted.
pub fn choice_key(
    app: &mut App,
    key: KeyEvent,
    ctx: &Ctx,
    slot: usize,
    selected: usize,
) -> Vec<Effect> {
    let Some(choice) = ctx.state.choices.get(slot) else {
        return Vec::new();
    };
    let count = choice.answers().len();
    let keep = |app: &mut App, selected: usize| {
        app.dialog = Some(Dialog::Choose { slot, selected });
        Vec::new()
    };
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => keep(app, selected.saturating_sub(1)),
        KeyCode::Down | KeyCode::Char('j') => {
            keep(app, (selected + 1).min(count.saturating_sub(1)))
        }
        KeyCode::Enter => answer(app, choice, slot, selected),
        KeyCode::Char(c @ '1'..='9') => {
            let n = c as usize - '1' as usize;
            if n < count {
                answer(app, choice, slot, n)
            } else {
                keep(app, selected)
            }
        }
        KeyCode::Char('q') => {
            app.dialog = Some(Dialog::Quit {
                running: ctx.step_running(),
            });
            Vec::new()
        }
        _ => keep(app, selected),
    }
}

fn answer(app: &mut App, choice: &Choice, slot: usize, n: usize) -> Vec<Effect> {
    match choice.answer(n) {
        Some(chosen) => vec![Effect::Choose {
            choice: slot,
            chosen,
        }],
        None => {
            app.dialog = Some(Dialog::Choose { slot, selected: n });
            Vec::new()
        }
    }
}

/// The dialog's lines: the question, the answers numbered, the keys.
pub fn choice_lines(view: &View, slot: usize, selected: usize) -> Vec<Line<'static>> {
    let Some(choice) = view.state.choices.get(slot) else {
        return Vec::new();
    };
    let mut lines = vec![
        Line::from(Span::styled(
            view.text(&choice.title),
            Style::new().add_modifier(Modifier::BOLD),
        )),
        Line::from("Which one applies? Only its steps run; the others are not chosen."),
        Line::default(),
    ];
    for (n, answer) in choice.answers().iter().enumerate() {
        let steps = choice
            .options
            .get(n)
            .map(|o| {
                format!(
                    "  ({})",
                    crate::session::kinds::plural(o.steps.len(), "step")
                )
            })
            .unwrap_or_default();
        let text = format!(
            "{} {}) {}{steps}",
            if n == selected { "›" } else { " " },
            n + 1,
            view.text(answer)
        );
        let style = if n == selected {
            Style::new()
                .fg(Color::Cyan)
                .add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "↑/↓ select · Enter or 1–9 choose · q quit (resumable)",
        Style::new().fg(Color::DarkGray),
    )));
    lines
}
