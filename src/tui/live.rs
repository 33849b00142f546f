//! The live walk as a source of the one render loop ([`super::viewer::run_loop`]): the
//! session's queue — engine inputs and keys alike — is read here, inputs go to the
//! engine, keys to the screen's key handler (whose commands go to the engine too), and
//! frames are drawn from the engine's projection. The conductor walks; this presents
//! what it asks and pauses the autopilot where the operator must decide.

use super::app::{App, Ctx, handle_key};
use super::dialog::Dialog;
use super::keys::KeyReader;
use super::terminal::Screen;
use super::view::{self, Mode, View};
use super::viewer::{Closed, Source, TtyScreen, run_loop};
use crate::session::clock::Now;
use crate::session::conductor::{Next, Prompt};
use crate::session::engine::{Engine, Notice, WalkEnd};
use crate::session::event::{Body, Event as SessionEvent, Outcome};
use crate::session::input::{Command, Input};
use crate::session::projection::Projection;
use crate::session::queue::{Arrival, Queue};
use crate::signals::Signals;
use chrono::{DateTime, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::Frame;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The full screen's queue: engine inputs and terminal events.
pub type KeyQueue = Queue<Event>;

/// Arrivals taken in one go before the loop may draw again.
const BATCH: usize = 256;
/// An idle screen wakes this often (the clock on screen moves once a second).
const IDLE: Duration = Duration::from_millis(250);
/// How often held output is offered to a writer that was behind.
const HELD_RETRY: Duration = Duration::from_millis(2);

/// The live walk: the engine, its queue, and what the screen keeps beyond the projection.
struct Live<'e, 'r> {
    engine: &'e mut Engine<'r>,
    queue: &'e KeyQueue,
    keys: KeyReader,
    operator: String,
    changed: bool,
    /// Inputs taken off the queue while the audit log's writer was behind, kept in order
    /// (output waits for the writer; keys do not wait for output).
    held: VecDeque<Input>,
    /// The end the conductor announced, shown until the operator ends the session.
    announced: Option<(Outcome, String)>,
}

/// Runs the walk full-screen until it ends or the operator quits; every run has stopped
/// and the terminal is restored when it returns.
pub fn run(
    engine: &mut Engine,
    queue: &KeyQueue,
    operator: &str,
    signals: &Signals,
) -> std::io::Result<WalkEnd> {
    let mut screen = Screen::enter()?;
    engine.pty_size = screen.pty_size();
    let mut app = App::new(engine.state().cursor);
    let result = KeyReader::start_into(queue.ui()).and_then(|keys| {
        let mut live = Live {
            engine: &mut *engine,
            queue,
            keys,
            operator: operator.to_string(),
            changed: true,
            held: VecDeque::new(),
            announced: None,
        };
        let closed = run_loop(&mut live, &mut app, &mut screen, signals);
        // Nothing taken off the queue is lost: what waited for the log writer goes in now.
        for input in std::mem::take(&mut live.held) {
            live.engine.handle(input);
        }
        closed
    });
    let end = match result {
        Ok(Closed::Signal(sig)) => Ok(WalkEnd::Ended(
            Outcome::Interrupted,
            format!("interrupted by signal {sig}"),
        )),
        Ok(Closed::Quit) => Ok(engine.ending().cloned().unwrap_or(WalkEnd::Left)),
        Err(e) => Err(e),
    };
    let reason = match (&end, signals.received()) {
        (_, Some(sig)) => format!("signal {sig} received"),
        (Ok(WalkEnd::Left), None) => "the driver quit".into(),
        _ => "the session is ending".into(),
    };
    engine.wind_down(queue, &reason);
    screen.leave();
    end
}

impl Live<'_, '_> {
    /// Hands one input to the engine (the autopilot paused while a dialog is open) and
    /// takes in what it recorded.
    fn handle(&mut self, app: &mut App, input: Input) {
        self.engine.policy.paused = app.paused || app.dialog.is_some();
        let events = self.engine.handle(input);
        let notices = self.engine.take_notices();
        self.changed |= !events.is_empty() || !notices.is_empty();
        for event in &events {
            self.take_event(app, event);
        }
        let mut news = Vec::new();
        for (_, notice) in notices {
            match notice {
                Notice::Signoff(item) => news.push(item),
                Notice::Proof(warning) => app.message = Some(format!("warning: {warning}")),
                Notice::Retrying { .. }
                | Notice::OnFailRollback { .. }
                | Notice::WaitOver { .. } => {}
            }
        }
        self.changed |= super::followers::show(self.engine, app, news);
    }

    /// Hands the held inputs to the engine, in order, while its log writer keeps up.
    fn release_held(&mut self, app: &mut App) {
        while !self.held.is_empty() && !self.engine.log_backlogged() {
            if let Some(input) = self.held.pop_front() {
                self.handle(app, input);
            }
        }
    }

    /// A step that just finished stays in view until the next key (the operator at the wheel).
    fn take_event(&mut self, app: &mut App, event: &SessionEvent) {
        let Some(index) = event
            .step
            .as_deref()
            .and_then(|id| self.engine.state().position(id))
        else {
            return;
        };
        match &event.body {
            Body::StepStarted { .. } => app.scroll = 0,
            Body::StepFinished { .. } if !self.engine.policy.autopilot() => app.hold_on(index),
            _ => {}
        }
    }

    /// What the conductor asks that the screen must say: a prompt the autopilot cannot
    /// answer (it pauses), a failed step, the end of the walk.
    fn present(&mut self, app: &mut App) {
        match self.engine.next() {
            // How the runbook was read, before the first step: the dialog opens by itself.
            Next::Ask(Prompt::Warnings) => {
                if app.dialog.is_none() {
                    app.dialog = Some(Dialog::Warnings { scroll: 0 });
                    self.changed = true;
                }
            }
            // A choice asks the operator, autopilot or not: the dialog opens by itself.
            Next::Ask(Prompt::Choose { choice, .. }) => {
                if app.dialog.is_none() {
                    app.dialog = Some(Dialog::Choose {
                        slot: choice,
                        selected: 0,
                    });
                    self.changed = true;
                }
            }
            Next::Ask(prompt) if self.engine.policy.autopilot() => {
                let id = prompt
                    .step()
                    .map(|i| self.engine.step_id(i))
                    .unwrap_or_default();
                if let Some(message) = prompt.hand_over(&id) {
                    app.paused = true;
                    app.message = Some(message);
                    self.changed = true;
                }
            }
            Next::Ask(Prompt::Failed { index, .. })
                if app.hold && app.selected == index && app.message.is_none() =>
            {
                let id = self.engine.step_id(index);
                app.message = Some(format!(
                    "{id} failed: r retry · s skip · m mark done · b roll back"
                ));
                self.changed = true;
            }
            Next::End(outcome, reason) if !self.engine.state().walk_finished() => {
                if self.announced.as_ref() != Some(&(outcome, reason.clone())) {
                    app.message = Some(format!(
                        "session {}: {reason} — q ends the session",
                        outcome.word()
                    ));
                    self.announced = Some((outcome, reason));
                    self.changed = true;
                }
            }
            Next::Ask(_) | Next::Act(_) | Next::Await(_) | Next::End(..) => {}
        }
    }

    /// `v`: the step's whole output from the audit log in `$PAGER`; the screen steps aside.
    fn page_output(
        &mut self,
        app: &mut App,
        index: usize,
        screen: &mut Screen,
    ) -> std::io::Result<()> {
        let id = self.engine.step_id(index);
        let output = match super::pager::step_output(&self.engine.log_path(), &id) {
            Ok(output) if !output.is_empty() => output,
            Ok(_) => {
                app.message = Some(format!("{id} has no output recorded"));
                return Ok(());
            }
            Err(e) => {
                app.message = Some(format!("the output of {id} could not be read: {e}"));
                return Ok(());
            }
        };
        self.keys.pause();
        screen.suspend()?;
        let paged = super::pager::page(&output, &format!("{id} — output from the audit log"));
        screen.resume()?;
        self.keys.resume();
        if let Err(e) = paged {
            app.message = Some(format!("$PAGER could not be run: {e}"));
        }
        self.changed = true;
        Ok(())
    }

    /// An `interactive=true` step takes the terminal: the screen and the key reader step
    /// aside while keys are relayed to it in raw mode (a `kill -9` meanwhile leaves the
    /// terminal for the next start to restore, as in full screen).
    fn hand_over(&mut self, screen: &mut Screen) -> std::io::Result<()> {
        self.keys.pause();
        screen.suspend()?;
        crate::terminal_mark::entered();
        self.engine.hand_terminal();
        let _ = self.engine.take_notices();
        if self.engine.take_terminal_back() {
            screen.resume()?;
            self.keys.resume();
        }
        self.changed = true;
        Ok(())
    }
}

impl Source for Live<'_, '_> {
    fn advance(
        &mut self,
        _now: Instant,
        app: &mut App,
        screen: &mut Screen,
    ) -> std::io::Result<bool> {
        self.release_held(app);
        if let Some(index) = app.page_out.take() {
            self.page_output(app, index, screen)?;
        }
        self.handle(app, Input::Tick(Now::system()));
        if self.engine.terminal_wanted().is_some() {
            self.hand_over(screen)?;
        }
        if self.engine.take_terminal_back() {
            // What the interactive step printed stays readable until the operator returns.
            super::pager::await_return();
            screen.resume()?;
            self.keys.resume();
            self.changed = true;
        }
        self.present(app);
        Ok(std::mem::take(&mut self.changed))
    }

    fn next_event(&mut self, app: &mut App, wait: Duration) -> Option<Event> {
        if self.done() {
            return None;
        }
        let mut wait = wait;
        for _ in 0..BATCH {
            self.release_held(app);
            let wait_now = if self.held.is_empty() {
                wait
            } else {
                wait.min(HELD_RETRY)
            };
            match self.queue.next(wait_now) {
                Some(Arrival::Ui(event)) => return Some(event),
                Some(Arrival::Input(input)) => {
                    if self.held.is_empty() && !self.engine.log_backlogged() {
                        self.handle(app, input);
                    } else {
                        self.held.push_back(input);
                    }
                }
                None if self.held.is_empty() || wait_now >= wait => return None,
                None => {}
            }
            if self.changed || self.done() {
                wait = Duration::ZERO;
            }
        }
        None
    }

    fn wake_in(&self) -> Duration {
        IDLE
    }

    fn key(&mut self, app: &mut App, key: KeyEvent) -> std::io::Result<bool> {
        let ended = matches!(self.engine.next(), Next::End(..));
        if ended && key.code == KeyCode::Char('q') && app.dialog.is_none() {
            app.quit = true;
            self.handle(app, Input::Command(Command::Finish));
            return Ok(true);
        }
        let commands = {
            let ctx = Ctx {
                runbook: self.engine.runbook,
                refs: &self.engine.refs,
                state: self.engine.state(),
                running: self.engine.running(),
            };
            handle_key(app, key, &ctx)
        };
        if let Some(text) = app.clipboard.take() {
            // Masked, as everywhere: a secret never leaves through the clipboard either.
            let _ = super::pager::copy(&self.engine.mask(&text));
        }
        for command in commands {
            self.handle(app, Input::Command(command));
        }
        Ok(app.quit || self.done())
    }

    fn done(&self) -> bool {
        self.engine.ending().is_some() || self.engine.audit_error().is_some()
    }

    fn streaming(&self) -> bool {
        self.engine.running()
    }

    fn away(&self) -> bool {
        self.engine.runs().any(|r| r.interactive)
    }

    fn messages_expire(&self) -> bool {
        false
    }

    fn resized(&mut self, screen: &Screen) {
        self.engine.pty_size = screen.pty_size();
    }

    fn projection(&self) -> Option<&Projection> {
        Some(self.engine.projection())
    }

    fn draw(
        &mut self,
        frame: &mut Frame,
        app: &App,
        tty: &mut TtyScreen,
        (now, instant): (DateTime<Utc>, Instant),
    ) {
        let engine = &*self.engine;
        let projection = engine.projection();
        let at = engine.session_ms_at(instant);
        let health = projection.health_panel(&engine.runbook.meta.health, at, instant);
        let terminals = tty.update(&projection.state, app.selected, frame.area());
        let view = View {
            runbook: engine.runbook,
            refs: &engine.refs,
            state: &projection.state,
            app,
            now,
            elapsed: engine.elapsed_at(instant),
            operator: &self.operator,
            mode: Mode::Live,
            running_for: projection.running_for(at),
            params: &engine.params,
            secrets: &engine.secrets,
            terminals,
            autopilot: engine.policy.yes,
            health: &health,
        };
        view::draw(frame, &view);
    }
}
