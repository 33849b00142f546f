//! Steps in a pseudo-terminal (`IoMode::Pty`) and on the real terminal (`IoMode::Inherit`).
//! The terminal hand-over is checked by re-running a probe of this test binary inside a
//! pseudo-terminal made by `script(1)`.

mod common;

use std::collections::BTreeMap;
use std::io::{self, IsTerminal};
use std::os::fd::AsFd;
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{alive, collect, pids_in, request, run, tempdir};
use nix::unistd::{getpgrp, tcgetpgrp};
use runbook::exec::{ExecEvent, Exit, IoMode, ProcessGroups, RunRequest, Stream, start};

const MARKER: &str = "FOREGROUND-HANDOVER-OK";

#[test]
fn inherit_mode_hands_the_terminal_to_the_step_and_takes_it_back() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: script(1) is not installed");
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let output = Command::new("script")
        .args([
            "-qec",
            r#""$PROBE_EXE" --exact foreground_probe --include-ignored --nocapture"#,
            "/dev/null",
        ])
        .env("PROBE_EXE", exe)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(text.contains(MARKER), "{text}");
}

#[test]
#[ignore = "run inside a terminal by inherit_mode_hands_the_terminal_to_the_step_and_takes_it_back"]
fn foreground_probe() {
    let stdin = io::stdin();
    assert!(stdin.is_terminal(), "the probe needs a terminal on stdin");
    assert_eq!(tcgetpgrp(stdin.as_fd()).expect("tcgetpgrp"), getpgrp());
    let env = std::env::vars()
        .filter(|(key, _)| key == "PATH")
        .collect::<BTreeMap<_, _>>();
    let req = RunRequest {
        script: "sleep 0.5; exit 6".to_owned(),
        env,
        cwd: std::env::temp_dir(),
        timeout: None,
        io: IoMode::Inherit,
        secret_names: Vec::new(),
        errexit: false,
    };
    let (tx, rx) = mpsc::sync_channel(runbook::exec::EVENT_BACKLOG);
    let step = start(req, tx, &ProcessGroups::default()).expect("step starts");
    thread::sleep(Duration::from_millis(200));
    let during = tcgetpgrp(stdin.as_fd()).expect("tcgetpgrp");
    assert_eq!(
        during.as_raw(),
        step.pgid(),
        "the step's group owns the terminal"
    );
    let finished = rx.recv_timeout(Duration::from_secs(10)).expect("finished");
    let ExecEvent::Finished(outcome) = finished else {
        panic!("unexpected output event {finished:?}");
    };
    assert_eq!(outcome.exit, Exit::Code(6));
    assert_eq!(
        tcgetpgrp(stdin.as_fd()).expect("tcgetpgrp"),
        getpgrp(),
        "terminal returned"
    );
    println!("{MARKER}");
}

#[test]
fn pty_passes_colours_and_carriage_returns_through_raw() {
    let dir = tempdir();
    let mut req = request(
        "printf '\\033[31mred\\033[0m\\n'; printf '50%%\\r100%%\\n'; stty size; [ -t 1 ] && echo tty",
        dir.path(),
    );
    req.io = IoMode::Pty {
        cols: 100,
        rows: 30,
    };
    let run = run(req);
    assert!(run.output.iter().all(|(stream, _)| *stream == Stream::Pty));
    assert_eq!(
        run.text(Stream::Pty),
        "\x1b[31mred\x1b[0m\r\n50%\r100%\r\n30 100\r\ntty\r\n"
    );
    assert_eq!(run.outcome.exit, Exit::Code(0));
    let env = run.outcome.env_after.expect("env");
    assert!(!env.contains_key("SHELL"));
}

#[test]
fn pty_step_is_a_session_leader_and_its_timeout_kills_the_group() {
    let dir = tempdir();
    let mut req = request("sleep 300 & echo $! > pids; wait", dir.path());
    req.io = IoMode::Pty { cols: 80, rows: 24 };
    req.timeout = Some(Duration::from_millis(500));
    let (tx, rx) = mpsc::sync_channel(runbook::exec::EVENT_BACKLOG);
    let begun = Instant::now();
    let step = start(req, tx, &ProcessGroups::default()).expect("step starts");
    assert_eq!(step.pgid(), step.pid() as i32);
    let run = collect(&rx, begun);
    assert!(run.outcome.timed_out);
    assert!(run.elapsed < Duration::from_secs(3));
    for pid in pids_in(&dir.path().join("pids")) {
        assert!(!alive(pid));
    }
}

#[test]
fn inherit_mode_sends_no_output_events() {
    let dir = tempdir();
    let mut req = request("export D=4; exit 4", dir.path());
    req.io = IoMode::Inherit;
    let run = run(req);
    assert!(run.output.is_empty());
    assert_eq!(run.outcome.exit, Exit::Code(4));
    assert_eq!(run.outcome.env_after.expect("env")["D"], "4");
}

#[test]
fn pipelines_see_the_default_sigpipe() {
    let dir = tempdir();
    for io in [IoMode::Pipes, IoMode::Pty { cols: 80, rows: 24 }] {
        let mut req = request(
            "yes | head -n 1 >/dev/null; echo \"${PIPESTATUS[0]}\"",
            dir.path(),
        );
        req.io = io;
        let run = run(req);
        let stream = if io == IoMode::Pipes {
            Stream::Stdout
        } else {
            Stream::Pty
        };
        assert_eq!(run.text(stream).trim_end(), "141", "{io:?}");
    }
}
