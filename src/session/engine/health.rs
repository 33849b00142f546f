//! The session's health checks in the engine: samples taken onto the board, status
//! changes recorded, and the `rollback_if` prompt raised once per critical spell.

use super::Engine;
use crate::doc::duration::format_duration;
use crate::health::{Change, Sampled};
use crate::session::event::Body;
use crate::session::log::{AuditError, SyncPolicy};

impl Engine<'_> {
    /// Starts probing the runbook's health checks and reading followers' sign-off
    /// requests, both reporting to the engine's inputs.
    pub fn start_background(&mut self) {
        let checks = self.runbook.meta.health.clone();
        let place = self.place.clone();
        let hosts = if crate::health::Hosts::needed(&checks) {
            let base = self
                .runbook
                .path
                .parent()
                .unwrap_or(std::path::Path::new("."));
            let sampler = self.executor.sampler();
            crate::health::Hosts::resolve(&checks, &self.runbook.meta.hosts, base, sampler)
        } else {
            crate::health::Hosts::default()
        };
        self.background
            .start(checks, (place.env, place.cwd), hosts, &self.inputs);
    }

    /// Pauses probing while a step owns the terminal.
    pub(super) fn pause_health(&self, paused: bool) {
        self.background.pause_health(paused);
    }

    pub(super) fn take_sample(&mut self, sampled: &Sampled) {
        self.health.take(sampled);
        if let Some(change) = &sampled.change {
            let _ = self.health_changed(change);
        }
        let at = self.session_ms();
        self.projection.sample(sampled, at);
        self.raise_rollback_prompt();
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
    pub(super) fn raise_rollback_prompt(&mut self) {
        let due = self.health.rollback_due(self.now.mono);
        self.rollback_raised
            .retain(|name| due.iter().any(|(check, _)| check == name));
        let fresh: Vec<(String, std::time::Duration)> = due
            .into_iter()
            .filter(|(check, _)| !self.rollback_raised.contains(check))
            .collect();
        let already_asked = self.projection.state.rollback_prompt.is_some();
        if fresh.is_empty() || already_asked || self.projection.state.in_rollback {
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
}
