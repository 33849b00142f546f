//! Handing a session on: one driver at a time, and the offer to resume.

mod support;

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::{Sandbox, events, records, text};

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_driver_is_refused_while_the_first_holds_the_session() {
    let sb = Sandbox::new();
    let started = sb.path().join("started");
    sb.runbook(
        "hold.md",
        &format!(
            "# Hold\n```bash\ntouch {}\nsleep 3\n```\n",
            started.display()
        ),
    );
    let mut first = sb
        .command(&["run", "hold.md", "--plain", "--yes"])
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for("the first step", || started.exists());
    let log = sb.only_log();
    let second = sb.run(&["resume", log.to_str().expect("utf8"), "--plain", "--yes"]);
    assert_eq!(second.status.code(), Some(2));
    assert!(
        text(&second.stderr).contains("already being driven by"),
        "names the holder: {}",
        text(&second.stderr)
    );
    assert_eq!(first.wait().expect("wait").code(), Some(0));
    let sessions = text(&sb.run(&["sessions"]).stdout);
    assert!(sessions.contains("completed"), "{sessions}");
}

#[test]
fn running_a_runbook_again_offers_to_resume_its_unfinished_session() {
    let sb = Sandbox::new();
    let started = sb.path().join("started");
    sb.runbook(
        "offer.md",
        &format!(
            "# Offer\n```bash {{name=slow}}\ntouch {}\nsleep 30\n```\n- [ ] Dashboards green\n",
            started.display()
        ),
    );
    let mut killed = sb
        .command(&["run", "offer.md", "--plain", "--yes"])
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for("the slow step", || started.exists());
    killed.kill().expect("kill -9");
    let _ = killed.wait();
    std::fs::remove_file(&started).expect("rm");
    let sessions = text(&sb.run(&["sessions"]).stdout);
    assert!(sessions.contains("interrupted"), "{sessions}");

    let mut again = sb
        .command(&["run", "offer.md", "--plain"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    again
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"r\nm\ny\n")
        .expect("answers");
    let out = again.wait_with_output().expect("finish");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("An unfinished session of this runbook exists"),
        "{stdout}"
    );
    assert!(
        stdout.contains("This step was running when the session stopped"),
        "{stdout}"
    );
    let log = records(&sb.only_log());
    assert_eq!(events(&log, "session_resumed").len(), 1);
    assert_eq!(events(&log, "step_interrupted")[0]["step"], "slow");
    assert_eq!(events(&log, "step_marked_done")[0]["step"], "slow");
    assert_eq!(events(&log, "check_confirmed")[0]["data"]["auto"], false);
    assert_eq!(
        events(&log, "session_ended")[0]["data"]["outcome"],
        "completed"
    );
}

/// SIGKILL gives the driver no chance to stop its running step; `resume` stops what is left.
#[test]
fn resume_stops_what_a_killed_driver_left_running() {
    let sb = Sandbox::new();
    let pid_file = sb.path().join("bg.pid");
    let runbook = sb.runbook(
        "slow.md",
        &format!(
            "# Slow\n```bash {{name=slow}}\nsleep 300 & echo $! > {}\nsleep 300\n```\n",
            pid_file.display()
        ),
    );
    let mut driver = sb
        .command(&["run", runbook.to_str().expect("path"), "--plain", "--yes"])
        .stdout(Stdio::null())
        .spawn()
        .expect("the driver starts");
    wait_for("the step's background process", || {
        std::fs::read_to_string(&pid_file).is_ok_and(|s| s.ends_with('\n'))
    });
    // The group is recorded just after the step starts; a kill before that leaves no trace.
    wait_for("the step's process group in the log", || {
        sb.logs()
            .first()
            .is_some_and(|log| !events(&records(log), "step_process").is_empty())
    });
    driver.kill().expect("SIGKILL the driver");
    driver.wait().expect("reaped");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .expect("pid")
        .trim()
        .parse()
        .expect("a pid");
    let alive = |pid: i32| nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
    assert!(alive(pid), "SIGKILL left the step's process running");
    let log = sb.only_log();
    let id = log
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("id")
        .to_string();
    let mut resume = sb
        .command(&["resume", &id, "--plain"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("resume starts");
    resume
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"q\n")
        .expect("answer");
    let out = resume.wait_with_output().expect("resume ends");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    wait_for("the leftover to be gone", || !alive(pid) || zombie(pid));
    let recs = records(&log);
    let interrupted = events(&recs, "step_interrupted");
    let reason = interrupted[0]["data"]["reason"].as_str().expect("reason");
    assert!(reason.contains("have been stopped"), "{reason}");
}

fn zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}
