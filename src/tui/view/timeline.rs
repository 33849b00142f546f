//! A replay's timeline, one row: play state and speed, position and length,
//! and a bar across session time marking step starts `|`, gates `◆` (GO) and
//! `◇` (NO-GO), failures `✗`, rollback `↺`, resumes `»`, the driver leaving
//! `‖` and the end `■`; the play position is the highlighted cell. Marks
//! closer together than a cell sit side by side, the strongest in place.

use super::short_duration;
use crate::replay::Timeline;
use crate::replay::index::MarkKind;
use crate::replay::player::speed_text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::time::Duration;

/// Which mark a cell shows when several fall in it (higher wins).
fn rank(kind: MarkKind) -> u8 {
    match kind {
        MarkKind::Step => 1,
        MarkKind::Resumed | MarkKind::Left => 2,
        MarkKind::Gate { .. } => 3,
        MarkKind::Failure => 4,
        MarkKind::Rollback => 5,
        // The end is always the last cell.
        MarkKind::End => 6,
    }
}

fn symbol(kind: MarkKind) -> (&'static str, Color) {
    match kind {
        MarkKind::Step => ("|", Color::White),
        MarkKind::Gate { go: true } => ("◆", Color::Green),
        MarkKind::Gate { go: false } => ("◇", Color::Red),
        MarkKind::Failure => ("✗", Color::Red),
        MarkKind::Rollback => ("↺", Color::Magenta),
        MarkKind::Resumed => ("»", Color::Cyan),
        MarkKind::Left => ("‖", Color::Yellow),
        MarkKind::End => ("■", Color::Blue),
    }
}

/// The cell (of `cells`) that session time `mono` falls in.
fn cell_of(mono: u64, end: u64, cells: usize) -> usize {
    if end == 0 || cells == 0 {
        return 0;
    }
    let cell = u128::from(mono) * cells as u128 / u128::from(end);
    usize::try_from(cell).unwrap_or(usize::MAX).min(cells - 1)
}

/// The label before the bar: `▶ 4×  1m02s / 3m10s`.
fn label(t: &Timeline) -> String {
    let state = if t.playing { "▶" } else { "❚❚" };
    let indexing = t
        .indexed
        .map(|share| format!(" · indexing {:.0}%", share * 100.0))
        .unwrap_or_default();
    format!(
        " {state} {:<5} {} / {}{indexing} ",
        speed_text(t.speed),
        short_duration(Duration::from_millis(t.at_mono)),
        short_duration(Duration::from_millis(t.end_mono)),
    )
}

/// How far (in cells) a mark may move aside for a stronger one in its cell.
const NUDGE: usize = 3;

/// The bar's cells: strongest marks placed first, each in its own cell or,
/// when that is taken, the nearest free one within [`NUDGE`] cells on the
/// side that keeps time order (earlier marks move left, later ones right),
/// so a failure stays visible next to the rollback that followed it.
fn cells(t: &Timeline, width: usize) -> Vec<Option<MarkKind>> {
    let mut cells: Vec<Option<(MarkKind, u64)>> = vec![None; width];
    let mut marks: Vec<_> = t.marks.iter().collect();
    marks.sort_by_key(|m| std::cmp::Reverse(rank(m.kind)));
    for mark in marks {
        let home = cell_of(mark.mono_ms, t.end_mono, width);
        let later = match cells[home] {
            None => {
                cells[home] = Some((mark.kind, mark.mono_ms));
                continue;
            }
            Some((kind, _)) if kind == mark.kind => continue,
            Some((_, mono)) => mark.mono_ms >= mono,
        };
        let free = (1..=NUDGE)
            .map(|d| {
                if later {
                    home.checked_add(d)
                } else {
                    home.checked_sub(d)
                }
            })
            .take_while(|c| c.is_some_and(|c| c < width))
            .flatten()
            .find(|&c| cells[c].is_none());
        if let Some(cell) = free {
            cells[cell] = Some((mark.kind, mark.mono_ms));
        }
    }
    cells.into_iter().map(|c| c.map(|(kind, _)| kind)).collect()
}

pub fn draw(frame: &mut Frame, area: Rect, t: &Timeline) {
    let label = label(t);
    let width = (area.width as usize).saturating_sub(label.chars().count() + 1);
    let mut spans = vec![Span::styled(
        label,
        Style::new().fg(Color::White).bg(Color::Blue),
    )];
    if width > 0 {
        let at = cell_of(t.at_mono, t.end_mono, width);
        for (i, cell) in cells(t, width).into_iter().enumerate() {
            let (text, colour) = match cell {
                Some(kind) => symbol(kind),
                None => ("─", if i < at { Color::Cyan } else { Color::DarkGray }),
            };
            let mut style = Style::new().fg(colour);
            if i == at {
                style = style.bg(Color::White).add_modifier(Modifier::BOLD);
            }
            spans.push(Span::styled(
                if i == at && cell.is_none() {
                    "●"
                } else {
                    text
                },
                style,
            ));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::index::Mark;

    #[test]
    fn the_end_stays_last_and_earlier_marks_move_left() {
        let marks = [
            Mark {
                event: 0,
                mono_ms: 995,
                kind: MarkKind::Gate { go: true },
            },
            Mark {
                event: 1,
                mono_ms: 1000,
                kind: MarkKind::End,
            },
        ];
        let t = Timeline {
            marks: &marks,
            end_mono: 1000,
            at_mono: 0,
            speed: 1.0,
            playing: false,
            indexed: None,
            event: 0,
            events: 2,
        };
        let cells = cells(&t, 10);
        assert_eq!(cells[9], Some(MarkKind::End));
        assert_eq!(cells[8], Some(MarkKind::Gate { go: true }));
    }

    #[test]
    fn marks_land_in_their_cells_and_the_strongest_wins() {
        let marks = [
            Mark {
                event: 0,
                mono_ms: 0,
                kind: MarkKind::Step,
            },
            Mark {
                event: 1,
                mono_ms: 500,
                kind: MarkKind::Step,
            },
            Mark {
                event: 2,
                mono_ms: 510,
                kind: MarkKind::Failure,
            },
            Mark {
                event: 3,
                mono_ms: 1000,
                kind: MarkKind::End,
            },
        ];
        let t = Timeline {
            marks: &marks,
            end_mono: 1000,
            at_mono: 250,
            speed: 1.0,
            playing: true,
            indexed: None,
            event: 1,
            events: 4,
        };
        let cells = cells(&t, 10);
        assert_eq!(cells[0], Some(MarkKind::Step));
        assert_eq!(cells[5], Some(MarkKind::Failure));
        assert_eq!(
            cells[4],
            Some(MarkKind::Step),
            "moved aside for the failure"
        );
        assert_eq!(cells[9], Some(MarkKind::End));
        assert_eq!(cell_of(250, 1000, 10), 2);
        assert_eq!(label(&t), " ▶ 1×    0.2s / 1.0s ");
    }
}
