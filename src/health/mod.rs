//! Running the runbook's health checks: concurrent probes in the background, their status,
//! history and changes, and how long each has been OK or critical.
//!
//! [`Monitor::start`] spawns one thread that owns a small multi-thread tokio runtime (two
//! workers). Each check is its own task: probe under the check's `timeout`, record the
//! sample, sleep until `every` after the probe started. A hung endpoint only holds its own
//! task, and only until its timeout. Samples land on a mutex-guarded board that the UI
//! thread copies with [`Monitor::snapshot`]; nothing the caller does ever waits on a probe.
//!
//! Status rules: before the first sample a check is UNKNOWN. Unreachable targets
//! (refused, timeout) are DOWN, wrong answers (HTTP status, body, JSON value, non-zero
//! exit) CRIT; either counts as a failure, and the check only takes that status after
//! `fail_after` failures in a row (it keeps its status meanwhile, the sample's reason
//! shown). Values past `crit`/`warn` (strictly above, or below for `_below`) are CRIT/WARN
//! at once. A value that cannot be read (no number, no data, query error) is UNKNOWN.

mod error;
mod monitor;
mod probe;
mod schedule;
mod track;
mod types;
mod verdict;

pub use error::ProbeError;
pub use monitor::Monitor;
pub use probe::remote::Hosts;
pub use probe::{probe_once, probe_once_on};
pub use track::{target, unknown};
pub use types::{Change, CheckState, HISTORY, Report, Sample, Sampled, Status};
pub use verdict::{format_number, format_value};
