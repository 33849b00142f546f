//! Helpers shared by the step-running tests: requests, event collection, liveness checks.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use nix::sys::signal::kill;
use nix::unistd::Pid;
use runbook::exec::{
    ExecEvent, IoMode, Limits, Outcome, ProcessGroups, RunRequest, Stream, start_with,
};

pub const PATIENCE: Duration = Duration::from_secs(20);

pub fn base_env() -> BTreeMap<String, String> {
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_owned());
    BTreeMap::from([("PATH".to_owned(), path)])
}

pub fn request(script: &str, cwd: &Path) -> RunRequest {
    RunRequest {
        script: script.to_owned(),
        env: base_env(),
        cwd: cwd.to_path_buf(),
        timeout: None,
        io: IoMode::Pipes,
        secret_names: Vec::new(),
        errexit: false,
    }
}

pub struct Run {
    pub output: Vec<(Stream, Vec<u8>)>,
    /// Variables the shell reported, with how many output chunks came before each.
    pub assigned: Vec<(usize, String, String)>,
    pub outcome: Outcome,
    /// From `start` until `Finished` arrived.
    pub elapsed: Duration,
}

impl Run {
    pub fn text(&self, stream: Stream) -> String {
        let bytes: Vec<u8> = self
            .output
            .iter()
            .filter(|(s, _)| *s == stream)
            .flat_map(|(_, b)| b.iter().copied())
            .collect();
        String::from_utf8(bytes).expect("utf-8 output")
    }
}

/// Collects events until `Finished`, and checks that nothing follows it.
pub fn collect(rx: &Receiver<ExecEvent>, begun: Instant) -> Run {
    let mut output = Vec::new();
    let mut assigned = Vec::new();
    loop {
        match rx.recv_timeout(PATIENCE).expect("step finishes") {
            ExecEvent::Output { stream, bytes } => output.push((stream, bytes)),
            ExecEvent::Assigned { name, value } => assigned.push((output.len(), name, value)),
            ExecEvent::Finished(outcome) => {
                let elapsed = begun.elapsed();
                let after = rx.recv_timeout(Duration::from_millis(50));
                assert_eq!(
                    after,
                    Err(RecvTimeoutError::Disconnected),
                    "nothing after Finished"
                );
                return Run {
                    output,
                    assigned,
                    outcome,
                    elapsed,
                };
            }
        }
    }
}

pub fn run_with(req: RunRequest, limits: Limits, groups: &ProcessGroups) -> Run {
    let (tx, rx) = mpsc::sync_channel(runbook::exec::EVENT_BACKLOG);
    let begun = Instant::now();
    start_with(req, limits, tx, groups).expect("step starts");
    collect(&rx, begun)
}

pub fn run(req: RunRequest) -> Run {
    run_with(req, Limits::default(), &ProcessGroups::default())
}

pub fn alive(pid: i32) -> bool {
    // This machine's init does not reap orphans, so a killed orphan stays a zombie.
    let zombie = fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false);
    kill(Pid::from_raw(pid), None).is_ok() && !zombie
}

pub fn pids_in(file: &Path) -> Vec<i32> {
    fs::read_to_string(file)
        .expect("pid file")
        .split_whitespace()
        .map(|pid| pid.parse().expect("pid"))
        .collect()
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}
