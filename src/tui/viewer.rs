//! The read-only screen for follow and replay: the walk's view fed by a
//! [`Feed`] instead of an engine. It takes in what is new, reads keys in
//! batches (they move around, never act), and redraws at most ~60 times a
//! second and only when something changed (once a second for the clock).

use super::app::{App, Ctx};
use super::browse::{self, Browse, FOLLOW_KEYS, REPLAY_KEYS};
use super::keys::KeyReader;
use super::terminal::Screen;
use super::view::{self, ReadOnly, View};
use crate::health::{CheckState, Sample, Status};
use crate::replay::Feed;
use crate::replay::intake::Opened;
use crate::signals::Signals;
use chrono::{DateTime, Utc};
use crossterm::event::{Event, KeyEventKind};
use ratatui::Frame;
use ratatui::layout::Alignment;
use ratatui::style::{Color, Style};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const FRAME: Duration = Duration::from_millis(16);
/// How long a message (a refused key, "no later step") stays in the footer.
const MESSAGE_FOR: Duration = Duration::from_secs(3);

/// How the read-only screen ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// `q` or Ctrl-C.
    Quit,
    /// SIGTERM, SIGHUP or SIGINT from outside.
    Signal(i32),
}

/// Shows `feed` full-screen until `q` or a terminating signal; restores the
/// terminal on every path.
pub fn run(feed: &mut dyn Feed, signals: &Signals) -> std::io::Result<Closed> {
    let mut screen = Screen::enter()?;
    let result = event_loop(feed, &mut screen, signals);
    screen.leave();
    result
}

fn event_loop(
    feed: &mut dyn Feed,
    screen: &mut Screen,
    signals: &Signals,
) -> std::io::Result<Closed> {
    let keys = KeyReader::start()?;
    let mut app = App::new(0);
    let mut tty = TtyScreen::default();
    let mut last_draw: Option<Instant> = None;
    let mut dirty = true;
    let mut last_second = Utc::now().timestamp();
    let mut shown_since: Option<(String, Instant)> = None;
    loop {
        if let Some(sig) = signals.received() {
            return Ok(Closed::Signal(sig));
        }
        dirty |= feed.advance(Instant::now())?;
        let wait = if dirty {
            Duration::ZERO
        } else {
            feed.wake_in()
        };
        let mut pressed = false;
        let mut wait_for = wait;
        while let Some(event) = keys.next(wait_for) {
            wait_for = Duration::ZERO;
            match event {
                Event::Key(key) if key.kind != KeyEventKind::Release => {
                    pressed = true;
                    if on_key(feed, &mut app, key)? {
                        return Ok(Closed::Quit);
                    }
                }
                Event::Resize(..) => pressed = true,
                _ => {}
            }
        }
        dirty |= pressed | expire_message(&mut app, &mut shown_since);
        let second = Utc::now().timestamp();
        let ticked = second != last_second;
        last_second = second;
        let due = pressed || last_draw.is_none_or(|t| t.elapsed() >= FRAME);
        if (dirty && due) || ticked {
            if let Some(opened) = feed.opened() {
                sync_selection(&mut app, opened.watch());
            }
            let (now, instant) = (Utc::now(), Instant::now());
            screen.draw(|frame| draw(frame, feed, &app, &mut tty, (now, instant)))?;
            last_draw = Some(Instant::now());
            dirty = false;
        }
    }
}

/// Keeps the selection on the walk's current step while following it; once
/// the walk is over, on the last step anything happened to.
pub fn sync_selection(app: &mut App, watch: &crate::replay::watch::Watch) {
    app.sync_selection(&watch.state);
    if app.follow_walk
        && !app.hold
        && watch.state.walk_finished()
        && let Some(step) = watch.last_step
    {
        app.selected = step;
    }
}

/// Clears a message that has been shown long enough; whether it did.
fn expire_message(app: &mut App, shown_since: &mut Option<(String, Instant)>) -> bool {
    let Some(message) = app.message.clone() else {
        *shown_since = None;
        return false;
    };
    match shown_since {
        Some((shown, since)) if *shown == message => {
            if since.elapsed() < MESSAGE_FOR {
                return false;
            }
            app.message = None;
            *shown_since = None;
            true
        }
        _ => {
            *shown_since = Some((message, Instant::now()));
            false
        }
    }
}

/// One key; whether to quit.
fn on_key(
    feed: &mut dyn Feed,
    app: &mut App,
    key: crossterm::event::KeyEvent,
) -> std::io::Result<bool> {
    let replay = feed.timeline().is_some();
    let browse = match feed.opened() {
        Some(opened) => {
            let refs = opened.runbook.steps();
            let ctx = Ctx {
                refs: &refs,
                state: &opened.watch().state,
                running: opened.watch().state.running.is_some(),
            };
            browse::key(app, key, &ctx, replay)
        }
        None if key.code == crossterm::event::KeyCode::Char('q') => Browse::Quit,
        None => Browse::Shown,
    };
    match browse {
        Browse::Quit => return Ok(true),
        Browse::Transport(t) => {
            if let Some(message) = feed.transport(t)? {
                app.message = Some(message);
            }
            app.follow_walk = true;
            app.scroll = 0;
        }
        Browse::Sign { step, role, name } => {
            app.message = Some(ask_to_sign(feed, &step, &role, &name))
        }
        Browse::Shown => {}
    }
    Ok(false)
}

/// Writes the follower's sign-off request next to the log; what to tell the follower.
fn ask_to_sign(feed: &dyn Feed, step: &str, role: &str, name: &str) -> String {
    let Some(log) = feed.live_log() else {
        return "this view reads the log from a stream: sign with `runbook sign` where the log is"
            .into();
    };
    match crate::session::signoff::request(&log, Some(step), role, name) {
        Ok(_) => {
            format!("asked the driver to record {role} signed by {name}; the gate shows the answer")
        }
        Err(e) => format!("could not ask the driver: {e}"),
    }
}

/// Draws one frame of `feed` (`now` is the wall clock, `instant` the monotonic one).
pub fn draw(
    frame: &mut Frame,
    feed: &mut dyn Feed,
    app: &App,
    tty: &mut TtyScreen,
    (now, instant): (DateTime<Utc>, Instant),
) {
    let status = feed.status(instant);
    let times = feed.times(now);
    let mode = feed.mode();
    let timeline = feed.timeline();
    let playing = timeline.as_ref().is_some_and(|t| t.playing);
    let Some(opened) = feed.opened() else {
        waiting(frame, mode, &status);
        return;
    };
    let watch = opened.watch();
    let refs = opened.runbook.steps();
    let health = recorded_health(opened, times.elapsed, instant);
    let terminals = tty.update(&watch.state, app.selected, frame.area());
    let view = View {
        runbook: &opened.runbook,
        refs: &refs,
        state: &watch.state,
        app,
        now: times.now,
        elapsed: times.elapsed,
        operator: watch.operator(),
        mode,
        running_for: times.running_for,
        params: &opened.params,
        secrets: &opened.secrets,
        terminals,
        autopilot: false,
        health: &health,
    };
    let replay = timeline.is_some();
    let extra = ReadOnly {
        status,
        keys: browse::footer_keys(replay, playing),
        help: if replay { REPLAY_KEYS } else { FOLLOW_KEYS },
        timeline,
    };
    view::draw_readonly(frame, &view, &extra);
}

/// A `tty=true` step's recorded output played through a terminal emulator, as the driver
/// saw it (progress bars redraw in place), sized like the live view's pseudo-terminal. Kept
/// between frames: output that arrived since is fed on; a new step, size or a shorter tail
/// (a seek back) starts a fresh emulator.
#[derive(Default)]
pub struct TtyScreen {
    screens: HashMap<usize, vt100::Parser>,
    /// Step, bytes fed so far, size.
    fed: Option<(usize, u64, (u16, u16))>,
}

impl TtyScreen {
    pub fn update(
        &mut self,
        state: &crate::session::state::SessionState,
        selected: usize,
        area: ratatui::layout::Rect,
    ) -> &HashMap<usize, vt100::Parser> {
        let Some(tail) = state.steps.get(selected).map(|s| &s.tail) else {
            return self.clear();
        };
        if !tail
            .segments
            .iter()
            .any(|(stream, _)| *stream == crate::exec::Stream::Pty)
        {
            return self.clear();
        }
        let size = super::terminal::pty_size_for(area.width, area.height);
        let bytes: Vec<u8> = tail
            .segments
            .iter()
            .flat_map(|(_, d)| d.iter().copied())
            .collect();
        let new = match self.fed {
            Some((step, fed, was)) if step == selected && was == size && tail.total >= fed => {
                usize::try_from(tail.total - fed)
                    .ok()
                    .filter(|n| *n <= bytes.len())
            }
            _ => None,
        };
        let start = match new {
            Some(n) => bytes.len() - n,
            None => {
                self.screens =
                    HashMap::from([(selected, vt100::Parser::new(size.1, size.0, 1000))]);
                0
            }
        };
        if let Some(parser) = self.screens.get_mut(&selected) {
            parser.process(&bytes[start..]);
        }
        self.fed = Some((selected, tail.total, size));
        &self.screens
    }

    fn clear(&mut self) -> &HashMap<usize, vt100::Parser> {
        self.screens.clear();
        self.fed = None;
        &self.screens
    }
}

/// Before the session's first event: what is awaited.
fn waiting(frame: &mut Frame, mode: &str, status: &str) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::DarkGray))
        .title(format!(" runbook · {mode} "));
    frame.render_widget(
        Paragraph::new(format!("{status}\n\nq quits"))
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .block(block),
        frame.area(),
    );
}

/// The runbook's health checks as the log recorded them at session time `at`.
fn recorded_health(opened: &Opened, at: Duration, now: Instant) -> Vec<CheckState> {
    let watch = opened.watch();
    let at_ms = u64::try_from(at.as_millis()).unwrap_or(u64::MAX);
    opened
        .runbook
        .meta
        .health
        .iter()
        .map(|check| {
            let seen = watch.health.get(&check.name);
            let status = seen.map_or(Status::Unknown, |s| s.status);
            let age = seen.map_or(at_ms, |s| at_ms.saturating_sub(s.since_mono));
            CheckState {
                name: check.name.clone(),
                kind: check.probe.label(),
                target: crate::health::target(&check.probe),
                last: seen.map(|s| Sample {
                    status,
                    value: s.history.last().copied().flatten(),
                    shown: s.value.clone().unwrap_or_default(),
                    reason: s.reason.clone(),
                }),
                status,
                since: now.checked_sub(Duration::from_millis(age)).unwrap_or(now),
                history: seen.map(|s| s.history.clone()).unwrap_or_default(),
                failures: 0,
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::session::event::{Body, Event, Stream};
    use crate::session::state::SessionState;

    #[test]
    fn a_tty_steps_output_is_replayed_through_a_terminal() {
        let rb = crate::doc::load_str(
            "# T\n```bash {name=bar tty=true}\n./progress\n```\n```bash {name=plain}\necho hi\n```\n",
            std::path::Path::new("t.md"),
        )
        .unwrap();
        let output = |step: &str, stream, text: &str| {
            Event::new(
                Some(step),
                Body::Output {
                    stream,
                    bytes: text.into(),
                },
            )
        };
        let events = [
            output("bar", Stream::Pty, "10%\r50%\r100% done\r\n"),
            output("plain", Stream::Stdout, "hi\n"),
        ];
        let state = SessionState::fold(&rb, &events);
        let area = ratatui::layout::Rect::new(0, 0, 120, 40);
        let mut tty = TtyScreen::default();
        let screen = tty.update(&state, 0, area)[&0].screen().contents();
        assert_eq!(screen.lines().next(), Some("100% done"));
        assert!(
            tty.update(&state, 1, area).is_empty(),
            "pipes are shown as text"
        );
    }

    #[test]
    fn output_that_arrives_later_is_fed_on_not_replayed() {
        let rb = crate::doc::load_str(
            "# T\n```bash {name=bar tty=true}\n./progress\n```\n",
            std::path::Path::new("t.md"),
        )
        .unwrap();
        let chunk = |text: &str| {
            Event::new(
                Some("bar"),
                Body::Output {
                    stream: Stream::Pty,
                    bytes: text.into(),
                },
            )
        };
        let area = ratatui::layout::Rect::new(0, 0, 120, 40);
        let mut state = SessionState::fold(&rb, &[chunk("line one\r\n")]);
        let mut tty = TtyScreen::default();
        tty.update(&state, 0, area);
        state.apply(&chunk("line two\r\n"));
        let screen = tty.update(&state, 0, area)[&0].screen().contents();
        let rows: Vec<&str> = screen.lines().take(2).collect();
        assert_eq!(rows, ["line one", "line two"]);
    }
}
