//! `runbook replay` and `runbook follow` full-screen in a real pseudo-terminal:
//! transport keys move through the recorded fixture, the view is read-only,
//! and the terminal is given back intact (after `q` and after SIGTERM).

mod pty;
mod support;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use pty::Term;
use std::path::{Path, PathBuf};
use support::Sandbox;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sessions/release-drill.jsonl")
}

#[test]
fn replay_moves_through_the_fixture_with_its_keys() {
    let sb = Sandbox::new();
    let log = fixture().display().to_string();
    let mut term = Term::spawn(&["replay", &log, "--speed", "0.25"], sb.path(), &[]);
    term.wait_for("REPLAY");
    term.wait_for("▶ playing 0.25×");
    assert_eq!(term.modes(), (false, false), "the view runs in raw mode");
    term.send("G");
    term.wait_for("■ end of the replay · session rolled back");
    term.wait_for("✓ rollback-api");
    term.send("g");
    term.wait_for("event 0 of 21");
    term.wait_until("everything pending again", |s| {
        s.contains("○ rollback-api") && s.contains("○ preflight")
    });
    term.send("]");
    term.wait_for("event 2 of 21");
    term.send("]]");
    term.wait_for("event 4 of 21");
    term.wait_for("▶ preflight");
    // Walk keys do nothing here: Enter neither runs nor opens a dialog.
    term.send("\r");
    term.wait_for("read-only view: ? lists the keys");
    assert!(!term.contents().contains("Run this step?"));
    term.send(" ");
    term.wait_for("▶ playing 0.25×");
    term.send("++++");
    term.wait_for("▶ 4×");
    term.wait_for("■ end of the replay");
    term.send("q");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(0));
    exit.assert_terminal_restored();
}

#[test]
fn follow_shows_a_finished_session_and_quits_cleanly() {
    let sb = Sandbox::new();
    let log = fixture().display().to_string();
    let mut term = Term::spawn(&["follow", &log], sb.path(), &[]);
    term.wait_for("FOLLOW");
    term.wait_for("session ended: rolled back");
    term.send("k");
    term.wait_for("3#2 · Deploy");
    term.send("?");
    term.wait_for("stop following (the session goes on)");
    term.send("x");
    term.wait_until("help closed", |s| {
        !s.contains("stop following (the session goes on)")
    });
    // A terminating signal gives the terminal back too, and says so in the exit code.
    kill(Pid::from_raw(term.pid()), Signal::SIGTERM).expect("SIGTERM");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(130));
    exit.assert_terminal_restored();
}

#[test]
fn a_follower_signs_a_role_from_the_follow_screen() {
    let sb = Sandbox::new();
    let runbook = sb.runbook(
        "approve.yaml",
        "title: Approval\nsections:\n  - title: Release\n    steps:\n      - gate: Release approval\n        signoffs: [Lead, SRE]\n      - run: echo shipped\n        name: ship\n",
    );
    let mut driver = sb
        .command(&[
            "run",
            runbook.to_str().expect("path"),
            "--plain",
            "--yes",
            "--signoff",
            "Lead=Ana",
            "--signoff-timeout",
            "60s",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the driver starts");
    let log = wait_for_log(&sb);
    let audit = sb.audit_dir();
    let mut term = Term::spawn(
        &["follow", log.to_str().expect("path")],
        sb.path(),
        &[("RUNBOOK_AUDIT_DIR", audit.as_os_str())],
    );
    term.wait_for("FOLLOW");
    term.wait_for("✍ Lead");
    term.send("S");
    term.wait_for("Name signing as SRE");
    term.send("Bo Lee\r");
    term.wait_for("asked the driver to record SRE signed by Bo Lee");
    let status = driver.wait().expect("the driver ends");
    assert_eq!(
        status.code(),
        Some(0),
        "the walk went on once SRE was signed"
    );
    let recs = support::records(&log);
    let signed = support::events(&recs, "signed");
    let sre = signed
        .iter()
        .find(|e| e["data"]["role"] == "SRE")
        .expect("SRE signed");
    assert_eq!(sre["data"]["name"], "Bo Lee");
    assert!(
        sre["data"]["via"]
            .as_str()
            .is_some_and(|v| v.starts_with("follower@")),
        "{sre}"
    );
    term.send("q");
    term.wait_exit().assert_terminal_restored();
}

fn wait_for_log(sb: &Sandbox) -> PathBuf {
    for _ in 0..200 {
        if let Some(log) = sb.logs().into_iter().next() {
            return log;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the driver wrote no log");
}
