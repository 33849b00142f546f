//! One check's running state: `fail_after`, status changes, history and how long it has been OK or CRIT.

use std::time::{Duration, Instant};

use crate::doc::health::{HealthCheck, Probe, RollbackIf, SystemMetric};

use super::types::{Change, CheckState, HISTORY, Status};
use super::verdict::Judged;

/// A check's public state plus what the monitor needs to decide on changes and rollbacks.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub state: CheckState,
    fail_after: u32,
    rollback_if: Option<RollbackIf>,
    /// Start of the current unbroken run of CRIT/DOWN.
    crit_since: Option<Instant>,
}

impl Tracked {
    pub fn new(check: &HealthCheck, now: Instant) -> Self {
        Tracked {
            state: unknown(check, now),
            fail_after: check.fail_after.max(1),
            rollback_if: check.rollback_if,
            crit_since: None,
        }
    }

    /// Takes in one sample; returns the status change it caused, if any.
    pub fn record(&mut self, judged: Judged, now: Instant) -> Option<Change> {
        let Judged { sample, failed } = judged;
        let state = &mut self.state;
        if state.history.len() >= HISTORY {
            state.history.remove(0);
        }
        state.history.push(sample.value);
        let next = if failed {
            state.failures = state.failures.saturating_add(1);
            if state.failures >= self.fail_after {
                sample.status
            } else {
                state.status
            }
        } else {
            state.failures = 0;
            sample.status
        };
        let change = (next != state.status).then(|| Change {
            check: state.name.clone(),
            from: state.status,
            to: next,
            value: (!sample.shown.is_empty()).then(|| sample.shown.clone()),
            reason: sample.reason.clone(),
            at: chrono::Utc::now(),
        });
        if change.is_some() {
            state.status = next;
            state.since = now;
        }
        state.last = Some(sample);
        self.crit_since = if next.is_critical() {
            Some(self.crit_since.unwrap_or(now))
        } else {
            None
        };
        change
    }

    /// Start of the current unbroken run of CRIT/DOWN.
    pub fn critical_since(&self) -> Option<Instant> {
        self.crit_since
    }

    /// How long the check has been OK without a break.
    pub fn ok_for(&self, now: Instant) -> Option<Duration> {
        (self.state.status == Status::Ok).then(|| now.saturating_duration_since(self.state.since))
    }

    /// How long the check has been CRIT or DOWN without a break.
    pub fn crit_for(&self, now: Instant) -> Option<Duration> {
        self.crit_since
            .map(|since| now.saturating_duration_since(since))
    }

    /// How long it has been critical, once that reaches its `rollback_if.crit_for`.
    pub fn rollback_due(&self, now: Instant) -> Option<Duration> {
        let limit = self.rollback_if?.crit_for;
        self.crit_for(now).filter(|held| *held >= limit)
    }
}

/// A check before its first sample: UNKNOWN since `now`.
pub fn unknown(check: &HealthCheck, now: Instant) -> CheckState {
    CheckState {
        name: check.name.clone(),
        kind: check.probe.label(),
        target: target(&check.probe),
        last: None,
        status: Status::Unknown,
        since: now,
        history: Vec::with_capacity(HISTORY),
        failures: 0,
        host: check.on.clone(),
    }
}

/// What a probe looks at, as shown next to the check.
pub fn target(probe: &Probe) -> String {
    match probe {
        Probe::Http(http) => http.url.clone(),
        Probe::Tcp { address } => address.clone(),
        Probe::Cmd { command } => command.clone(),
        Probe::System(SystemMetric::Cpu) => "cpu".into(),
        Probe::System(SystemMetric::Memory) => "memory".into(),
        Probe::System(SystemMetric::Load) => "load".into(),
        Probe::System(SystemMetric::Disk(path)) => format!("disk:{path}"),
        Probe::Prometheus { url, query, .. } => format!("{url} {query}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::types::Sample;

    fn check(fail_after: u32) -> HealthCheck {
        HealthCheck {
            name: "api".into(),
            line: 1,
            probe: Probe::Tcp {
                address: "localhost:1".into(),
            },
            every: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            warn: None,
            crit: None,
            fail_after,
            rollback_if: Some(RollbackIf {
                crit_for: Duration::from_secs(10),
            }),
            on: None,
        }
    }

    fn judged(status: Status, failed: bool) -> Judged {
        Judged {
            sample: Sample {
                status,
                value: (!failed).then_some(1.0),
                shown: if failed { String::new() } else { "1".into() },
                reason: failed.then(|| "connection refused".to_string()),
            },
            failed,
        }
    }

    #[test]
    fn fail_after_keeps_the_status_until_the_nth_failure() {
        let t0 = Instant::now();
        let mut t = Tracked::new(&check(3), t0);
        assert_eq!(t.state.status, Status::Unknown);
        let first = t.record(judged(Status::Ok, false), t0).expect("a change");
        assert_eq!((first.from, first.to), (Status::Unknown, Status::Ok));
        assert!(t.record(judged(Status::Down, true), t0).is_none());
        assert!(t.record(judged(Status::Down, true), t0).is_none());
        assert_eq!(t.state.status, Status::Ok);
        assert_eq!(t.state.failures, 2);
        let last = t.state.last.as_ref().and_then(|s| s.reason.clone());
        assert_eq!(last.as_deref(), Some("connection refused"));
        let down = t.record(judged(Status::Down, true), t0).expect("DOWN");
        assert_eq!(down.to, Status::Down);
        assert_eq!(down.reason.as_deref(), Some("connection refused"));
        assert!(t.record(judged(Status::Ok, false), t0).is_some());
        assert_eq!(t.state.failures, 0);
    }

    #[test]
    fn crit_time_spans_crit_and_down_and_resets_on_ok() {
        let t0 = Instant::now();
        let mut t = Tracked::new(&check(1), t0);
        t.record(judged(Status::Crit, true), t0);
        t.record(judged(Status::Down, true), t0 + Duration::from_secs(5));
        let at = t0 + Duration::from_secs(11);
        assert_eq!(t.crit_for(at), Some(Duration::from_secs(11)));
        assert_eq!(t.rollback_due(at), Some(Duration::from_secs(11)));
        assert_eq!(t.ok_for(at), None);
        t.record(judged(Status::Ok, false), at);
        assert_eq!(t.crit_for(at), None);
        assert_eq!(
            t.ok_for(at + Duration::from_secs(2)),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn history_keeps_the_last_sixty_values() {
        let t0 = Instant::now();
        let mut t = Tracked::new(&check(1), t0);
        for _ in 0..70 {
            t.record(judged(Status::Ok, false), t0);
        }
        assert_eq!(t.state.history.len(), HISTORY);
    }
}
