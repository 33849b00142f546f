//! The full-screen view driven as an operator drives it, in a real pseudo-terminal:
//! keys in, the drawn screen and the audit log out, and the terminal given back intact.

mod common;
mod pty;
mod support;

use common::{alive, pids_in};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use pty::Term;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{Sandbox, events, output_of, records, text};

/// Opens `args` full-screen in the sandbox, with its own audit directory.
fn open(sb: &Sandbox, args: &[&str]) -> Term {
    let audit = sb.audit_dir();
    Term::spawn(args, sb.path(), &[("RUNBOOK_AUDIT_DIR", audit.as_os_str())])
}

/// The event kinds of a log in order, without the header, output, env changes and
/// health status changes (those depend on timing).
fn kinds(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .filter_map(|r| r["kind"].as_str())
        .filter(|k| !matches!(*k, "output" | "env_changed" | "health_changed"))
        .map(String::from)
        .collect()
}

fn assert_verifies(sb: &Sandbox, log: &Path) {
    let out = sb.run(&["verify", &log.display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

fn deploy_day7() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/deploy-day7.md")
}

/// Waits (up to 20 s) for a condition outside the screen.
fn eventually(what: &str, test: impl Fn() -> bool) {
    let deadline = Instant::now() + pty::PATIENCE;
    while !test() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn walks_deploy_day7_and_leaves_the_terminal_as_it_found_it() {
    let sb = Sandbox::new();
    let sandbox = sb.path().join("runbook-day7-e2e");
    let audit = sb.audit_dir();
    let runbook = deploy_day7().display().to_string();
    let mut term = Term::spawn(
        &["run", &runbook, "--param", "version=v1.0.0"],
        sb.path(),
        &[
            ("RUNBOOK_AUDIT_DIR", audit.as_os_str()),
            ("RUNBOOK_SANDBOX", sandbox.as_os_str()),
        ],
    );
    term.wait_for("Day 7 — deploy services v1.0.0");
    term.wait_for("LIVE");
    assert_eq!(term.modes(), (false, false), "the view runs in raw mode");
    for _ in 0..4 {
        term.send(" ");
    }
    term.wait_for("preflight · Pre-flight");
    term.send("\r");
    term.wait_for("Run this step?");
    term.send("y");
    term.wait_for("✓ exit 0");
    term.wait_for("pre-flight OK");
    term.send("\r");
    term.wait_for("deploy-financial · financial-service");
    for _ in 0..6 {
        term.send("j");
    }
    term.wait_for("(not the current step)");
    term.wait_for("Go/No-Go for api-gateway");
    term.send("\r");
    term.wait_for("Jump?");
    term.send("y");
    term.wait_until("the jump to the gate", |s| {
        s.contains("Enter  decide") && !s.contains("(not the current step)")
    });
    term.send("\r");
    term.wait_for("g: GO");
    term.send("g");
    term.wait_for("deploy-api-gateway · api-gateway");
    term.send("b");
    term.wait_for("Why roll back?");
    term.send("rehearsal only\r");
    term.wait_for("ROLLBACK");
    term.send("q");
    term.wait_for("l: leave");
    term.send("l");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(1), "leaving keeps the session open");
    exit.assert_terminal_restored();

    let log = sb.only_log();
    let recs = records(&log);
    assert_eq!(
        kinds(&recs),
        [
            "session_started",
            "check_confirmed",
            "check_confirmed",
            "check_confirmed",
            "check_confirmed",
            "step_started",
            "step_process",
            "step_finished",
            "jumped",
            "gate_decided",
            "rollback_entered",
            "driver_left",
        ]
    );
    assert!(output_of(&recs, "preflight", "stdout").contains("pre-flight OK"));
    assert_eq!(events(&recs, "step_finished")[0]["data"]["exit_code"], 0);
    let jumped = events(&recs, "jumped");
    assert_eq!(jumped[0]["data"]["to"], "4#1");
    assert_eq!(events(&recs, "gate_decided")[0]["data"]["decision"], "go");
    assert_eq!(events(&recs, "gate_decided")[0]["data"]["auto"], false);
    assert_eq!(
        events(&recs, "rollback_entered")[0]["data"]["reason"],
        "rehearsal only"
    );
    assert_verifies(&sb, &log);
}

/// A step that runs until it is stopped, its pid in `pid`.
fn sleeper(sb: &Sandbox) -> (PathBuf, PathBuf) {
    let pid = sb.path().join("pid");
    let runbook = sb.runbook(
        "long.md",
        &format!(
            "# Long\n```bash {{name=long}}\nsleep 300 & echo $! > {}\nwait\n```\n- [ ] never reached\n",
            pid.display()
        ),
    );
    (runbook, pid)
}

fn signal_mid_step(signal: Signal) {
    let sb = Sandbox::new();
    let (runbook, pid_file) = sleeper(&sb);
    let mut term = open(&sb, &["run", &runbook.display().to_string()]);
    term.wait_for("long · Long");
    term.send("\r");
    term.wait_for("Run this step?");
    term.send("y");
    term.wait_for("▶ running");
    eventually("the pid file", || {
        std::fs::read_to_string(&pid_file).is_ok_and(|s| s.ends_with('\n'))
    });
    kill(Pid::from_raw(term.pid()), signal).expect("signal runbook");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(130), "{signal:?} interrupts the session");
    exit.assert_terminal_restored();
    let sleeps = pids_in(&pid_file);
    assert!(
        sleeps.iter().all(|&p| !alive(p)),
        "no sleep survives {signal:?}"
    );
    let recs = records(&sb.only_log());
    assert_eq!(events(&recs, "step_cancelled").len(), 1);
    let end = events(&recs, "session_ended");
    assert_eq!(end.len(), 1);
    assert_eq!(end[0]["data"]["outcome"], "interrupted");
}

#[test]
fn sigterm_restores_the_terminal_and_records_an_interrupted_session() {
    signal_mid_step(Signal::SIGTERM);
}

#[test]
fn sighup_restores_the_terminal_and_records_an_interrupted_session() {
    signal_mid_step(Signal::SIGHUP);
}

/// The text of the output line drawn just above the row holding `status`.
fn line_above(screen: &str, status: &str) -> Option<String> {
    let rows: Vec<&str> = screen.lines().collect();
    let at = rows.iter().position(|row| row.contains(status))?;
    let above = rows.get(at.checked_sub(1)?)?;
    above.split('│').nth(1).map(|cell| cell.trim().to_string())
}

#[test]
fn a_flooding_step_keeps_the_view_responsive() {
    let sb = Sandbox::new();
    // Floods until `release` exists, prints 1..200000, then stays up until `finish`
    // exists, so the whole flood is read before the shell exits.
    let runbook = sb.runbook(
        "flood.md",
        "# Flood\n```bash {name=flood confirm=none}\nwhile [ ! -e release ]; do seq 1 20000; done\nseq 1 200000\nwhile [ ! -e finish ]; do sleep 0.05; done\n```\n",
    );
    let mut term = open(&sb, &["run", &runbook.display().to_string()]);
    term.wait_for("flood · Flood");
    term.send("\r");
    term.wait_for("▶ running");
    // The flood never ends by itself: the help can only appear while it goes on.
    term.send("?");
    term.wait_for("this help (↑ ↓ scroll it, other keys close it)");
    assert!(term.contents().contains("▶ running"), "still flooding");
    std::fs::write(sb.path().join("release"), "").expect("release the flood");
    term.send(" ");
    term.wait_until("200000 as the last line while running", |s| {
        line_above(s, "▶ running").as_deref() == Some("200000")
    });
    std::fs::write(sb.path().join("finish"), "").expect("finish the step");
    term.wait_until("exit 0 under the last line, 200000", |s| {
        line_above(s, "✓ exit 0").as_deref() == Some("200000")
    });
    let out = output_of(&records(&sb.only_log()), "flood", "stdout");
    assert!(
        out.ends_with("\n199999\n200000\n"),
        "the whole flood is logged"
    );
    term.send("\rq");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(0), "the walk is over: q completes it");
    exit.assert_terminal_restored();
}

#[test]
fn danger_steps_need_their_name_typed() {
    let sb = Sandbox::new();
    let runbook = sb.runbook(
        "danger.md",
        "# Danger\n```bash {name=drop-db confirm=danger}\necho dropped the database\n```\n",
    );
    let mut term = open(&sb, &["run", &runbook.display().to_string()]);
    term.wait_for("drop-db · Danger");
    term.send("\r");
    term.wait_for("Type its name (drop-db) to run it");
    term.send("drop-dv\r");
    term.wait_for("“drop-dv” is not the step name drop-db; not run");
    assert!(events(&records(&sb.only_log()), "step_started").is_empty());
    term.send("\r");
    term.wait_for("Type its name (drop-db) to run it");
    term.send("drop-db\r");
    term.wait_for("✓ exit 0");
    term.wait_for("dropped the database");
    term.send("\rq");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(0), "the walk is over: q completes it");
    exit.assert_terminal_restored();
    let recs = records(&sb.only_log());
    assert_eq!(events(&recs, "step_started").len(), 1);
    assert_eq!(
        output_of(&recs, "drop-db", "stdout"),
        "dropped the database\n"
    );
    assert_eq!(
        events(&recs, "session_ended")[0]["data"]["outcome"],
        "completed"
    );
}

#[test]
fn quitting_mid_walk_leaves_a_resumable_session() {
    let sb = Sandbox::new();
    let runbook = sb.runbook(
        "two.md",
        "# Two\n```bash {name=one}\necho one\n```\n- [ ] halfway\n```bash {name=two}\necho two\n```\n",
    );
    let mut term = open(&sb, &["run", &runbook.display().to_string()]);
    term.wait_for("one · Two");
    term.send("\r");
    term.wait_for("Run this step?");
    term.send("y");
    term.wait_for("✓ exit 0");
    term.send("\r");
    term.wait_for("Space  done");
    term.send("q");
    term.wait_for("l: leave");
    term.send("l");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(1));
    exit.assert_terminal_restored();
    assert!(
        exit.screen.contents().contains("runbook resume"),
        "{}",
        exit.screen.contents()
    );
    let log = sb.only_log();
    let recs = records(&log);
    assert_eq!(events(&recs, "driver_left").len(), 1);
    assert!(events(&recs, "session_ended").is_empty());

    let out = sb.run(&["resume", &log.display().to_string(), "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let recs = records(&log);
    assert_eq!(events(&recs, "session_resumed").len(), 1);
    assert_eq!(output_of(&recs, "one", "stdout"), "one\n", "not run twice");
    assert_eq!(output_of(&recs, "two", "stdout"), "two\n");
    assert_eq!(
        events(&recs, "session_ended")[0]["data"]["outcome"],
        "completed"
    );
    assert_verifies(&sb, &log);
}

#[test]
fn autopilot_walks_to_the_end_and_q_completes_the_session() {
    let sb = Sandbox::new();
    let runbook = sb.runbook(
        "auto.md",
        "---\ngates: in-place\n---\n# Auto\n## Build\n```bash {name=build}\necho built\n```\n- [ ] Artifacts uploaded\n## Go/No-Go\n- Build is green\n",
    );
    let mut term = open(&sb, &["run", &runbook.display().to_string(), "--yes"]);
    term.wait_for("autopilot (--yes)");
    term.wait_for("walk finished");
    term.wait_for("end the session");
    term.send("q");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(0));
    exit.assert_terminal_restored();
    let recs = records(&sb.only_log());
    assert_eq!(
        kinds(&recs),
        [
            "session_started",
            "step_started",
            "step_process",
            "step_finished",
            "check_confirmed",
            "gate_decided",
            "session_ended",
        ]
    );
    for kind in ["step_started", "check_confirmed", "gate_decided"] {
        assert_eq!(events(&recs, kind)[0]["data"]["auto"], true, "{kind}");
    }
    assert_eq!(events(&recs, "gate_decided")[0]["data"]["decision"], "go");
    assert_eq!(
        events(&recs, "session_ended")[0]["data"]["outcome"],
        "completed"
    );
}

#[test]
fn autopilot_gives_up_at_a_signoff_gate_after_the_signoff_timeout() {
    let sb = Sandbox::new();
    let runbook = sb.runbook(
        "gate.md",
        "# Gate\n## Build\n```bash {name=build}\necho built\n```\n## Sign-off\n- [ ] SRE\n## After\n- [ ] Dashboards green\n",
    );
    let mut term = open(
        &sb,
        &[
            "run",
            &runbook.display().to_string(),
            "--yes",
            "--signoff-timeout",
            "1s",
        ],
    );
    // The sign-off was moved before the build: the screen lists that first, for the operator.
    term.wait_for("How this runbook was read");
    term.send("\r");
    term.wait_for("still needs a signer");
    term.send("q");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(1), "a sign-off nobody gave fails the run");
    exit.assert_terminal_restored();
    let recs = records(&sb.only_log());
    assert!(events(&recs, "gate_decided").is_empty(), "nothing decided");
    assert!(
        events(&recs, "check_confirmed").is_empty(),
        "the walk stopped"
    );
    let ended = &events(&recs, "session_ended")[0]["data"];
    assert_eq!(ended["outcome"], "failed");
    let reason = ended["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("still needs a signer for each role after waiting 1s: SRE"),
        "{reason}"
    );
}
