//! The title bar: runbook, current section, UTC clock, elapsed time, driver, mode.

use super::{View, short_duration};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    // At a choice nobody answered yet, the walk is at the choice, not in its first option.
    let section = match view.state.open_choice() {
        Some((_, choice)) => format!("◇ choice: {}", view.text(&choice.title)),
        None => view
            .refs
            .get(view.state.cursor)
            .map(|r| format!("§ {}", view.text(&r.section.title)))
            .unwrap_or_else(|| "§ walk finished".into()),
    };
    let rollback = if view.state.in_rollback {
        " · ROLLBACK"
    } else {
        ""
    };
    let health = super::health::summary(view.health);
    let health = if health.is_empty() {
        health
    } else {
        format!(" {health} ·")
    };
    let right = format!(
        "{health} {} UTC · {} · {} · {}{rollback} ",
        view.now.format("%H:%M:%S"),
        short_duration(view.elapsed),
        view.state.driver.as_deref().unwrap_or(view.operator),
        mode_word(view)
    );
    let left_budget = (area.width as usize).saturating_sub(right.chars().count() + 1);
    let day = view
        .state
        .day_strip
        .as_deref()
        .map(|strip| format!(" {strip} ·"))
        .unwrap_or_default();
    let left = clip(
        &format!("{day} {} · {section}", view.text(&view.runbook.title)),
        left_budget,
    );
    let pad = " ".repeat(left_budget.saturating_sub(left.chars().count()));
    let mode_colour = if view.state.in_rollback {
        Color::Red
    } else if view.state.dry_run {
        Color::Magenta
    } else {
        Color::Blue
    };
    let line = Line::from(vec![
        Span::styled(left, Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(pad),
        Span::styled(right, Style::new().fg(Color::White).bg(mode_colour)),
    ]);
    frame.render_widget(
        Paragraph::new(line).style(Style::new().bg(Color::Black).fg(Color::White)),
        area,
    );
}

/// `LIVE`, `FOLLOW`, `REPLAY` — and a dry run says so instead of `LIVE`, on every screen.
fn mode_word(view: &View) -> String {
    match (view.state.dry_run, view.mode) {
        (true, super::Mode::Live) => "DRY RUN".into(),
        (true, mode) => format!("{} · DRY RUN", mode.word()),
        (false, mode) => mode.word().into(),
    }
}

/// Cuts text to `max` characters with an ellipsis.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let kept: String = text.chars().take(max - 1).collect();
    format!("{kept}…")
}
