//! A frame drawn on ratatui's TestBackend and read back as text, one line
//! per row with trailing blanks trimmed: what the screen snapshots compare.
#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::{Frame, Terminal};
use runbook::doc::model::Runbook;
use runbook::session::mask::Secrets;
use runbook::session::state::SessionState;
use runbook::tui::app::App;
use runbook::tui::view::{Mode, View, draw};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Draws one `width`×`height` frame with `draw` and returns it as text.
pub fn render(width: u16, height: u16, draw: impl FnOnce(&mut Frame)) -> String {
    text(&frame(width, height, draw))
}

/// Draws one `width`×`height` frame with `draw`.
pub fn frame(width: u16, height: u16, draw: impl FnOnce(&mut Frame)) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(draw).expect("draw");
    terminal.backend().buffer().clone()
}

/// A drawn frame as text, one line per row with trailing blanks trimmed.
pub fn text(buffer: &Buffer) -> String {
    let mut text = String::new();
    for y in 0..buffer.area.height {
        let line: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// The walk's full screen of `runbook` in `state`, as `app` shows it: live, driven by
/// ana at 09:00 UTC on 3 December 2026, 1m15s in, with no parameters, secrets or checks.
pub fn walk(
    runbook: &Runbook,
    state: &SessionState,
    app: &App,
    (width, height): (u16, u16),
) -> Buffer {
    let refs = runbook.steps();
    let (params, secrets, terminals) = (BTreeMap::new(), Secrets::default(), HashMap::new());
    let view = View {
        runbook,
        refs: &refs,
        state,
        app,
        now: Utc
            .with_ymd_and_hms(2026, 12, 3, 9, 0, 0)
            .single()
            .expect("time"),
        elapsed: Duration::from_secs(75),
        operator: "ana",
        mode: Mode::Live,
        running_for: None,
        params: &params,
        secrets: &secrets,
        terminals: &terminals,
        autopilot: false,
        health: &[],
    };
    frame(width, height, |f| draw(f, &view))
}
