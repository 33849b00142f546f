//! `runbook doctor`: what keeps a session's processes within reach on this machine —
//! set up exactly as a session does, and tried with a real step.

use crate::exec::{self, ExecEvent, IoMode, ProcessGroups, RunRequest, Stream};
use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

/// Prints the mechanisms in force and the cgroup a trial step ran in; exit 0, or 1 when
/// this process could not even become a subreaper.
pub fn doctor(out: &mut impl Write) -> i32 {
    let groups = ProcessGroups::for_session();
    let Some(containment) = groups.containment() else {
        return 1;
    };
    let _ = writeln!(
        out,
        "process containment (as `runbook run` sets it up here):"
    );
    for line in containment.describe() {
        let _ = writeln!(out, "  {line}");
    }
    let _ = match trial_step(&groups) {
        Ok(cgroup) => writeln!(out, "  trial step: its shell ran in cgroup {cgroup}"),
        Err(e) => writeln!(out, "  trial step: could not run ({e})"),
    };
    groups.terminate_all(Duration::ZERO);
    if containment.is_subreaper() { 0 } else { 1 }
}

/// Runs `cat /proc/self/cgroup` as a step and returns the v2 cgroup it reported.
fn trial_step(groups: &ProcessGroups) -> Result<String, String> {
    let request = RunRequest {
        script: "cat /proc/self/cgroup".into(),
        env: std::env::vars().collect(),
        cwd: std::env::temp_dir(),
        timeout: Some(Duration::from_secs(10)),
        io: IoMode::Pipes,
        secret_names: Vec::new(),
        errexit: false,
    };
    let (tx, rx) = mpsc::sync_channel(exec::EVENT_BACKLOG);
    exec::start(request, tx, groups).map_err(|e| e.to_string())?;
    let mut text = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(ExecEvent::Output {
                stream: Stream::Stdout,
                bytes,
            }) => text.extend(bytes),
            Ok(ExecEvent::Output { .. } | ExecEvent::Assigned { .. }) => {}
            Ok(ExecEvent::Finished(_)) => break,
            Err(_) => return Err("the trial step did not finish".into()),
        }
    }
    String::from_utf8_lossy(&text)
        .lines()
        .find_map(|l| l.strip_prefix("0::").map(str::to_owned))
        .ok_or_else(|| "no cgroup v2 membership reported".into())
}
