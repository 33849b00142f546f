//! The dialogs about how a runbook was read: a proposed step shown whole with where it
//! came from, a placeholder's value being typed (bullets for a secret), and the loader's
//! warnings, scrolled to fit the screen.

use super::View;
use crate::doc::model::{Placeholder, StepKind};
use crate::session::kinds::{plural, proposed_from, proposed_short};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

/// A dialog's title, lines and colour.
pub type Content = (&'static str, Vec<Line<'static>>, Color);

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

/// A proposed step: what it is, where it came from, every line of it.
pub fn proposed(view: &View, index: usize) -> Content {
    let Some(r) = view.refs.get(index) else {
        return ("Proposed command", Vec::new(), Color::Magenta);
    };
    let StepKind::Run(run) = &r.step.kind else {
        return ("Proposed command", Vec::new(), Color::Magenta);
    };
    let mut lines = vec![
        Line::from(Span::styled(
            format!("?$ {}.", proposed_from(view.runbook, run, r.step.line)),
            bold().fg(Color::Magenta),
        )),
        Line::default(),
    ];
    lines.extend(view.secrets.mask_str(&run.script).lines().map(|l| {
        Line::from(Span::styled(
            format!("$ {l}"),
            Style::new().fg(Color::Yellow),
        ))
    }));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "y runs it · n or Esc does not (Enter never runs a proposed command)",
        bold(),
    )));
    ("Proposed command — run it?", lines, Color::Magenta)
}

/// A placeholder's value being typed.
pub fn placeholder(view: &View, index: usize, placeholder: &Placeholder, text: &str) -> Content {
    let id = view
        .state
        .steps
        .get(index)
        .map(|s| s.id.clone())
        .unwrap_or_default();
    let typed = if placeholder.secret {
        "•".repeat(text.chars().count())
    } else {
        text.to_string()
    };
    let mut lines = vec![
        Line::from(Span::styled(
            format!("{id} needs a value for {}.", placeholder.written),
            bold(),
        )),
        Line::from(format!(
            "It reaches the command as ${} — never as shell text{}.",
            placeholder.env,
            if placeholder.secret {
                "; a secret, masked everywhere"
            } else {
                ""
            }
        )),
        Line::default(),
    ];
    lines.push(Line::from(vec![
        Span::styled("> ", Style::new().fg(Color::Cyan)),
        Span::raw(typed),
        Span::styled("▏", Style::new().fg(Color::Cyan)),
    ]));
    lines.push(Line::from(Span::styled(
        "Enter gives it (recorded, asked once per session), Esc: later.",
        dim(),
    )));
    ("Placeholder value", lines, Color::Cyan)
}

/// The loader's warnings from `scroll` on, as many as fit in `area`.
pub fn warnings(view: &View, scroll: u16, area: Rect) -> Content {
    let runbook = view.runbook;
    // The file is named in full in the heading; each line names it short to keep its width.
    let short = runbook
        .path
        .file_name()
        .map_or_else(|| runbook.path.clone(), std::path::PathBuf::from);
    let all: Vec<String> = runbook
        .warnings
        .iter()
        .map(|w| view.secrets.mask_str(&w.render(&short)))
        .collect();
    let width = usize::from(area.width.saturating_sub(4).min(76).saturating_sub(2)).max(1);
    let budget = usize::from(area.height.saturating_sub(12)).max(1);
    let wrapped: Vec<Vec<String>> = all.iter().map(|text| wrap(text, width)).collect();
    let mut first = usize::from(scroll).min(all.len().saturating_sub(1));
    // At the end of the list the page stays full: start earlier while the earlier ones fit.
    let tail: usize = wrapped[first..].iter().map(Vec::len).sum();
    let mut room = budget.saturating_sub(tail);
    while first > 0 && wrapped[first - 1].len() <= room {
        first -= 1;
        room -= wrapped[first].len();
    }
    let mut left = budget;
    let mut shown: Vec<Line<'static>> = Vec::new();
    let mut count = 0;
    for rows in &wrapped[first..] {
        if rows.len() > left && count > 0 {
            break;
        }
        left = left.saturating_sub(rows.len());
        count += 1;
        shown.extend(rows.iter().map(|r| Line::from(r.clone())));
    }
    let heading = format!(
        "{} was read with {} the author did not spell out:",
        runbook.path.display(),
        plural(all.len(), "decision")
    );
    let last = first + count;
    let mut lines: Vec<Line<'static>> = wrap(&heading, width)
        .into_iter()
        .map(|row| Line::from(Span::styled(row, bold())))
        .collect();
    lines.push(Line::default());
    lines.extend(shown);
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!(
            "{}–{} of {} · ↑/↓ PgUp/PgDn scroll",
            first + 1,
            last,
            all.len()
        ),
        dim(),
    )));
    lines.push(Line::from(Span::styled(
        "Enter: acknowledge (recorded in the audit log) and start",
        bold(),
    )));
    ("How this runbook was read", lines, Color::Yellow)
}

/// `text` wrapped at spaces to rows of at most `width` characters (a longer word is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut rows = Vec::new();
    let mut row = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let used = row.chars().count();
        if used > 0 && used + 1 + word.len() > width {
            rows.push(std::mem::take(&mut row));
        }
        while word.len() > width {
            let rest = word.split_off(width);
            rows.push(word.into_iter().collect());
            word = rest;
        }
        if !row.is_empty() {
            row.push(' ');
        }
        row.extend(word);
    }
    rows.push(row);
    rows
}

/// What the step view says of a run step beyond its commands: proposed and from where,
/// the placeholders it reads and their values, whether it stops at its first failure.
pub fn run_lines(view: &View, index: usize) -> Vec<Line<'static>> {
    let Some(r) = view.refs.get(index) else {
        return Vec::new();
    };
    let StepKind::Run(run) = &r.step.kind else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if run.proposed {
        lines.push(Line::from(Span::styled(
            "?$ PROPOSED command: runs only when you confirm it",
            bold().fg(Color::Magenta),
        )));
        lines.push(Line::from(Span::styled(
            format!("   from {}", proposed_short(view.runbook, run, r.step.line)),
            Style::new().fg(Color::Magenta),
        )));
    }
    for p in &run.placeholders {
        let value = match view.state.placeholders.get(&p.env) {
            Some(filled) => Span::styled(
                format!("= {}", view.secrets.mask_str(&filled.value)),
                Style::new().fg(Color::Green),
            ),
            None => Span::styled("not given yet", Style::new().fg(Color::Yellow)),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} → ${} ", p.written, p.env), dim()),
            value,
        ]));
    }
    lines.push(Line::from(Span::styled(
        crate::session::kinds::errexit_words(run),
        dim(),
    )));
    lines
}
