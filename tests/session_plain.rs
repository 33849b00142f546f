//! Headless sessions as an operator runs them: `runbook run --plain`, the audit
//! log it leaves, and the promises PRODUCT.md §2 makes about both.

mod common;
mod support;

use common::{alive, pids_in};
use std::time::{Duration, Instant};
use support::{Sandbox, events, output_of, records, text};

#[test]
fn exports_and_cd_carry_over_to_the_next_step() {
    let sb = Sandbox::new();
    sb.runbook(
        "env.md",
        "# Env\n```bash\nexport FOO=bar; cd /tmp\n```\n```bash\necho \"$FOO $(pwd)\"\n```\n",
    );
    let out = sb.run(&["run", "env.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1#2 | bar /tmp"),
        "{}",
        text(&out.stdout)
    );
    let log = records(&sb.only_log());
    assert_eq!(output_of(&log, "1#2", "stdout"), "bar /tmp\n");
    let env = events(&log, "env_changed");
    assert_eq!(env[0]["data"]["set"]["FOO"], "bar");
    assert_eq!(env[0]["data"]["cwd"], "/tmp");
}

#[test]
fn a_timed_out_step_leaves_no_process_behind() {
    let sb = Sandbox::new();
    let pids = sb.path().join("pids");
    sb.runbook(
        "orphans.md",
        &format!("# Orphans\n```bash {{timeout=1s}}\nsleep 300 & echo $! >> {p}\nsleep 300 & echo $! >> {p}\nwait\n```\n", p = pids.display()),
    );
    let started = Instant::now();
    let out = sb.run(&["run", "orphans.md", "--plain", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a timed-out step fails the session"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    let sleeps = pids_in(&pids);
    assert_eq!(sleeps.len(), 2);
    assert!(
        sleeps.iter().all(|&pid| !alive(pid)),
        "no sleep survives: {sleeps:?}"
    );
    let log = records(&sb.only_log());
    assert_eq!(events(&log, "step_timed_out").len(), 1);
    assert_eq!(events(&log, "step_finished")[0]["data"]["ok"], false);
}

fn interrupt_mid_step(signal: nix::sys::signal::Signal) {
    let sb = Sandbox::new();
    let pids = sb.path().join("pids");
    sb.runbook("long.md", &format!("# Long\n```bash\nsleep 300 & echo $! >> {p}\nsleep 300 & echo $! >> {p}\nwait\n```\n- [ ] never reached\n", p = pids.display()));
    let mut child = sb
        .command(&["run", "long.md", "--plain", "--yes"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(pids.exists() && pids_in(&pids).len() >= 2) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    nix::sys::signal::kill(pid, signal).expect("signal");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130), "interrupted sessions exit 130");
    let sleeps = pids_in(&pids);
    assert!(
        sleeps.iter().all(|&p| !alive(p)),
        "no sleep survives {signal:?}: {sleeps:?}"
    );
    let log = records(&sb.only_log());
    assert_eq!(events(&log, "step_cancelled").len(), 1);
    let end = events(&log, "session_ended");
    assert_eq!(end[0]["data"]["outcome"], "interrupted");
}

#[test]
fn sigterm_mid_step_stops_the_whole_group_and_records_it() {
    interrupt_mid_step(nix::sys::signal::Signal::SIGTERM);
}

#[test]
fn sigint_mid_step_stops_the_whole_group_and_records_it() {
    interrupt_mid_step(nix::sys::signal::Signal::SIGINT);
}

#[test]
fn the_last_lines_and_the_exit_status_are_never_lost() {
    let sb = Sandbox::new();
    sb.runbook("tail.md", "# Tail\n```bash {name=noisy}\nsh -c 'for i in $(seq 1 1000); do echo $i; echo e$i >&2; done; exit 3'\n```\n");
    let out = sb.run(&["run", "tail.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let log = records(&sb.only_log());
    let stdout: Vec<String> = output_of(&log, "noisy", "stdout")
        .lines()
        .map(String::from)
        .collect();
    let stderr: Vec<String> = output_of(&log, "noisy", "stderr")
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(
        stdout,
        (1..=1000).map(|i| i.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(
        stderr,
        (1..=1000).map(|i| format!("e{i}")).collect::<Vec<_>>()
    );
    assert_eq!(events(&log, "step_finished")[0]["data"]["exit_code"], 3);
}

#[test]
fn secrets_split_across_chunks_leave_no_trace() {
    let sb = Sandbox::new();
    sb.runbook(
        "secret.md",
        "---\nenv:\n  secret: [JWT_SECRET]\n---\n# Secret\n```bash\nprintf 's3cr3t-va'; sleep 0.2; printf 'lue-123456\\n'\necho \"again: $JWT_SECRET\"\nexport API_TOKEN=$(printf 'tok-%s-%s' abcdefgh 42)\necho done\n```\n```bash\necho \"token $API_TOKEN\"\n```\n",
    );
    let out = sb
        .command(&["run", "secret.md", "--plain", "--yes"])
        .env("JWT_SECRET", "s3cr3t-value-123456")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = std::fs::read_to_string(sb.only_log()).expect("log");
    for shown in [&text(&out.stdout), &log] {
        assert!(!shown.contains("s3cr3t-value-123456"), "secret leaked");
        assert!(!shown.contains("tok-abcdefgh-42"), "exported token leaked");
    }
    assert!(text(&out.stdout).contains("| ***"), "{}", text(&out.stdout));
    assert!(
        log.contains(r#""API_TOKEN":"***""#),
        "the env change is recorded masked"
    );
}

#[test]
fn parameters_reach_commands_only_as_environment_variables() {
    let sb = Sandbox::new();
    let marker = sb.path().join("pwned");
    let hostile = format!(
        "$(touch {m}1); 'x\" ; touch {m}2 `touch {m}3`",
        m = marker.display()
    );
    sb.runbook(
        "param.md",
        "---\nparams:\n  release: {}\n---\n# Param\n```bash\nprintf '%s\\n' \"$RELEASE\"\n```\n",
    );
    let out = sb.run(&[
        "run",
        "param.md",
        "--plain",
        "--yes",
        "--param",
        &format!("release={hostile}"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = records(&sb.only_log());
    assert_eq!(output_of(&log, "1#1", "stdout"), format!("{hostile}\n"));
    for n in 1..=3 {
        assert!(
            !sb.path().join(format!("pwned{n}")).exists(),
            "injection {n} ran"
        );
    }
    assert_eq!(
        log[0]["params"]["release"],
        hostile.as_str(),
        "the header records the value"
    );
}

#[test]
fn bad_parameters_and_missing_environment_are_invalid_input() {
    let sb = Sandbox::new();
    sb.runbook("p.md", "---\nparams:\n  version: {pattern: '^v\\d+$'}\nenv:\n  require: [NEEDED_ONE, NEEDED_TWO]\n---\n# P\n- [ ] x\n");
    let out = sb.run(&["run", "p.md", "--plain", "--yes", "--param", "version=1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("does not match its pattern"),
        "{}",
        text(&out.stderr)
    );
    let out = sb
        .command(&["run", "p.md", "--plain", "--yes", "--param", "version=v1"])
        .env_remove("NEEDED_ONE")
        .env_remove("NEEDED_TWO")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("NEEDED_ONE, NEEDED_TWO"),
        "all missing names at once: {}",
        text(&out.stderr)
    );
    assert!(sb.logs().is_empty(), "no session starts on invalid input");
}

#[test]
fn signoff_gates_under_yes_need_named_signers() {
    let sb = Sandbox::new();
    sb.runbook(
        "s.md",
        "# S\n## Sign-off\n- [ ] Engineering Lead\n- [ ] SRE\n",
    );
    // Without `--signoff` the gate waits for followers; here not at all.
    let out = sb.run(&["run", "s.md", "--plain", "--yes", "--signoff-timeout", "0s"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("--signoff 'Engineering Lead=NAME'"),
        "{}",
        text(&out.stdout)
    );
    let out = sb.run(&[
        "run",
        "s.md",
        "--plain",
        "--yes",
        "--signoff",
        "Engineering Lead=Ana",
        "--signoff",
        "SRE=Bo",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let log = sb
        .logs()
        .iter()
        .map(|l| records(l))
        .find(|r| !events(r, "signed").is_empty())
        .expect("the signed session");
    let signed: Vec<(String, String)> = events(&log, "signed")
        .iter()
        .map(|e| {
            (
                e["data"]["role"].as_str().unwrap_or("").into(),
                e["data"]["name"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        signed,
        [
            ("Engineering Lead".into(), "Ana".into()),
            ("SRE".into(), "Bo".into())
        ]
    );
}

#[test]
fn dry_run_records_the_walk_and_runs_nothing() {
    let sb = Sandbox::new();
    let marker = sb.path().join("ran");
    sb.runbook(
        "d.md",
        &format!(
            "# D\n```bash\ntouch {}\n```\n```runbook\n- wait: 1h\n```\n",
            marker.display()
        ),
    );
    let out = sb.run(&["run", "d.md", "--plain", "--yes", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!marker.exists());
    let log = records(&sb.only_log());
    assert_eq!(events(&log, "step_started")[0]["data"]["dry_run"], true);
    assert_eq!(events(&log, "wait_ended")[0]["data"]["reason"], "--dry-run");
}

#[test]
fn a_failing_step_with_on_fail_rollback_walks_the_rollback() {
    let sb = Sandbox::new();
    sb.runbook("r.md", "# R\n## Deploy\n```bash {on_fail=rollback}\nexit 4\n```\n- [ ] not reached\n## Rollback\n```bash\necho undoing\n```\n");
    let out = sb.run(&["run", "r.md", "--plain", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a rolled-back session is not a success"
    );
    let log = records(&sb.only_log());
    assert_eq!(events(&log, "rollback_entered").len(), 1);
    assert_eq!(output_of(&log, "2#1", "stdout"), "undoing\n");
    assert_eq!(
        events(&log, "session_ended")[0]["data"]["outcome"],
        "rolled_back"
    );
}

#[test]
fn an_unwritable_audit_directory_stops_before_anything_runs() {
    let sb = Sandbox::new();
    let marker = sb.path().join("ran");
    sb.runbook(
        "a.md",
        &format!("# A\n```bash\ntouch {}\n```\n", marker.display()),
    );
    let out = sb
        .command(&["run", "a.md", "--plain", "--yes"])
        .env("RUNBOOK_AUDIT_DIR", "/dev/null/audit")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    assert!(!marker.exists());
    assert!(
        text(&out.stderr).contains("audit log"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn retries_come_first_then_on_fail_continue_walks_on() {
    let sb = Sandbox::new();
    sb.runbook("retry.md", "# Retry\n```bash {name=flaky retries=2 on_fail=continue}\necho try; exit 1\n```\n```bash {name=after}\necho reached\n```\n");
    let out = sb.run(&["run", "retry.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let log = records(&sb.only_log());
    let attempts: Vec<_> = events(&log, "step_started")
        .iter()
        .filter(|e| e["step"] == "flaky")
        .map(|e| e["data"]["attempt"].clone())
        .collect();
    assert_eq!(attempts, [1, 2, 3]);
    let skipped = events(&log, "step_skipped");
    assert!(
        skipped[0]["data"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("on_fail=continue"))
    );
    assert_eq!(output_of(&log, "after", "stdout"), "reached\n");
}

/// Runs `args` with `answers` typed on standard input; its output once it exits.
fn answered(sb: &Sandbox, args: &[&str], answers: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = sb
        .command(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(answers.as_bytes())
        .expect("answer");
    child.wait_with_output().expect("finish")
}

#[test]
fn the_operator_can_retry_a_failed_step() {
    let sb = Sandbox::new();
    let marker = sb.path().join("second-try");
    sb.runbook("flaky.md", &format!("# Flaky\n```bash {{name=flaky confirm=none}}\nif [ -e {m} ]; then echo ok; else touch {m}; exit 2; fi\n```\n", m = marker.display()));
    let out = answered(&sb, &["run", "flaky.md", "--plain"], "r\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("The step failed."));
    let log = records(&sb.only_log());
    let attempts: Vec<_> = events(&log, "step_started")
        .iter()
        .map(|e| e["data"]["attempt"].clone())
        .collect();
    assert_eq!(attempts, [1, 2]);
    assert_eq!(output_of(&log, "flaky", "stdout"), "ok\n");
}

#[test]
fn an_unreadable_stderr_does_not_turn_a_clean_end_into_a_crash() {
    let sb = Sandbox::new();
    let runbook = sb.runbook("quiet.md", "# Quiet\n```bash\necho done\n```\n");
    let mut child = sb
        .command(&["run", runbook.to_str().expect("path"), "--plain", "--yes"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Nobody reads stderr: every write to it fails (as on a terminal that hung up).
    drop(child.stderr.take());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    let recs = records(&sb.only_log());
    let end = events(&recs, "session_ended");
    assert_eq!(end[0]["data"]["outcome"], "completed");
}

#[test]
fn a_no_go_asks_why_and_records_it_on_the_gate() {
    let sb = Sandbox::new();
    sb.runbook(
        "gate.md",
        "---\ngates: in-place\n---\n# Gate\n## Go/No-Go\n- error rate below 1%\n## Rollback\n```bash\necho undo\n```\n",
    );
    let out = answered(
        &sb,
        &["run", "gate.md", "--plain"],
        "x\nerror rate at 4%\na\n",
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("NO-GO: why?"), "{stdout}");
    let log = records(&sb.only_log());
    let decided = events(&log, "gate_decided");
    assert_eq!(decided.len(), 1, "{stdout}");
    assert_eq!(decided[0]["data"]["decision"], "no_go");
    let notes = events(&log, "note");
    assert_eq!(notes.len(), 1, "{stdout}");
    assert_eq!(notes[0]["data"]["text"], "NO-GO because: error rate at 4%");
    assert_eq!(
        notes[0]["step"], decided[0]["step"],
        "the note is on the gate"
    );
}
