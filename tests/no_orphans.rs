//! Nothing a step starts outlives the session: eight ways a process leaves its step's
//! process group (new session, new group, job control, GNU `timeout`, double fork, a
//! daemon, `nohup`), under a timeout, a cancel, SIGTERM, SIGHUP and a normal end; and
//! what a driver killed with SIGKILL left, once the session is resumed and ends.
//!
//! What is left is found by walking `/proc`, never by name: this test process is a child
//! subreaper, so anything the binary leaves behind is reparented to it; and every process
//! the session starts inherits a mark in its environment.

mod pty;
mod support;

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use pty::Term;
use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use support::{Sandbox, events, records};

/// One scenario at a time: what is left is told apart by parentage, shared by all tests here.
static SERIAL: Mutex<()> = Mutex::new(());

const PATIENCE: Duration = Duration::from_secs(30);

/// The eight escapes, all started in the background; the foreground command comes after.
const ESCAPES: &str = r#"export ESCAPE_STEP="$RUNBOOK_ESCAPE_TEST"
setsid sleep 9001 &
python3 -c 'import os, time; os.setpgrp(); time.sleep(9002)' &
setsid bash -c 'trap "" TERM HUP; sleep 9006' &
(setsid sleep 9033 &)
python3 -c '
import os, time
if os.fork(): os._exit(0)
os.setsid()
if os.fork(): os._exit(0)
os.chdir("/")
null = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2): os.dup2(null, fd)
time.sleep(9034)' &
nohup setsid sleep 9035 >/dev/null 2>&1 &
set -m; sleep 9031 & set +m
"#;

/// Processes the escapes leave running: seven sleepers, the `trap` shell, and the
/// `timeout` with its sleep.
const ESCAPED: usize = 9;

fn serial() -> MutexGuard<'static, ()> {
    nix::sys::prctl::set_child_subreaper(true).expect("PR_SET_CHILD_SUBREAPER");
    let guard = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    // What a failed scenario left (killed by its cleanup) must not count against the next.
    reap_ours();
    guard
}

/// Reaps the ended processes this test process was handed as their subreaper.
fn reap_ours() {
    let any = Pid::from_raw(-1);
    while let Ok(status) = waitpid(any, Some(WaitPidFlag::WNOHANG)) {
        if status == WaitStatus::StillAlive {
            break;
        }
    }
}

fn unique_mark(sb: &Sandbox) -> String {
    format!("escape-{}", sb.path().display())
}

/// Whatever a failed scenario leaves is killed (by its mark, never by name) when it ends.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for pid in marked("RUNBOOK_ESCAPE_TEST", &self.0) {
            if let Ok(pid) = i32::try_from(pid) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
    }
}

/// Live processes whose environment carries `NAME=value`.
fn marked(name: &str, value: &str) -> Vec<u32> {
    let wanted = format!("{name}={value}").into_bytes();
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| !is_zombie(*pid))
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|var| var == wanted))
        })
        .collect()
}

fn stat(pid: u32) -> Option<(char, u32)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some((rest.first()?.chars().next()?, rest.get(1)?.parse().ok()?))
}

fn is_zombie(pid: u32) -> bool {
    stat(pid).is_some_and(|(state, _)| matches!(state, 'Z' | 'X'))
}

/// Every process whose parent is this test process: with the test a subreaper, anything
/// the binary left behind ends up here, running or not yet reaped.
fn left_with_us() -> Vec<String> {
    let me = std::process::id();
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let (state, ppid) = stat(pid)?;
            let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            (ppid == me).then(|| format!("{pid} [{state}] {}", String::from_utf8_lossy(&cmdline)))
        })
        .collect()
}

fn eventually(what: &str, test: impl Fn() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !test() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the escapes are all running.
fn escapes_running(mark: &str) {
    eventually("the escapes to start", || {
        marked("ESCAPE_STEP", mark).len() >= ESCAPED
    });
    std::thread::sleep(Duration::from_millis(300));
}

/// Nothing the session started is left: no process carries its mark, none came back here.
fn assert_nothing_left(mark: &str, when: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (marked, ours) = (marked("RUNBOOK_ESCAPE_TEST", mark), left_with_us());
        if marked.is_empty() && ours.is_empty() {
            return;
        }
        if Instant::now() >= deadline {
            panic!("{when}: left running {marked:?}; reparented to the test: {ours:#?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// When the step had a cgroup, its timeout or cancel already ended every one of its processes.
fn assert_step_processes_gone(log: &Path, mark: &str, when: &str) {
    let recs = records(log);
    let with_cgroup = events(&recs, "step_process")
        .first()
        .is_some_and(|e| e["data"]["cgroup"].is_string());
    if !with_cgroup {
        eprintln!("note: no cgroup for the step here; its detached processes end with the session");
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while !marked("ESCAPE_STEP", mark).is_empty() {
        assert!(
            Instant::now() < deadline,
            "{when}: the step's processes outlived it: {:?}",
            marked("ESCAPE_STEP", mark)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn runbook(sb: &Sandbox, foreground: &str, after: &str) -> String {
    runbook_with(sb, "timeout=6s on_fail=continue", foreground, after)
}

fn runbook_with(sb: &Sandbox, attrs: &str, foreground: &str, after: &str) -> String {
    let text = format!(
        "# Escapes\n\n```bash {{name=escape {attrs}}}\n{ESCAPES}{foreground}\n```\n\n```bash {{name=after}}\n{after}\n```\n"
    );
    sb.runbook("escapes.md", &text).display().to_string()
}

/// `runbook run BOOK --plain --yes`, its processes marked with `mark`.
fn run_plain(sb: &Sandbox, book: &str, mark: &str) -> std::process::Child {
    sb.command(&["run", book, "--plain", "--yes"])
        .env("RUNBOOK_ESCAPE_TEST", mark)
        .stdout(Stdio::null())
        .spawn()
        .expect("runbook starts")
}

fn wait_for_file(path: &Path) {
    eventually(&path.display().to_string(), || path.exists());
}

/// The escapes all in the background, then a normal end; checks nothing is left and
/// returns the sandbox for more checks. With `user`, the binary runs as that user.
fn normal_end(user: Option<(u32, u32)>) -> Sandbox {
    let sb = Sandbox::new();
    let mark = unique_mark(&sb);
    let _cleanup = Cleanup(mark.clone());
    let proceed = sb.path().join("proceed");
    let book = runbook(
        &sb,
        "timeout 900 sleep 9032 &",
        &format!(
            "while [ ! -e '{}' ]; do sleep 0.05; done",
            proceed.display()
        ),
    );
    let args = ["run", book.as_str(), "--plain", "--yes"];
    let mut command = match user {
        Some(user) => {
            sb.share_with(user);
            sb.command_as(user, &args)
        }
        None => sb.command(&args),
    };
    let mut child = command
        .env("RUNBOOK_ESCAPE_TEST", &mark)
        .stdout(Stdio::null())
        .spawn()
        .expect("runbook starts");
    escapes_running(&mark);
    fs::write(&proceed, "").expect("proceed");
    assert_eq!(child.wait().expect("exit").code(), Some(0));
    assert_nothing_left(&mark, "after a normal end");
    sb
}

#[test]
fn a_normal_end_leaves_nothing_running() {
    let _serial = serial();
    normal_end(None);
}

#[test]
fn a_timeout_ends_the_step_and_the_session_end_the_rest() {
    let _serial = serial();
    let sb = Sandbox::new();
    let mark = unique_mark(&sb);
    let _cleanup = Cleanup(mark.clone());
    let (after, proceed) = (sb.path().join("after"), sb.path().join("proceed"));
    let book = runbook(
        &sb,
        "timeout 900 sleep 9032",
        &format!(
            "touch '{}'; while [ ! -e '{}' ]; do sleep 0.05; done",
            after.display(),
            proceed.display()
        ),
    );
    let mut child = run_plain(&sb, &book, &mark);
    escapes_running(&mark);
    wait_for_file(&after);
    assert_step_processes_gone(&sb.only_log(), &mark, "after the step's timeout");
    fs::write(&proceed, "").expect("proceed");
    child.wait().expect("exit");
    let recs = records(&sb.only_log());
    assert_eq!(events(&recs, "step_timed_out").len(), 1);
    assert_nothing_left(&mark, "after a timeout");
}

#[test]
fn a_cancel_ends_the_step_and_quitting_the_rest() {
    let _serial = serial();
    let sb = Sandbox::new();
    let mark = unique_mark(&sb);
    let _cleanup = Cleanup(mark.clone());
    let book = runbook_with(&sb, "", "timeout 900 sleep 9032", "true");
    let audit = sb.audit_dir();
    let env: [(&str, &OsStr); 2] = [
        ("RUNBOOK_AUDIT_DIR", audit.as_os_str()),
        ("RUNBOOK_ESCAPE_TEST", OsStr::new(&mark)),
    ];
    let mut term = Term::spawn(&["run", &book], sb.path(), &env);
    term.wait_for("escape · Escapes");
    term.send("\r");
    term.wait_for("Run this step?");
    term.send("y");
    escapes_running(&mark);
    term.send("x");
    term.wait_for("TERM, then KILL");
    term.send("y");
    term.wait_for("cancelled");
    assert_step_processes_gone(&sb.only_log(), &mark, "after a cancel");
    eventually("the step's end in the log", || {
        !events(&records(&sb.only_log()), "step_finished").is_empty()
    });
    term.send("q");
    term.wait_for("l: leave");
    term.send("l");
    term.wait_exit();
    assert_nothing_left(&mark, "after a cancel and quit");
}

fn signal_mid_step(signal: Signal) {
    let _serial = serial();
    let sb = Sandbox::new();
    let mark = unique_mark(&sb);
    let _cleanup = Cleanup(mark.clone());
    let book = runbook(&sb, "timeout 900 sleep 9032", "true");
    let mut child = run_plain(&sb, &book, &mark);
    escapes_running(&mark);
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    kill(pid, signal).expect("signal runbook");
    assert_eq!(child.wait().expect("exit").code(), Some(130));
    assert_nothing_left(&mark, &format!("after {signal:?}"));
}

#[test]
fn sigterm_leaves_nothing_running() {
    signal_mid_step(Signal::SIGTERM);
}

#[test]
fn sighup_leaves_nothing_running() {
    signal_mid_step(Signal::SIGHUP);
}

/// Where no cgroup can be made (here: an unprivileged user, as in a container without
/// delegation) the subreaper alone still leaves nothing behind at the end.
#[test]
fn without_a_cgroup_the_session_end_still_leaves_nothing() {
    let Some(user) = support::os_user("runbook-nocgroup") else {
        return;
    };
    let _serial = serial();
    let sb = normal_end(Some(user));
    let recs = records(&sb.only_log());
    let process = events(&recs, "step_process");
    assert!(
        process.iter().all(|e| e["data"]["cgroup"].is_null()),
        "an unprivileged user gets no cgroup here: {process:?}"
    );
}

/// SIGKILL gives the driver no chance at all; `resume` ends what the interrupted step
/// left, processes that left its group included, when the step had a cgroup.
#[test]
fn resume_ends_what_a_killed_drivers_step_left_behind() {
    let _serial = serial();
    let sb = Sandbox::new();
    let mark = unique_mark(&sb);
    let _cleanup = Cleanup(mark.clone());
    let book = runbook_with(&sb, "", "timeout 900 sleep 9032", "true");
    let mut child = run_plain(&sb, &book, &mark);
    escapes_running(&mark);
    eventually("the step's processes in the log", || {
        !events(&records(&sb.only_log()), "step_process").is_empty()
    });
    child.kill().expect("kill -9 the driver");
    child.wait().expect("reaped");
    let log = sb.only_log();
    let with_cgroup = events(&records(&log), "step_process")[0]["data"]["cgroup"].is_string();
    if !with_cgroup {
        eprintln!("note: skipped — without a cgroup only the step's group is found again");
        return;
    }
    assert!(
        !marked("ESCAPE_STEP", &mark).is_empty(),
        "SIGKILL left them"
    );
    let resumed = sb.run(&["resume", &log.display().to_string(), "--plain", "--yes"]);
    assert_eq!(
        resumed.status.code(),
        Some(1),
        "stops at the interrupted step"
    );
    // With the driver gone, its orphans were handed to this test: what resume ended is
    // reaped here, and then nothing may be left.
    eventually("the ended processes to be reaped", || {
        reap_ours();
        left_with_us().is_empty()
    });
    assert_nothing_left(&mark, "after resume");
    let recs = records(&log);
    let reason = events(&recs, "step_interrupted")[0]["data"]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(reason.contains("have been stopped"), "{reason}");
}

/// Services earlier steps start live until the session ends — also when the session ends
/// under another driver: after SIGKILL mid-step and `resume`, the resumed session's end
/// stops the service the killed driver's first step left running.
#[test]
fn a_killed_drivers_earlier_services_end_with_the_resumed_session() {
    let _serial = serial();
    let sb = Sandbox::new();
    let mark = unique_mark(&sb);
    let _cleanup = Cleanup(mark.clone());
    let started = sb.path().join("started");
    let text = format!(
        "# Services\n\n```bash {{name=service}}\nSERVICE_STEP=\"$RUNBOOK_ESCAPE_TEST\" sleep 9041 &\n```\n\n```bash {{name=slow}}\ntouch '{}'\nsleep 9042\n```\n\n- [ ] Dashboards green\n",
        started.display()
    );
    let book = sb.runbook("services.md", &text).display().to_string();
    let mut child = run_plain(&sb, &book, &mark);
    wait_for_file(&started);
    eventually("both steps' processes in the log", || {
        events(&records(&sb.only_log()), "step_process").len() == 2
    });
    child.kill().expect("kill -9 the driver");
    child.wait().expect("reaped");
    assert_eq!(
        marked("SERVICE_STEP", &mark).len(),
        1,
        "the service outlived its killed driver"
    );
    let log = sb.only_log();
    let mut resumed = sb
        .command(&["resume", &log.display().to_string(), "--plain"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("resume starts");
    std::io::Write::write_all(&mut resumed.stdin.take().expect("stdin"), b"m\ny\n")
        .expect("mark the interrupted step done, confirm the check");
    let out = resumed.wait_with_output().expect("resume ends");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    eventually("the ended processes to be reaped", || {
        reap_ours();
        left_with_us().is_empty()
    });
    assert_nothing_left(&mark, "after the resumed session's end");
    let recs = records(&log);
    let ended = events(&recs, "session_ended");
    let reason = ended[0]["data"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("stopped 1 background process"), "{reason}");
}
