//! The board every check writes its samples to, and the loop that probes one check on its interval.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::doc::health::HealthCheck;

use super::probe::{ProbeState, Prober};
use super::track::Tracked;
use super::types::{Change, CheckState, Report, Sample, Sampled, Status};
use super::verdict::Judged;

/// Changes kept for a caller that does not collect them; older ones are dropped.
const CHANGE_BACKLOG: usize = 1024;

/// Every check's state and the changes not yet taken.
pub struct Board {
    checks: Vec<Tracked>,
    changes: Vec<Change>,
    /// Where every sample is reported as it is taken (a session's queue); changes are
    /// then not kept for [`Board::take_changes`].
    report: Option<Report>,
}

impl std::fmt::Debug for Board {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Board")
            .field("checks", &self.checks)
            .field("changes", &self.changes)
            .finish_non_exhaustive()
    }
}

impl Board {
    pub fn new(checks: &[HealthCheck], now: Instant, report: Option<Report>) -> Self {
        Board {
            checks: checks.iter().map(|c| Tracked::new(c, now)).collect(),
            changes: Vec::new(),
            report,
        }
    }

    pub fn record(&mut self, index: usize, judged: Judged, now: Instant) {
        let Some(tracked) = self.checks.get_mut(index) else {
            return;
        };
        let change = tracked.record(judged, now);
        if let Some(report) = &self.report {
            report(Sampled {
                index,
                state: tracked.state.clone(),
                critical_since: tracked.critical_since(),
                change,
            });
            return;
        }
        if let Some(change) = change {
            if self.changes.len() >= CHANGE_BACKLOG {
                self.changes.remove(0);
            }
            self.changes.push(change);
        }
    }

    /// Marks every check UNKNOWN with this reason (the monitor could not start).
    pub fn fail_all(&mut self, reason: &str) {
        let now = Instant::now();
        for index in 0..self.checks.len() {
            let sample = Sample {
                status: Status::Unknown,
                value: None,
                shown: String::new(),
                reason: Some(reason.to_string()),
            };
            let judged = Judged {
                sample,
                failed: false,
            };
            self.record(index, judged, now);
        }
    }

    pub fn snapshot(&self) -> Vec<CheckState> {
        self.checks.iter().map(|t| t.state.clone()).collect()
    }

    pub fn take_changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.changes)
    }

    pub fn find(&self, name: &str) -> Option<&Tracked> {
        self.checks.iter().find(|t| t.state.name == name)
    }

    pub fn rollback_due(&self, now: Instant) -> Vec<(String, Duration)> {
        self.checks
            .iter()
            .filter_map(|t| Some((t.state.name.clone(), t.rollback_due(now)?)))
            .collect()
    }
}

/// Probes one check every `every` (measured start to start) until the runtime ends.
/// A probe that overruns its interval is followed by the next at once; none overlap.
pub async fn run_check(
    index: usize,
    check: HealthCheck,
    prober: Prober,
    board: Arc<Mutex<Board>>,
    mut paused: watch::Receiver<bool>,
) {
    let mut state = ProbeState::default();
    loop {
        if paused.wait_for(|p| !*p).await.is_err() {
            return;
        }
        let started = tokio::time::Instant::now();
        let judged = prober.sample(&check, &mut state).await;
        board
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .record(index, judged, Instant::now());
        tokio::time::sleep_until(started + check.every).await;
    }
}
