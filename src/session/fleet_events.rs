//! What the audit log records of a step on many hosts (PRODUCT.md §8): the hosts it
//! runs on and in which batches, each host's start, output and end (with a `host`
//! field), each batch's start and end, the operator's GO/NO-GO between batches, and why
//! the step stopped before every host ran.

use super::event::{Decision, OutputBytes, Stream};
use serde::{Deserialize, Serialize};

/// The step's hosts and batches for this attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetPlan {
    /// Every host `on` names, in order.
    pub hosts: Vec<String>,
    /// The hosts this attempt runs: all of them, or those that did not finish OK before
    /// (`remaining_only`).
    pub run: Vec<String>,
    /// Batch sizes over `run`.
    pub batches: Vec<usize>,
    #[serde(default)]
    pub remaining_only: bool,
}

/// A batch begins: which hosts it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchStart {
    /// 1-based.
    pub batch: usize,
    pub batches: usize,
    pub hosts: Vec<String>,
}

/// A host's run begins (recorded before ssh is called).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostStart {
    pub host: String,
    /// What ssh connects to (an alias of the ssh config, a name, an address).
    pub address: String,
}

/// Output of one host's run (secrets masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostOutput {
    pub host: String,
    pub stream: Stream,
    #[serde(flatten)]
    pub bytes: OutputBytes,
}

/// How one host's run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostEnd {
    pub host: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub duration_ms: u64,
    pub ok: bool,
    #[serde(default)]
    pub timed_out: bool,
    #[serde(default)]
    pub cancelled: bool,
    /// Why the host failed other than by its script's status (unreachable, connection lost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl HostEnd {
    /// `exit 0`, `exit 3`, `timed out`, `cancelled`, `signal 9`, `unreachable: …`.
    pub fn describe(&self) -> String {
        if let Some(failure) = &self.failure {
            return failure.clone();
        }
        match (self.timed_out, self.cancelled, self.exit_code, self.signal) {
            (true, ..) => "timed out".into(),
            (_, true, ..) => "cancelled".into(),
            (_, _, Some(code), _) => format!("exit {code}"),
            (_, _, None, Some(signal)) => format!("signal {signal}"),
            (_, _, None, None) => "ended, status unknown".into(),
        }
    }
}

/// A batch ended: every host of it finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchEnd {
    pub batch: usize,
    pub ok: usize,
    pub failed: usize,
    /// `batch_wait`: the next batch does not start before this time (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl BatchEnd {
    /// `batch 2: 2 ok, 1 failed · next batch at 09:12:30 UTC`.
    pub fn describe(&self) -> String {
        let pause = self
            .next_at
            .map(|at| format!(" · next batch at {} UTC", at.format("%H:%M:%S")))
            .unwrap_or_default();
        format!(
            "batch {}: {} ok, {} failed{pause}",
            self.batch, self.ok, self.failed
        )
    }
}

/// GO or NO-GO after a batch (`batch_gate`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchDecision {
    pub batch: usize,
    pub decision: Decision,
    pub auto: bool,
}

/// The step ended before every host ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetStop {
    pub reason: String,
    pub never_started: Vec<String>,
}

impl FleetStop {
    /// `stopped: 1 of 5 hosts failed (max_fail 0); never started: host04, host05`.
    pub fn describe(&self) -> String {
        if self.never_started.is_empty() {
            return format!("stopped: {}", self.reason);
        }
        format!(
            "stopped: {}; never started: {}",
            self.reason,
            self.never_started.join(", ")
        )
    }
}
