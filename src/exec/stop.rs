//! Ending a set of processes the way a step is stopped — SIGTERM (and SIGCONT, so a
//! stopped process can act on it), a grace period, then SIGKILL — where the set is
//! whatever the kernel says belongs to the step or the session *at each look*:
//! members of its process groups and cgroups, everything below its shell, and
//! everything seen before, wherever it has moved since (a process that changes its
//! group or is reparented stays in the set).
//!
//! Each process is named by its pid *and* start time, and signalled through a pidfd
//! opened after checking that start time, so a recycled pid is never signalled.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal as NixSignal, killpg};
use nix::unistd::{Pid as NixPid, getpgrp};
use rustix::process::{Pid, PidfdFlags, Signal, pidfd_open, pidfd_send_signal};

use super::cgroup;
use super::procfs::{Proc, Table};

const POLL: Duration = Duration::from_millis(10);
/// How long to wait for SIGKILLed processes to disappear.
const KILL_SETTLE: Duration = Duration::from_millis(500);

/// What belongs to what is being stopped.
#[derive(Debug, Default, Clone)]
pub(crate) struct Scope {
    pub groups: Vec<i32>,
    pub cgroups: Vec<PathBuf>,
    /// Processes (pid, start) whose descendants belong too: a step's shell.
    pub roots: Vec<(u32, u64)>,
    /// Everything below this process (the session, which is a subreaper).
    pub all_descendants: bool,
}

impl Scope {
    /// The live processes in scope now, `tracked` (seen before) included.
    fn collect(&self, table: &Table, tracked: &BTreeSet<(u32, u64)>) -> BTreeMap<u32, Proc> {
        let me = std::process::id();
        let mut found = BTreeMap::new();
        let mut add = |proc: &Proc| {
            if !proc.dead && proc.pid != me {
                found.insert(proc.pid, *proc);
            }
        };
        let groups: BTreeSet<i32> = self
            .groups
            .iter()
            .copied()
            .filter(|&g| foreign(g))
            .collect();
        table
            .iter()
            .filter(|p| groups.contains(&p.pgrp))
            .for_each(&mut add);
        for dir in &self.cgroups {
            cgroup::members(dir)
                .into_iter()
                .filter_map(|pid| table.get(pid))
                .for_each(&mut add);
        }
        let mut roots = BTreeSet::new();
        for &(pid, start) in self.roots.iter().chain(tracked) {
            if let Some(proc) = table.get(pid).filter(|p| p.start == start) {
                add(proc);
                roots.insert(pid);
            }
        }
        if self.all_descendants {
            roots.insert(me);
        }
        table.descendants(&roots).iter().for_each(&mut add);
        found
    }

    /// Whether anything in scope is still running.
    pub fn alive(&self) -> bool {
        !self.collect(&Table::scan(), &BTreeSet::new()).is_empty()
    }
}

/// TERM (and CONT) everything in `scope`, wait up to `grace` for it to end, then KILL
/// what is left, looking again each time; returns how many processes were signalled.
pub(crate) fn stop(scope: &Scope, grace: Duration) -> usize {
    // Everything in scope is known before anything is signalled: a shell that dies
    // first would hand its detached children to the subreaper, out of its tree.
    let mut tracked: BTreeSet<(u32, u64)> = scope
        .collect(&Table::scan(), &BTreeSet::new())
        .values()
        .map(Proc::key)
        .collect();
    let mut termed = BTreeSet::new();
    for &pgid in &scope.groups {
        signal_group(pgid, NixSignal::SIGTERM);
        signal_group(pgid, NixSignal::SIGCONT);
    }
    let deadline = Instant::now() + grace;
    loop {
        let live = scope.collect(&Table::scan(), &tracked);
        for proc in live.values() {
            tracked.insert(proc.key());
            if termed.insert(proc.key()) {
                signal(proc, Signal::TERM);
                signal(proc, Signal::CONT);
            }
        }
        if live.is_empty() || Instant::now() >= deadline {
            break;
        }
        thread::sleep(POLL);
    }
    let deadline = Instant::now() + KILL_SETTLE;
    loop {
        for dir in &scope.cgroups {
            cgroup::kill(dir);
        }
        for &pgid in &scope.groups {
            signal_group(pgid, NixSignal::SIGKILL);
        }
        let live = scope.collect(&Table::scan(), &tracked);
        for proc in live.values() {
            tracked.insert(proc.key());
            signal(proc, Signal::KILL);
        }
        if live.is_empty() || Instant::now() >= deadline {
            break;
        }
        thread::sleep(POLL);
    }
    tracked.len()
}

/// Signals exactly this process: through a pidfd taken while its start time still
/// matches, so a pid recycled in between is left alone.
fn signal(proc: &Proc, sig: Signal) {
    let Some(pid) = i32::try_from(proc.pid).ok().and_then(Pid::from_raw) else {
        return;
    };
    match pidfd_open(pid, PidfdFlags::empty()) {
        Ok(fd) => {
            if super::procfs::read(proc.pid).is_some_and(|now| now.start == proc.start) {
                let _ = pidfd_send_signal(&fd, sig);
            }
        }
        // No pidfds (an old kernel, a seccomp filter): the plain call, after the same check.
        Err(_) => {
            if super::procfs::read(proc.pid).is_some_and(|now| now.start == proc.start) {
                let _ = rustix::process::kill_process(pid, sig);
            }
        }
    }
}

fn signal_group(pgid: i32, signal: NixSignal) {
    if foreign(pgid) {
        let _ = killpg(NixPid::from_raw(pgid), signal);
    }
}

/// A group we may signal: a real group that is not our own.
pub(crate) fn foreign(pgid: i32) -> bool {
    pgid > 1 && pgid != getpgrp().as_raw()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_signals_own_or_special_groups() {
        assert!(!foreign(0));
        assert!(!foreign(1));
        assert!(!foreign(-5));
        assert!(!foreign(getpgrp().as_raw()));
    }

    #[test]
    fn a_process_that_leaves_its_group_is_still_stopped() {
        use std::os::unix::process::CommandExt;
        let mut child = std::process::Command::new("sh")
            .args(["-c", "setsid sleep 30 & wait"])
            .process_group(0)
            .spawn()
            .expect("spawn");
        let pid = child.id();
        let pgid = i32::try_from(pid).expect("pid");
        let deadline = Instant::now() + Duration::from_secs(5);
        let escaped = || {
            Table::scan()
                .descendants(&BTreeSet::from([pid]))
                .iter()
                .any(|p| p.pgrp != pgid && !p.dead)
        };
        while !escaped() {
            assert!(Instant::now() < deadline, "setsid never ran");
            thread::sleep(POLL);
        }
        let start = super::super::procfs::read(pid).expect("the shell").start;
        let scope = Scope {
            groups: vec![pgid],
            roots: vec![(pid, start)],
            ..Scope::default()
        };
        assert!(
            stop(&scope, Duration::from_millis(200)) >= 2,
            "the shell and the sleep"
        );
        let _ = child.wait();
        assert!(!scope.alive());
    }
}
