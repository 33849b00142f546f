//! A step's process group found again after its driver was killed: SIGKILL gives the
//! driver no chance to stop the step, so `resume` looks for what is left of it.
//!
//! A group is recognised by its id and its leader's start time (clock ticks since boot,
//! field 22 of `/proc/PID/stat`): only processes of that group started no earlier than
//! the leader count, so a recycled group id never makes us signal a stranger.

/// When the process started, in clock ticks since boot (Linux); `None` elsewhere or if gone.
pub fn start_ticks(pid: u32) -> Option<u64> {
    stat_fields(pid).and_then(|f| f.start)
}

/// Processes now in group `pgid` that started at or after `leader_start`.
pub fn members(pgid: i32, leader_start: u64) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(stat_fields)
        .filter(|f| f.pgrp == Some(pgid) && f.start.is_some_and(|s| s >= leader_start))
        .count()
}

struct StatFields {
    pgrp: Option<i32>,
    start: Option<u64>,
}

fn stat_fields(pid: u32) -> Option<StatFields> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last `)`.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(StatFields {
        pgrp: fields.get(2).and_then(|f| f.parse().ok()),
        start: fields.get(19).and_then(|f| f.parse().ok()),
    })
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
