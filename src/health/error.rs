//! Why a probe failed, and how bad each kind of failure is.

use std::time::Duration;

use crate::doc::duration::format_duration;

use super::types::Status;

/// A probe that produced no usable value. The message is the reason shown to the operator.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProbeError {
    #[error("timeout after {}", format_duration(*.0))]
    Timeout(Duration),
    #[error("connection refused")]
    Refused,
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("request failed: {0}")]
    Request(String),
    #[error("HTTP {0}")]
    Status(u16),
    #[error("body does not contain {0:?}")]
    BodyMismatch(String),
    #[error("body is not JSON")]
    NotJson,
    #[error("json_path {0} not found")]
    PathMissing(String),
    #[error("{path} is {found:?}, expected {expected:?}")]
    ValueMismatch {
        path: String,
        found: String,
        expected: String,
    },
    #[error("cannot start {shell}: {message}")]
    Spawn { shell: String, message: String },
    #[error("{0}")]
    Exit(String),
    #[error("no number in output")]
    NoNumber,
    #[error("query error: {0}")]
    Query(String),
    #[error("no data")]
    NoData,
    #[error("{0}")]
    Metric(String),
}

impl ProbeError {
    /// The status a sample with this error gets.
    pub fn status(&self) -> Status {
        match self {
            ProbeError::Timeout(_)
            | ProbeError::Refused
            | ProbeError::Connect(_)
            | ProbeError::Request(_)
            | ProbeError::Spawn { .. } => Status::Down,
            ProbeError::Status(_)
            | ProbeError::BodyMismatch(_)
            | ProbeError::NotJson
            | ProbeError::PathMissing(_)
            | ProbeError::ValueMismatch { .. }
            | ProbeError::Exit(_) => Status::Crit,
            ProbeError::NoNumber
            | ProbeError::Query(_)
            | ProbeError::NoData
            | ProbeError::Metric(_) => Status::Unknown,
        }
    }

    /// Whether it counts towards `fail_after` (the target is unreachable or answered wrongly).
    /// The others only say the value could not be read.
    pub fn is_failure(&self) -> bool {
        self.status() != Status::Unknown
    }

    /// What the value column shows for this failure: the HTTP status, if there was one.
    pub fn shown(&self) -> String {
        match self {
            ProbeError::Status(code) => code.to_string(),
            _ => String::new(),
        }
    }
}

/// The deepest cause's message of an error chain, which names the real problem.
pub(crate) fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// Whether any error in the chain is an `io::Error` of this kind.
pub(crate) fn has_io_kind(
    error: &(dyn std::error::Error + 'static),
    kind: std::io::ErrorKind,
) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
        {
            return true;
        }
        current = e.source();
    }
    false
}
