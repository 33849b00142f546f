//! How a run on a host ended, and why a host failed other than by its script's status.

use crate::exec::Exit;
use std::time::Duration;

use super::place::Change;

/// Why a host failed other than by its script's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No connection: ssh said why.
    Unreachable(String),
    /// Connected, but the remote shell never started (`setsid` or `bash` missing…).
    NoShell(String),
    /// The connection went away while the script ran.
    Lost(String),
    /// Nothing could be sent from here.
    Local(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unreachable(why) => write!(f, "unreachable: {why}"),
            Failure::NoShell(why) => write!(f, "the remote shell did not start: {why}"),
            Failure::Lost(why) => write!(f, "connection lost: {why}"),
            Failure::Local(why) => write!(f, "not started: {why}"),
        }
    }
}

/// How a run on a host ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteOutcome {
    /// The script's status, or the signal that stopped its group; `Code(-1)` unknown.
    pub exit: Exit,
    pub failure: Option<Failure>,
    pub timed_out: bool,
    pub cancelled: bool,
    pub duration: Duration,
    /// What the step changed on the host (exports, unsets, directory), when reported.
    pub change: Option<Change>,
    pub pgid: Option<i32>,
    /// The script ended but something it started held its output open.
    pub lingering: bool,
}

impl RemoteOutcome {
    pub fn success(&self) -> bool {
        self.failure.is_none() && !self.timed_out && !self.cancelled && self.exit.success()
    }
}
