//! Steps in a pseudo-terminal (`IoMode::Pty`) and interactive steps (`IoMode::Interactive`).
//! The relay of the operator's terminal is checked by re-running a probe of this test
//! binary inside a pseudo-terminal made by `script(1)`; the case without a terminal by
//! re-running one with a pipe for stdin (so it never depends on how the tests are run).

mod common;

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::os::fd::AsFd;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{alive, collect, pids_in, request, run, tempdir};
use nix::sys::termios::{LocalFlags, tcgetattr};
use nix::unistd::{getpgrp, tcgetpgrp};
use runbook::exec::{Exit, IoMode, ProcessGroups, RunRequest, Stream, start};

const MARKER: &str = "TERMINAL-RELAY-OK";

/// Runs a probe with `input` on a pipe for its stdin, closed after `input` when `close`
/// (`script` would type an end of file into its terminal); its stdout and whether it passed.
fn probe(mut cmd: Command, input: &[u8], close: bool) -> (bool, String) {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the probe starts");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).expect("the probe's input");
    let open = (!close).then_some(stdin);
    let output = child.wait_with_output().expect("the probe ends");
    drop(open);
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn probe_args(name: &str) -> [&str; 4] {
    ["--exact", name, "--include-ignored", "--nocapture"]
}

#[test]
fn interactive_mode_relays_a_terminal_of_its_own_and_restores_the_real_one() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: script(1) is not installed");
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = Command::new("script");
    cmd.args([
        "-qec",
        r#""$PROBE_EXE" --exact relay_probe --include-ignored --nocapture"#,
        "/dev/null",
    ])
    .env("PROBE_EXE", exe);
    let (passed, text) = probe(cmd, b"", false);
    assert!(passed, "{text}");
    assert!(text.contains(MARKER), "{text}");
}

fn line_mode(stdin: &io::Stdin) -> bool {
    let modes = tcgetattr(stdin.as_fd()).expect("tcgetattr");
    modes
        .local_flags
        .contains(LocalFlags::ICANON | LocalFlags::ECHO)
}

#[test]
#[ignore = "run inside a terminal by interactive_mode_relays_a_terminal_of_its_own_and_restores_the_real_one"]
fn relay_probe() {
    let stdin = io::stdin();
    assert!(stdin.is_terminal(), "the probe needs a terminal on stdin");
    assert!(line_mode(&stdin), "the terminal starts in line mode");
    let env = std::env::vars()
        .filter(|(key, _)| key == "PATH")
        .collect::<BTreeMap<_, _>>();
    let req = RunRequest {
        script: "[ -t 0 ] && [ -t 1 ] && echo step-on-a-tty; sleep 0.5; exit 6".to_owned(),
        env,
        cwd: std::env::temp_dir(),
        timeout: None,
        io: IoMode::Interactive,
        secret_names: Vec::new(),
        errexit: false,
    };
    let (tx, rx) = mpsc::sync_channel(runbook::exec::EVENT_BACKLOG);
    let begun = Instant::now();
    start(req, tx, &ProcessGroups::default()).expect("step starts");
    thread::sleep(Duration::from_millis(200));
    assert!(
        !line_mode(&stdin),
        "the real terminal is raw while keys are relayed"
    );
    assert_eq!(
        tcgetpgrp(stdin.as_fd()).expect("tcgetpgrp"),
        getpgrp(),
        "the step has a terminal of its own; the real one stays ours"
    );
    let run = collect(&rx, begun);
    assert_eq!(run.outcome.exit, Exit::Code(6));
    assert_eq!(run.text(Stream::Pty), "step-on-a-tty\r\n");
    assert!(line_mode(&stdin), "the terminal's modes are back");
    println!("{MARKER}");
}

#[test]
fn interactive_mode_without_a_terminal_reads_stdin_and_sends_the_output() {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = Command::new(exe);
    cmd.args(probe_args("piped_probe"));
    let (passed, text) = probe(cmd, b"Ana\nleft for later\n", true);
    assert!(passed, "{text}");
    assert!(text.contains(MARKER), "{text}");
    assert!(
        text.contains("hi Ana"),
        "the step's output is shown: {text}"
    );
}

#[test]
#[ignore = "run with a pipe on stdin by interactive_mode_without_a_terminal_reads_stdin_and_sends_the_output"]
fn piped_probe() {
    assert!(
        !io::stdin().is_terminal(),
        "the probe needs a pipe on stdin"
    );
    let dir = tempdir();
    let mut req = request(
        "read -r who; echo \"hi $who\"; echo oops >&2; export D=4; exit 4",
        dir.path(),
    );
    req.io = IoMode::Interactive;
    let run = run(req);
    assert_eq!(run.text(Stream::Stdout), "hi Ana\n");
    assert_eq!(run.text(Stream::Stderr), "oops\n");
    assert_eq!(run.outcome.exit, Exit::Code(4));
    assert_eq!(run.outcome.env_after.expect("env")["D"], "4");
    let mut rest = String::new();
    io::stdin().read_line(&mut rest).expect("stdin");
    assert_eq!(rest, "left for later\n", "the step read only its line");
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
