//! Keeping every process a session starts within the session's reach, with the
//! kernel's own tracking rather than process groups alone (a process can leave its
//! group: `setsid`, `set -m`, GNU `timeout`, a daemon's double fork).
//!
//! - The session process is a *child subreaper*: an orphaned descendant is reparented
//!   to it instead of to init, so "everything below the session" is always complete
//!   and the session's end reaches it.
//! - Where a cgroup v2 can be created, each step runs in its own cgroup below the
//!   session's: its timeout or cancel ends every process it started, wherever they went,
//!   and `cgroup.kill` ends them at once. Otherwise a step's timeout or cancel reaches
//!   its process group and everything still below its shell; what fully detached from
//!   it is ended with the rest when the session ends.
//!
//! `runbook doctor` prints which of the two is in force, and each `step_process`
//! event records the step's cgroup (or `null`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::cgroup::SessionCgroup;
use super::procfs::Table;

/// What this session could set up.
#[derive(Debug)]
pub struct Containment {
    subreaper: Result<(), String>,
    cgroup: Result<SessionCgroup, String>,
}

impl Containment {
    /// Makes this process a child subreaper and creates its session cgroup where it can.
    pub fn enable() -> Containment {
        let subreaper = nix::sys::prctl::set_child_subreaper(true)
            .map_err(|e| format!("PR_SET_CHILD_SUBREAPER failed: {e}"));
        Containment {
            subreaper,
            cgroup: SessionCgroup::create(),
        }
    }

    pub fn is_subreaper(&self) -> bool {
        self.subreaper.is_ok()
    }

    /// The session's cgroup directory, when steps get cgroups.
    pub fn cgroup_dir(&self) -> Option<PathBuf> {
        self.cgroup.as_ref().ok().map(|c| c.dir().to_path_buf())
    }

    /// A fresh cgroup for one step, when steps get cgroups.
    pub(crate) fn step_cgroup(&self) -> Option<PathBuf> {
        self.cgroup.as_ref().ok()?.new_step()
    }

    /// What is in force, one line per mechanism.
    pub fn describe(&self) -> Vec<String> {
        let subreaper = match &self.subreaper {
            Ok(()) => "child subreaper: yes — orphaned step processes come back to the session and end with it".to_owned(),
            Err(why) => format!("child subreaper: no ({why})"),
        };
        let cgroup = match &self.cgroup {
            Ok(c) => format!(
                "cgroup v2 per step: yes, under {} — a timeout or cancel ends every process the step started",
                c.dir().display()
            ),
            Err(why) => format!(
                "cgroup v2 per step: no ({why}) — a timeout or cancel ends the step's process group and everything below its shell; the rest ends with the session"
            ),
        };
        vec![subreaper, cgroup]
    }
}

/// Reaps this process's children that have ended, except `spared` (whose own waiters
/// reap them): orphans the subreaper adopted and the session ended. Reaping one may hand
/// its own ended children over to us, so it looks again until nothing is left.
pub(crate) fn reap_adopted(spared: &BTreeSet<u32>) {
    let me = std::process::id();
    for _ in 0..MAX_REAP_ROUNDS {
        let mut reaped = false;
        for proc in Table::scan().iter() {
            if proc.dead && proc.ppid == me && !spared.contains(&proc.pid) {
                reaped |= reap(proc.pid);
            }
        }
        if !reaped {
            return;
        }
    }
}

/// Rounds of [`reap_adopted`]: each hands over one more generation of ended processes.
const MAX_REAP_ROUNDS: usize = 16;

fn reap(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid).map(nix::unistd::Pid::from_raw) else {
        return false;
    };
    let flags = nix::sys::wait::WaitPidFlag::WNOHANG;
    matches!(
        nix::sys::wait::waitpid(pid, Some(flags)),
        Ok(status) if status.pid().is_some()
    )
}
