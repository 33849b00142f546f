//! The process groups this session started, and ending them: SIGTERM, a grace period, SIGKILL.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::{Pid, getpgrp};

const POLL: Duration = Duration::from_millis(10);
/// How long to wait for SIGKILLed members to disappear.
const KILL_SETTLE: Duration = Duration::from_millis(500);

/// Registry of process groups this session started (shared, cheap to clone); used to
/// terminate everything at session end or on SIGTERM/SIGINT/SIGHUP.
#[derive(Clone, Default, Debug)]
pub struct ProcessGroups {
    inner: Arc<Mutex<BTreeSet<i32>>>,
}

impl ProcessGroups {
    pub(crate) fn register(&self, pgid: i32) {
        self.lock().insert(pgid);
    }

    pub(crate) fn release(&self, pgid: i32) {
        self.lock().remove(&pgid);
    }

    /// Registered groups that still have a live member; forgets the others.
    pub fn live(&self) -> Vec<i32> {
        let mut groups = self.lock();
        groups.retain(|&pgid| group_alive(pgid));
        groups.iter().copied().collect()
    }

    /// Ends every registered group, all in parallel within one `grace` period.
    pub fn terminate_all(&self, grace: Duration) {
        let groups = self.live();
        terminate_groups(&groups, grace);
        let mut registered = self.lock();
        for pgid in groups {
            registered.remove(&pgid);
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeSet<i32>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// TERM the group, wait up to `grace` for it to empty, then KILL what is left.
pub fn terminate_group(pgid: i32, grace: Duration) {
    terminate_groups(&[pgid], grace);
}

fn terminate_groups(groups: &[i32], grace: Duration) {
    let mut alive: Vec<i32> = groups.iter().copied().filter(|&g| group_alive(g)).collect();
    for &pgid in &alive {
        signal_group(pgid, Signal::SIGTERM);
        // Stopped members only act on the TERM once continued.
        signal_group(pgid, Signal::SIGCONT);
    }
    wait_until_gone(&mut alive, grace);
    for &pgid in &alive {
        signal_group(pgid, Signal::SIGKILL);
    }
    wait_until_gone(&mut alive, KILL_SETTLE);
}

fn wait_until_gone(groups: &mut Vec<i32>, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        groups.retain(|&pgid| group_alive(pgid));
        if groups.is_empty() || Instant::now() >= deadline {
            return;
        }
        thread::sleep(POLL);
    }
}

fn signal_group(pgid: i32, signal: Signal) {
    if is_foreign(pgid) {
        let _ = killpg(Pid::from_raw(pgid), signal);
    }
}

/// A group we may signal: a real group that is not our own.
fn is_foreign(pgid: i32) -> bool {
    pgid > 1 && pgid != getpgrp().as_raw()
}

/// Whether the group has a member that is not a zombie. Zombies count as gone: their
/// parent may be an init that never reaps them.
pub(crate) fn group_alive(pgid: i32) -> bool {
    if !is_foreign(pgid) {
        return false;
    }
    match killpg(Pid::from_raw(pgid), None) {
        Err(Errno::ESRCH) => false,
        _ => has_live_member(pgid).unwrap_or(true),
    }
}

/// Scans `/proc`; `None` when it cannot be read.
fn has_live_member(pgid: i32) -> Option<bool> {
    let entries = fs::read_dir("/proc").ok()?;
    Some(entries.flatten().any(|entry| {
        let is_pid = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.parse::<u32>().is_ok());
        is_pid && is_live_member(&entry.path(), pgid)
    }))
}

fn is_live_member(proc_dir: &Path, pgid: i32) -> bool {
    fs::read_to_string(proc_dir.join("stat"))
        .ok()
        .and_then(|stat| parse_stat(&stat))
        .is_some_and(|(state, pgrp)| pgrp == pgid && !matches!(state, 'Z' | 'X'))
}

/// State and process group from `/proc/PID/stat` (the name in parentheses may hold anything).
fn parse_stat(stat: &str) -> Option<(char, i32)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, pgrp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_odd_process_names() {
        let stat = "4242 (we) ird) name) S 1 4240 4240 0 -1 4194560 0 0";
        assert_eq!(parse_stat(stat), Some(('S', 4240)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn never_signals_own_or_special_groups() {
        assert!(!is_foreign(0));
        assert!(!is_foreign(1));
        assert!(!is_foreign(-5));
        assert!(!is_foreign(getpgrp().as_raw()));
        assert!(!group_alive(getpgrp().as_raw()));
    }
}
