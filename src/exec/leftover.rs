//! A step's process group found again after its driver was killed: SIGKILL gives the
//! driver no chance to stop the step, so `resume` looks for what is left of it.
//!
//! A group is recognised by its id and its leader's start time (clock ticks since boot,
//! field 22 of `/proc/PID/stat`): only processes of that group started no earlier than
//! the leader count, so a recycled group id never makes us signal a stranger.

use std::path::Path;
use std::time::Duration;

use super::cgroup;
use super::procfs::{self, Table};
use super::stop::{Scope, stop};

/// When the process started, in clock ticks since boot (Linux); `None` elsewhere or if gone.
pub fn start_ticks(pid: u32) -> Option<u64> {
    procfs::read(pid).map(|p| p.start)
}

/// Processes now in group `pgid` that started at or after `leader_start`.
pub fn members(pgid: i32, leader_start: u64) -> usize {
    Table::scan()
        .iter()
        .filter(|p| p.pgrp == pgid && p.start >= leader_start && !p.dead)
        .count()
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
        cgroup::remove(dir);
        if let Some(session) = dir.parent().filter(|s| !cgroup::populated(s)) {
            cgroup::remove(session);
        }
    }
    in_group + in_cgroup
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_found_by_its_group_and_start() {
        let pid = std::process::id();
        let start = start_ticks(pid).expect("linux /proc");
        let pgid = nix::unistd::getpgrp().as_raw();
        assert!(members(pgid, start) >= 1);
        assert_eq!(
            members(pgid, u64::MAX),
            0,
            "nothing started after the end of time"
        );
    }
}
