//! The session engine: inputs in, events out. [`Engine::handle`] takes one input (the
//! clock, a run's output or end, a health sample, a follower's sign-off, an operator's
//! command), records what it means in the audit log and the fold, then lets the
//! conductor carry the walk forward as far as it may go without asking. Drivers (the
//! line dialogue, the full screen) only feed inputs and present what the conductor asks.

mod act;
mod background;
mod batch;
mod choose;
mod fleet;
mod handover;
mod health;
mod journal;
mod placeholders;
mod proof;
mod record;
mod run;
mod signoff;

use super::clock::Now;
use super::conductor::{self, Here, Next, Policy};
use super::event::{Event, Outcome};
use super::executor::{Executor, Place, RunId};
use super::health_board::HealthBoard;
use super::input::Input;
use super::mask::Secrets;
use super::projection::Projection;
use super::queue::Inputs;
use super::state::SessionState;
use crate::doc::model::{Runbook, StepRef};
use chrono::{DateTime, Utc};
use journal::Journal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use placeholders::Via;
pub use run::Run;
pub use signoff::{SignoffNews, origin};

/// How long a step's process group gets between TERM and KILL.
pub const GRACE: Duration = Duration::from_secs(2);

/// Acts the conductor may take in one go before the engine lets the driver look again.
const ACTS_PER_INPUT: usize = 1024;

/// How a walk ended, for the driver to finish the session.
#[derive(Debug, Clone, PartialEq)]
pub enum WalkEnd {
    Ended(Outcome, String),
    /// The audit log cannot be written; nothing more may run.
    AuditFailed(String),
    /// The driver quit before the end; the session stays resumable.
    Left,
}

/// What a driver may want to tell the operator beyond the events themselves.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// `retries` asked for another attempt.
    Retrying {
        index: usize,
        attempt: u32,
        retries: u32,
    },
    /// `on_fail=rollback` entered the rollback procedure.
    OnFailRollback { index: usize },
    /// A wait ended without the operator.
    WaitOver {
        index: usize,
        reason: String,
        why: conductor::WaitOver,
    },
    /// What became of a sign-off.
    Signoff(SignoffNews),
    /// Signing or anchoring the chain failed (the session goes on unless the anchor is required).
    Proof(String),
}

/// A live session: the runbook, the log being written, the fold of what happened, the
/// runs in flight and the health board.
pub struct Engine<'r> {
    pub runbook: &'r Runbook,
    pub refs: Vec<StepRef<'r>>,
    /// The fold and what the screens show beside it, fed as events are recorded.
    projection: Projection,
    /// When this driver took the session (its first tick): session time counts from here.
    started: Instant,
    ticked: bool,
    /// The session is recorded as started (or resumed): the walk may go.
    walking: bool,
    /// How the walk is walked (`--yes`, `--dry-run`, …; the full screen pauses the autopilot).
    pub policy: Policy,
    journal: Journal,
    audit_error: Option<String>,
    now: Now,
    /// Where runs start: the environment and directory carried from step to step.
    place: Place,
    pub secrets: Secrets,
    declared_secrets: Vec<String>,
    executor: Box<dyn Executor>,
    runs: BTreeMap<RunId, Run>,
    /// The step on hosts in progress.
    fleet: fleet::FleetRuns,
    next_run: u64,
    inputs: Inputs,
    health: HealthBoard,
    background: background::Background,
    /// Checks whose `rollback_if` already raised a prompt in this critical spell.
    rollback_raised: BTreeSet<String>,
    pub os_user: String,
    /// Parameter values, for `{{name}}` in titles and prose.
    pub params: BTreeMap<String, String>,
    /// Placeholder values this driver has (by environment name): given to the runs that
    /// read them, only through their environment.
    placeholder_values: BTreeMap<String, String>,
    /// The walk's position and when it got there (the sign-off timeout counts from it).
    arrived: Option<((usize, bool), Instant)>,
    ending: Option<WalkEnd>,
    terminal: handover::Terminal,
    /// Notices since the last [`Engine::take_notices`], each with how many of the current
    /// input's events came before it.
    notices: Vec<(usize, Notice)>,
    /// Events recorded while handling the current input.
    out: Vec<Event>,
    sign_command: String,
    /// The size of the pseudo-terminal `tty=true` steps get.
    pub pty_size: (u16, u16),
    /// When the session first started (a resumed one: as its log's header records it).
    first_started: Option<DateTime<Utc>>,
}

impl<'r> Engine<'r> {
    /// An engine writing to `writer`, starting from `state` (fresh, or folded from a log
    /// being resumed), running steps with `executor` from `place`; `inputs` is where its
    /// executor, health monitor and sign-off inbox report.
    pub fn new(
        runbook: &'r Runbook,
        writer: super::log::AuditWriter,
        state: SessionState,
        place: Place,
        inputs: Inputs,
        executor: Box<dyn Executor>,
    ) -> std::io::Result<Self> {
        let declared_secrets = runbook.meta.env.secret.clone();
        let secrets = Secrets::from_env(&place.env, &declared_secrets);
        let now = Now::system();
        let log_path = writer.path().to_path_buf();
        let mut engine = Engine {
            runbook,
            refs: runbook.steps(),
            projection: Projection::of(state, &os_user(), &super::setup::host_name(), now.wall),
            started: now.mono,
            ticked: false,
            walking: false,
            policy: Policy::default(),
            journal: Journal::start(writer)?,
            audit_error: None,
            now,
            place,
            secrets,
            declared_secrets,
            executor,
            runs: BTreeMap::new(),
            fleet: fleet::FleetRuns::default(),
            next_run: 1,
            inputs,
            health: HealthBoard::new(&runbook.meta.health, now.mono),
            background: background::Background::new(&log_path),
            rollback_raised: BTreeSet::new(),
            os_user: os_user(),
            params: BTreeMap::new(),
            placeholder_values: BTreeMap::new(),
            arrived: None,
            ending: None,
            terminal: handover::Terminal::default(),
            notices: Vec::new(),
            out: Vec::new(),
            sign_command: String::new(),
            pty_size: (120, 40),
            first_started: None,
        };
        engine.sign_command = engine.sign_command("ROLE");
        engine.restore_placeholders();
        Ok(engine)
    }

    /// Takes one input: records what it means, then carries the walk forward as far as
    /// the conductor may without asking. Returns the events recorded, in order.
    pub fn handle(&mut self, input: Input) -> Vec<Event> {
        match input {
            Input::Tick(now) => self.tick(now),
            Input::Exec { run, event } => self.exec_event(run, event),
            Input::Remote { run, event } => self.remote_event(run, event),
            Input::Health(sampled) => self.take_sample(&sampled),
            Input::Signoff(incoming) => self.take_request(incoming),
            Input::Command(command) => self.command(command),
        }
        self.drive();
        self.take_proof();
        std::mem::take(&mut self.out)
    }

    /// What the walk does next, as the conductor sees it now.
    pub fn next(&self) -> Next {
        conductor::next(&self.here(), &self.policy)
    }

    fn here(&self) -> Here<'_> {
        let key = (
            self.projection.state.cursor,
            self.projection.state.in_rollback,
        );
        Here {
            refs: &self.refs,
            state: &self.projection.state,
            health: &self.health,
            now: self.now,
            arrived: self
                .arrived
                .filter(|(at, _)| *at == key)
                .map(|(_, since)| since),
            sign_command: &self.sign_command,
        }
    }

    /// Carries out what the conductor decides until it asks, waits or ends.
    fn drive(&mut self) {
        if !self.walking {
            return;
        }
        for _ in 0..ACTS_PER_INPUT {
            self.note_arrival();
            if self.audit_error.is_some() || self.ending.is_some() || self.terminal.wanted() {
                return;
            }
            match self.next() {
                Next::Act(act) => self.perform(act),
                Next::Ask(_) | Next::Await(_) | Next::End(..) => return,
            }
        }
    }

    fn note_arrival(&mut self) {
        let key = (
            self.projection.state.cursor,
            self.projection.state.in_rollback,
        );
        if self.arrived.is_none_or(|(at, _)| at != key) {
            self.arrived = Some((key, self.now.mono));
        }
    }

    fn tick(&mut self, now: Now) {
        self.now = now;
        if !std::mem::replace(&mut self.ticked, true) {
            self.started = now.mono;
        }
        self.flush_due_output();
        if let Some(e) = self.journal.error() {
            self.audit_error.get_or_insert(e);
        }
        self.raise_rollback_prompt();
    }

    /// The engine's clock: the time of the last tick.
    pub fn now(&self) -> Now {
        self.now
    }

    /// The fold of everything recorded.
    pub fn state(&self) -> &SessionState {
        &self.projection.state
    }

    /// What the live screen shows: the fold, the timers, the health panel.
    pub fn projection(&self) -> &Projection {
        &self.projection
    }

    /// Session time now (the last tick), in milliseconds since this driver took the session.
    pub fn session_ms(&self) -> u64 {
        self.session_ms_at(self.now.mono)
    }

    /// Session time at `at`.
    /// A resumed session counts its elapsed time from `started`, its log's first start.
    pub fn resumed_from(&mut self, started: DateTime<Utc>) {
        self.first_started = Some(started);
    }

    /// Time since the session first started, at `at`: across resumes, from the log's
    /// recorded start; else since this driver took it.
    pub fn elapsed_at(&self, at: Instant) -> Duration {
        let here = Duration::from_millis(self.session_ms_at(at));
        let Some(first) = self.first_started else {
            return here;
        };
        let since_first = (self.now.wall - first).to_std().unwrap_or_default();
        let since_now = at.saturating_duration_since(self.now.mono);
        (since_first + since_now).max(here)
    }

    pub fn session_ms_at(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.started).as_millis()).unwrap_or(u64::MAX)
    }

    /// The health checks as last sampled.
    pub fn health(&self) -> &HealthBoard {
        &self.health
    }

    /// How the walk ended, once a command, the conductor or the driver ended it.
    pub fn ending(&self) -> Option<&WalkEnd> {
        self.ending.as_ref()
    }

    /// The driver ends the walk (a signal, the end the conductor announced).
    pub fn end_walk(&mut self, end: WalkEnd) {
        self.ending.get_or_insert(end);
    }

    /// What happened that the driver may want to say, since the last call, each with how
    /// many of the events [`Engine::handle`] returned came before it.
    pub fn take_notices(&mut self) -> Vec<(usize, Notice)> {
        std::mem::take(&mut self.notices)
    }

    fn notice(&mut self, notice: Notice) {
        self.notices.push((self.out.len(), notice));
    }

    /// The log file being written.
    pub fn log_path(&self) -> PathBuf {
        self.journal.path().to_path_buf()
    }

    /// Whether the audit log's writer is behind: a driver that must not block (the
    /// screen) holds output back until it catches up, and takes keys meanwhile.
    pub fn log_backlogged(&self) -> bool {
        self.journal.busy()
    }

    /// Why the audit log can no longer be written, if it cannot.
    pub fn audit_error(&self) -> Option<&str> {
        self.audit_error.as_deref()
    }

    /// Where runs start now (the environment and directory carried so far).
    pub fn place(&self) -> &Place {
        &self.place
    }

    /// Whether any run is in flight.
    pub fn running(&self) -> bool {
        !self.runs.is_empty()
    }

    /// The runs in flight.
    pub fn runs(&self) -> impl Iterator<Item = &Run> {
        self.runs.values()
    }

    pub fn step_id(&self, index: usize) -> String {
        self.projection
            .state
            .steps
            .get(index)
            .map(|s| s.id.clone())
            .unwrap_or_default()
    }

    /// Whether the runbook has any rollback step to go to.
    pub fn has_rollback(&self) -> bool {
        self.projection.state.steps.iter().any(|s| s.rollback)
    }

    /// A secret-masked copy of text for display.
    pub fn mask(&self, text: &str) -> String {
        self.secrets.mask_str(text)
    }

    /// Text from the runbook as people see it: parameters filled in, secrets masked.
    pub fn display(&self, text: &str) -> String {
        self.mask(&super::params::interpolate(text, &self.params))
    }

    /// The walk is over: stops every run (TERM, grace, KILL) and takes in what they report
    /// until all have ended or the grace period and a little more have passed, then stops
    /// the health checks and the sign-off inbox and takes in what they had reported. The
    /// driver's own input (keys, lines) is dropped. Returns the events recorded meanwhile.
    pub fn wind_down<U: Send + 'static>(
        &mut self,
        queue: &super::queue::Queue<U>,
        reason: &str,
    ) -> Vec<Event> {
        use super::queue::Arrival;
        // Nothing new starts while the walk winds down.
        self.ending.get_or_insert(WalkEnd::Left);
        self.cancel_runs(reason);
        let mut events = std::mem::take(&mut self.out);
        let deadline = Instant::now() + GRACE + Duration::from_secs(3);
        // A short session still records every check's first status: probes in flight
        // get their timeout to answer.
        let first_samples = Instant::now() + self.background.first_sample_wait();
        while (self.running() && Instant::now() < deadline)
            || (self.health.unsampled() && Instant::now() < first_samples)
        {
            events.extend(self.handle(Input::Tick(Now::system())));
            if let Some(Arrival::Input(input)) = queue.next(Duration::from_millis(50)) {
                events.extend(self.handle(input));
            }
        }
        self.background.stop();
        while let Some(arrival) = queue.next(Duration::ZERO) {
            if let Arrival::Input(input) = arrival {
                events.extend(self.handle(input));
            }
        }
        events
    }
}

impl Drop for Engine<'_> {
    /// Even on an early return or a panic, no step's processes outlive the session.
    fn drop(&mut self) {
        self.background.stop();
        self.executor.stop_all(Duration::from_millis(500));
    }
}

/// The OS user this process runs as.
pub fn os_user() -> String {
    let uid = nix::unistd::getuid();
    nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map(|u| u.name)
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| format!("uid {uid}"))
}
