//! The plain walk: the line dialogue's loop. It feeds the engine every input from the
//! session's queue, prints what happened ([`super::tell`]), and when the conductor asks,
//! prints the question and turns the typed answer into a command ([`super::ask`]).

use super::dialogue::Dialogue;
use crate::session::clock::Now;
use crate::session::conductor::{Next, Prompt, Stop, Until};
use crate::session::engine::Engine;
use crate::session::event::Outcome;
use crate::session::input::{Command, Input};
use crate::session::queue::{Arrival, Queue};
use std::time::Duration;

pub use crate::session::engine::WalkEnd;

/// The line dialogue's queue: engine inputs, and lines typed (`None`: stdin closed).
pub type LineQueue = Queue<Option<String>>;

/// How often the walk looks at the clock (and for signals) when nothing arrives.
const TICK: Duration = Duration::from_millis(100);

/// The prompt option that leaves the session resumable.
pub(super) const QUIT: &str = "[q]uit (resumable)";

/// What reading an answer came to.
pub(super) enum Got<T> {
    Chose(T),
    /// Stdin closed before an answer.
    Closed,
    Signal(i32),
    /// What the walk asks changed meanwhile (a follower signed, a rollback was suggested).
    Changed,
}

/// The walk in progress: the engine, the dialogue, the queue, and what was printed.
pub(super) struct Walk<'w, 'r> {
    pub engine: &'w mut Engine<'r>,
    pub d: &'w mut Dialogue,
    pub queue: &'w LineQueue,
    pub told: super::tell::Told,
}

/// Walks from the state's cursor to the end; every run has stopped when it returns.
pub fn walk(engine: &mut Engine, d: &mut Dialogue, queue: &LineQueue) -> WalkEnd {
    d.input.route(queue.ui());
    let mut w = Walk {
        engine,
        d,
        queue,
        told: Default::default(),
    };
    let end = w.run();
    let reason = match (&end, w.d.input.interrupted()) {
        (_, Some(sig)) => format!("signal {sig} received"),
        (WalkEnd::Left, None) => "the driver quit".to_string(),
        (WalkEnd::Ended(..) | WalkEnd::AuditFailed(_), None) => "the session is ending".into(),
    };
    let events = w.engine.wind_down(queue, &reason);
    let notices = w.engine.take_notices();
    super::tell::tell(&mut w, &events, notices);
    if matches!(end, WalkEnd::Ended(..)) {
        super::passages::rest(&mut w);
    }
    w.flush();
    if end == WalkEnd::Left {
        w.d.say("  left the session; it can be resumed (runbook resume)");
    }
    end
}

impl Walk<'_, '_> {
    fn run(&mut self) -> WalkEnd {
        loop {
            self.handle(Input::Tick(Now::system()));
            if let Some(end) = self.engine.ending() {
                return end.clone();
            }
            if let Some(error) = self.engine.audit_error() {
                return WalkEnd::AuditFailed(error.to_string());
            }
            if let Some(sig) = self.d.input.interrupted() {
                return interrupted(sig);
            }
            if let Some(index) = self.engine.terminal_wanted() {
                self.hand_terminal(index);
                continue;
            }
            match self.engine.next() {
                Next::End(outcome, reason) => return WalkEnd::Ended(outcome, reason),
                Next::Ask(prompt) if self.engine.policy.autopilot() => {
                    return self.nobody_answers(&prompt);
                }
                Next::Ask(prompt) => {
                    if let Some(end) = self.ask(&prompt) {
                        return end;
                    }
                }
                Next::Await(until) => self.wait(&until),
                // The engine stopped acting for a moment (many acts in one go): go on.
                Next::Act(_) => {}
            }
        }
    }

    /// Handles one input and says what happened.
    pub fn handle(&mut self, input: Input) {
        let events = self.engine.handle(input);
        let notices = self.engine.take_notices();
        super::tell::tell(self, &events, notices);
    }

    pub fn flush(&mut self) {
        let _ = self.d.out.flush();
    }

    /// Waits for the next arrival (at most a tick) and takes it in; a line comes back.
    pub fn next_arrival(&mut self) -> Option<Option<String>> {
        match self.queue.next(TICK) {
            Some(Arrival::Input(input)) => {
                self.handle(Input::Tick(Now::system()));
                self.handle(input);
                None
            }
            Some(Arrival::Ui(line)) => {
                self.d.input.took(line.as_deref());
                self.d.out.answered();
                Some(line)
            }
            None => {
                self.handle(Input::Tick(Now::system()));
                None
            }
        }
    }

    /// Reads a line for the question on screen, taking in everything else meanwhile;
    /// gives up when what the walk asks is no longer `asked`.
    pub fn read_line(&mut self, asked: &Next) -> Got<String> {
        self.d.input.request();
        loop {
            if let Some(sig) = self.d.input.interrupted() {
                return Got::Signal(sig);
            }
            if self.d.input.is_closed() {
                return Got::Closed;
            }
            match self.next_arrival() {
                Some(Some(line)) => return Got::Chose(line),
                Some(None) => return Got::Closed,
                None if self.engine.next() != *asked || self.engine.ending().is_some() => {
                    return Got::Changed;
                }
                None => {}
            }
        }
    }

    /// The walk waits: a run's end, a wait's end (Enter ends it early), followers' sign-offs.
    fn wait(&mut self, until: &Until) {
        match until {
            Until::Wait { index, .. } => self.wait_step(*index),
            Until::Signoffs {
                index,
                missing,
                deadline,
            } => {
                self.tell_roles(*index);
                self.remind_signoffs(missing, *deadline);
                let _ = self.next_arrival();
            }
            Until::Exit { .. } => {
                let _ = self.next_arrival();
            }
        }
    }

    /// A wait runs: Enter ends it early, with a reason.
    fn wait_step(&mut self, index: usize) {
        let asked = self.engine.next();
        match self.read_line(&asked) {
            Got::Chose(_) => {
                let reason = match self.text("Why end the wait early?", None, &asked) {
                    Got::Chose(reason) => reason,
                    Got::Closed => "ended early, no reason given".into(),
                    Got::Signal(_) | Got::Changed => return,
                };
                self.command(Command::EndWait { index, reason });
            }
            Got::Closed | Got::Signal(_) | Got::Changed => {
                // Nobody can end it early (or it ended): the wait runs its course.
                while self.engine.next() == asked && self.d.input.interrupted().is_none() {
                    let _ = self.next_arrival();
                }
            }
        }
    }

    /// An `interactive=true` step takes the terminal; a pending read would steal its input.
    fn hand_terminal(&mut self, index: usize) {
        super::tell::header(self, index);
        if self.d.input.has_pending_read() {
            self.d.say("  press Enter to hand the terminal to the step");
            let asked = self.engine.next();
            let _ = self.read_line(&asked);
        }
        self.flush();
        self.engine.hand_terminal();
        if self.engine.runs().any(|r| r.interactive) {
            self.told.relayed = Some(index);
        }
        let notices = self.engine.take_notices();
        super::tell::tell(self, &[], notices);
    }

    pub fn command(&mut self, command: Command) {
        self.handle(Input::Command(command));
    }

    /// Under `--yes` nobody answers: the prompt says how the session stops.
    fn nobody_answers(&mut self, prompt: &Prompt) -> WalkEnd {
        if let Some(index) = prompt.step() {
            super::tell::header(self, index);
        }
        let id = prompt
            .step()
            .map(|i| self.engine.step_id(i))
            .unwrap_or_default();
        match prompt.unanswered(&id) {
            Stop::End(outcome, reason) => WalkEnd::Ended(outcome, reason),
            Stop::Leave(why) => {
                self.d.say(&format!("\n{why}"));
                WalkEnd::Left
            }
        }
    }
}

pub(super) fn interrupted(sig: i32) -> WalkEnd {
    WalkEnd::Ended(Outcome::Interrupted, format!("interrupted by signal {sig}"))
}
