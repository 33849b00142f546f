//! The session's health checks as the walk sees them: status changes recorded, waits that
//! end once named checks are stable, the evidence a gate decision carries, and the
//! `rollback_if` prompt.

use super::Engine;
use crate::doc::duration::format_duration;
use crate::doc::model::StepKind;
use crate::health::{Change, CheckState, Monitor};
use crate::session::event::Body;
use crate::session::evidence;
use crate::session::log::{AuditError, SyncPolicy};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How a running wait ends, when it is time.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitEnd {
    pub index: usize,
    pub early: bool,
    pub reason: String,
}

impl Engine<'_> {
    /// Starts probing the runbook's health checks (nothing runs when there are none).
    pub fn start_health(&mut self) {
        let checks = self.runbook.meta.health.clone();
        self.health = Some(Monitor::start(checks, self.env.clone(), self.cwd.clone()));
    }

    /// The checks as they stand, in declaration order (empty before [`Engine::start_health`]).
    pub fn health_snapshot(&self) -> Vec<CheckState> {
        self.health
            .as_ref()
            .map(Monitor::snapshot)
            .unwrap_or_default()
    }

    /// Pauses probing while a step owns the terminal.
    pub fn pause_health(&self, paused: bool) {
        if let Some(monitor) = &self.health {
            monitor.set_paused(paused);
        }
    }

    /// Records status changes since the last call and raises a rollback prompt when a
    /// `rollback_if` holds; returns the changes (for drivers that print them).
    pub fn poll_health(&mut self) -> Vec<Change> {
        let Some(monitor) = &self.health else {
            return Vec::new();
        };
        let changes = monitor.take_changes();
        let due = monitor.rollback_due();
        for change in &changes {
            let _ = self.health_changed(change);
        }
        self.raise_rollback_prompt(due);
        changes
    }

    /// Records the last status changes, then stops probing.
    pub(super) fn stop_health(&mut self) {
        if let Some(monitor) = self.health.take() {
            for change in monitor.take_changes() {
                let _ = self.health_changed(&change);
            }
            monitor.stop();
        }
    }

    /// A health check changed status (samples that change nothing are not recorded).
    pub fn health_changed(&mut self, change: &Change) -> Result<(), AuditError> {
        let body = Body::HealthChanged {
            check: change.check.clone(),
            from: change.from,
            to: change.to,
            value: change.value.clone(),
            reason: change.reason.as_ref().map(|r| self.mask(r)),
            observed: Some(change.at),
        };
        self.record(None, body, SyncPolicy::Lazy)
    }

    /// One prompt per critical spell: a check that recovers may raise it again later.
    fn raise_rollback_prompt(&mut self, due: Vec<(String, Duration)>) {
        self.rollback_raised
            .retain(|name| due.iter().any(|(check, _)| check == name));
        let fresh: Vec<(String, Duration)> = due
            .into_iter()
            .filter(|(check, _)| !self.rollback_raised.contains(check))
            .collect();
        let already_asked = self.state.rollback_prompt.is_some();
        if fresh.is_empty() || already_asked || self.state.in_rollback {
            self.rollback_raised
                .extend(fresh.into_iter().map(|(check, _)| check));
            return;
        }
        let reason = fresh
            .iter()
            .map(|(check, held)| format!("{check} critical for {}", format_duration(*held)))
            .collect::<Vec<_>>()
            .join(", ");
        let checks: Vec<String> = fresh.into_iter().map(|(check, _)| check).collect();
        self.rollback_raised.extend(checks.iter().cloned());
        let body = Body::RollbackPrompted {
            checks,
            reason: format!("rollback_if: {reason}"),
        };
        let _ = self.record(None, body, SyncPolicy::Now);
    }

    /// The operator stays on the forward path after a rollback prompt.
    pub fn decline_rollback(&mut self, reason: &str) -> Result<(), AuditError> {
        let body = Body::RollbackDeclined {
            reason: self.mask(reason),
        };
        self.record(None, body, SyncPolicy::Now)
    }

    /// Whether the running wait should end now, and how: early once every check in its
    /// `until` has been OK for `stable_for`, else at its deadline (with a warning when the
    /// checks were not stable).
    pub fn due_wait_end(&self) -> Option<WaitEnd> {
        let index = self.state.running?;
        let ends_at = self.state.steps.get(index)?.wait_ends_at?;
        let Some(StepKind::Wait(wait)) = self.refs.get(index).map(|r| &r.step.kind) else {
            return None;
        };
        let stable_for = wait.stable_for.unwrap_or_default();
        let unstable = self.unstable_checks(&wait.until, stable_for);
        let deadline = chrono::Utc::now() >= ends_at;
        let reason = match (wait.until.is_empty(), unstable.is_empty(), deadline) {
            (false, true, _) => format!(
                "{} OK for {} (stable_for)",
                wait.until.join(", "),
                format_duration(stable_for)
            ),
            (_, _, false) => return None,
            (true, ..) => format!("waited {}", format_duration(wait.duration)),
            (false, false, true) => format!(
                "WARNING: deadline reached before {} stayed OK for {}: {}",
                wait.until.join(", "),
                format_duration(stable_for),
                unstable.join("; ")
            ),
        };
        let early = !wait.until.is_empty() && unstable.is_empty() && !deadline;
        Some(WaitEnd {
            index,
            early,
            reason,
        })
    }

    /// The named checks that are not yet OK for `stable_for`, each with why.
    fn unstable_checks(&self, names: &[String], stable_for: Duration) -> Vec<String> {
        let snapshot = self.health_snapshot();
        let now = Instant::now();
        names
            .iter()
            .filter_map(|name| {
                let Some(check) = snapshot.iter().find(|c| &c.name == name) else {
                    return Some(format!("{name} is not running"));
                };
                let ok_for = self.health.as_ref().and_then(|m| m.ok_for(name));
                match ok_for {
                    Some(held) if held >= stable_for => None,
                    Some(held) => Some(format!("{name} OK for {}", format_duration(held))),
                    None => Some(format!(
                        "{name} {} for {}",
                        check.status,
                        format_duration(now.saturating_duration_since(check.since))
                    )),
                }
            })
            .collect()
    }

    /// The state of a gate's `evidence:` checks, recorded with its decision.
    pub(super) fn gate_evidence(&self, index: usize) -> BTreeMap<String, Value> {
        let Some(StepKind::Gate(gate)) = self.refs.get(index).map(|r| &r.step.kind) else {
            return BTreeMap::new();
        };
        let snapshot = self.health_snapshot();
        let now = Instant::now();
        gate.evidence
            .iter()
            .map(|name| {
                let value = match snapshot.iter().find(|c| &c.name == name) {
                    Some(check) => {
                        let reason = check.last.as_ref().and_then(|s| s.reason.as_ref());
                        evidence::of_check(check, reason.map(|r| self.mask(r)), now)
                    }
                    None => evidence::missing(),
                };
                (name.clone(), value)
            })
            .collect()
    }
}
