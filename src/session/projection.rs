//! The projection every screen reads — the live session, a follower's and a replay's:
//! the fold ([`SessionState`], built with `SessionState::apply` and nothing else) plus
//! what only a screen needs — who drives and from where, when each step started (the
//! timers), the health panel, the step the latest event was about. It is fed event by
//! event: by the engine as it records them live, by the log afterwards.

use crate::doc::health::HealthCheck;
use crate::doc::model::Runbook;
use crate::health::{CheckState, Sample, Sampled, Status};
use crate::session::event::{Body, Event, HealthStatus};
use crate::session::log::Header;
use crate::session::state::SessionState;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Where a projection is fed from: the engine as it records, or the log afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Live,
    Follow,
    Replay,
}

impl Mode {
    /// `LIVE`, `FOLLOW` or `REPLAY`, as the title bar says it.
    pub fn word(self) -> &'static str {
        match self {
            Mode::Live => "LIVE",
            Mode::Follow => "FOLLOW",
            Mode::Replay => "REPLAY",
        }
    }
}

/// Recorded values kept per health check for its sparkline.
const HEALTH_HISTORY: usize = 60;

/// A health check as the log tells it: its last status change.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub status: HealthStatus,
    pub value: Option<String>,
    pub reason: Option<String>,
    /// Session time (`mono_ms`) of the change.
    pub since_mono: u64,
    /// Numbers read from the values at each change (live: at each sample), oldest first.
    pub history: Vec<Option<f64>>,
    /// The latest sample, when the session is live (a log records changes only).
    pub last: Option<Sample>,
    /// Consecutive failed probes (live).
    pub failures: u32,
}

/// The session as a screen shows it after some events.
#[derive(Debug, Clone)]
pub struct Projection {
    pub state: SessionState,
    /// Who started the session (the header's operator).
    pub started_by: String,
    /// Where the driver runs (the header's host, then whoever resumed or took over).
    pub host: String,
    /// The driver quit without ending the session (until someone resumes it).
    pub left: Option<String>,
    pub resumes: u32,
    /// Event lines taken in, unknown kinds included.
    pub records: u64,
    pub last_seq: u64,
    pub last_mono: u64,
    /// The last recorded wall-clock time and the session time it was taken at.
    pub clock: Option<(DateTime<Utc>, u64)>,
    /// The step the latest event was about (where a finished replay rests).
    pub last_step: Option<usize>,
    /// Per step: session time its latest attempt (or wait) started.
    pub started_mono: Vec<Option<u64>>,
    pub health: BTreeMap<String, Seen>,
}

impl Projection {
    /// Nothing happened yet in the session the header starts.
    pub fn new(runbook: &Runbook, header: &Header) -> Self {
        Projection::of(
            SessionState::new(runbook),
            &header.operator,
            &header.host,
            header.started,
        )
    }

    /// A session whose fold is `state` (a live one: fresh, or resumed), seen from session
    /// time 0 at `started`.
    pub fn of(state: SessionState, operator: &str, host: &str, started: DateTime<Utc>) -> Self {
        Projection {
            started_mono: vec![None; state.steps.len()],
            state,
            started_by: operator.to_string(),
            host: host.to_string(),
            left: None,
            resumes: 0,
            records: 0,
            last_seq: 0,
            last_mono: 0,
            clock: Some((started, 0)),
            last_step: None,
            health: BTreeMap::new(),
        }
    }

    /// Takes one event in, recorded at session time `mono_ms` (wall-clock `ts`).
    pub fn apply(&mut self, event: &Event, mono_ms: u64, ts: Option<DateTime<Utc>>) {
        let step = self.stamp(event.step.as_deref(), mono_ms);
        if let Some(ts) = ts {
            self.clock = Some((ts, mono_ms));
        }
        self.note(step, &event.body, mono_ms);
        self.state.apply(event);
    }

    /// The bookkeeping of any record (output included): counts, the latest time and step.
    pub fn stamp(&mut self, step: Option<&str>, mono_ms: u64) -> Option<usize> {
        self.records += 1;
        self.last_mono = self.last_mono.max(mono_ms);
        let step = step.and_then(|id| self.state.position(id));
        if step.is_some() {
            self.last_step = step;
        }
        step
    }

    /// A live health sample (the log only has the status changes).
    pub fn sample(&mut self, sampled: &Sampled, mono_ms: u64) {
        let state = &sampled.state;
        let seen = self
            .health
            .entry(state.name.clone())
            .or_insert_with(|| Seen::unknown(mono_ms));
        if seen.status != state.status {
            seen.status = state.status;
            seen.since_mono = mono_ms;
        }
        seen.value = state
            .last
            .as_ref()
            .map(|s| s.shown.clone())
            .filter(|v| !v.is_empty());
        seen.reason = state.last.as_ref().and_then(|s| s.reason.clone());
        seen.history.clone_from(&state.history);
        seen.last.clone_from(&state.last);
        seen.failures = state.failures;
    }

    /// The runbook's health checks for the panel, as they stood at session time `at_mono`
    /// (`now` is the monotonic clock the panel measures "for how long" against).
    pub fn health_panel(
        &self,
        checks: &[HealthCheck],
        at_mono: u64,
        now: Instant,
    ) -> Vec<CheckState> {
        checks
            .iter()
            .map(|check| {
                let seen = self.health.get(&check.name);
                let status = seen.map_or(Status::Unknown, |s| s.status);
                let age = seen.map_or(at_mono, |s| at_mono.saturating_sub(s.since_mono));
                let last = seen.map(|s| {
                    s.last.clone().unwrap_or_else(|| Sample {
                        status,
                        value: s.history.last().copied().flatten(),
                        shown: s.value.clone().unwrap_or_default(),
                        reason: s.reason.clone(),
                    })
                });
                CheckState {
                    name: check.name.clone(),
                    kind: check.probe.label(),
                    target: crate::health::target(&check.probe),
                    last,
                    status,
                    since: now.checked_sub(Duration::from_millis(age)).unwrap_or(now),
                    history: seen.map(|s| s.history.clone()).unwrap_or_default(),
                    failures: seen.map_or(0, |s| s.failures),
                    host: check.on.clone(),
                }
            })
            .collect()
    }

    /// How long the running step has run at session time `at`.
    pub fn running_for(&self, at: u64) -> Option<Duration> {
        let started = self
            .started_mono
            .get(self.state.running?)
            .copied()
            .flatten()?;
        Some(Duration::from_millis(at.saturating_sub(started)))
    }

    /// Who drives now: the fold's driver (start, resume, handover), else the header's operator.
    pub fn operator(&self) -> &str {
        self.state.driver.as_deref().unwrap_or(&self.started_by)
    }

    /// Recorded wall-clock time at session time `mono_ms`.
    pub fn wall_at(&self, mono_ms: u64) -> Option<DateTime<Utc>> {
        let (ts, at) = self.clock?;
        let delta = i64::try_from(mono_ms).ok()? - i64::try_from(at).ok()?;
        Some(ts + chrono::Duration::milliseconds(delta))
    }

    /// The session ended (its outcome is recorded).
    pub fn ended(&self) -> bool {
        self.state.outcome.is_some()
    }

    /// What only a screen keeps, from an event that is not output.
    fn note(&mut self, step: Option<usize>, body: &Body, mono_ms: u64) {
        match body {
            Body::DriverChanged { host, .. } => self.host.clone_from(host),
            Body::SessionResumed { host, .. } => {
                self.host.clone_from(host);
                self.left = None;
                self.resumes += 1;
            }
            Body::DriverLeft { operator, .. } => self.left = Some(operator.clone()),
            Body::StepStarted { .. } | Body::WaitStarted { .. } => {
                if let Some(slot) = step.and_then(|i| self.started_mono.get_mut(i)) {
                    *slot = Some(mono_ms);
                }
            }
            Body::HealthChanged {
                check,
                to,
                value,
                reason,
                ..
            } => {
                let seen = self
                    .health
                    .entry(check.clone())
                    .or_insert_with(|| Seen::unknown(mono_ms));
                seen.status = *to;
                seen.value.clone_from(value);
                seen.reason.clone_from(reason);
                seen.since_mono = mono_ms;
                if seen.history.len() >= HEALTH_HISTORY {
                    seen.history.remove(0);
                }
                seen.history.push(value.as_deref().and_then(leading_number));
            }
            Body::SessionStarted { .. }
            | Body::SessionEnded { .. }
            | Body::LogRepaired { .. }
            | Body::Output { .. }
            | Body::StepFinished { .. }
            | Body::StepProcess { .. }
            | Body::StepTimedOut { .. }
            | Body::StepCancelled { .. }
            | Body::StepInterrupted { .. }
            | Body::StepSkipped { .. }
            | Body::StepMarkedDone { .. }
            | Body::CheckConfirmed { .. }
            | Body::WaitEnded { .. }
            | Body::Signed { .. }
            | Body::GateDecided { .. }
            | Body::Note { .. }
            | Body::Jumped { .. }
            | Body::RollbackEntered { .. }
            | Body::RollbackPrompted { .. }
            | Body::RollbackDeclined { .. }
            | Body::EnvChanged { .. }
            | Body::SignoffRejected { .. }
            | Body::PlaceholderFilled { .. }
            | Body::WarningsAcknowledged { .. }
            | Body::OptionChosen { .. }
            | Body::ChainSigned { .. }
            | Body::SigningFailed { .. }
            | Body::AnchorFailed { .. }
            | Body::DayOpened(_)
            | Body::FleetPlanned(_)
            | Body::BatchStarted(_)
            | Body::HostStarted(_)
            | Body::HostOutput(_)
            | Body::HostFinished(_)
            | Body::BatchFinished(_)
            | Body::BatchDecided(_)
            | Body::FleetStopped(_) => {}
        }
    }
}

/// `"142 ms"` → 142.
fn leading_number(text: &str) -> Option<f64> {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(text.len());
    text[..end].parse().ok()
}

impl Seen {
    fn unknown(mono_ms: u64) -> Seen {
        Seen {
            status: HealthStatus::Unknown,
            value: None,
            reason: None,
            since_mono: mono_ms,
            history: Vec::new(),
            last: None,
            failures: 0,
        }
    }
}
