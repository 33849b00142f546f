//! A run step's output: the tail kept by the fold, ANSI colours rendered,
//! stderr marked, scrolled or following; `tty=true` steps as a terminal screen.

use super::{View, short_duration};
use crate::session::event::Stream;
use crate::session::state::{OutputTail, Status, StepState};
use ansi_to_tui::IntoText;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, view: &View, index: usize, step: &StepState) {
    let [body, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let follow = if view.app.scroll == 0 {
        "following"
    } else {
        "scrolled — f follows"
    };
    // A replay's ← → move through its events; there only `w` applies.
    let sideways = view.mode != super::Mode::Replay;
    let follow = match (view.app.wrap, view.app.sideways, sideways) {
        (true, ..) => format!("{follow} · wrapped — w cuts"),
        (false, 0, true) => format!("{follow} · w wraps, → scrolls sideways"),
        (false, 0, false) => format!("{follow} · w wraps"),
        (false, cols, _) => format!("{follow} · from column {} — ← →", cols + 1),
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(Style::new().fg(Color::DarkGray))
        .title(Span::styled(
            format!(" output · {follow} "),
            Style::new().fg(Color::DarkGray),
        ));
    let inner = block.inner(body);
    frame.render_widget(block, body);
    if let Some(parser) = view.terminals.get(&index) {
        frame.render_widget(
            tui_term::widget::PseudoTerminal::new(parser.screen()),
            inner,
        );
    } else {
        let wanted = inner.height as usize + view.app.scroll as usize;
        let mut lines = tail_lines(&step.tail, wanted);
        if view.app.wrap {
            lines = super::wide::wrap_all(lines, inner.width as usize);
        }
        let skip = lines.len().saturating_sub(wanted);
        let shown: Vec<Line> = lines
            .into_iter()
            .skip(skip)
            .take(inner.height as usize)
            .collect();
        let sideways = if view.app.wrap { 0 } else { view.app.sideways };
        frame.render_widget(Paragraph::new(shown).scroll((0, sideways)), inner);
    }
    frame.render_widget(Paragraph::new(status_line(view, step)), status);
}

/// The last `wanted` lines of output, parsed for colour; stderr lines get a red bar.
pub(super) fn tail_lines(tail: &OutputTail, wanted: usize) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (stream, bytes) in tail.segments.iter().rev() {
        let start = start_of_last_lines(bytes, wanted.saturating_sub(lines.len()) + 1);
        let Ok(text) = (&bytes[start..]).into_text() else {
            continue;
        };
        let mut segment: Vec<Line<'static>> = text.lines;
        if *stream == Stream::Stderr {
            for line in &mut segment {
                line.spans
                    .insert(0, Span::styled("▌", Style::new().fg(Color::Red)));
            }
        }
        segment.extend(lines);
        lines = segment;
        if lines.len() > wanted {
            break;
        }
    }
    lines
}

/// Where the last `count` lines of `bytes` begin.
fn start_of_last_lines(bytes: &[u8], count: usize) -> usize {
    let mut seen = 0;
    for (i, b) in bytes.iter().enumerate().rev() {
        if *b == b'\n' && i + 1 < bytes.len() {
            seen += 1;
            if seen >= count {
                return i + 1;
            }
        }
    }
    0
}

fn status_line(view: &View, step: &StepState) -> Line<'static> {
    let duration = step
        .duration_ms
        .map(|ms| short_duration(std::time::Duration::from_millis(ms)))
        .unwrap_or_default();
    let (text, colour) = match step.status {
        Status::Running => (
            format!(
                "▶ running {}",
                view.running_for.map(short_duration).unwrap_or_default()
            ),
            Color::Cyan,
        ),
        Status::Done | Status::Skipped => (
            crate::session::truth::status_words(step, &duration),
            super::status_mark(step).1,
        ),
        Status::TimedOut => (
            format!("⏱ timed out after {duration} and was stopped"),
            Color::Red,
        ),
        Status::Cancelled => (
            format!(
                "⊘ cancelled{} after {duration}",
                step.signal
                    .map(|s| format!(" (signal {s})"))
                    .unwrap_or_default()
            ),
            Color::Red,
        ),
        Status::Failed if step.kind != crate::session::state::Kind::Run => (
            format!(
                "✗ failed: {}{}",
                step.reason.as_deref().unwrap_or("its checks were not OK"),
                view.walk_hint(" — r retry · s skip · b roll back")
            ),
            Color::Red,
        ),
        Status::Failed => match step.exit_code {
            Some(code) => (
                format!(
                    "✗ exit {code} · {duration}{}",
                    view.walk_hint(" — r retry · s skip · m mark done · b roll back")
                ),
                Color::Red,
            ),
            None => (
                format!(
                    "✗ killed by a signal · {duration}{}",
                    view.walk_hint(" — r retry · s skip · b roll back")
                ),
                Color::Red,
            ),
        },
        Status::Interrupted => (
            format!(
                "! interrupted{}",
                view.walk_hint(" — r run again · m mark done · s skip")
            ),
            Color::Magenta,
        ),
        _ => (String::new(), Color::Gray),
    };
    let bytes = if step.tail.total > 0 {
        format!("   {}", super::size(step.tail.total))
    } else {
        String::new()
    };
    Line::from(vec![
        Span::styled(text, Style::new().fg(colour).add_modifier(Modifier::BOLD)),
        Span::styled(bytes, Style::new().fg(Color::DarkGray)),
    ])
}
