//! Where run steps run. The engine keeps a map of runs by [`RunId`] and hands each to an
//! [`Executor`]: it starts the run and reports its output and its end as
//! [`Input::Exec`](super::input::Input::Exec) on the session's queue. Today one executor
//! runs on this machine ([`LocalExecutor`], a process group per run), one on hosts over
//! the system ssh ([`SshExecutor`], one run per host, each host with its own exports and
//! directory); [`Executors`] hands each run to the one it is for.

mod local;
mod remote;

pub use local::LocalExecutor;
pub use remote::{Executors, HostTarget, SshExecutor};

use super::queue::Inputs;
use crate::exec::IoMode;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// One run of a step, unique in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunId(pub u64);

/// The environment and working directory runs start in, carried from one step to the
/// next: what a step exported and where it `cd`'d.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub env: BTreeMap<String, String>,
    pub cwd: PathBuf,
}

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    pub script: String,
    /// The complete environment; nothing else is inherited.
    pub env: BTreeMap<String, String>,
    pub cwd: PathBuf,
    pub timeout: Option<Duration>,
    pub io: IoMode,
    /// Names of variables declared secret: the run reports values assigned to them (and to
    /// secret-looking names) as soon as they are set, so they are masked from the first byte.
    pub secret_names: Vec<String>,
    /// Stop at the first failing command (`set -e -o pipefail`).
    pub errexit: bool,
    /// Run on this host over ssh instead of here: `env` then holds only what the session
    /// gives it (parameters, placeholders, exports), and `cwd` is not used.
    pub on: Option<HostTarget>,
}

/// What the executor knows about a run it started.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Started {
    /// The run's process group and its leader's start time (clock ticks since boot),
    /// recorded so a `resume` after the driver was killed can stop what is left of it.
    pub process: Option<(i32, u64)>,
    /// The run's own cgroup, when it has one (recorded for the same reason).
    pub cgroup: Option<String>,
}

/// Runs steps somewhere and reports what happens as inputs.
pub trait Executor {
    /// Starts `spec`. Its output and, last, its end arrive as `Input::Exec { run, .. }`
    /// through `inputs` (output with [`Inputs::send_output`], so a flood waits for the engine).
    fn start(&mut self, run: RunId, spec: RunSpec, inputs: &Inputs) -> Result<Started, String>;

    /// Asks a run to stop (TERM to everything it started, KILL after a grace period);
    /// its end still arrives as an input.
    fn cancel(&mut self, run: RunId);

    /// The engine has taken the run's end; the executor forgets it.
    fn forget(&mut self, run: RunId);

    /// Stops everything any run started that is still alive (services a step left in the
    /// background), within `grace`; how many processes that was.
    fn stop_all(&mut self, grace: Duration) -> usize;

    /// Hosts an earlier driver of the session ran on: closing the session stops what was
    /// left there too, even when this driver never connects to them.
    fn stop_at_close_on(&mut self, _hosts: Vec<crate::doc::hosts::HostEntry>) {}

    /// On how many hosts the last [`Executor::stop_all`] found something the session's
    /// runs left running there, and stopped it.
    fn hosts_stopped(&self) -> usize {
        0
    }

    /// Stops what is left of a run an earlier driver started and could not stop (it was
    /// killed): `process` and `cgroup` as [`Started`] recorded them; how many processes
    /// that was.
    fn stop_leftover(
        &mut self,
        process: (i32, u64),
        cgroup: Option<&str>,
        grace: Duration,
    ) -> usize;

    /// A handle on the session's ssh connections for health checks on hosts; `None` when
    /// this executor has none.
    fn sampler(&mut self) -> Option<crate::fleet::HostSampler> {
        None
    }
}
