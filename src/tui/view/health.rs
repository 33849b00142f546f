//! The health panel: one row per check — status (symbol and colour), value,
//! a sparkline of recent values, and how long since the status changed.

use super::title::clip;
use super::{View, short_duration};
use crate::health::{CheckState, Status};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use std::time::Instant;

const SPARK: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Symbol and colour of a status, readable without colour.
pub fn status_style(status: Status) -> (&'static str, Color) {
    match status {
        Status::Ok => ("●", Color::Green),
        Status::Warn => ("▲", Color::Yellow),
        Status::Crit => ("✖", Color::Red),
        Status::Down => ("✖", Color::Red),
        Status::Unknown => ("?", Color::Gray),
    }
}

/// "health: 5 OK · 1 WARN" for the title bar; empty without checks.
pub fn summary(checks: &[CheckState]) -> String {
    let mut parts = Vec::new();
    for status in [
        Status::Ok,
        Status::Warn,
        Status::Crit,
        Status::Down,
        Status::Unknown,
    ] {
        let n = checks.iter().filter(|c| c.status == status).count();
        if n > 0 {
            parts.push(format!("{n} {}", status.as_str()));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("health: {}", parts.join(" · "))
    }
}

/// The panel's lines for a column `width` wide.
pub fn lines(view: &View, width: usize, now: Instant) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for check in view.health {
        let (symbol, colour) = status_style(check.status);
        let value = check
            .last
            .as_ref()
            .map(|s| s.shown.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "-".into());
        let since = short_duration(now.saturating_duration_since(check.since));
        let head = format!("{symbol} {:<4} ", check.status.as_str());
        let name = clip(
            &check.label(),
            width
                .saturating_sub(head.chars().count() + value.chars().count() + 1)
                .max(4),
        );
        out.push(Line::from(vec![
            Span::styled(head, Style::new().fg(colour).add_modifier(Modifier::BOLD)),
            Span::raw(name),
            Span::raw(" "),
            Span::styled(value, Style::new().fg(colour)),
        ]));
        let spark = sparkline(&check.history, width.saturating_sub(since.len() + 3));
        out.push(Line::from(vec![
            Span::styled(format!("  {spark}"), Style::new().fg(Color::DarkGray)),
            Span::styled(format!(" {since}"), Style::new().fg(Color::DarkGray)),
        ]));
        if let Some(reason) = check
            .last
            .as_ref()
            .and_then(|s| s.reason.clone())
            .filter(|_| check.status != Status::Ok)
        {
            out.push(Line::from(Span::styled(
                format!("  {}", clip(&reason, width.saturating_sub(2))),
                Style::new().fg(colour),
            )));
        }
    }
    out
}

/// The last `width` values as block characters, scaled between their min and max.
fn sparkline(history: &[Option<f64>], width: usize) -> String {
    let recent = &history[history.len().saturating_sub(width)..];
    let values: Vec<f64> = recent.iter().flatten().copied().collect();
    let (min, max) = values
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    recent
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(v) if max <= min => SPARK[3],
            Some(v) => {
                let level = ((v - min) / (max - min) * 7.0).round() as usize;
                SPARK[level.min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_and_show_gaps() {
        assert_eq!(
            sparkline(&[Some(1.0), Some(5.0), None, Some(3.0)], 10),
            "▁█ ▅"
        );
        assert_eq!(sparkline(&[Some(2.0), Some(2.0)], 10), "▄▄");
        assert_eq!(sparkline(&[Some(1.0), Some(2.0), Some(3.0)], 2), "▁█");
    }
}
