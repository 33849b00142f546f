//! Drawing the screen from a snapshot of the session. One file per region:
//!
//! ```text
//! ┌ title: runbook · section · UTC clock · elapsed · operator · LIVE ───────────┐
//! ├ tree ──────────┬ step: prose, command, live output ─────┬ side: health ────┤
//! │ ¶ About this … │ ── 1#2 · run ──                        │ contacts         │
//! │ § 1 Pre-flight │                                        │                  │
//! │  ✓ check …     │ $ ./deploy.sh                          │ env              │
//! │ › ▶ run …      │ │ output …                              │                  │
//! ├────────────────┴────────────────────────────────────────┴──────────────────┤
//! └ footer: the keys that apply now ────────────────────────────────────────────┘
//! ```
//! Narrow terminals drop the side panel first, then the tree. Follow and
//! replay draw the same screen read-only ([`draw_readonly`]): their own status
//! line and keys in the footer and, for a replay, a timeline row above it.

mod document;
mod footer;
pub mod health;
mod hosts;
mod output;
mod overlay;
mod passage;
mod proposed;
mod side;
mod step;
pub mod timeline;
mod title;
mod tree;
mod wide;

use super::app::App;
use crate::doc::model::{Runbook, StepRef};
use crate::session::mask::Secrets;
pub use crate::session::projection::Mode;
use crate::session::state::SessionState;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Everything a frame is drawn from.
pub struct View<'a> {
    pub runbook: &'a Runbook,
    pub refs: &'a [StepRef<'a>],
    pub state: &'a SessionState,
    pub app: &'a App,
    pub now: DateTime<Utc>,
    pub elapsed: Duration,
    pub operator: &'a str,
    pub mode: Mode,
    /// How long the running step has been running.
    pub running_for: Option<Duration>,
    pub params: &'a BTreeMap<String, String>,
    pub secrets: &'a Secrets,
    /// Screens of `tty=true` steps, by step index.
    pub terminals: &'a HashMap<usize, vt100::Parser>,
    /// Autopilot (`--yes`) is on.
    pub autopilot: bool,
    /// The health checks as last sampled.
    pub health: &'a [crate::health::CheckState],
}

impl View<'_> {
    /// `hint` on the live screen, nothing on a read-only one (follow, replay).
    pub fn walk_hint<'h>(&self, hint: &'h str) -> &'h str {
        if self.mode == Mode::Live { hint } else { "" }
    }

    /// Runbook text as people see it: parameters filled in, secrets masked.
    pub fn text(&self, raw: &str) -> String {
        self.secrets
            .mask_str(&crate::session::params::interpolate(raw, self.params))
    }
}

/// Widths of the three columns for a terminal `width` wide.
fn columns(width: u16) -> (u16, u16) {
    match width {
        0..=59 => (0, 0),
        60..=99 => (28, 0),
        100..=139 => (32, 30),
        _ => (38, 36),
    }
}

/// Draws one frame.
pub fn draw(frame: &mut Frame, view: &View) {
    let area = frame.area();
    let [title_area, body, footer_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    title::draw(frame, title_area, view);
    draw_body(frame, body, view);
    footer::draw(frame, footer_area, view);
    overlay::draw(frame, body_with_margin(area), view);
}

/// What a read-only screen (follow, replay) shows instead of the walk's keys.
pub struct ReadOnly<'a> {
    /// Where the session and the log stand.
    pub status: String,
    /// The keys that apply now, most useful first.
    pub keys: Vec<(&'static str, &'static str)>,
    /// Every key, for `?`.
    pub help: &'a [(&'static str, &'static str)],
    /// A replay's timeline.
    pub timeline: Option<crate::replay::Timeline<'a>>,
}

/// Draws one frame of a read-only screen: the same title, tree, step and side
/// panels, a timeline row for a replay, and the viewer's own footer.
pub fn draw_readonly(frame: &mut Frame, view: &View, extra: &ReadOnly) {
    let area = frame.area();
    let timeline_rows = u16::from(extra.timeline.is_some());
    let [title_area, body, timeline_area, footer_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(timeline_rows),
        Constraint::Length(2),
    ])
    .areas(area);
    title::draw(frame, title_area, view);
    draw_body(frame, body, view);
    if let Some(line) = &extra.timeline {
        timeline::draw(frame, timeline_area, line);
    }
    footer::bar(
        frame,
        footer_area,
        footer::status_line(view, &extra.status),
        &extra.keys,
    );
    if view.app.help {
        overlay::help(frame, body_with_margin(area), extra.help, view.app);
    } else {
        overlay::dialog(frame, body_with_margin(area), view);
    }
}

/// Tree, step and side panels across `body`.
fn draw_body(frame: &mut Frame, body: Rect, view: &View) {
    let (tree_width, side_width) = columns(body.width);
    let [tree_area, step_area, side_area] = Layout::horizontal([
        Constraint::Length(tree_width),
        Constraint::Min(20),
        Constraint::Length(side_width),
    ])
    .areas(body);
    if tree_width > 0 {
        tree::draw(frame, tree_area, view);
    }
    match (&view.app.reading, &view.app.passage) {
        (Some(reading), _) => document::draw(frame, step_area, view, reading),
        (None, Some(shown)) => passage::draw(frame, step_area, view, shown),
        (None, None) => step::draw(frame, step_area, view),
    }
    if side_width > 0 {
        side::draw(frame, side_area, view);
    }
}

fn body_with_margin(area: Rect) -> Rect {
    Rect {
        x: area.x,
        y: area.y + 1,
        width: area.width,
        height: area.height.saturating_sub(3),
    }
}

/// A step's mark readable without colour: only a step that ran and succeeded is `✓`.
pub fn status_mark(
    step: &crate::session::state::StepState,
) -> (&'static str, ratatui::style::Color) {
    use crate::session::truth::Mark;
    use ratatui::style::Color;
    let mark = Mark::of(step);
    let colour = match mark {
        Mark::Pending => Color::Gray,
        Mark::Running => Color::Cyan,
        Mark::Succeeded | Mark::Signed => Color::Green,
        Mark::NotRun | Mark::NotSigned => Color::Magenta,
        Mark::MarkedDone { .. } | Mark::Skipped { .. } => Color::Yellow,
        Mark::Failed | Mark::TimedOut | Mark::Cancelled | Mark::NoGo => Color::Red,
        Mark::Interrupted => Color::Magenta,
        Mark::NotChosen => Color::DarkGray,
    };
    (mark.symbol(), colour)
}

/// `512 bytes`, `1.5 KiB`, `3.2 MiB`.
pub fn size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else if b < KIB * KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else {
        format!("{:.1} GiB", b / (KIB * KIB * KIB))
    }
}

/// `1h02m`, `3m07s`, `12.4s`.
pub fn short_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}
