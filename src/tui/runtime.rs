//! The full-screen session: a loop that moves the running step forward, reads
//! keys in batches, lets the autopilot act, and redraws at most ~60 times a
//! second and only when something changed (once a second for the clock).

use super::app::{App, Ctx, Effect, handle_key};
use super::autopilot::{self, Next};
use super::keys::KeyReader;
use super::terminal::Screen;
use super::view::{self, View};
use crate::doc::model::StepKind;
use crate::exec::Stream;
use crate::plain::walk::{WalkEnd, WalkOptions};
use crate::session::engine::{Begun, Engine, RunEnd};
use crate::session::event::Outcome;
use crate::session::policy::AfterFailure;
use crate::signals::Signals;
use crossterm::event::{Event, KeyEventKind};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const FRAME: Duration = Duration::from_millis(16);
/// Between frames while a step's output streams and no key was pressed: the terminal
/// then has half the bytes to parse, which keeps it quick to show the next key press.
const STREAMING_FRAME: Duration = Duration::from_millis(33);
const PUMP_BUDGET: Duration = Duration::from_millis(4);

/// Everything the loop keeps between iterations.
struct Session<'o> {
    app: App,
    opts: &'o WalkOptions,
    terminals: HashMap<usize, vt100::Parser>,
    started: Instant,
    operator: String,
    end: Option<WalkEnd>,
    keys: KeyReader,
}

/// Runs the walk full-screen until the operator quits; restores the terminal on every path.
pub fn run(
    engine: &mut Engine,
    opts: &WalkOptions,
    operator: &str,
    signals: &Signals,
) -> std::io::Result<WalkEnd> {
    let mut screen = Screen::enter()?;
    let mut session = Session {
        app: App::new(engine.state.cursor),
        opts,
        terminals: HashMap::new(),
        started: Instant::now(),
        operator: operator.to_string(),
        end: None,
        keys: KeyReader::start()?,
    };
    let result = event_loop(engine, &mut session, &mut screen, signals);
    screen.leave();
    result
}

fn event_loop(
    engine: &mut Engine,
    s: &mut Session,
    screen: &mut Screen,
    signals: &Signals,
) -> std::io::Result<WalkEnd> {
    let mut last_draw: Option<Instant> = None;
    let mut dirty = true;
    let mut last_second = chrono::Utc::now().timestamp();
    loop {
        if let Some(sig) = signals.received() {
            engine.stop_running(&format!("signal {sig} received"));
            return Ok(WalkEnd::Ended(
                Outcome::Interrupted,
                format!("interrupted by signal {sig}"),
            ));
        }
        dirty |= advance(engine, s, screen)?;
        if let Some(end) = s.end.take() {
            return Ok(end);
        }
        dirty |= autopilot(engine, s, screen)?;
        dirty |= !engine.poll_health().is_empty();
        dirty |= signoffs(engine, s);
        let timeout = if engine.running().is_some() || dirty {
            Duration::ZERO
        } else {
            Duration::from_millis(250)
        };
        let pressed = read_keys(engine, s, screen, timeout)?;
        dirty |= pressed;
        if s.app.quit {
            return Ok(s.end.take().unwrap_or(WalkEnd::Left));
        }
        let second = chrono::Utc::now().timestamp();
        let clock_ticked = second != last_second;
        last_second = second;
        let frame = if engine.running().is_some() {
            STREAMING_FRAME
        } else {
            FRAME
        };
        let due = pressed || last_draw.is_none_or(|t| t.elapsed() >= frame);
        if (dirty && due) || clock_ticked {
            s.app.sync_selection(&engine.state);
            draw(engine, s, screen)?;
            last_draw = Some(Instant::now());
            dirty = false;
        } else if dirty && engine.running().is_none() {
            std::thread::sleep(
                FRAME.saturating_sub(last_draw.map(|t| t.elapsed()).unwrap_or_default()),
            );
        }
    }
}

/// Sign-offs from followers' terminals (and the driver's own) shown; whether anything changed.
fn signoffs(engine: &mut Engine, s: &mut Session) -> bool {
    super::followers::poll(engine, &mut s.app)
}

/// Moves the running step and waits forward; whether anything changed.
fn advance(engine: &mut Engine, s: &mut Session, screen: &mut Screen) -> std::io::Result<bool> {
    if let Some(error) = engine.audit_error() {
        s.end = Some(WalkEnd::AuditFailed(error.to_string()));
        return Ok(true);
    }
    let warned = match engine.proof_news().pop() {
        Some(warning) => {
            s.app.message = Some(format!("warning: {warning}"));
            true
        }
        None => false,
    };
    let Some(index) = engine.running().map(|r| r.index) else {
        engine.tick();
        return Ok(end_due_wait(engine) || warned);
    };
    let (cols, rows) = screen.pty_size();
    let terminals = &mut s.terminals;
    let mut changed = warned;
    let end = engine.pump(PUMP_BUDGET, &mut |_, stream, bytes| {
        changed = true;
        if stream == Stream::Pty {
            terminals
                .entry(index)
                .or_insert_with(|| vt100::Parser::new(rows, cols, 1000))
                .process(bytes);
        }
    });
    if let Some(end) = end {
        if !s.opts.yes || s.app.paused {
            s.app.hold_on(end.index);
        }
        on_run_end(engine, s, screen, end)?;
        changed = true;
    }
    Ok(changed)
}

fn end_due_wait(engine: &mut Engine) -> bool {
    match engine.due_wait_end() {
        Some(end) => {
            let _ = engine.end_wait(end.index, end.early, &end.reason);
            true
        }
        None => false,
    }
}

/// After a failure: retries, then `on_fail`, then the operator.
fn on_run_end(
    engine: &mut Engine,
    s: &mut Session,
    screen: &mut Screen,
    end: RunEnd,
) -> std::io::Result<()> {
    if end.ok || end.cancelled {
        return Ok(());
    }
    match engine.after_failure(&end) {
        AfterFailure::Retry => apply(engine, s, screen, Effect::Run { index: end.index })?,
        AfterFailure::Stop => {
            let id = engine.step_id(end.index);
            s.app.message = Some(format!(
                "{id} failed: r retry · s skip · m mark done · b roll back"
            ))
        }
        AfterFailure::Continue | AfterFailure::Rollback => {}
    }
    Ok(())
}

fn autopilot(engine: &mut Engine, s: &mut Session, screen: &mut Screen) -> std::io::Result<bool> {
    let ready = s.app.dialog.is_none()
        && engine.running().is_none()
        && !engine.state.walk_finished()
        && engine.state.rollback_prompt.is_none();
    let done_in_doc = matches!(engine.refs.get(engine.state.cursor).map(|r| &r.step.kind), Some(StepKind::Check(c)) if c.done);
    if ready && done_in_doc && engine.state.running.is_none() {
        let _ = engine.mark_done(engine.state.cursor, "marked done in the runbook");
        return Ok(true);
    }
    if !s.opts.yes || s.app.paused || !ready {
        return Ok(false);
    }
    match autopilot::next(&engine.refs, &engine.state, &s.opts.signoffs) {
        Next::Act(effects) => {
            for effect in effects {
                apply(engine, s, screen, effect)?;
            }
            Ok(true)
        }
        Next::Stop(why) => {
            s.app.paused = true;
            s.app.message = Some(why);
            Ok(true)
        }
        Next::Idle => Ok(false),
    }
}

/// Reads every key that is waiting (at most `timeout` for the first).
fn read_keys(
    engine: &mut Engine,
    s: &mut Session,
    screen: &mut Screen,
    timeout: Duration,
) -> std::io::Result<bool> {
    let mut changed = false;
    let mut wait = timeout;
    while let Some(event) = s.keys.next(wait) {
        wait = Duration::ZERO;
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                let effects = {
                    let ctx = Ctx {
                        refs: &engine.refs,
                        state: &engine.state,
                        running: engine.running().is_some(),
                    };
                    handle_key(&mut s.app, key, &ctx)
                };
                for effect in effects {
                    apply(engine, s, screen, effect)?;
                }
                changed = true;
            }
            Event::Resize(..) => changed = true,
            _ => {}
        }
    }
    Ok(changed)
}

/// Carries out one effect on the engine (this is the only place the TUI acts).
fn apply(
    engine: &mut Engine,
    s: &mut Session,
    screen: &mut Screen,
    effect: Effect,
) -> std::io::Result<()> {
    let auto = s.opts.yes && !s.app.paused;
    let result = match effect {
        Effect::Run { index } => return start_run(engine, s, screen, index, auto),
        Effect::Skip { index, reason } => engine.skip(index, &reason),
        Effect::MarkDone { index, reason } => engine.mark_done(index, &reason),
        Effect::ConfirmCheck { index } => engine.confirm_check(index, auto),
        Effect::StartWait { index } => start_wait(engine, s, index),
        Effect::EndWait { index, reason } => engine.end_wait(index, true, &reason),
        Effect::Sign { index, role, name } => {
            let user = engine.os_user.clone();
            engine.sign(index, &role, &name, &user, "driver")
        }
        Effect::Decide { index, decision } => engine.decide_gate(index, decision, auto),
        Effect::Note { index, text } => engine.note(index, &text),
        Effect::EnterRollback { reason } => engine.enter_rollback(&reason),
        Effect::DeclineRollback { reason } => engine.decline_rollback(&reason),
        Effect::Jump { index } => engine.jump(index),
        Effect::Cancel => {
            engine.cancel_running("cancelled by the operator");
            Ok(())
        }
        Effect::Leave => {
            let result = engine.leave(&s.operator);
            s.end = Some(WalkEnd::Left);
            s.app.quit = true;
            return result.map_err(std::io::Error::other).or(Ok(()));
        }
        Effect::Abort { reason } => {
            s.end = Some(WalkEnd::Ended(Outcome::Aborted, reason));
            Ok(())
        }
        Effect::Finish => {
            let (outcome, reason) = engine.state.finished();
            s.end = Some(WalkEnd::Ended(outcome, reason));
            Ok(())
        }
    };
    if let Err(e) = result {
        s.app.message = Some(format!("AUDIT LOG FAILURE: {e}"));
    }
    Ok(())
}

fn start_wait(
    engine: &mut Engine,
    s: &Session,
    index: usize,
) -> Result<(), crate::session::log::AuditError> {
    let Some(StepKind::Wait(wait)) = engine.refs.get(index).map(|r| r.step.kind.clone()) else {
        return Ok(());
    };
    engine.start_wait(index, wait.duration.as_secs_f64(), wait.until.clone())?;
    if s.opts.skip_waits || s.opts.dry_run {
        let why = if s.opts.dry_run {
            "--dry-run"
        } else {
            "--skip-waits"
        };
        engine.end_wait(index, true, why)?;
    }
    Ok(())
}

fn start_run(
    engine: &mut Engine,
    s: &mut Session,
    screen: &mut Screen,
    index: usize,
    auto: bool,
) -> std::io::Result<()> {
    let interactive = matches!(engine.refs.get(index).map(|r| &r.step.kind), Some(StepKind::Run(r)) if r.interactive);
    s.terminals.remove(&index);
    s.app.scroll = 0;
    if interactive && !s.opts.dry_run {
        s.keys.pause();
        engine.pause_health(true);
        screen.suspend()?;
        let begun = engine.begin_run(index, auto, false, screen.pty_size());
        if let Ok(Begun::Running) = begun {
            while engine
                .pump(Duration::from_millis(100), &mut |_, _, _| {})
                .is_none()
            {}
        }
        screen.resume()?;
        s.keys.resume();
        engine.pause_health(false);
        return Ok(());
    }
    match engine.begin_run(index, auto, s.opts.dry_run, screen.pty_size()) {
        Ok(Begun::Ended(end)) => on_run_end(engine, s, screen, end),
        Ok(Begun::Running) => Ok(()),
        Err(e) => {
            s.app.message = Some(format!("AUDIT LOG FAILURE: {e}"));
            Ok(())
        }
    }
}

fn draw(engine: &Engine, s: &Session, screen: &mut Screen) -> std::io::Result<()> {
    let now = chrono::Utc::now();
    let health = engine.health_snapshot();
    let view = View {
        runbook: engine.runbook,
        refs: &engine.refs,
        state: &engine.state,
        app: &s.app,
        now,
        elapsed: s.started.elapsed(),
        operator: &s.operator,
        mode: "LIVE",
        running_for: engine.running().map(|r| r.started.elapsed()),
        params: &engine.params,
        secrets: &engine.secrets,
        terminals: &s.terminals,
        autopilot: s.opts.yes,
        health: &health,
    };
    screen.draw(|frame| view::draw(frame, &view))
}
