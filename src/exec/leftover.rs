//! A step's process group found again after its driver was killed: SIGKILL gives the
//! driver no chance to stop the step, so `resume` looks for what is left of it, and the
//! resumed session's end stops the services earlier steps left running.
//!
//! A group is recognised by its id and its leader's start time (clock ticks since boot,
//! field 22 of `/proc/PID/stat`): a process with the group's id that started at another
//! time means the id was reused, and only processes of that group started no earlier than
//! the leader count, so a recycled group id never makes us signal a stranger.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::cgroup;
use super::procfs::{self, Table};
use super::stop::{Scope, stop};

/// A step's processes as a driver recorded them (`step_process`): its process group, when
/// the group's leader started, and its cgroup if it had one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub pgid: i32,
    pub leader_start: u64,
    pub cgroup: Option<PathBuf>,
}

/// When the process started, in clock ticks since boot (Linux); `None` elsewhere or if gone.
pub fn start_ticks(pid: u32) -> Option<u64> {
    procfs::read(pid).map(|p| p.start)
}

/// Processes now in group `pgid` that started at or after `leader_start` — none when a
/// process with the group's id runs that is not the recorded leader (the id was reused).
pub fn members(pgid: i32, leader_start: u64) -> usize {
    count_members(&Table::scan(), pgid, leader_start)
}

fn count_members(table: &Table, pgid: i32, leader_start: u64) -> usize {
    let reused = u32::try_from(pgid)
        .ok()
        .and_then(|pid| table.get(pid))
        .is_some_and(|leader| leader.start != leader_start);
    if reused {
        return 0;
    }
    table
        .iter()
        .filter(|p| p.pgrp == pgid && p.start >= leader_start && !p.dead)
        .count()
}

/// What is still running of steps an earlier driver recorded: the groups still theirs,
/// and their cgroups where this program made them for a session whose process is gone.
pub(crate) fn scope_of(recorded: &[Recorded]) -> Scope {
    let table = Table::scan();
    Scope {
        groups: recorded
            .iter()
            .filter(|r| count_members(&table, r.pgid, r.leader_start) > 0)
            .map(|r| r.pgid)
            .collect(),
        cgroups: recorded
            .iter()
            .filter_map(|r| r.cgroup.clone())
            .filter(|dir| cgroup::is_orphaned_step(dir))
            .collect(),
        ..Scope::default()
    }
}

/// Removes a killed driver's step cgroup once it is empty, and its session cgroup with it
/// when nothing else is left there.
pub(crate) fn remove_cgroup(step_cgroup: &Path) {
    cgroup::remove(step_cgroup);
    if let Some(session) = step_cgroup.parent().filter(|s| !cgroup::populated(s)) {
        cgroup::remove(session);
    }
}

/// Stops what is left of a killed driver's step: the members of its group started since
/// its leader, and everything in its cgroup when the log names one this program made for
/// a session whose process is gone. Returns how many processes were still running.
pub fn stop_step(
    pgid: i32,
    leader_start: u64,
    step_cgroup: Option<&Path>,
    grace: Duration,
) -> usize {
    let step_cgroup = step_cgroup.filter(|dir| cgroup::is_orphaned_step(dir));
    let in_group = members(pgid, leader_start);
    let in_cgroup = step_cgroup.map_or(0, |dir| {
        let table = Table::scan();
        cgroup::members(dir)
            .into_iter()
            .filter(|&pid| table.get(pid).is_some_and(|p| !p.dead && p.pgrp != pgid))
            .count()
    });
    if in_group + in_cgroup == 0 {
        return 0;
    }
    let scope = Scope {
        groups: if in_group > 0 { vec![pgid] } else { Vec::new() },
        cgroups: step_cgroup.map(Path::to_path_buf).into_iter().collect(),
        ..Scope::default()
    };
    stop(&scope, grace);
    if let Some(dir) = step_cgroup {
        remove_cgroup(dir);
    }
    in_group + in_cgroup
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_found_by_its_id_and_its_leaders_start_only() {
        use std::os::unix::process::CommandExt;
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .expect("spawn");
        let pid = child.id();
        let pgid = i32::try_from(pid).expect("pid");
        let start = start_ticks(pid).expect("started");
        assert_eq!(members(pgid, start), 1, "found by its group and start");
        let earlier = Recorded {
            pgid,
            leader_start: start.saturating_sub(1),
            cgroup: None,
        };
        assert_eq!(
            members(pgid, earlier.leader_start),
            0,
            "a leader that started at another time is someone else"
        );
        assert!(scope_of(&[earlier]).groups.is_empty());
        let _ = child.kill();
        let _ = child.wait();
    }
}
