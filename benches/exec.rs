//! Throughput of a step's output path: `seq 1 3000000` (22.9 MB) from spawn to `Finished`.
//!
//! Run with `cargo bench --bench exec`. The bare pipe `seq 1 3000000 | cat >/dev/null` is the
//! floor to compare with.

use std::collections::BTreeMap;
use std::sync::mpsc;

use runbook::exec::{ExecEvent, IoMode, ProcessGroups, RunRequest, start};

fn main() {
    divan::main();
}

fn request(script: &str) -> RunRequest {
    let env = std::env::vars()
        .filter(|(key, _)| key == "PATH")
        .collect::<BTreeMap<_, _>>();
    RunRequest {
        script: script.to_owned(),
        env,
        cwd: std::env::temp_dir(),
        timeout: None,
        io: IoMode::Pipes,
        secret_names: Vec::new(),
        errexit: false,
    }
}

/// Runs the step and returns the number of output bytes received before `Finished`.
fn run(req: RunRequest) -> usize {
    let (tx, rx) = mpsc::sync_channel(runbook::exec::EVENT_BACKLOG);
    let groups = ProcessGroups::default();
    let _step = start(req, tx, &groups).expect("step starts");
    let mut bytes = 0;
    for event in rx {
        match event {
            ExecEvent::Output { bytes: chunk, .. } => bytes += chunk.len(),
            ExecEvent::Finished(_) => break,
            ExecEvent::Assigned { .. } => {}
        }
    }
    bytes
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn seq_3m_lines() -> usize {
    let bytes = run(request("seq 1 3000000"));
    assert_eq!(bytes, 22_888_896);
    bytes
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn empty_step() -> usize {
    run(request("true"))
}
