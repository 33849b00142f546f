//! A step on hosts on the full screen, in a real pseudo-terminal against the loopback
//! sshd: the host rows come up as the hosts run, `x` cancels the step on every host (no
//! remote process survives, checked on the server), and so does quitting mid-step; the
//! terminal is given back either way; leaving stops what steps left running on the
//! hosts, and the log's `driver_left` says so. Under `--yes`, Enter pressed while the next batch
//! waits for its `batch_wait` leaves the walk to the autopilot: every batch gate is
//! decided GO and the step is never offered again.

mod pty;
mod sshd;
mod support;

use pty::Term;
use sshd::Sshd;
use std::time::Duration;
use support::{Sandbox, events, records};

/// The full screen on `runbook`, its first step confirmed and running.
fn first_step_run(sshd: &Sshd, sb: &Sandbox, runbook: &str) -> Term {
    let audit = sb.audit_dir();
    let config = sshd.config();
    let mut term = Term::spawn(
        &[
            "run",
            runbook,
            "--ssh-config",
            config.to_str().expect("utf8"),
        ],
        sb.path(),
        &[("RUNBOOK_AUDIT_DIR", audit.as_os_str())],
    );
    term.wait_for("LIVE");
    term.send("\r");
    term.wait_for("Run this step?");
    term.send("y");
    term
}

/// The screen on a step that leaves `sleep 900` on three hosts, once all three run;
/// the token their processes carry.
fn sleepers(sshd: &Sshd, sb: &Sandbox) -> (Term, String) {
    let (name, value) = sshd::token();
    sb.runbook(
        "sleepy.md",
        &format!(
            r#"---
hosts:
  web: ["host[01:03]"]
---
# Sleep

```bash {{name=sleepy on=web}}
export {name}={value}
sleep 900 &
echo "sleeping on $RUNBOOK_TEST_HOST"
wait
```
"#
        ),
    );
    let mut term = first_step_run(sshd, sb, "sleepy.md");
    term.wait_for("3 running");
    term.wait_for("sleeping on host03");
    let token = format!("{name}={value}");
    wait_for_sleepers(&token);
    (term, token)
}

#[test]
fn cancel_on_the_screen_stops_the_step_on_every_host() {
    let sshd = Sshd::start(3);
    let sb = Sandbox::new();
    let (mut term, token) = sleepers(&sshd, &sb);
    term.send("x");
    term.wait_for("Cancel?");
    term.send("y");
    term.wait_for("3 failed");
    let left = sshd::gone(&token, Duration::from_secs(10));
    assert!(left.is_empty(), "left on the server: {left:?}");
    term.send("\x1b");
    term.send("q");
    term.wait_for("Quit?");
    term.send("l");
    let exit = term.wait_exit();
    exit.assert_terminal_restored();
    let records = records(&sb.only_log());
    let ends = events(&records, "host_finished");
    assert_eq!(ends.len(), 3);
    assert!(ends.iter().all(|e| e["data"]["cancelled"] == true));
}

#[test]
fn quitting_mid_step_leaves_nothing_running_on_any_host() {
    let sshd = Sshd::start(3);
    let sb = Sandbox::new();
    let (mut term, token) = sleepers(&sshd, &sb);
    term.send("q");
    term.wait_for("A step is running.");
    term.send("c");
    ends_leaving_nothing(term, &token);
    let records = records(&sb.only_log());
    assert_eq!(events(&records, "host_finished").len(), 3);
    assert_eq!(events(&records, "driver_left").len(), 1);
}

/// The app exits, the terminal given back, and no process with `token` is left on the
/// server.
fn ends_leaving_nothing(mut term: Term, token: &str) {
    let exit = term.wait_exit();
    exit.assert_terminal_restored();
    let left = sshd::gone(token, Duration::from_secs(10));
    assert!(left.is_empty(), "left on the server: {left:?}");
}

fn wait_for_sleepers(token: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while sshd::processes_with(token)
        .iter()
        .filter(|(_, cmd)| cmd.starts_with("sleep"))
        .count()
        < 3
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no sleeper on every host"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn under_the_autopilot_enter_between_batches_leaves_every_batch_gate_to_it() {
    let sshd = Sshd::start(5);
    let sb = Sandbox::new();
    sb.runbook(
        "rolling.md",
        r#"---
hosts:
  web: ["host[01:05]"]
---
# Roll out

```bash {name=restart on=web serial=1,2 max_fail=0 batch_gate=true batch_wait=2s}
echo "restarted on $RUNBOOK_TEST_HOST"
```

- [ ] The API answers
"#,
    );
    let audit = sb.audit_dir();
    let config = sshd.config();
    let mut term = Term::spawn(
        &[
            "run",
            "rolling.md",
            "--ssh-config",
            config.to_str().expect("utf8"),
            "--yes",
        ],
        sb.path(),
        &[("RUNBOOK_AUDIT_DIR", audit.as_os_str())],
    );
    for batch in ["batch 1/3 · 1 ok ·", "batch 2/3 · 3 ok ·"] {
        term.wait_for(batch);
        term.send("\r");
    }
    term.wait_for("walk finished");
    assert!(
        !term.contents().contains("Run this step?"),
        "{}",
        term.contents()
    );
    term.send("q");
    term.wait_exit().assert_terminal_restored();
    let records = records(&sb.only_log());
    assert_eq!(events(&records, "fleet_planned").len(), 1);
    assert_eq!(events(&records, "batch_started").len(), 3);
    let decided = events(&records, "batch_decided");
    assert_eq!(decided.len(), 2, "a GO after batches 1 and 2");
    assert!(decided.iter().all(|e| e["data"]["auto"] == true));
}

#[test]
fn leaving_stops_what_steps_left_on_the_hosts_and_the_log_says_so() {
    let sshd = Sshd::start(2);
    let sb = Sandbox::new();
    let (name, value) = sshd::token();
    sb.runbook(
        "service.md",
        &format!(
            r#"---
hosts:
  web: ["host[01:02]"]
---
# Services

```bash {{name=start on=web}}
export {name}={value}
nohup sleep 600 >/dev/null 2>&1 &
echo "started on $RUNBOOK_TEST_HOST"
```

```bash {{name=later}}
true
```
"#
        ),
    );
    let mut term = first_step_run(&sshd, &sb, "service.md");
    term.wait_for("2 ok");
    let token = format!("{name}={value}");
    assert_eq!(
        sshd::processes_with(&token).len(),
        2,
        "a service on each host"
    );
    term.send("q");
    term.wait_for("Quit?");
    term.send("l");
    ends_leaving_nothing(term, &token);
    let records = records(&sb.only_log());
    let left = events(&records, "driver_left");
    assert_eq!(left.len(), 1);
    assert_eq!(
        left[0]["data"]["stopped"],
        "stopped what steps left running on 2 hosts"
    );
}
