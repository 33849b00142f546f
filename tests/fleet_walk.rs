//! Sessions walking steps on hosts, against a real sshd on loopback (tests/sshd): rolling
//! batches stop after the batch where a host failed and never start the rest; `max_fail`
//! as a share keeps going; an unreachable alias is a failed host; each host keeps its
//! exports and directory; a cancelled session leaves nothing running on the server; a
//! driver killed with SIGKILL is resumed on the remaining hosts only. Everything is
//! checked in the audit log, `verify`, the exports and the replay.

mod sshd;
mod support;

use serde_json::Value;
use sshd::Sshd;
use std::path::Path;
use std::process::{Child, Output};
use std::time::{Duration, Instant};
use support::{Sandbox, events, records, text};

fn run_plain(sb: &Sandbox, sshd: &Sshd, runbook: &str) -> Output {
    let config = sshd.config();
    sb.run(&[
        "run",
        runbook,
        "--plain",
        "--yes",
        "--ssh-config",
        config.to_str().expect("utf8"),
    ])
}

fn spawn_plain(sb: &Sandbox, sshd: &Sshd, args: &[&str]) -> Child {
    let config = sshd.config();
    let mut all: Vec<&str> = args.to_vec();
    all.extend([
        "--plain",
        "--yes",
        "--ssh-config",
        config.to_str().expect("utf8"),
    ]);
    sb.command(&all)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runbook starts")
}

/// `runbook ARGS --plain` (no `--yes`) with `input` as the operator's answers.
fn answered(sb: &Sandbox, sshd: &Sshd, args: &[&str], input: &[u8]) -> Output {
    let config = sshd.config();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--plain", "--ssh-config", config.to_str().expect("utf8")]);
    let mut driver = sb
        .command(&all)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runbook starts");
    if let Some(mut stdin) = driver.stdin.take() {
        use std::io::Write;
        let _ = stdin.write_all(input);
    }
    driver.wait_with_output().expect("runbook ends")
}

/// The hosts of `kind` events, in log order.
fn hosts_of(records: &[Value], kind: &str) -> Vec<String> {
    events(records, kind)
        .iter()
        .filter_map(|r| r["data"]["host"].as_str().map(str::to_string))
        .collect()
}

fn sorted(mut hosts: Vec<String>) -> Vec<String> {
    hosts.sort();
    hosts
}

fn host_output(records: &[Value], host: &str) -> String {
    events(records, "host_output")
        .iter()
        .filter(|r| r["data"]["host"] == host)
        .filter_map(|r| r["data"]["text"].as_str())
        .collect()
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn said(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

const ROLLING: &str = r#"---
title: Rolling
hosts:
  web: ["host[01:05]"]
---
# Restart

```bash {name=restart on=web serial=1,2 max_fail=0 confirm=none}
echo "restarting on $RUNBOOK_TEST_HOST"
[ "$RUNBOOK_TEST_HOST" != host02 ] || { echo "api did not come back" >&2; exit 3; }
```
"#;

#[test]
fn a_failed_host_ends_the_rolling_step_after_its_batch_and_the_rest_never_start() {
    let sshd = Sshd::start(5);
    let sb = Sandbox::new();
    sb.runbook("rolling.md", ROLLING);
    let out = run_plain(&sb, &sshd, "rolling.md");
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let log = sb.only_log();
    let records = records(&log);
    assert_eq!(
        sorted(hosts_of(&records, "host_started")),
        ["host01", "host02", "host03"]
    );
    let batches: Vec<&Value> = events(&records, "batch_started");
    assert_eq!(batches.len(), 2, "batch 3 never started");
    assert_eq!(
        batches[1]["data"]["hosts"],
        serde_json::json!(["host02", "host03"])
    );
    let failed: Vec<&Value> = events(&records, "host_finished")
        .into_iter()
        .filter(|r| r["data"]["ok"] == false)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["data"]["host"], "host02");
    assert_eq!(failed[0]["data"]["exit_code"], 3);
    let stopped = events(&records, "fleet_stopped");
    assert_eq!(
        stopped[0]["data"]["never_started"],
        serde_json::json!(["host04", "host05"])
    );
    assert_eq!(host_output(&records, "host03"), "restarting on host03\n");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("host02 ! api did not come back"),
        "{stdout}"
    );
    assert!(stdout.contains("✗ host02 exit 3"), "{stdout}");
    assert!(
        stdout.contains("stopped: 1 of 5 hosts failed (max_fail 0); never started: host04, host05"),
        "{stdout}"
    );

    let path = log.to_str().expect("utf8");
    let verified = sb.run(&["verify", path]);
    assert_eq!(verified.status.code(), Some(0), "{}", said(&verified));
    let md = text(&sb.run(&["export", path, "--format", "md"]).stdout);
    assert!(md.contains("| host02 | ✗ failed | exit 3 |"), "{md}");
    assert!(md.contains("| host05 | · never started |"), "{md}");
    assert!(md.contains("host03 | restarting on host03"), "{md}");
    let cast = text(&sb.run(&["export", path, "--format", "cast"]).stdout);
    assert!(cast.contains("host01 | restarting on host01"), "{cast}");
    let replay = text(&sb.run(&["replay", "--plain", path]).stdout);
    assert!(
        replay.contains("restart host02 ▌ api did not come back"),
        "{replay}"
    );
    assert!(replay.contains("batch 2: 1 ok, 1 failed"), "{replay}");
    let state: Value =
        serde_json::from_slice(&sb.run(&["replay", "--json-state", path]).stdout).expect("json");
    let hosts = &state["steps"][0]["hosts"];
    assert_eq!(hosts[1]["host"], "host02");
    assert_eq!(hosts[1]["state"], "failed");
    assert_eq!(hosts[4]["state"], "never started");
}

#[test]
fn max_fail_as_a_share_keeps_going_and_an_unreachable_host_counts_as_failed() {
    let sshd = Sshd::start(7);
    let sb = Sandbox::new();
    sb.runbook(
        "share.md",
        r#"---
hosts:
  web: ["host[01:07]", dead]
---
# Restart

```bash {name=restart on=web serial=2 max_fail=25% batch_gate=true confirm=none}
[ "$RUNBOOK_TEST_HOST" != host02 ] || exit 1
echo "ok on $RUNBOOK_TEST_HOST"
```
"#,
    );
    let out = run_plain(&sb, &sshd, "share.md");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let records = records(&sb.only_log());
    assert_eq!(
        hosts_of(&records, "host_finished").len(),
        8,
        "every host ran"
    );
    let dead = events(&records, "host_finished")
        .into_iter()
        .find(|r| r["data"]["host"] == "dead")
        .expect("dead finished");
    assert_eq!(dead["data"]["ok"], false);
    let failure = dead["data"]["failure"].as_str().unwrap_or_default();
    assert!(failure.starts_with("unreachable: "), "{failure}");
    let decided = events(&records, "batch_decided");
    assert_eq!(decided.len(), 3, "GO after each batch but the last");
    assert!(
        decided
            .iter()
            .all(|d| d["data"]["decision"] == "go" && d["data"]["auto"] == true)
    );
    let finished = events(&records, "step_finished");
    assert_eq!(finished[0]["data"]["ok"], true);
    assert!(
        text(&out.stdout).contains("✓ restart on hosts: 6 ok · 2 failed"),
        "{}",
        said(&out)
    );
}

#[test]
fn each_host_keeps_its_own_exports_and_directory_and_gets_the_parameters() {
    let sshd = Sshd::start(3);
    let sb = Sandbox::new();
    let base = sb.path().join("carry");
    let text = r#"---
params:
  version: {default: v2.1}
hosts:
  web: ["host[01:03]"]
---
# Carry

```bash {name=set on=web confirm=none}
export STAMP="stamp-$RUNBOOK_TEST_HOST"
mkdir -p "BASE-$RUNBOOK_TEST_HOST" && cd "BASE-$RUNBOOK_TEST_HOST"
```

```bash {name=get on=web confirm=none}
echo "$STAMP in $(pwd) for $VERSION; home ${HOME:+set}"
```
"#;
    let base_text = base.display().to_string();
    sb.runbook("carry.md", &text.replace("BASE", &base_text));
    let out = run_plain(&sb, &sshd, "carry.md");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let records = records(&sb.only_log());
    for n in 1..=3 {
        let host = Sshd::alias(n);
        assert!(
            host_output(&records, &host).contains(&format!(
                "stamp-{host} in {base_text}-{host} for v2.1; home set"
            )),
            "{host}: {}",
            host_output(&records, &host)
        );
    }
}

#[test]
fn a_session_stopped_mid_step_leaves_nothing_running_on_any_host() {
    let sshd = Sshd::start(3);
    let sb = Sandbox::new();
    let (name, value) = sshd::token();
    sb.runbook(
        "sleepy.md",
        &format!(
            r#"---
hosts:
  web: ["host[01:03]"]
---
# Sleep

```bash {{name=sleepy on=web confirm=none}}
export {name}={value}
sleep 900 &
echo "sleeping on $RUNBOOK_TEST_HOST"
wait
```
"#
        ),
    );
    let driver = spawn_plain(&sb, &sshd, &["run", "sleepy.md"]);
    let token = format!("{name}={value}");
    wait_for("a sleeper on every host", || {
        sshd::processes_with(&token)
            .iter()
            .filter(|(_, cmd)| cmd.starts_with("sleep"))
            .count()
            == 3
    });
    let pid = nix::unistd::Pid::from_raw(i32::try_from(driver.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("SIGINT");
    let out = driver.wait_with_output().expect("driver ends");
    let left = sshd::gone(&token, Duration::from_secs(10));
    assert!(
        left.is_empty(),
        "left on the server: {left:?}\n{}",
        said(&out)
    );
    let records = records(&sb.only_log());
    let ends = events(&records, "host_finished");
    assert_eq!(ends.len(), 3, "{}", said(&out));
    assert!(ends.iter().all(|e| e["data"]["ok"] == false));
}

/// A session of a step on three hosts, one per batch, whose driver was killed with
/// SIGKILL between the first batch and the second: the server, the sandbox, the log.
fn killed_after_the_first_batch() -> (Sshd, Sandbox, std::path::PathBuf) {
    let sshd = Sshd::start(3);
    let sb = Sandbox::new();
    sb.runbook(
        "slow.md",
        r#"---
hosts:
  web: ["host[01:03]"]
---
# Roll

```bash {name=roll on=web serial=1 batch_wait=3s confirm=none}
echo "rolled $RUNBOOK_TEST_HOST"
```
"#,
    );
    let mut driver = spawn_plain(&sb, &sshd, &["run", "slow.md"]);
    wait_for("the first batch's end", || {
        sb.logs()
            .first()
            .is_some_and(|log| !events(&records(log), "batch_finished").is_empty())
    });
    driver.kill().expect("SIGKILL the driver");
    let _ = driver.wait();
    let log = sb.only_log();
    (sshd, sb, log)
}

#[test]
fn a_driver_killed_between_batches_is_resumed_on_the_remaining_hosts_only() {
    let (sshd, sb, log) = killed_after_the_first_batch();
    let id = log
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("id")
        .to_string();
    let out = resume(&sb, &sshd, &id);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let records = records(&log);
    assert_eq!(
        hosts_of(&records, "host_started"),
        ["host01", "host02", "host03"],
        "host01 ran once, before the kill"
    );
    let plans = events(&records, "fleet_planned");
    assert_eq!(plans.len(), 2);
    assert_eq!(plans[1]["data"]["remaining_only"], true);
    assert_eq!(
        plans[1]["data"]["run"],
        serde_json::json!(["host02", "host03"])
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("on the remaining hosts only: 2 of 3 (host02, host03; already ok: host01)"),
        "{stdout}"
    );
    let verified = sb.run(&["verify", log.to_str().expect("utf8")]);
    assert_eq!(verified.status.code(), Some(0), "{}", said(&verified));
}

#[test]
fn the_rerun_question_names_only_the_hosts_that_will_run() {
    let (sshd, sb, log) = killed_after_the_first_batch();
    let out = answered(&sb, &sshd, &["resume", log.to_str().expect("utf8")], b"y\n");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "Run it on the remaining hosts only (remaining 2 of 3: host02, host03 · batches 1,1 · max_fail 0)?"
        ),
        "{stdout}"
    );
    assert_eq!(
        hosts_of(&records(&log), "host_started"),
        ["host01", "host02", "host03"]
    );
}

fn resume(sb: &Sandbox, sshd: &Sshd, id: &str) -> Output {
    spawn_plain(sb, sshd, &["resume", id])
        .wait_with_output()
        .expect("resume ends")
}

#[test]
fn a_host_cut_off_mid_run_is_offered_again_with_the_remaining_hosts_only() {
    let sshd = Sshd::start(3);
    let sb = Sandbox::new();
    sb.runbook(
        "cut.md",
        r#"---
hosts:
  web: ["host[01:03]"]
---
# Roll

```bash {name=roll on=web serial=1 confirm=none}
echo "rolled $RUNBOOK_TEST_HOST"
[ "$RUNBOOK_TEST_HOST" = host01 ] || sleep 2
```
"#,
    );
    let mut driver = spawn_plain(&sb, &sshd, &["run", "cut.md"]);
    wait_for("host02's start", || {
        sb.logs()
            .first()
            .is_some_and(|log| hosts_of(&records(log), "host_started").len() == 2)
    });
    driver.kill().expect("SIGKILL the driver");
    let _ = driver.wait();
    let log = sb.only_log();
    let path = log.to_str().expect("utf8");
    let unattended = resume(&sb, &sshd, path);
    assert_eq!(unattended.status.code(), Some(1), "{}", said(&unattended));
    assert!(
        text(&unattended.stdout).contains("? host02 interrupted"),
        "the autopilot shows the hosts and leaves it to the operator: {}",
        said(&unattended)
    );
    let out = answered(&sb, &sshd, &["resume", path], b"y\n");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        text(&out.stdout).contains(
            "Run it on the remaining hosts only (remaining 2 of 3: host02, host03 · batches 1,1 · max_fail 0)?"
        ),
        "{}",
        said(&out)
    );
    let records = records(&log);
    let plans = events(&records, "fleet_planned");
    let last = plans.last().expect("a plan");
    assert_eq!(last["data"]["run"], serde_json::json!(["host02", "host03"]));
    assert_eq!(last["data"]["remaining_only"], true);
}

#[test]
fn the_bundled_rolling_restart_runs_against_the_loopback_fleet() {
    let sshd = Sshd::start(5);
    let sb = Sandbox::new();
    let text_of = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/rolling-restart.md"),
    )
    .expect("bundled runbook");
    sb.runbook("rolling-restart.md", &text_of);
    let sandbox = sb.path().join("rr");
    let param = format!("sandbox={}", sandbox.display());
    let config = sshd.config();
    let out = sb.run(&[
        "run",
        "rolling-restart.md",
        "--plain",
        "--yes",
        "--param",
        &param,
        "--ssh-config",
        config.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let records = records(&sb.only_log());
    let restarted: Vec<&Value> = events(&records, "host_finished")
        .into_iter()
        .filter(|r| r["step"] == "restart-api")
        .collect();
    assert_eq!(restarted.len(), 5);
    assert!(restarted.iter().all(|r| r["data"]["ok"] == true));
    assert_eq!(
        events(&records, "batch_decided").len(),
        2,
        "GO after the canary and batch 2"
    );
    for n in 1..=5 {
        let host = Sshd::alias(n);
        assert!(
            host_output(&records, &host).contains(&format!("{}-{host}: v2.4.1", sandbox.display())),
            "{host}: {}",
            host_output(&records, &host)
        );
    }
}

#[test]
fn a_host_over_its_timeout_is_stopped_there_and_failed() {
    let sshd = Sshd::start(2);
    let sb = Sandbox::new();
    let (name, value) = sshd::token();
    sb.runbook(
        "slow.md",
        &format!(
            r#"---
hosts:
  web: [host01, host02]
---
# Slow

```bash {{name=slow on=web timeout=3s max_fail=1 confirm=none}}
export {name}={value}
[ "$RUNBOOK_TEST_HOST" = host01 ] || sleep 900
echo "done on $RUNBOOK_TEST_HOST"
```
"#
        ),
    );
    let out = run_plain(&sb, &sshd, "slow.md");
    assert_eq!(
        out.status.code(),
        Some(0),
        "max_fail=1 lets one host fail: {}",
        said(&out)
    );
    let records = records(&sb.only_log());
    let slow = events(&records, "host_finished")
        .into_iter()
        .find(|r| r["data"]["host"] == "host02")
        .expect("host02 ended");
    assert_eq!(slow["data"]["timed_out"], true);
    assert_eq!(slow["data"]["ok"], false);
    let left = sshd::gone(&format!("{name}={value}"), Duration::from_secs(5));
    assert!(left.is_empty(), "left on the server: {left:?}");
    assert!(
        text(&out.stdout).contains("✗ host02 timed out"),
        "{}",
        said(&out)
    );
}

#[test]
fn no_go_between_batches_stops_the_step_and_the_rest_never_start() {
    let sshd = Sshd::start(3);
    let sb = Sandbox::new();
    sb.runbook(
        "gated.md",
        r#"---
hosts:
  web: ["host[01:03]"]
---
# Gated

```bash {name=gated on=web serial=1 batch_gate=true confirm=none}
echo "ran on $RUNBOOK_TEST_HOST"
```
"#,
    );
    let out = answered(&sb, &sshd, &["run", "gated.md"], b"g\nx\n");
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let records = records(&sb.only_log());
    assert_eq!(hosts_of(&records, "host_started"), ["host01", "host02"]);
    let decided = events(&records, "batch_decided");
    assert_eq!(decided.len(), 2);
    assert_eq!(decided[1]["data"]["decision"], "no_go");
    assert_eq!(decided[1]["data"]["auto"], false);
    let stopped = events(&records, "fleet_stopped");
    assert_eq!(stopped[0]["data"]["reason"], "NO-GO after batch 2");
    assert_eq!(
        stopped[0]["data"]["never_started"],
        serde_json::json!(["host03"])
    );
    assert!(
        text(&out.stdout).contains("Batch 1 of 3 done. Next batch?"),
        "{}",
        said(&out)
    );
}
