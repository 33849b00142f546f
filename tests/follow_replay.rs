//! `runbook follow` and `runbook replay` against real sessions: a follower in
//! another process ends with the fold the driver ended with — live, across a
//! crash and a resume (with a torn line cut off), and from standard input —
//! and a replay of a recorded session ends where the live run did.

mod support;

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use support::{Sandbox, events, records, text};

const PATIENCE: Duration = Duration::from_secs(30);

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sessions/release-drill.jsonl")
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for a child with a deadline; its exit code and stdout.
fn finish(child: Child, what: &str) -> (Option<i32>, String) {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(PATIENCE) {
        Ok(out) => {
            let out = out.expect("wait");
            (out.status.code(), text(&out.stdout))
        }
        Err(_) => {
            if let Ok(pid) = i32::try_from(pid) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
            panic!("{what} did not exit");
        }
    }
}

/// The folded state `replay --json-state` gives for a finished log.
fn replayed_state(sb: &Sandbox, log: &Path) -> Value {
    let out = sb.run(&["replay", "--json-state", &log.display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("state JSON")
}

fn state_of(stdout: &str) -> Value {
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn step<'a>(state: &'a Value, id: &str) -> &'a Value {
    state["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["id"] == id))
        .unwrap_or_else(|| panic!("no step {id} in {state}"))
}

/// A follower of the sandbox's only session, once its log exists.
fn follower(sb: &Sandbox, args: &[&str]) -> Child {
    wait_for("the session log", || !sb.logs().is_empty());
    let id = sb
        .only_log()
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let mut all = vec!["follow"];
    all.extend_from_slice(args);
    all.push(&id);
    sb.command(&all)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn follower")
}

const PAIRING: &str = r#"# Pairing drill

## Steps

- [ ] Both engineers on the call

```bash {name=hold}
while [ ! -e go ]; do sleep 0.05; done
echo "released"
```

```bash {name=work}
for i in 1 2 3 4 5; do echo "work $i"; sleep 0.1; done
```

```bash {name=flaky on_fail=continue}
echo "flaky: failing on purpose" >&2
exit 4
```

```runbook
- wait: 1m
```

## Go/No-Go

- Work finished

## Wrap-up

```bash {name=last}
echo "all done"
```
"#;

#[test]
fn a_follower_ends_with_the_drivers_state() {
    let sb = Sandbox::new();
    sb.runbook("pairing.md", PAIRING);
    let driver = sb
        .command(&[
            "run",
            "pairing.md",
            "--plain",
            "--yes",
            "--skip-waits",
            "--operator",
            "ana",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn driver");
    let follow = follower(&sb, &["--json-state"]);
    let plain = follower(&sb, &["--plain"]);
    std::fs::write(sb.path().join("go"), "").expect("release the driver");
    let (driver_code, driver_out) = finish(driver, "the driver");
    assert_eq!(driver_code, Some(0), "{driver_out}");
    let (code, followed) = finish(follow, "the follower");
    assert_eq!(code, Some(0), "the session completed: {followed}");
    let (_, lines) = finish(plain, "the plain follower");

    let followed = state_of(&followed);
    assert_eq!(followed, replayed_state(&sb, &sb.only_log()));
    assert_eq!(followed["outcome"], "completed");
    assert_eq!(step(&followed, "hold")["output_last_line"], "released");
    assert_eq!(step(&followed, "work")["output_bytes"], 35);
    let flaky = step(&followed, "flaky");
    assert_eq!(
        (&flaky["status"], &flaky["exit_code"]),
        (&Value::from("skipped"), &Value::from(4))
    );
    assert_eq!(step(&followed, "2#1")["decision"], "go");
    assert_eq!(step(&followed, "last")["status"], "done");
    // The driver's own summary says the same.
    let tally = driver_out
        .lines()
        .find(|l| l.starts_with("steps: "))
        .expect("driver summary");
    assert!(lines.contains(tally), "{lines}");
    assert!(lines.contains("work           │ work 3"), "{lines}");
    assert!(
        lines.contains("flaky          ▌ flaky: failing on purpose"),
        "{lines}"
    );
    assert!(
        lines.contains("session completed: 6 done, 1 failed and skipped"),
        "{lines}"
    );
}

const CRASH: &str = r#"# Crash drill

- [ ] Ready

```bash {name=slow}
if [ -e resumed ]; then echo "quick this time"; else echo $$ > pid; echo "started"; touch started; sleep 30; fi
```

```bash {name=after}
echo "after the crash"
```
"#;

#[test]
fn a_follower_keeps_following_across_a_crash_a_torn_line_and_a_resume() {
    let sb = Sandbox::new();
    sb.runbook("crash.md", CRASH);
    let mut driver = sb
        .command(&["run", "crash.md", "--plain", "--yes", "--skip-waits"])
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn driver");
    let follow = follower(&sb, &["--json-state"]);
    wait_for("the slow step", || sb.path().join("started").exists());
    driver.kill().expect("kill -9 the driver");
    let _ = driver.wait();
    // The step's shell leads its own process group: stop that group (and only it).
    let pgid: i32 = std::fs::read_to_string(sb.path().join("pid"))
        .expect("step pid")
        .trim()
        .parse()
        .expect("a pid");
    assert!(pgid > 1, "a real process group");
    let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
    // The crash left half a record behind; the follower must wait it out.
    let log = sb.only_log();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .expect("log");
    file.write_all(br#"{"seq":99,"ts":"2026-11-22T09"#)
        .expect("torn line");
    drop(file);
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(sb.path().join("resumed"), "").expect("marker");
    // `--yes` never runs the interrupted step again by itself: it stops for the operator.
    let auto = sb.run(&[
        "resume",
        &log.display().to_string(),
        "--plain",
        "--yes",
        "--skip-waits",
    ]);
    assert_eq!(auto.status.code(), Some(1), "{}", text(&auto.stdout));
    assert!(
        text(&auto.stdout).contains("never run again automatically"),
        "{}",
        text(&auto.stdout)
    );
    // The operator decides: run it again (and confirms the step after it).
    let mut resume = sb
        .command(&[
            "resume",
            &log.display().to_string(),
            "--plain",
            "--skip-waits",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("resume");
    resume
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"y\ny\n")
        .expect("answers: run it again, then the next step");
    let resume = resume.wait_with_output().expect("resumed");
    assert_eq!(resume.status.code(), Some(0), "{}", text(&resume.stdout));
    let (code, followed) = finish(follow, "the follower");
    assert_eq!(code, Some(0), "{followed}");

    let followed = state_of(&followed);
    assert_eq!(followed, replayed_state(&sb, &log));
    assert_eq!(followed["outcome"], "completed");
    let slow = step(&followed, "slow");
    assert_eq!(
        (&slow["status"], &slow["attempts"]),
        (&Value::from("done"), &Value::from(2))
    );
    assert_eq!(slow["output_last_line"], "quick this time");
    assert_eq!(step(&followed, "after")["status"], "done");
    let recs = records(&log);
    assert_eq!(
        events(&recs, "log_repaired").len(),
        1,
        "the torn line was cut"
    );
    assert_eq!(events(&recs, "step_interrupted").len(), 1);
}

#[test]
fn follow_dash_reads_the_log_from_standard_input() {
    let sb = Sandbox::new();
    let bytes = std::fs::read(fixture()).expect("fixture");
    let mut child = sb
        .command(&["follow", "-", "--plain"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn follower");
    let mut stdin = child.stdin.take().expect("stdin");
    // In pieces that cut lines in half, as a slow `ssh … tail -f` delivers them.
    for piece in bytes.chunks(777) {
        stdin.write_all(piece).expect("write");
        stdin.flush().expect("flush");
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(stdin);
    let (code, out) = finish(child, "follow -");
    assert_eq!(code, Some(1), "a rolled-back session exits 1: {out}");
    assert!(out.starts_with("session release-drill-"), "{out}");
    assert!(out.contains("preflight      │ check 2 ok"), "{out}");
    assert!(
        out.contains("deploy-api     ▌ error: replica 2 failed readiness"),
        "{out}"
    );
    assert!(
        out.contains("gate_decided     decision: GO automatically (--yes)"),
        "{out}"
    );
    assert!(
        out.contains("steps: 6 done, 1 failed, 1 not reached"),
        "{out}"
    );

    let mut json = sb
        .command(&["follow", "-", "--json-state"])
        .stdin(std::fs::File::open(fixture()).expect("fixture"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    json.stdin.take();
    let (_, state) = finish(json, "follow - --json-state");
    assert_eq!(state_of(&state), replayed_state(&sb, &fixture()));
}

/// What a run decided, without what varies between runs (timings, chunking).
fn decisions(state: &Value) -> Value {
    let steps: Vec<Value> = state["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            serde_json::json!([
                s["id"],
                s["status"],
                s["attempts"],
                s["exit_code"],
                s["decision"],
                s["output_bytes"],
                s["output_last_line"],
                s["reason"]
            ])
        })
        .collect();
    serde_json::json!([
        state["outcome"],
        state["in_rollback"],
        state["current"],
        steps
    ])
}

#[test]
fn replaying_the_recorded_fixture_ends_where_the_live_run_ends() {
    let sb = Sandbox::new();
    let recorded = replayed_state(&sb, &fixture());
    insta::assert_json_snapshot!("release_drill_final_state", recorded);
    let runbook = fixture().with_extension("md");
    let live = sb.run(&[
        "run",
        &runbook.display().to_string(),
        "--plain",
        "--yes",
        "--skip-waits",
        "--operator",
        "ana",
    ]);
    assert_eq!(
        live.status.code(),
        Some(1),
        "the drill rolls back: {}",
        text(&live.stdout)
    );
    assert_eq!(
        decisions(&replayed_state(&sb, &sb.only_log())),
        decisions(&recorded)
    );

    let plain = sb.run(&["replay", "--plain", &fixture().display().to_string()]);
    assert_eq!(plain.status.code(), Some(0));
    let out = text(&plain.stdout);
    assert!(
        out.contains("+00:00.964  deploy-api     step_finished    FAILED: exit 3 after 314ms"),
        "{out}"
    );
    assert!(
        out.contains(
            "rollback_entered ROLLBACK entered: step deploy-api failed (exit 3); on_fail=rollback"
        ),
        "{out}"
    );
    assert_eq!(
        out.lines()
            .filter(|l| l.contains(" │ ") || l.contains(" ▌ "))
            .count(),
        8,
        "{out}"
    );
}

#[test]
fn follow_and_replay_refuse_what_is_not_a_session() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.audit_dir()).expect("audit dir");
    let out = sb.run(&["replay", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no session \"nope\""),
        "{}",
        text(&out.stderr)
    );
    let out = sb.run(&["follow", "--latest", "--plain"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no sessions recorded"),
        "{}",
        text(&out.stderr)
    );
    let out = sb.run(&["replay", "--speed", "100", &fixture().display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("out of range"),
        "{}",
        text(&out.stderr)
    );
}
