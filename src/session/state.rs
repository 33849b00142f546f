//! The session state: a pure fold over events. Live running, resume, follow and
//! replay all build what they show with [`SessionState::apply`], nothing else.

use super::event::{Body, Decision, Event, HealthStatus, Outcome, Signer};
use crate::doc::model::{Runbook, StepKind};
use std::collections::{BTreeMap, HashMap};

pub use super::output_tail::{OutputTail, TAIL_BYTES};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
    TimedOut,
    Cancelled,
    Interrupted,
    NoGo,
    /// An option of a choice that was not chosen: its steps never run.
    NotChosen,
}

impl Status {
    /// Every status, in the order a summary lists them.
    pub const ALL: [Status; 10] = [
        Status::Done,
        Status::Failed,
        Status::Skipped,
        Status::TimedOut,
        Status::Cancelled,
        Status::Interrupted,
        Status::NoGo,
        Status::Running,
        Status::Pending,
        Status::NotChosen,
    ];

    /// The status in words, e.g. `timed out`, `not reached`.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pending => "not reached",
            Status::Running => "running",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
            Status::TimedOut => "timed out",
            Status::Cancelled => "cancelled",
            Status::Interrupted => "interrupted",
            Status::NoGo => "NO-GO",
            Status::NotChosen => "not chosen",
        }
    }

    /// Whether the step is settled and the walk may move past it.
    pub fn is_settled(self) -> bool {
        matches!(self, Status::Done | Status::Skipped)
    }
}

/// What kind of step a step is, as the fold keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Run,
    Check,
    Wait,
    Gate,
    Note,
}

impl Kind {
    pub fn of(kind: &StepKind) -> Kind {
        match kind {
            StepKind::Run(_) => Kind::Run,
            StepKind::Check(_) => Kind::Check,
            StepKind::Wait(_) => Kind::Wait,
            StepKind::Gate(_) => Kind::Gate,
            StepKind::Note(_) => Kind::Note,
        }
    }

    /// `run`, `check`, `wait`, `gate` or `note`, as `show --json` and the screen say it.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Check => "check",
            Kind::Wait => "wait",
            Kind::Gate => "gate",
            Kind::Note => "note",
        }
    }
}

/// What the fold knows about one step.
#[derive(Debug, Clone)]
pub struct StepState {
    pub id: String,
    pub kind: Kind,
    pub rollback: bool,
    /// Reference material (FAQ, troubleshooting): never on the walk, run only on demand.
    pub reference: bool,
    pub status: Status,
    pub attempts: u32,
    pub exit_code: Option<i32>,
    pub duration_ms: Option<u64>,
    pub reason: Option<String>,
    pub signers: Vec<Signer>,
    /// Sign-offs that were not accepted, with why.
    pub rejections: Vec<Rejection>,
    pub decision: Option<Decision>,
    pub notes: Vec<String>,
    pub tail: OutputTail,
    /// For a running wait: when it runs out.
    pub wait_ends_at: Option<chrono::DateTime<chrono::Utc>>,
    /// A running step's process group and its leader's start time.
    pub process: Option<(i32, u64)>,
    /// A running step's own cgroup, when it had one.
    pub cgroup: Option<String>,
    /// Its latest attempt was walked under `--dry-run`: nothing ran.
    pub dry_run: bool,
    /// The signal that ended its latest run, if one did.
    pub signal: Option<i32>,
    /// Marked done by hand (not run to success).
    pub by_hand: bool,
    /// How the step stood before it was skipped or marked done (failed, cancelled…).
    pub settled_from: Option<Status>,
    /// A step on many hosts: its hosts and batches.
    pub fleet: Option<super::fleet_state::FleetProgress>,
}

/// A sign-off that was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub signer: Signer,
    pub reason: String,
}

/// The whole session as the events tell it.
#[derive(Debug, Clone)]
pub struct SessionState {
    pub title: String,
    pub steps: Vec<StepState>,
    index: HashMap<String, usize>,
    /// The step the walk is at; `steps.len()` when the walk is over.
    pub cursor: usize,
    pub in_rollback: bool,
    pub rollback_reason: Option<String>,
    /// Why a `rollback_if` prompt is open, until the operator rolls back or declines.
    pub rollback_prompt: Option<String>,
    pub running: Option<usize>,
    pub env_set: BTreeMap<String, String>,
    pub env_unset: Vec<String>,
    pub cwd: Option<String>,
    pub outcome: Option<Outcome>,
    pub end_reason: Option<String>,
    pub health: BTreeMap<String, HealthStatus>,
    pub session_notes: Vec<String>,
    pub events: u64,
    /// The operator driving the session now (from start, resume and driver changes).
    pub driver: Option<String>,
    /// Placeholder values given so far, by environment name, as recorded (secrets masked).
    pub placeholders: BTreeMap<String, Filled>,
    /// How many loader warnings the runbook has, and whether the operator acknowledged them.
    pub warnings: usize,
    pub warnings_acknowledged: bool,
    /// The session was started with `--dry-run`: nothing it walks runs.
    pub dry_run: bool,
    /// The day of a plan this session walks, as the title bar shows it (PRODUCT.md §1.5).
    pub day_strip: Option<String>,
    /// The runbook's choices, and what was chosen at each (same order).
    pub choices: Vec<super::choices::Choice>,
    pub chosen: Vec<Option<super::choices::Chosen>>,
}

/// A placeholder's value as the log holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub placeholder: String,
    /// Masked when `secret`.
    pub value: String,
    pub secret: bool,
}

impl SessionState {
    /// The state before any event: every step pending, the cursor on the first forward step.
    pub fn new(runbook: &Runbook) -> Self {
        let steps: Vec<StepState> = runbook
            .steps()
            .iter()
            .map(|r| StepState {
                id: r.id(),
                kind: Kind::of(&r.step.kind),
                rollback: r.rollback,
                reference: r.reference,
                status: Status::Pending,
                attempts: 0,
                exit_code: None,
                duration_ms: None,
                reason: None,
                signers: Vec::new(),
                rejections: Vec::new(),
                decision: None,
                notes: Vec::new(),
                tail: OutputTail::default(),
                wait_ends_at: None,
                process: None,
                cgroup: None,
                dry_run: false,
                signal: None,
                by_hand: false,
                settled_from: None,
                fleet: None,
            })
            .collect();
        let index = steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let mut state = SessionState {
            title: runbook.title.clone(),
            steps,
            index,
            cursor: 0,
            in_rollback: false,
            rollback_reason: None,
            rollback_prompt: None,
            running: None,
            env_set: BTreeMap::new(),
            env_unset: Vec::new(),
            cwd: None,
            outcome: None,
            end_reason: None,
            health: BTreeMap::new(),
            session_notes: Vec::new(),
            events: 0,
            driver: None,
            placeholders: BTreeMap::new(),
            warnings: runbook.warnings.len(),
            warnings_acknowledged: false,
            dry_run: false,
            day_strip: None,
            choices: super::choices::of(runbook),
            chosen: Vec::new(),
        };
        state.chosen = vec![None; state.choices.len()];
        state.cursor = state.first_in_region();
        state
    }

    /// Folds a whole event sequence.
    pub fn fold<'e>(runbook: &Runbook, events: impl IntoIterator<Item = &'e Event>) -> Self {
        let mut state = SessionState::new(runbook);
        for event in events {
            state.apply(event);
        }
        state
    }

    /// How the steps stand, in one line: `steps: 5 done, 1 cancelled, 2 not reached`.
    pub fn tally(&self) -> String {
        format!("steps: {}", super::truth::counts(self))
    }

    /// Index of a step id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The step the walk is at, if the walk is not over.
    pub fn current(&self) -> Option<&StepState> {
        self.steps.get(self.cursor)
    }

    /// Whether the walk (forward, or rollback once entered) has no step left.
    /// How a walk that has reached its end ends: completed, or rolled back (and why).
    pub fn finished(&self) -> (Outcome, String) {
        match (self.in_rollback, &self.rollback_reason) {
            (true, Some(reason)) => (
                Outcome::RolledBack,
                format!("rollback finished (entered because: {reason})"),
            ),
            (true, None) => (Outcome::RolledBack, "rollback finished".into()),
            (false, _) if super::truth::all_succeeded(self) => {
                (Outcome::Completed, "all steps done".into())
            }
            (false, _) => (Outcome::Completed, super::truth::counts(self)),
        }
    }

    /// Whether the placeholder read from `$env` has a value this driver can pass on.
    pub fn filled(&self, env: &str) -> bool {
        self.placeholders.contains_key(env)
    }

    /// The runbook was read with warnings nobody acknowledged yet.
    pub fn warnings_pending(&self) -> bool {
        self.warnings > 0 && !self.warnings_acknowledged
    }

    pub fn walk_finished(&self) -> bool {
        self.cursor >= self.steps.len()
    }

    fn first_in_region(&self) -> usize {
        self.next_in_region_from(0)
    }

    fn next_in_region_from(&self, from: usize) -> usize {
        (from..self.steps.len())
            .find(|&i| self.on_walk(i))
            .unwrap_or(self.steps.len())
    }

    fn advance_past(&mut self, index: usize) {
        // A reference step run on demand leaves the walk where it was.
        if self.steps.get(index).is_some_and(|s| s.reference) {
            return;
        }
        self.cursor = self.next_in_region_from(index + 1);
    }

    /// Applies one event. Events naming unknown steps change nothing but the count.
    pub fn apply(&mut self, event: &Event) {
        self.events += 1;
        let step = event.step.as_deref().and_then(|id| self.position(id));
        match (&event.body, step) {
            (Body::SessionEnded { outcome, reason }, _) => {
                self.outcome = Some(*outcome);
                self.end_reason = Some(reason.clone());
                self.running = None;
            }
            (Body::SessionResumed { operator, .. }, _) => {
                self.outcome = None;
                self.end_reason = None;
                self.driver = Some(operator.clone());
                // The log holds secret values masked: the new driver is asked again.
                self.placeholders.retain(|_, filled| !filled.secret);
            }
            (
                Body::PlaceholderFilled {
                    placeholder,
                    env,
                    value,
                    secret,
                    ..
                },
                _,
            ) => {
                let filled = Filled {
                    placeholder: placeholder.clone(),
                    value: value.clone(),
                    secret: *secret,
                };
                self.placeholders.insert(env.clone(), filled);
            }
            (Body::WarningsAcknowledged { .. }, _) => self.warnings_acknowledged = true,
            (Body::DayOpened(day), _) => {
                self.day_strip = Some(crate::session::plan_history::strip(day));
            }
            (
                Body::SessionStarted {
                    operator, dry_run, ..
                },
                _,
            ) => {
                self.dry_run = *dry_run;
                if !operator.is_empty() {
                    self.driver = Some(operator.clone());
                }
            }
            (Body::DriverChanged { to, .. }, _) => self.driver = Some(to.clone()),
            (Body::RollbackEntered { reason }, _) => {
                self.in_rollback = true;
                self.rollback_reason = Some(reason.clone());
                self.rollback_prompt = None;
                self.cursor = self.first_in_region();
            }
            (Body::RollbackPrompted { reason, .. }, _) => {
                self.rollback_prompt = Some(reason.clone());
            }
            (Body::RollbackDeclined { .. }, _) => self.rollback_prompt = None,
            (Body::EnvChanged { set, unset, cwd }, _) => {
                for (k, v) in set {
                    self.env_unset.retain(|u| u != k);
                    self.env_set.insert(k.clone(), v.clone());
                }
                for k in unset {
                    self.env_set.remove(k);
                    self.env_unset.push(k.clone());
                }
                if cwd.is_some() {
                    self.cwd.clone_from(cwd);
                }
            }
            (Body::OptionChosen { choice, option, .. }, _) => {
                self.choose(choice, option.as_deref());
            }
            (Body::HealthChanged { check, to, .. }, _) => {
                self.health.insert(check.clone(), *to);
            }
            (Body::Note { text }, None) => self.session_notes.push(text.clone()),
            (body, Some(i)) => self.apply_to_step(i, body),
            // Step events naming a step this runbook does not have, and bookkeeping.
            (
                Body::LogRepaired { .. }
                | Body::DriverLeft { .. }
                | Body::StepStarted { .. }
                | Body::Output { .. }
                | Body::StepFinished { .. }
                | Body::StepProcess { .. }
                | Body::StepTimedOut { .. }
                | Body::StepCancelled { .. }
                | Body::StepInterrupted { .. }
                | Body::StepSkipped { .. }
                | Body::StepMarkedDone { .. }
                | Body::CheckConfirmed { .. }
                | Body::WaitStarted { .. }
                | Body::WaitEnded { .. }
                | Body::Signed { .. }
                | Body::GateDecided { .. }
                | Body::Jumped { .. }
                | Body::SignoffRejected { .. }
                | Body::ChainSigned { .. }
                | Body::SigningFailed { .. }
                | Body::AnchorFailed { .. }
                | Body::FleetPlanned(_)
                | Body::BatchStarted(_)
                | Body::HostStarted(_)
                | Body::HostOutput(_)
                | Body::HostFinished(_)
                | Body::BatchFinished(_)
                | Body::BatchDecided(_)
                | Body::FleetStopped(_),
                None,
            ) => {}
        }
    }

    fn apply_to_step(&mut self, i: usize, body: &Body) {
        let dry_run = self.dry_run;
        let step = &mut self.steps[i];
        if matches!(
            body,
            Body::CheckConfirmed { .. } | Body::GateDecided { .. } | Body::StepSkipped { .. }
        ) {
            step.dry_run = dry_run;
        }
        match body {
            Body::WaitStarted { ends_at, .. } => {
                step.wait_ends_at = Some(*ends_at);
                step.status = Status::Running;
                step.attempts += 1;
                step.reason = None;
                step.fresh_attempt(self.dry_run);
                self.running = Some(i);
                self.cursor = i;
            }
            Body::StepStarted { dry_run, .. } => {
                step.status = Status::Running;
                step.attempts += 1;
                step.exit_code = None;
                step.reason = None;
                step.fresh_attempt(*dry_run);
                self.running = Some(i);
                if !step.reference {
                    self.cursor = i;
                }
            }
            Body::Output { stream, bytes } => step.tail.push(*stream, bytes.as_slice()),
            Body::StepFinished {
                exit_code,
                signal,
                duration_ms,
                ok,
                ..
            } => {
                step.exit_code = *exit_code;
                step.signal = *signal;
                step.duration_ms = Some(*duration_ms);
                step.process = None;
                step.cgroup = None;
                if *ok {
                    step.status = Status::Done;
                } else if step.status == Status::Running {
                    step.status = Status::Failed;
                }
                self.running = None;
                if *ok {
                    self.advance_past(i);
                }
            }
            Body::StepTimedOut { .. } => step.status = Status::TimedOut,
            Body::StepProcess {
                pgid,
                leader_start,
                cgroup,
            } => {
                step.process = Some((*pgid, *leader_start));
                step.cgroup.clone_from(cgroup);
            }
            Body::StepCancelled { reason } => {
                step.status = Status::Cancelled;
                step.reason = Some(reason.clone());
            }
            Body::StepInterrupted { reason } => {
                if let Some(fleet) = &mut step.fleet {
                    fleet.interrupt();
                }
                step.status = Status::Interrupted;
                step.reason = Some(reason.clone());
                self.running = None;
                self.cursor = i;
            }
            Body::StepSkipped { reason } | Body::StepMarkedDone { reason } => {
                step.settled_from = Some(step.status);
                step.by_hand = matches!(body, Body::StepMarkedDone { .. });
                step.status = if step.by_hand {
                    Status::Done
                } else {
                    Status::Skipped
                };
                step.reason = Some(reason.clone());
                self.running = None;
                self.advance_past(i);
            }
            Body::CheckConfirmed { .. } => {
                step.status = Status::Done;
                self.advance_past(i);
            }
            Body::WaitEnded { reason, failed, .. } => {
                step.wait_ends_at = None;
                step.reason = Some(reason.clone());
                self.running = None;
                if *failed {
                    step.status = Status::Failed;
                } else {
                    step.status = Status::Done;
                    self.advance_past(i);
                }
            }
            Body::Signed { role, .. } => {
                step.signers.retain(|s| &s.role != role);
                step.signers.extend(body.signer());
            }
            Body::SignoffRejected { reason, .. } => {
                let rejection = body.signer().map(|signer| Rejection {
                    signer,
                    reason: reason.clone(),
                });
                step.rejections.extend(rejection);
            }
            Body::GateDecided { decision, .. } => {
                let go = *decision == Decision::Go;
                step.decision = Some(*decision);
                step.status = if go { Status::Done } else { Status::NoGo };
                if go {
                    self.advance_past(i);
                }
            }
            Body::Note { text } => step.notes.push(text.clone()),
            Body::Jumped { .. } if !step.reference && step.status != Status::NotChosen => {
                self.cursor = i;
            }
            Body::Jumped { .. } => {}
            Body::FleetPlanned(_)
            | Body::BatchStarted(_)
            | Body::HostStarted(_)
            | Body::HostOutput(_)
            | Body::HostFinished(_)
            | Body::BatchFinished(_)
            | Body::BatchDecided(_)
            | Body::FleetStopped(_) => step.fleet.get_or_insert_default().apply(body),
            // Session-wide events are folded by `apply`.
            Body::SessionStarted { .. }
            | Body::SessionResumed { .. }
            | Body::SessionEnded { .. }
            | Body::LogRepaired { .. }
            | Body::DriverLeft { .. }
            | Body::RollbackEntered { .. }
            | Body::RollbackPrompted { .. }
            | Body::RollbackDeclined { .. }
            | Body::HealthChanged { .. }
            | Body::EnvChanged { .. }
            | Body::DriverChanged { .. }
            | Body::PlaceholderFilled { .. }
            | Body::WarningsAcknowledged { .. }
            | Body::OptionChosen { .. }
            | Body::ChainSigned { .. }
            | Body::SigningFailed { .. }
            | Body::AnchorFailed { .. }
            | Body::DayOpened(_) => {}
        }
    }
}

#[path = "state_choices.rs"]
mod choices;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "state_tests.rs"]
mod tests;
