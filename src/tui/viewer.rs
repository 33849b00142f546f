//! The one render loop every screen runs — the live walk, a follower's, a replay — and
//! the read-only source follow and replay feed it. A [`Source`] takes in what is new
//! (the engine's inputs, a growing log, play time), hands the loop terminal events and
//! draws a frame from its projection; the loop reads keys in batches and redraws at most
//! ~60 times a second (~30 while output streams) and only when something changed (once a
//! second for the clock).

use super::app::{App, Ctx};
use super::browse::{self, Browse, FOLLOW_KEYS, REPLAY_KEYS};
use super::keys::KeyReader;
use super::terminal::Screen;
use super::view::{self, Mode, ReadOnly, View};
use crate::replay::Feed;
use crate::session::projection::Projection;
use crate::signals::Signals;
use chrono::{DateTime, Utc};
use crossterm::event::{Event, KeyEvent, KeyEventKind};
use ratatui::Frame;
use ratatui::layout::Alignment;
use ratatui::style::{Color, Style};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use std::time::{Duration, Instant};

pub use super::tty::TtyScreen;

const FRAME: Duration = Duration::from_millis(16);
/// Between frames while a step's output streams and no key was pressed: the terminal
/// then has half the bytes to parse, which keeps it quick to show the next key press.
const STREAMING_FRAME: Duration = Duration::from_millis(33);
/// How long a message (a refused key, "no later step") stays on a read-only screen.
const MESSAGE_FOR: Duration = Duration::from_secs(3);

/// How a screen ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// `q` or Ctrl-C (or, live, the walk ended).
    Quit,
    /// SIGTERM, SIGHUP or SIGINT from outside.
    Signal(i32),
}

/// What one screen shows and how it takes keys: the loop's three feeds.
pub trait Source {
    /// Takes in what is new at `now`; whether the picture changed.
    fn advance(
        &mut self,
        now: Instant,
        app: &mut App,
        screen: &mut Screen,
    ) -> std::io::Result<bool>;
    /// The next terminal event, waiting at most `wait` (meanwhile a live source takes in
    /// the engine's inputs, returning early once the picture changed).
    fn next_event(&mut self, app: &mut App, wait: Duration) -> Option<Event>;
    /// How long to wait when nothing is to be drawn.
    fn wake_in(&self) -> Duration;
    /// One key; whether the screen closes.
    fn key(&mut self, app: &mut App, key: KeyEvent) -> std::io::Result<bool>;
    /// Whether the screen is done (the live walk ended).
    fn done(&self) -> bool {
        false
    }
    /// Output is streaming: frames may come half as often.
    fn streaming(&self) -> bool {
        false
    }
    /// The terminal belongs to someone else for now (an interactive step): nothing is drawn.
    fn away(&self) -> bool {
        false
    }
    /// Messages vanish after a while (read-only screens; the live walk clears them on a key).
    fn messages_expire(&self) -> bool;
    /// The terminal was resized.
    fn resized(&mut self, _screen: &Screen) {}
    /// The projection the selection follows.
    fn projection(&self) -> Option<&Projection>;
    /// Draws one frame (`now`: the wall clock and the monotonic one).
    fn draw(
        &mut self,
        frame: &mut Frame,
        app: &App,
        tty: &mut TtyScreen,
        now: (DateTime<Utc>, Instant),
    );
}

/// Runs `source` on `screen` until it closes or a terminating signal arrives.
pub fn run_loop(
    source: &mut dyn Source,
    app: &mut App,
    screen: &mut Screen,
    signals: &Signals,
) -> std::io::Result<Closed> {
    let mut tty = TtyScreen::default();
    let mut last_draw: Option<Instant> = None;
    let mut dirty = true;
    let mut last_second = Utc::now().timestamp();
    let mut shown_since: Option<(String, Instant)> = None;
    loop {
        if let Some(sig) = signals.received() {
            return Ok(Closed::Signal(sig));
        }
        dirty |= source.advance(Instant::now(), app, screen)?;
        if source.done() {
            return Ok(Closed::Quit);
        }
        let frame = if source.streaming() {
            STREAMING_FRAME
        } else {
            FRAME
        };
        let until_frame = last_draw.map_or(Duration::ZERO, |t| frame.saturating_sub(t.elapsed()));
        let mut wait = if dirty {
            until_frame.min(source.wake_in())
        } else {
            source.wake_in()
        };
        let mut pressed = false;
        while let Some(event) = source.next_event(app, wait) {
            wait = Duration::ZERO;
            match event {
                Event::Key(key) if key.kind != KeyEventKind::Release => {
                    pressed = true;
                    if source.key(app, key)? {
                        return Ok(Closed::Quit);
                    }
                }
                Event::Resize(..) => {
                    source.resized(screen);
                    pressed = true;
                }
                _ => {}
            }
        }
        if source.messages_expire() {
            dirty |= expire_message(app, &mut shown_since);
        }
        dirty |= pressed;
        let second = Utc::now().timestamp();
        let ticked = second != last_second;
        last_second = second;
        let due = pressed || last_draw.is_none_or(|t| t.elapsed() >= frame);
        if ((dirty && due) || ticked) && !source.away() {
            if let Some(projection) = source.projection() {
                sync_selection(app, projection);
            }
            let now = (Utc::now(), Instant::now());
            screen.draw(|frame| source.draw(frame, app, &mut tty, now))?;
            last_draw = Some(Instant::now());
            dirty = false;
        }
    }
}

/// Keeps the selection on the walk's current step while following it; once
/// the walk is over, on the last step anything happened to.
pub fn sync_selection(app: &mut App, projection: &Projection) {
    app.sync_selection(&projection.state);
    if app.follow_walk
        && !app.hold
        && projection.state.walk_finished()
        && let Some(step) = projection.last_step
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

/// Follow or replay as a source: the feed, and keys from the terminal.
struct Watching<'f> {
    feed: &'f mut dyn Feed,
    keys: KeyReader,
}

/// Shows `feed` full-screen until `q` or a terminating signal; restores the
/// terminal on every path.
pub fn run(feed: &mut dyn Feed, signals: &Signals) -> std::io::Result<Closed> {
    let mut screen = Screen::enter()?;
    let result = KeyReader::start().and_then(|keys| {
        let mut source = Watching { feed, keys };
        run_loop(&mut source, &mut App::new(0), &mut screen, signals)
    });
    screen.leave();
    result
}

impl Source for Watching<'_> {
    fn advance(
        &mut self,
        now: Instant,
        _app: &mut App,
        _screen: &mut Screen,
    ) -> std::io::Result<bool> {
        self.feed.advance(now)
    }

    fn next_event(&mut self, _app: &mut App, wait: Duration) -> Option<Event> {
        self.keys.next(wait)
    }

    fn wake_in(&self) -> Duration {
        self.feed.wake_in()
    }

    fn key(&mut self, app: &mut App, key: KeyEvent) -> std::io::Result<bool> {
        on_key(self.feed, app, key)
    }

    fn messages_expire(&self) -> bool {
        true
    }

    fn projection(&self) -> Option<&Projection> {
        self.feed.opened().map(|o| o.projection())
    }

    fn draw(
        &mut self,
        frame: &mut Frame,
        app: &App,
        tty: &mut TtyScreen,
        now: (DateTime<Utc>, Instant),
    ) {
        draw(frame, self.feed, app, tty, now);
    }
}

/// One key; whether to quit.
fn on_key(feed: &mut dyn Feed, app: &mut App, key: KeyEvent) -> std::io::Result<bool> {
    let replay = feed.timeline().is_some();
    let browse = match feed.opened() {
        Some(opened) => {
            let refs = opened.runbook.steps();
            let ctx = Ctx {
                runbook: &opened.runbook,
                refs: &refs,
                state: &opened.projection().state,
                running: opened.projection().state.running.is_some(),
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
    let projection = opened.projection();
    let refs = opened.runbook.steps();
    let at_ms = u64::try_from(times.elapsed.as_millis()).unwrap_or(u64::MAX);
    let health = projection.health_panel(&opened.runbook.meta.health, at_ms, instant);
    let terminals = tty.update(&projection.state, app.selected, frame.area());
    let view = View {
        runbook: &opened.runbook,
        refs: &refs,
        state: &projection.state,
        app,
        now: times.now,
        elapsed: times.elapsed,
        operator: projection.operator(),
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
        keys: browse::footer_keys(replay, playing, super::countersign::open_gate(&view)),
        help: if replay { REPLAY_KEYS } else { FOLLOW_KEYS },
        timeline,
    };
    view::draw_readonly(frame, &view, &extra);
}

/// Before the session's first event: what is awaited.
fn waiting(frame: &mut Frame, mode: Mode, status: &str) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::DarkGray))
        .title(format!(" runbook · {} ", mode.word()));
    frame.render_widget(
        Paragraph::new(format!("{status}\n\nq quits"))
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .block(block),
        frame.area(),
    );
}
