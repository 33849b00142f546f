//! The fold of a step on many hosts: each host's state (waiting, running, OK, failed,
//! never started), its exit, duration and output tail, and where the batches stand. Built
//! only from the step's events, so the live screen, resume, follow and replay agree.

use super::event::{Body, Decision};
use super::fleet_events::{BatchEnd, FleetPlan, HostEnd};
use super::output_tail::OutputTail;

/// Where one host stands in the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostStatus {
    /// Not started in this attempt (yet).
    Waiting,
    Running,
    Ok,
    Failed,
    /// Started, but the session stopped before its end was recorded.
    Interrupted,
}

impl HostStatus {
    /// One character for rows and tables.
    pub fn mark(self) -> &'static str {
        match self {
            HostStatus::Waiting => "·",
            HostStatus::Running => "▶",
            HostStatus::Ok => "✓",
            HostStatus::Failed => "✗",
            HostStatus::Interrupted => "?",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            HostStatus::Waiting => "never started",
            HostStatus::Running => "running",
            HostStatus::Ok => "ok",
            HostStatus::Failed => "failed",
            HostStatus::Interrupted => "interrupted",
        }
    }
}

/// One host of the step.
#[derive(Debug, Clone)]
pub struct HostRow {
    pub name: String,
    pub status: HostStatus,
    /// How its last run ended.
    pub end: Option<HostEnd>,
    pub tail: OutputTail,
}

impl HostRow {
    /// The last non-empty line of its output.
    pub fn last_line(&self) -> String {
        let text = self.tail.text();
        crate::child::last_line(&text).to_string()
    }
}

/// The fleet part of `step` when running it again runs on the remaining hosts only: the
/// step is not done and an earlier attempt left some hosts OK.
pub fn partial(step: &super::state::StepState) -> Option<&FleetProgress> {
    let fleet = step.fleet.as_ref()?;
    let unfinished = step.status != super::state::Status::Done;
    (unfinished && !fleet.finished_ok().is_empty()).then_some(fleet)
}

/// The fleet part of a step's state.
#[derive(Debug, Clone, Default)]
pub struct FleetProgress {
    pub hosts: Vec<HostRow>,
    /// This attempt's hosts and batch sizes.
    pub run: Vec<String>,
    pub batches: Vec<usize>,
    /// Batches started in this attempt (the current one's number, 1-based).
    pub batch: usize,
    /// The current batch has hosts still running.
    pub batch_open: bool,
    /// The last batch decided GO (`batch_gate`); a NO-GO stops the step.
    pub decided: usize,
    pub no_go: bool,
    /// Why the step stopped early, once it did.
    pub stopped: Option<String>,
    /// `batch_wait`: when the next batch may start.
    pub next_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl FleetProgress {
    /// Folds one of the step's fleet events (others change nothing).
    pub fn apply(&mut self, body: &Body) {
        if let Body::FleetPlanned(plan) = body {
            self.plan(plan);
        } else if let Body::BatchStarted(start) = body {
            self.batch = start.batch;
            self.batch_open = true;
            self.next_at = None;
        } else if let Body::HostStarted(start) = body
            && let Some(row) = self.row(&start.host)
        {
            row.status = HostStatus::Running;
            row.end = None;
            row.tail = OutputTail::default();
        } else if let Body::HostOutput(out) = body
            && let Some(row) = self.row(&out.host)
        {
            row.tail.push(out.stream, out.bytes.as_slice());
        } else if let Body::HostFinished(end) = body
            && let Some(row) = self.row(&end.host)
        {
            row.status = if end.ok {
                HostStatus::Ok
            } else {
                HostStatus::Failed
            };
            row.end = Some(end.clone());
        } else if let Body::BatchFinished(BatchEnd { next_at, .. }) = body {
            self.batch_open = false;
            self.next_at = *next_at;
        } else if let Body::BatchDecided(decision) = body {
            self.decided = decision.batch;
            self.no_go = decision.decision == Decision::NoGo;
        } else if let Body::FleetStopped(stop) = body {
            self.stopped = Some(stop.reason.clone());
        }
    }

    fn plan(&mut self, plan: &FleetPlan) {
        for name in &plan.hosts {
            if self.row(name).is_none() {
                self.hosts.push(HostRow {
                    name: name.clone(),
                    status: HostStatus::Waiting,
                    end: None,
                    tail: OutputTail::default(),
                });
            }
        }
        for row in &mut self.hosts {
            if plan.run.contains(&row.name) {
                row.status = HostStatus::Waiting;
            }
        }
        self.run.clone_from(&plan.run);
        self.batches.clone_from(&plan.batches);
        self.batch = 0;
        self.batch_open = false;
        self.decided = 0;
        self.no_go = false;
        self.stopped = None;
        self.next_at = None;
    }

    fn row(&mut self, name: &str) -> Option<&mut HostRow> {
        self.hosts.iter_mut().find(|h| h.name == name)
    }

    /// The driver stopped while hosts ran: their ends were never recorded.
    pub fn interrupt(&mut self) {
        for row in &mut self.hosts {
            if row.status == HostStatus::Running {
                row.status = HostStatus::Interrupted;
            }
        }
        self.batch_open = false;
    }

    /// Hosts of this attempt that failed.
    pub fn failed(&self) -> usize {
        self.in_attempt()
            .filter(|h| h.status == HostStatus::Failed)
            .count()
    }

    fn in_attempt(&self) -> impl Iterator<Item = &HostRow> {
        self.hosts.iter().filter(|h| self.run.contains(&h.name))
    }

    /// Hosts of this attempt not started yet.
    pub fn never_started(&self) -> Vec<String> {
        self.in_attempt()
            .filter(|h| h.status == HostStatus::Waiting)
            .map(|h| h.name.clone())
            .collect()
    }

    /// Hosts that did not finish OK: what "remaining hosts only" runs.
    pub fn remaining(&self) -> Vec<String> {
        self.hosts
            .iter()
            .filter(|h| h.status != HostStatus::Ok)
            .map(|h| h.name.clone())
            .collect()
    }

    /// Hosts that finished OK (a rerun leaves them out).
    pub fn finished_ok(&self) -> Vec<&str> {
        self.hosts
            .iter()
            .filter(|h| h.status == HostStatus::Ok)
            .map(|h| h.name.as_str())
            .collect()
    }

    /// Whether some host ran when the session stopped (its end unknown).
    pub fn any_interrupted(&self) -> bool {
        self.hosts
            .iter()
            .any(|h| h.status == HostStatus::Interrupted)
    }

    /// The hosts of the current batch, in order.
    pub fn batch_hosts(&self, batch: usize) -> Vec<String> {
        let start: usize = self.batches.iter().take(batch.saturating_sub(1)).sum();
        let size = self
            .batches
            .get(batch.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        self.run.iter().skip(start).take(size).cloned().collect()
    }

    /// `3 ok · 1 failed · 2 never started` over every host of the step.
    pub fn tally(&self) -> String {
        let count = |status| self.hosts.iter().filter(|h| h.status == status).count();
        let mut parts = Vec::new();
        for status in [
            HostStatus::Ok,
            HostStatus::Failed,
            HostStatus::Running,
            HostStatus::Interrupted,
            HostStatus::Waiting,
        ] {
            let n = count(status);
            if n > 0 {
                parts.push(format!("{n} {}", status.word()));
            }
        }
        parts.join(" · ")
    }

    /// Output of a host, for screens that show one host.
    pub fn output_of(&self, name: &str) -> Option<&OutputTail> {
        self.hosts.iter().find(|h| h.name == name).map(|h| &h.tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::fleet_events::{BatchStart, HostStart};

    fn end(host: &str, ok: bool) -> Body {
        Body::HostFinished(HostEnd {
            host: host.into(),
            exit_code: Some(if ok { 0 } else { 3 }),
            signal: None,
            duration_ms: 5,
            ok,
            timed_out: false,
            cancelled: false,
            failure: None,
        })
    }

    #[test]
    fn a_rerun_of_the_remaining_hosts_keeps_those_that_finished_ok() {
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let mut fleet = FleetProgress::default();
        fleet.apply(&Body::FleetPlanned(FleetPlan {
            hosts: names.clone(),
            run: names.clone(),
            batches: vec![1, 2],
            remaining_only: false,
        }));
        assert_eq!(fleet.batch_hosts(2), ["b", "c"]);
        fleet.apply(&Body::BatchStarted(BatchStart {
            batch: 1,
            batches: 2,
            hosts: vec!["a".into()],
        }));
        for host in ["a", "b"] {
            fleet.apply(&Body::HostStarted(HostStart {
                host: host.into(),
                address: host.into(),
            }));
        }
        fleet.apply(&end("a", true));
        fleet.interrupt();
        assert_eq!(fleet.tally(), "1 ok · 1 interrupted · 1 never started");
        assert!(fleet.any_interrupted());
        assert_eq!(fleet.remaining(), ["b", "c"]);
        fleet.apply(&Body::FleetPlanned(FleetPlan {
            hosts: names,
            run: vec!["b".into(), "c".into()],
            batches: vec![2],
            remaining_only: true,
        }));
        fleet.apply(&end("b", false));
        assert_eq!(fleet.failed(), 1);
        assert_eq!(fleet.never_started(), ["c"]);
        assert_eq!(fleet.hosts[0].status, HostStatus::Ok);
    }
}
