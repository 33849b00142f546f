//! What the monitor reports: a check's status, one sample, a check's state, a status change.

use std::fmt;
use std::time::Instant;

/// How many recent values a check keeps for its sparkline.
pub const HISTORY: usize = 60;

/// A check's health. `Down` means unreachable or failing `fail_after` times in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warn,
    Crit,
    Down,
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warn => "WARN",
            Status::Crit => "CRIT",
            Status::Down => "DOWN",
            Status::Unknown => "UNKNOWN",
        }
    }

    /// The status a word names (`OK`, `WARN`, …, as [`Status::as_str`] writes them); anything
    /// else is UNKNOWN.
    pub fn from_word(word: &str) -> Status {
        match word {
            "OK" => Status::Ok,
            "WARN" => Status::Warn,
            "CRIT" => Status::Crit,
            "DOWN" => Status::Down,
            _ => Status::Unknown,
        }
    }

    /// CRIT or DOWN: what `rollback_if` counts.
    pub fn is_critical(self) -> bool {
        matches!(self, Status::Crit | Status::Down)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The result of one probe.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// This sample's own verdict (the check's status may lag behind it under `fail_after`).
    pub status: Status,
    /// The number thresholds were compared with, and the sparkline plots.
    pub value: Option<f64>,
    /// The value as shown: "142 ms", "81%", "0.012", "503"; empty when there is none.
    pub shown: String,
    /// Why the sample is not OK: "connection refused", "timeout after 2s", "HTTP 503", ...
    pub reason: Option<String>,
}

/// One check as the panels show it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckState {
    pub name: String,
    pub kind: &'static str,
    /// What is probed: the URL, address, command, metric or query.
    pub target: String,
    pub last: Option<Sample>,
    pub status: Status,
    /// When `status` last changed (the monitor's start before the first sample).
    pub since: Instant,
    /// The last [`HISTORY`] values, oldest first; `None` for samples without a value.
    pub history: Vec<Option<f64>>,
    /// Consecutive failed probes.
    pub failures: u32,
    /// The host a `cmd` or `system` check is sampled on (`on:`); `None` here.
    pub host: Option<String>,
}

impl CheckState {
    /// The name the panels show: `disk@web01` for a check on a host, else its name.
    pub fn label(&self) -> String {
        match &self.host {
            Some(host) => format!("{}@{host}", self.name),
            None => self.name.clone(),
        }
    }
}

/// One probe's result as a session takes it in: the check's state after it, when its
/// current critical spell began, and the status change it caused.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    /// The check's place in the runbook's `health:` list.
    pub index: usize,
    pub state: CheckState,
    /// Start of the current unbroken run of CRIT/DOWN (what `rollback_if` counts).
    pub critical_since: Option<Instant>,
    pub change: Option<Change>,
}

/// Where a monitor reports each sample (from its own threads).
pub type Report = std::sync::Arc<dyn Fn(Sampled) + Send + Sync>;

/// A change of a check's status, for the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub check: String,
    pub from: Status,
    pub to: Status,
    pub value: Option<String>,
    pub reason: Option<String>,
    /// When the probe saw it (it may reach the audit log a little later).
    pub at: chrono::DateTime<chrono::Utc>,
}
