//! What a step on a host starts outside its process group (`setsid`, `nohup setsid` with
//! TERM ignored) does not outlive the session: not when the session completes, not when
//! the driver was killed and the session was resumed. Checked on the loopback sshd's side
//! in /proc, and in the audit log's last word.

mod sshd;
mod support;

use sshd::Sshd;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use support::{Sandbox, events, records, text};

/// A runbook whose first step, on `host[01:02]`, leaves two processes outside its group
/// with the test's token, then (when `hold`) a second step that waits long enough to be
/// killed in.
fn escaping_runbook(name: &str, value: &str, hold: bool) -> String {
    let second = if hold {
        "\n```bash {name=hold confirm=none}\nsleep 3\n```\n"
    } else {
        ""
    };
    format!(
        r#"---
hosts:
  web: ["host[01:02]"]
---
# Escapes

```bash {{name=escape on=web confirm=none}}
export {name}={value}
setsid sleep 9123 >/dev/null 2>&1 &
nohup setsid bash -c 'trap "" TERM HUP; sleep 9124' >/dev/null 2>&1 &
echo "left two on $RUNBOOK_TEST_HOST"
```
{second}"#
    )
}

fn plain(sb: &Sandbox, sshd: &Sshd, args: &[&str]) -> std::process::Command {
    let config = sshd.config();
    let mut all: Vec<&str> = args.to_vec();
    all.extend([
        "--plain",
        "--yes",
        "--ssh-config",
        config.to_str().expect("utf8"),
    ]);
    let mut command = sb.command(&all);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    command
}

fn said(out: &Output) -> String {
    format!("{}\n{}", text(&out.stdout), text(&out.stderr))
}

fn session_end_reason(sb: &Sandbox) -> String {
    let records = records(&sb.only_log());
    let ends = events(&records, "session_ended");
    ends.last()
        .and_then(|e| e["data"]["reason"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_completed_session_leaves_nothing_on_its_hosts_even_outside_the_steps_group() {
    let sshd = Sshd::start(2);
    let sb = Sandbox::new();
    let (name, value) = sshd::token();
    sb.runbook("escape.md", &escaping_runbook(&name, &value, false));
    let out = plain(&sb, &sshd, &["run", "escape.md"])
        .output()
        .expect("runbook runs");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let token = format!("{name}={value}");
    let left = sshd::gone(&token, Duration::from_secs(10));
    assert!(
        left.is_empty(),
        "left on the server: {left:?}\n{}",
        said(&out)
    );
    let reason = session_end_reason(&sb);
    assert!(
        reason.contains("stopped what steps left running on 2 hosts"),
        "the log says what was stopped: {reason}"
    );
    assert!(
        text(&out.stdout).contains(
            "session completed: all steps done; stopped what steps left running on 2 hosts"
        ),
        "and so does the screen: {}",
        said(&out)
    );
}

#[test]
fn a_resumed_session_stops_what_the_killed_driver_left_on_its_hosts() {
    let sshd = Sshd::start(2);
    let sb = Sandbox::new();
    let (name, value) = sshd::token();
    sb.runbook("escape.md", &escaping_runbook(&name, &value, true));
    let token = format!("{name}={value}");
    let mut driver = plain(&sb, &sshd, &["run", "escape.md"])
        .spawn()
        .expect("runbook starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while sshd::processes_with(&token).len() < 4 {
        assert!(Instant::now() < deadline, "both hosts left their two");
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = sb.only_log();
    while events(&records(&log), "step_started").len() < 2 {
        assert!(Instant::now() < deadline, "the second step started");
        std::thread::sleep(Duration::from_millis(50));
    }
    driver.kill().expect("SIGKILL the driver");
    let _ = driver.wait();
    assert_eq!(
        sshd::processes_with(&token).len(),
        4,
        "a killed driver could stop nothing"
    );
    let id = sb.only_session();
    let mut resumed = plain(&sb, &sshd, &["resume", &id]);
    let out = resumed.output().expect("resume ends");
    let left = sshd::gone(&token, Duration::from_secs(10));
    assert!(
        left.is_empty(),
        "left on the server: {left:?}\n{}",
        said(&out)
    );
    let verified = sb.run(&["verify", log.to_str().expect("utf8")]);
    assert_eq!(verified.status.code(), Some(0), "{}", said(&verified));
}
