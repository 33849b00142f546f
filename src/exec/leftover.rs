//! A step's process group found again after its driver was killed: SIGKILL gives the
//! driver no chance to stop the step, so `resume` looks for what is left of it.
//!
//! A group is recognised by its id and its leader's start time (clock ticks since boot,
//! field 22 of `/proc/PID/stat`): only processes of that group started no earlier than
//! the leader count, so a recycled group id never makes us signal a stranger.

use super::procfs::{self, Table};

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
