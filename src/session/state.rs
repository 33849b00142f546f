//! The session state: a pure fold over events. Live running, resume, follow and
//! replay all build what they show with [`SessionState::apply`], nothing else.

use super::event::{Body, Event, HealthStatus, Outcome};
use crate::doc::model::Runbook;
use std::collections::{BTreeMap, HashMap};

pub use super::output_tail::{OutputTail, TAIL_BYTES};
pub use super::step_state::{Kind, Rejection, Status, StepState};

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
        let steps: Vec<StepState> = runbook.steps().iter().map(StepState::pending).collect();
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
        if self.apply_to_session(&event.body) {
            return;
        }
        match (
            &event.body,
            event.step.as_deref().and_then(|id| self.position(id)),
        ) {
            (body, Some(i)) => self.apply_to_step(i, body),
            (Body::Note { text }, None) => self.session_notes.push(text.clone()),
            // Step events naming a step this runbook does not have, and bookkeeping.
            (_, None) => {}
        }
    }

    /// Folds an event about the whole session, whichever step it names; `false` for
    /// events about a step (and notes, which may be either).
    fn apply_to_session(&mut self, body: &Body) -> bool {
        match body {
            Body::SessionStarted {
                operator, dry_run, ..
            } => self.started(operator, *dry_run),
            Body::SessionResumed { operator, .. } => self.resumed(operator),
            Body::SessionEnded { outcome, reason } => {
                self.outcome = Some(*outcome);
                self.end_reason = Some(reason.clone());
                self.running = None;
            }
            Body::PlaceholderFilled {
                placeholder,
                env,
                value,
                secret,
                ..
            } => {
                let filled = Filled {
                    placeholder: placeholder.clone(),
                    value: value.clone(),
                    secret: *secret,
                };
                self.placeholders.insert(env.clone(), filled);
            }
            Body::WarningsAcknowledged { .. } => self.warnings_acknowledged = true,
            Body::DayOpened(day) => {
                self.day_strip = Some(crate::session::plan_history::strip(day));
            }
            Body::DriverChanged { to, .. } => self.driver = Some(to.clone()),
            Body::RollbackEntered { reason } => self.enter_rollback(reason),
            Body::RollbackPrompted { reason, .. } => self.rollback_prompt = Some(reason.clone()),
            Body::RollbackDeclined { .. } => self.rollback_prompt = None,
            Body::EnvChanged { set, unset, cwd } => self.change_env(set, unset, cwd.as_ref()),
            Body::OptionChosen { choice, option, .. } => self.choose(choice, option.as_deref()),
            Body::HealthChanged { check, to, .. } => {
                self.health.insert(check.clone(), *to);
            }
            Body::Note { .. }
            | Body::LogRepaired { .. }
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
            | Body::FleetStopped(_) => return false,
        }
        true
    }

    fn started(&mut self, operator: &str, dry_run: bool) {
        self.dry_run = dry_run;
        if !operator.is_empty() {
            self.driver = Some(operator.to_string());
        }
    }

    fn resumed(&mut self, operator: &str) {
        self.outcome = None;
        self.end_reason = None;
        self.driver = Some(operator.to_string());
        // The log holds secret values masked: the new driver is asked again.
        self.placeholders.retain(|_, filled| !filled.secret);
    }

    fn enter_rollback(&mut self, reason: &str) {
        self.in_rollback = true;
        self.rollback_reason = Some(reason.to_string());
        self.rollback_prompt = None;
        self.cursor = self.first_in_region();
    }

    /// Exports and unsets carry over to later steps; the last `cd` is where they run.
    fn change_env(
        &mut self,
        set: &BTreeMap<String, String>,
        unset: &[String],
        cwd: Option<&String>,
    ) {
        for (k, v) in set {
            self.env_unset.retain(|u| u != k);
            self.env_set.insert(k.clone(), v.clone());
        }
        for k in unset {
            self.env_set.remove(k);
            self.env_unset.push(k.clone());
        }
        if let Some(cwd) = cwd {
            self.cwd = Some(cwd.clone());
        }
    }
}

#[path = "state_step.rs"]
mod step;

#[path = "state_choices.rs"]
mod choices;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "state_tests.rs"]
mod tests;
