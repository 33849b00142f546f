//! Running run steps with separate pipes: process groups, streams, env carry-over,
//! timeouts, cancel and lingering background jobs.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{alive, collect, pids_in, request, run, run_with, tempdir};
use nix::unistd::getpgrp;
use runbook::exec::{ExecError, Exit, Limits, ProcessGroups, RunningStep, Stream, start};

#[test]
fn runs_in_own_group_with_exactly_the_given_env_and_cwd() {
    let dir = tempdir();
    let mut req = request(
        "ps -o pgid= -p $$; echo \"foo=$FOO home=${HOME-unset}\"; pwd; echo $#",
        dir.path(),
    );
    req.env.insert("FOO".to_owned(), "bar baz".to_owned());
    let run = run(req);
    let stdout = run.text(Stream::Stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let pgid: i32 = lines[0].trim().parse().expect("pgid");
    assert_eq!(pgid, run.outcome.pgid);
    assert_ne!(pgid, getpgrp().as_raw());
    assert_eq!(lines[1], "foo=bar baz home=unset");
    assert_eq!(
        Path::new(lines[2]),
        dir.path().canonicalize().expect("canonical")
    );
    assert_eq!(lines[3], "0", "the script sees no positional parameters");
    assert_eq!(run.outcome.exit, Exit::Code(0));
}

#[test]
fn stdout_and_stderr_arrive_as_separate_streams() {
    let dir = tempdir();
    let run = run(request("echo out; echo err >&2; echo out2", dir.path()));
    assert_eq!(run.text(Stream::Stdout), "out\nout2\n");
    assert_eq!(run.text(Stream::Stderr), "err\n");
}

#[test]
fn exports_and_cd_carry_over_to_the_next_step() {
    let dir = tempdir();
    let sub = dir.path().join("sub dir");
    fs::create_dir(&sub).expect("mkdir");
    let mut first = request(
        "export FOO=bar; export MULTI='a\nb=c'; cd 'sub dir'",
        dir.path(),
    );
    first.env.insert("GONE".to_owned(), "x".to_owned());
    first.script.push_str("; unset GONE");
    let first = run(first).outcome;
    let env = first.env_after.clone().expect("env captured");
    assert_eq!(env.get("FOO").map(String::as_str), Some("bar"));
    assert_eq!(env.get("MULTI").map(String::as_str), Some("a\nb=c"));
    assert!(!env.contains_key("GONE"));
    let cwd = first.cwd_after.clone().expect("cwd captured");
    assert_eq!(
        cwd.canonicalize().expect("c"),
        sub.canonicalize().expect("c")
    );

    let mut second = request("echo \"$FOO\"; pwd", &cwd);
    second.env = env;
    let out = run(second).text(Stream::Stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "bar");
    assert_eq!(
        PathBuf::from(lines[1]).canonicalize().expect("c"),
        sub.canonicalize().expect("c")
    );
}

#[test]
fn env_is_captured_after_exit_and_after_set_e_failure() {
    let dir = tempdir();
    let exited = run(request("export A=1; cd /; exit 3; echo never", dir.path())).outcome;
    assert_eq!(exited.exit, Exit::Code(3));
    assert_eq!(exited.env_after.expect("env")["A"], "1");
    assert_eq!(exited.cwd_after, Some(PathBuf::from("/")));

    let failed = run(request("set -e\nexport B=2\nfalse\necho never", dir.path()));
    assert_eq!(failed.outcome.exit, Exit::Code(1));
    assert_eq!(failed.text(Stream::Stdout), "");
    assert_eq!(failed.outcome.env_after.expect("env")["B"], "2");
}

#[test]
fn env_is_captured_even_when_the_script_sets_its_own_exit_trap() {
    let dir = tempdir();
    let run = run(request("trap 'echo bye' EXIT; export C=3", dir.path()));
    assert_eq!(run.text(Stream::Stdout), "bye\n");
    assert_eq!(run.outcome.env_after.expect("env")["C"], "3");
}

#[test]
fn wrapper_state_does_not_leak_into_env_after() {
    let dir = tempdir();
    let mut req = request("export MINE=1", dir.path());
    req.env.insert("SHLVL".to_owned(), "2".to_owned());
    let env = run(req).outcome.env_after.expect("env");
    let mut keys: Vec<&str> = env.keys().map(String::as_str).collect();
    keys.retain(|key| !matches!(*key, "PWD" | "OLDPWD"));
    assert_eq!(keys, ["MINE", "PATH", "SHLVL"]);
    assert_eq!(env["SHLVL"], "2", "SHLVL is not bumped step after step");
}

#[test]
fn script_text_runs_verbatim_without_splicing() {
    let dir = tempdir();
    let script = "printf '%s\\n' \"it's \\\"quoted\\\" \\$HOME\" '\"; exit 99; \"' \"$1\"\ncat <<'EOF'\n$(not run)\nEOF";
    let run = run(request(script, dir.path()));
    assert_eq!(
        run.text(Stream::Stdout),
        "it's \"quoted\" $HOME\n\"; exit 99; \"\n\n$(not run)\n"
    );
    assert_eq!(run.outcome.exit, Exit::Code(0));
}

#[test]
fn exit_status_is_the_scripts_and_last_lines_are_never_lost() {
    let dir = tempdir();
    let script = "sh -c 'for i in $(seq 1 1000); do echo $i; echo e$i >&2; done; exit 3'";
    for _ in 0..5 {
        let run = run(request(script, dir.path()));
        assert_eq!(run.outcome.exit, Exit::Code(3));
        let out: Vec<String> = (1..=1000).map(|i| i.to_string()).collect();
        let err: Vec<String> = (1..=1000).map(|i| format!("e{i}")).collect();
        assert_eq!(run.text(Stream::Stdout).lines().collect::<Vec<_>>(), out);
        assert_eq!(run.text(Stream::Stderr).lines().collect::<Vec<_>>(), err);
    }
}

#[test]
fn large_output_is_delivered_completely() {
    let dir = tempdir();
    let run = run(request("seq 1 300000", dir.path()));
    let out = run.text(Stream::Stdout);
    assert_eq!(out.lines().count(), 300_000);
    assert!(out.ends_with("299999\n300000\n"));
}

#[test]
fn timeout_terminates_the_whole_group() {
    let dir = tempdir();
    let pids = dir.path().join("pids");
    let mut req = request(
        "sleep 300 & echo $! >> pids; sleep 300 & echo $! >> pids; wait",
        dir.path(),
    );
    req.timeout = Some(Duration::from_secs(1));
    let groups = ProcessGroups::default();
    let run = run_with(req, Limits::default(), &groups);
    assert!(run.outcome.timed_out);
    assert!(!run.outcome.cancelled);
    assert_eq!(run.outcome.env_after, None);
    assert!(
        run.elapsed < Duration::from_secs(3),
        "took {:?}",
        run.elapsed
    );
    let pids = pids_in(&pids);
    assert_eq!(pids.len(), 2);
    for pid in pids {
        assert!(!alive(pid), "sleep {pid} outlived the step");
    }
    assert!(!run.outcome.lingering);
    assert!(groups.live().is_empty());
}

#[test]
fn cancel_terminates_the_step() {
    let dir = tempdir();
    let (tx, rx) = mpsc::sync_channel(runbook::exec::EVENT_BACKLOG);
    let begun = Instant::now();
    let step: RunningStep = start(
        request("echo started; sleep 300", dir.path()),
        tx,
        &ProcessGroups::default(),
    )
    .expect("step starts");
    assert_eq!(step.pid() as i32, step.pgid());
    thread::sleep(Duration::from_millis(200));
    step.cancel();
    let run = collect(&rx, begun);
    assert!(run.outcome.cancelled);
    assert!(!run.outcome.timed_out);
    assert_eq!(run.outcome.exit, Exit::Signal(15));
    assert_eq!(run.text(Stream::Stdout), "started\n");
    assert!(run.elapsed < Duration::from_secs(2));
    step.cancel();
}

#[test]
fn members_ignoring_sigterm_are_killed_after_the_grace_period() {
    let dir = tempdir();
    let mut req = request("trap '' TERM; sleep 300 & echo $! > pids; wait", dir.path());
    req.timeout = Some(Duration::from_millis(300));
    let limits = Limits {
        grace: Duration::from_millis(300),
        ..Limits::default()
    };
    let run = run_with(req, limits, &ProcessGroups::default());
    assert!(run.outcome.timed_out);
    assert_eq!(run.outcome.exit, Exit::Signal(9));
    assert!(run.elapsed >= Duration::from_millis(600));
    assert!(
        run.elapsed < Duration::from_secs(2),
        "took {:?}",
        run.elapsed
    );
    for pid in pids_in(&dir.path().join("pids")) {
        assert!(!alive(pid));
    }
}

#[test]
fn background_job_holding_the_pipes_lingers_without_hanging() {
    let dir = tempdir();
    let groups = ProcessGroups::default();
    let run = run_with(
        request("sleep 60 & echo $! > pids; echo done", dir.path()),
        Limits::default(),
        &groups,
    );
    assert_eq!(run.text(Stream::Stdout), "done\n");
    assert!(run.outcome.lingering);
    assert!(
        run.elapsed >= Duration::from_millis(300),
        "waited for the drain deadline"
    );
    assert!(
        run.elapsed < Duration::from_secs(2),
        "took {:?}",
        run.elapsed
    );
    assert_eq!(groups.live(), [run.outcome.pgid]);
    groups.terminate_all(Duration::from_secs(2));
    for pid in pids_in(&dir.path().join("pids")) {
        assert!(!alive(pid));
    }
    assert!(groups.live().is_empty());
}

#[test]
fn redirected_background_job_finishes_at_once_but_stays_registered() {
    let dir = tempdir();
    let groups = ProcessGroups::default();
    let script = "sleep 60 >/dev/null 2>&1 & echo $! > pids";
    let run = run_with(request(script, dir.path()), Limits::default(), &groups);
    assert!(run.outcome.lingering);
    assert!(
        run.elapsed < Duration::from_millis(250),
        "took {:?}",
        run.elapsed
    );
    assert_eq!(groups.live(), [run.outcome.pgid]);
    groups.terminate_all(Duration::from_secs(2));
    for pid in pids_in(&dir.path().join("pids")) {
        assert!(!alive(pid));
    }
}

#[test]
fn clean_step_is_not_lingering_and_is_released() {
    let dir = tempdir();
    let groups = ProcessGroups::default();
    let run = run_with(request("true", dir.path()), Limits::default(), &groups);
    assert!(!run.outcome.lingering);
    assert!(groups.live().is_empty());
}

#[test]
fn bad_cwd_is_a_clear_error() {
    let dir = tempdir();
    let missing = dir.path().join("missing");
    let (tx, _rx) = mpsc::sync_channel(runbook::exec::EVENT_BACKLOG);
    let groups = ProcessGroups::default();
    let err = start(request("true", &missing), tx.clone(), &groups).expect_err("fails");
    assert!(matches!(err, ExecError::Cwd { .. }));
    assert!(err.to_string().contains("missing"), "{err}");

    let file = dir.path().join("file");
    fs::write(&file, "").expect("write");
    let err = start(request("true", &file), tx, &groups).expect_err("fails");
    assert_eq!(
        err.to_string(),
        format!("working directory {} is not a directory", file.display())
    );
    assert!(groups.live().is_empty());
}

#[test]
fn a_slow_reader_gets_every_line_and_the_step_is_not_lingering() {
    let dir = common::tempdir();
    let groups = ProcessGroups::default();
    let (tx, rx) = std::sync::mpsc::sync_channel(runbook::exec::EVENT_BACKLOG);
    runbook::exec::start(common::request("seq 1 300000", dir.path()), tx, &groups).expect("start");
    let mut out = Vec::new();
    let outcome = loop {
        match rx.recv_timeout(common::PATIENCE).expect("event") {
            runbook::exec::ExecEvent::Output { bytes, .. } => {
                out.extend(bytes);
                std::thread::sleep(std::time::Duration::from_millis(40));
            }
            runbook::exec::ExecEvent::Finished(outcome) => break outcome,
            runbook::exec::ExecEvent::Assigned { .. } => {}
        }
    };
    let text = String::from_utf8(out).expect("utf8");
    assert_eq!(
        text.lines().count(),
        300_000,
        "every line arrives although the reader is slow"
    );
    assert_eq!(text.lines().last(), Some("300000"));
    assert!(!outcome.lingering);
}

/// A value the step's shell sets is reported before anything printed after it, and the
/// report itself never shows in the output.
#[test]
fn a_secret_set_by_the_step_is_reported_before_it_is_printed() {
    let dir = common::tempdir();
    let script = "echo start\nexport DB_TOKEN=$(printf 's3cr3t-%s' value); echo \"with $DB_TOKEN\"\n\
                  (API_KEY=k3y-in-a-subshell; echo \"sub $API_KEY\" >&2)\nset -x; echo traced";
    let run = common::run(common::request(script, dir.path()));
    let out = run.text(Stream::Stdout);
    let err = run.text(Stream::Stderr);
    assert!(
        out.contains("with s3cr3t-value"),
        "exec does not mask: {out}"
    );
    assert!(
        !out.contains('\x1b') && !err.contains('\x1b'),
        "no marker left: {out:?} {err:?}"
    );
    assert!(
        !err.contains("__runbook_watch") && !err.contains("__runbook_prev"),
        "the trap is not traced: {err}"
    );
    let chunk_with = |text: &str| {
        run.output
            .iter()
            .position(|(_, b)| String::from_utf8_lossy(b).contains(text))
            .expect("printed")
    };
    for (name, value, printed) in [
        ("DB_TOKEN", "s3cr3t-value", "with s3cr3t-value"),
        ("API_KEY", "k3y-in-a-subshell", "sub k3y-in-a-subshell"),
    ] {
        let reported = run
            .assigned
            .iter()
            .find(|(_, n, v)| n == name && v == value)
            .unwrap_or_else(|| panic!("{name} reported: {:?}", run.assigned));
        assert!(
            reported.0 <= chunk_with(printed),
            "{name} reported before it was printed"
        );
    }
}

#[test]
fn steps_that_cannot_set_a_secret_run_without_the_watch() {
    let dir = common::tempdir();
    let run = common::run(common::request("trap -p DEBUG; echo plain", dir.path()));
    assert_eq!(run.text(Stream::Stdout), "plain\n");
    assert!(run.assigned.is_empty());
}

/// Names the script text does not spell out (`export $(cat .env | xargs)`) are found by
/// reading the environment after such a command.
#[test]
fn a_secret_exported_under_a_computed_name_is_reported_before_it_is_printed() {
    let dir = common::tempdir();
    fs::write(dir.path().join(".env"), "API_TOKEN=tok-from-dotenv-123\n").expect(".env");
    let script = "export $(cat .env | xargs); echo \"api=$API_TOKEN\"";
    let run = common::run(common::request(script, dir.path()));
    let printed = run
        .output
        .iter()
        .position(|(_, b)| String::from_utf8_lossy(b).contains("api=tok"))
        .expect("printed");
    let reported = run
        .assigned
        .iter()
        .find(|(_, n, v)| n == "API_TOKEN" && v == "tok-from-dotenv-123")
        .unwrap_or_else(|| panic!("reported: {:?}", run.assigned));
    assert!(reported.0 <= printed, "reported before it was printed");
}

#[test]
fn with_errexit_a_failing_command_fails_the_step_and_nothing_after_it_runs() {
    let dir = tempdir();
    let mut req = request("false; echo after", dir.path());
    req.errexit = true;
    let stopped = run(req);
    assert_eq!(stopped.outcome.exit, Exit::Code(1));
    assert_eq!(stopped.text(Stream::Stdout), "");
    assert!(
        stopped.outcome.env_after.is_some(),
        "the environment is still captured"
    );

    let mut piped = request("false | cat; echo after", dir.path());
    piped.errexit = true;
    let piped = run(piped);
    assert_eq!(
        piped.outcome.exit,
        Exit::Code(1),
        "pipefail: a failing stage fails the pipeline"
    );
    assert_eq!(piped.text(Stream::Stdout), "");
}

#[test]
fn without_errexit_the_script_goes_on_after_a_failure() {
    let dir = tempdir();
    let went_on = run(request("false; echo after", dir.path()));
    assert_eq!(went_on.outcome.exit, Exit::Code(0));
    assert_eq!(went_on.text(Stream::Stdout), "after\n");
}

#[test]
fn a_placeholder_value_reaches_the_command_only_through_the_environment() {
    use runbook::doc::shell::placeholder::rewrite;
    let dir = tempdir();
    let (script, found) = rewrite("touch marker-<release name>\necho done\n");
    assert_eq!(found[0].env, "RELEASE_NAME");
    let mut filled = request(&script, dir.path());
    filled.env.insert(
        "RELEASE_NAME".into(),
        "$(touch pwned); `touch pwned2` x".into(),
    );
    let filled = run(filled);
    assert_eq!(
        filled.outcome.exit,
        Exit::Code(0),
        "{}",
        filled.text(Stream::Stderr)
    );
    assert!(!dir.path().join("pwned").exists() && !dir.path().join("pwned2").exists());
    assert!(
        dir.path()
            .join("marker-$(touch pwned); `touch pwned2` x")
            .exists()
    );

    let unfilled = run(request(&script, dir.path()));
    assert_ne!(unfilled.outcome.exit, Exit::Code(0));
    assert!(
        unfilled
            .text(Stream::Stderr)
            .contains("RELEASE_NAME: placeholder without a value")
    );
    assert_eq!(
        unfilled.text(Stream::Stdout),
        "",
        "nothing after the unfilled placeholder ran"
    );
}

/// The secret watch never trips `set -e`: the step runs as written, and still stops at
/// its own first failing command.
#[test]
fn the_secret_watch_and_errexit_keep_out_of_each_others_way() {
    let dir = tempdir();
    let mut req = request(
        "export DB_TOKEN=abcdefgh12; echo \"t=$DB_TOKEN\"; unset NOPE_KEY; echo on; false; echo after",
        dir.path(),
    );
    req.errexit = true;
    let run = run(req);
    assert_eq!(run.outcome.exit, Exit::Code(1));
    assert_eq!(run.text(Stream::Stdout), "t=abcdefgh12\non\n");
    assert!(run.assigned.iter().any(|(_, n, _)| n == "DB_TOKEN"));
}
