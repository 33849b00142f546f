//! The full-screen session: one loop that takes every arrival from the session's queue —
//! engine inputs and keys alike — hands inputs to the engine and keys to the screen's key
//! handler (whose commands go to the engine too), and redraws at most ~60 times a second
//! (~30 while output streams) and only when something changed (once a second for the
//! clock). The conductor walks; this presents what it asks and pauses the autopilot
//! where the operator must decide.

use super::app::{App, Ctx, handle_key};
use super::keys::KeyReader;
use super::terminal::Screen;
use super::view::{self, View};
use crate::session::clock::Now;
use crate::session::conductor::Next;
use crate::session::engine::{Engine, Notice, WalkEnd};
use crate::session::event::{Body, Event as SessionEvent, Outcome, Stream};
use crate::session::input::{Command, Input};
use crate::session::queue::{Arrival, Queue};
use crate::signals::Signals;
use crossterm::event::{Event, KeyCode, KeyEventKind};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The full screen's queue: engine inputs and terminal events.
pub type KeyQueue = Queue<Event>;

const FRAME: Duration = Duration::from_millis(16);
/// Between frames while a step's output streams and no key was pressed: the terminal
/// then has half the bytes to parse, which keeps it quick to show the next key press.
const STREAMING_FRAME: Duration = Duration::from_millis(33);
/// Arrivals taken in one go before the screen may be drawn again.
const BATCH: usize = 256;
/// The clock on screen moves once a second; an idle screen wakes that often.
const IDLE: Duration = Duration::from_millis(250);

/// Everything the loop keeps between iterations.
struct Session {
    app: App,
    terminals: HashMap<usize, vt100::Parser>,
    started: Instant,
    operator: String,
    keys: KeyReader,
    dirty: bool,
    pressed: bool,
    last_draw: Option<Instant>,
    last_second: i64,
    /// The end the conductor announced, shown until the operator ends the session.
    announced: Option<(Outcome, String)>,
}

/// Runs the walk full-screen until the operator quits; every run has stopped and the
/// terminal is restored when it returns.
pub fn run(
    engine: &mut Engine,
    queue: &KeyQueue,
    operator: &str,
    signals: &Signals,
) -> std::io::Result<WalkEnd> {
    let mut screen = Screen::enter()?;
    engine.pty_size = screen.pty_size();
    let mut session = Session {
        app: App::new(engine.state.cursor),
        terminals: HashMap::new(),
        started: Instant::now(),
        operator: operator.to_string(),
        keys: KeyReader::start_into(queue.ui())?,
        dirty: true,
        pressed: false,
        last_draw: None,
        last_second: chrono::Utc::now().timestamp(),
        announced: None,
    };
    let result = event_loop(engine, &mut session, &mut screen, queue, signals);
    let reason = match (&result, signals.received()) {
        (_, Some(sig)) => format!("signal {sig} received"),
        (Ok(WalkEnd::Left), None) => "the driver quit".into(),
        _ => "the session is ending".into(),
    };
    engine.stop_runs(queue, &reason);
    screen.leave();
    result
}

fn event_loop(
    engine: &mut Engine,
    s: &mut Session,
    screen: &mut Screen,
    queue: &KeyQueue,
    signals: &Signals,
) -> std::io::Result<WalkEnd> {
    loop {
        if let Some(sig) = signals.received() {
            return Ok(WalkEnd::Ended(
                Outcome::Interrupted,
                format!("interrupted by signal {sig}"),
            ));
        }
        handle(engine, s, Input::Tick(Now::system()));
        if let Some(end) = engine.ending() {
            return Ok(end.clone());
        }
        if let Some(error) = engine.audit_error() {
            return Ok(WalkEnd::AuditFailed(error.to_string()));
        }
        if engine.terminal_wanted().is_some() {
            hand_over(engine, s, screen)?;
            continue;
        }
        if engine.take_terminal_back() {
            screen.resume()?;
            s.keys.resume();
            s.dirty = true;
        }
        present(engine, s);
        draw_if_due(engine, s, screen)?;
        let mut wait = wait_for(engine, s);
        for _ in 0..BATCH {
            let Some(arrival) = queue.next(wait) else {
                break;
            };
            wait = Duration::ZERO;
            match arrival {
                Arrival::Input(input) => handle(engine, s, input),
                Arrival::Ui(event) => on_terminal_event(engine, s, screen, event),
            }
            if s.app.quit || s.pressed {
                break;
            }
        }
        if s.app.quit {
            handle(engine, s, Input::Tick(Now::system()));
            return Ok(engine.ending().cloned().unwrap_or(WalkEnd::Left));
        }
    }
}

/// How long to wait for the next arrival: not past the next frame when something is to
/// be drawn, not past the next second for the clock.
fn wait_for(engine: &Engine, s: &Session) -> Duration {
    if engine.runs().any(|r| r.interactive) {
        return IDLE;
    }
    if s.dirty {
        let frame = if engine.running() {
            STREAMING_FRAME
        } else {
            FRAME
        };
        return s
            .last_draw
            .map_or(Duration::ZERO, |t| frame.saturating_sub(t.elapsed()));
    }
    let into_second = chrono::Utc::now().timestamp_subsec_millis();
    Duration::from_millis(u64::from(1000 - into_second.min(999))).min(IDLE)
}

/// Hands one input to the engine (with the autopilot paused while a dialog is open) and
/// takes in what it recorded.
fn handle(engine: &mut Engine, s: &mut Session, input: Input) {
    engine.policy.paused = s.app.paused || s.app.dialog.is_some();
    let events = engine.handle(input);
    let notices = engine.take_notices();
    s.dirty |= !events.is_empty() || !notices.is_empty();
    for event in &events {
        take_event(engine, s, event);
    }
    let news = notices
        .into_iter()
        .filter_map(|(_, notice)| match notice {
            Notice::Signoff(news) => Some(news),
            Notice::Retrying { .. } | Notice::OnFailRollback { .. } | Notice::WaitOver { .. } => {
                None
            }
        })
        .collect();
    s.dirty |= super::followers::show(engine, &mut s.app, news);
}

/// What the screen keeps from an event beyond the fold: a `tty=true` step's terminal, a
/// finished step held in view.
fn take_event(engine: &Engine, s: &mut Session, event: &SessionEvent) {
    let Some(index) = event
        .step
        .as_deref()
        .and_then(|id| engine.state.position(id))
    else {
        return;
    };
    match &event.body {
        Body::StepStarted { .. } => {
            s.terminals.remove(&index);
            s.app.scroll = 0;
        }
        Body::Output {
            stream: Stream::Pty,
            bytes,
        } => {
            let (cols, rows) = engine.pty_size;
            s.terminals
                .entry(index)
                .or_insert_with(|| vt100::Parser::new(rows, cols, 1000))
                .process(bytes.as_slice());
        }
        Body::StepFinished { .. } if !engine.policy.autopilot() => s.app.hold_on(index),
        _ => {}
    }
}

/// What the conductor asks that the screen must say: a failed step, a prompt the
/// autopilot cannot answer (it pauses), the end of the walk.
fn present(engine: &mut Engine, s: &mut Session) {
    match engine.next() {
        Next::Ask(prompt) if engine.policy.autopilot() => {
            let id = prompt.step().map(|i| engine.step_id(i)).unwrap_or_default();
            if let Some(message) = prompt.hand_over(&id) {
                s.app.paused = true;
                s.app.message = Some(message);
                s.dirty = true;
            }
        }
        Next::Ask(crate::session::conductor::Prompt::Failed { index, .. })
            if s.app.hold && s.app.selected == index && s.app.message.is_none() =>
        {
            let id = engine.step_id(index);
            s.app.message = Some(format!(
                "{id} failed: r retry · s skip · m mark done · b roll back"
            ));
            s.dirty = true;
        }
        Next::End(outcome, reason) if !engine.state.walk_finished() => {
            if s.announced.as_ref() != Some(&(outcome, reason.clone())) {
                s.app.message = Some(format!(
                    "session {}: {reason} — q ends the session",
                    outcome.word()
                ));
                s.announced = Some((outcome, reason));
                s.dirty = true;
            }
        }
        Next::Ask(_) | Next::Act(_) | Next::Await(_) | Next::End(..) => {}
    }
}

fn on_terminal_event(engine: &mut Engine, s: &mut Session, screen: &Screen, event: Event) {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            s.pressed = true;
            s.dirty = true;
            let ended = matches!(engine.next(), Next::End(..));
            if ended && key.code == KeyCode::Char('q') && s.app.dialog.is_none() {
                s.app.quit = true;
                handle(engine, s, Input::Command(Command::Finish));
                return;
            }
            let effects = {
                let ctx = Ctx {
                    refs: &engine.refs,
                    state: &engine.state,
                    running: engine.running(),
                };
                handle_key(&mut s.app, key, &ctx)
            };
            for effect in effects {
                handle(engine, s, Input::Command(effect));
            }
        }
        Event::Resize(..) => {
            engine.pty_size = screen.pty_size();
            s.dirty = true;
        }
        _ => {}
    }
}

/// An `interactive=true` step takes the terminal: the screen and the key reader step aside.
fn hand_over(engine: &mut Engine, s: &mut Session, screen: &mut Screen) -> std::io::Result<()> {
    s.keys.pause();
    screen.suspend()?;
    engine.hand_terminal();
    let _ = engine.take_notices();
    if engine.take_terminal_back() {
        screen.resume()?;
        s.keys.resume();
    }
    s.dirty = true;
    Ok(())
}

fn draw_if_due(engine: &Engine, s: &mut Session, screen: &mut Screen) -> std::io::Result<()> {
    if engine.runs().any(|r| r.interactive) {
        return Ok(());
    }
    let second = chrono::Utc::now().timestamp();
    let clock_ticked = second != s.last_second;
    s.last_second = second;
    let frame = if engine.running() && !s.pressed {
        STREAMING_FRAME
    } else {
        FRAME
    };
    let due = s.pressed || s.last_draw.is_none_or(|t| t.elapsed() >= frame);
    if (s.dirty && due) || clock_ticked {
        s.app.sync_selection(&engine.state);
        draw(engine, s, screen)?;
        s.last_draw = Some(Instant::now());
        s.dirty = false;
        s.pressed = false;
    }
    Ok(())
}

fn draw(engine: &Engine, s: &Session, screen: &mut Screen) -> std::io::Result<()> {
    let now = engine.now();
    let view = View {
        runbook: engine.runbook,
        refs: &engine.refs,
        state: &engine.state,
        app: &s.app,
        now: chrono::Utc::now(),
        elapsed: s.started.elapsed(),
        operator: &s.operator,
        mode: "LIVE",
        running_for: engine.runs().next().map(|r| now.since(r.started)),
        params: &engine.params,
        secrets: &engine.secrets,
        terminals: &s.terminals,
        autopilot: engine.policy.yes,
        health: engine.health().states(),
    };
    screen.draw(|frame| view::draw(frame, &view))
}
