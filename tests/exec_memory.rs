//! A step's output is forwarded, never accumulated: peak memory stays flat however much it
//! prints. Its own test binary, so no other test disturbs the peak.

use std::collections::BTreeMap;
use std::fs;
use std::sync::mpsc;

use runbook::exec::{ExecEvent, IoMode, ProcessGroups, RunRequest, start};

fn peak_rss_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .expect("VmHWM")
}

#[test]
fn peak_memory_does_not_grow_with_output_size() {
    let env = std::env::vars()
        .filter(|(key, _)| key == "PATH")
        .collect::<BTreeMap<_, _>>();
    let req = RunRequest {
        script: "head -c 300000000 /dev/zero; head -c 100000000 /dev/zero >&2".to_owned(),
        env,
        cwd: std::env::temp_dir(),
        timeout: None,
        io: IoMode::Pipes,
        secret_names: Vec::new(),
        errexit: false,
    };
    let before = peak_rss_kib();
    let (tx, rx) = mpsc::sync_channel(runbook::exec::EVENT_BACKLOG);
    let _step = start(req, tx, &ProcessGroups::default()).expect("step starts");
    let mut received = 0;
    for event in rx {
        match event {
            ExecEvent::Output { bytes, .. } => received += bytes.len(),
            ExecEvent::Finished(_) => break,
            ExecEvent::Assigned { .. } => {}
        }
    }
    assert_eq!(received, 400_000_000);
    let grown = peak_rss_kib().saturating_sub(before);
    assert!(
        grown < 16 * 1024,
        "peak RSS grew by {grown} KiB for 400 MB of output"
    );
}
