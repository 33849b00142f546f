//! A step on many hosts in the centre: where the batches stand, one row per host (state
//! mark, exit, duration, last line; alike hosts grouped), and the output of the row
//! picked with Tab once Enter opens it.

use super::View;
use super::title::clip;
use crate::doc::duration::format_duration;
use crate::session::fleet_state::{FleetProgress, HostRow, HostStatus};
use crate::tui::host_rows::{Row, rows};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use std::time::Duration;

pub fn draw(frame: &mut Frame, area: Rect, view: &View, fleet: &FleetProgress) {
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(Style::new().fg(Color::DarkGray))
        .title(Span::styled(
            format!(" hosts · {} ", progress(fleet)),
            Style::new().fg(Color::DarkGray),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = rows(fleet);
    let picked = view.app.host_row.filter(|r| *r < rows.len());
    let width = inner.width as usize;
    let mut lines: Vec<Line<'static>> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| row_line(fleet, row, picked == Some(i), width))
        .collect();
    let open = picked
        .filter(|_| view.app.host_open)
        .and_then(|r| rows.get(r));
    let Some(row) = open else {
        lines.push(Line::from(Span::styled(
            "Tab picks a host · Enter shows its output",
            Style::new().fg(Color::DarkGray),
        )));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    };
    let list_height = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .min(inner.height / 3)
        .max(1);
    let [list, output] =
        Layout::vertical([Constraint::Length(list_height), Constraint::Min(1)]).areas(inner);
    let skip = picked
        .unwrap_or(0)
        .saturating_sub(list_height.saturating_sub(1) as usize);
    frame.render_widget(Paragraph::new(lines.split_off(skip.min(lines.len()))), list);
    draw_output(frame, output, view, fleet, row);
}

/// `batch 2/3 · 3 ok · 1 failed · 2 never started`, and why it stopped.
fn progress(fleet: &FleetProgress) -> String {
    let mut parts = Vec::new();
    if !fleet.batches.is_empty() {
        parts.push(format!("batch {}/{}", fleet.batch, fleet.batches.len()));
    }
    parts.push(fleet.tally());
    if let Some(reason) = &fleet.stopped {
        parts.push(format!("stopped: {reason}"));
    }
    parts.join(" · ")
}

fn status_style(status: HostStatus) -> Style {
    let colour = match status {
        HostStatus::Ok => Color::Green,
        HostStatus::Failed => Color::Red,
        HostStatus::Running => Color::Cyan,
        HostStatus::Interrupted => Color::Magenta,
        HostStatus::Waiting => Color::Gray,
    };
    Style::new().fg(colour).add_modifier(Modifier::BOLD)
}

fn row_line(fleet: &FleetProgress, row: &Row, picked: bool, width: usize) -> Line<'static> {
    let Some(host) = row.first(fleet) else {
        return Line::default();
    };
    let mut name = row.name(fleet);
    if row.hosts.len() > 1 {
        let lines = host.tail.text().lines().count();
        name = format!("{name} · identical · {}", plural_lines(lines));
    }
    let (exit, took) = ending(host);
    let cursor = if picked { "›" } else { " " };
    let head = format!("{cursor}{} ", host.status.mark());
    let name = clip(&name, (width / 2).max(12));
    let last = clip(
        &host.last_line(),
        width.saturating_sub(name.chars().count() + 24),
    );
    let name_style = if picked {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new()
    };
    Line::from(vec![
        Span::styled(head, status_style(host.status)),
        Span::styled(name, name_style),
        Span::styled(
            format!("  {exit:<9} {took:>6}  "),
            Style::new().fg(Color::DarkGray),
        ),
        Span::raw(last),
    ])
}

fn plural_lines(n: usize) -> String {
    if n == 1 {
        "1 line".into()
    } else {
        format!("{n} lines")
    }
}

/// A host's end in two short columns: `exit 3` / `unreachable`, and how long it took.
fn ending(host: &HostRow) -> (String, String) {
    let Some(end) = &host.end else {
        return (host.status.word().to_string(), String::new());
    };
    let exit = match (&end.failure, end.timed_out, end.exit_code, end.signal) {
        (Some(failure), ..) => failure.split(':').next().unwrap_or("failed").to_string(),
        (None, true, ..) => "timed out".into(),
        (None, false, Some(code), _) => format!("exit {code}"),
        (None, false, None, Some(signal)) => format!("signal {signal}"),
        (None, false, None, None) => "ended".into(),
    };
    (
        exit,
        format_duration(Duration::from_millis(end.duration_ms)),
    )
}

fn draw_output(frame: &mut Frame, area: Rect, view: &View, fleet: &FleetProgress, row: &Row) {
    let Some(host) = row.first(fleet) else {
        return;
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(Style::new().fg(Color::DarkGray))
        .title(Span::styled(
            format!(" {} · output · Enter closes ", row.name(fleet)),
            Style::new().fg(Color::DarkGray),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    let wanted = height + view.app.scroll as usize;
    let lines = super::output::tail_lines(&host.tail, wanted);
    let skip = lines.len().saturating_sub(wanted);
    let shown: Vec<Line> = lines.into_iter().skip(skip).take(height).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}
