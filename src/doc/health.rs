//! Health checks as declared in a runbook (`health:`); running them is `crate::health`'s job.

use std::time::Duration;

/// One declared health check.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthCheck {
    pub name: String,
    pub line: u32,
    pub probe: Probe,
    /// How often it runs (default 5s).
    pub every: Duration,
    /// How long one probe may take before it counts as failed.
    pub timeout: Duration,
    pub warn: Option<Limit>,
    pub crit: Option<Limit>,
    /// Consecutive failures before the check is DOWN (default 1).
    pub fail_after: u32,
    pub rollback_if: Option<RollbackIf>,
    /// `on: web01`: a `cmd` or `system` check sampled on this host over ssh (a host or
    /// alias of the runbook's `hosts:`/inventory), as written; `None` probes here.
    pub on: Option<String>,
}

/// What a check probes.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    Http(HttpProbe),
    Tcp {
        address: String,
    },
    Cmd {
        command: String,
    },
    System(SystemMetric),
    Prometheus {
        url: String,
        query: String,
        headers: Vec<Header>,
    },
}

impl Probe {
    pub fn label(&self) -> &'static str {
        match self {
            Probe::Http(_) => "http",
            Probe::Tcp { .. } => "tcp",
            Probe::Cmd { .. } => "cmd",
            Probe::System(_) => "system",
            Probe::Prometheus { .. } => "prometheus",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpProbe {
    pub url: String,
    /// Expected status (default: any 2xx).
    pub expect_status: Option<u16>,
    /// A substring the body must contain.
    pub expect_body: Option<String>,
    /// A dotted path into a JSON body (`status`, `checks.db.latency`).
    pub json_path: Option<String>,
    /// The value expected at `json_path` (compared as text); without it the value is the sample.
    pub expect_value: Option<String>,
    pub headers: Vec<Header>,
}

/// A request header of an http or prometheus check. `${NAME}` in the value is read from
/// the environment each time the check runs, so a token stays out of the runbook and its
/// value is masked wherever a reason is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SystemMetric {
    Cpu,
    Memory,
    Disk(String),
    Load,
}

/// A threshold: the check is WARN/CRIT when the value is above it (or below, for `_below`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub value: f64,
    pub unit: Unit,
    pub below: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Plain,
    Percent,
    Millis,
}

/// Raise a rollback prompt when the check has been CRIT (or DOWN) this long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RollbackIf {
    pub crit_for: Duration,
}
