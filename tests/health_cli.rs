//! `runbook health` as a user runs it, against a loopback server: the table, exit codes, --watch.

mod loopback;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use loopback::{Server, wait_for};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

fn runbook_file(dir: &Path, checks: &str) -> PathBuf {
    let path = dir.join("deploy.yaml");
    let text = format!("title: Deploy\nhealth:\n{checks}steps:\n  - check: Services are up\n");
    std::fs::write(&path, text).expect("write runbook");
    path
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runbook"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("RUNBOOK_PATH")
        .env("XDG_DATA_HOME", dir.join("xdg-data"))
        .stdin(Stdio::null());
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("runbook runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn all_ok_prints_the_table_and_exits_0() {
    let server = Server::start();
    server.answer("/health", 200, r#"{"status":"ok"}"#);
    let dir = tempfile::tempdir().expect("tempdir");
    let checks = format!(
        "  - {{name: api, http: '{}', json_path: status, expect_value: ok}}\n  - {{name: replicas, cmd: 'echo 5', warn_below: 3}}\n",
        server.url("/health")
    );
    std::fs::create_dir(dir.path().join("runbooks")).expect("mkdir");
    let path = runbook_file(&dir.path().join("runbooks"), &checks);
    assert!(path.exists());
    let out = run(dir.path(), &["health", "deploy"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("NAME"), "{stdout}");
    for column in ["KIND", "STATUS", "VALUE", "REASON/TARGET"] {
        assert!(lines[0].contains(column), "{stdout}");
    }
    assert!(
        lines[1].starts_with("api") && lines[1].contains("http") && lines[1].contains("OK"),
        "{stdout}"
    );
    assert!(
        lines[1].contains(&server.url("/health")),
        "the target when there is no reason"
    );
    assert!(
        lines[2].contains("replicas") && lines[2].contains(" 5 "),
        "{stdout}"
    );
}

#[test]
fn any_failing_check_exits_1_with_its_reason() {
    let server = Server::start();
    server.answer("/health", 200, "ok");
    server.answer("/broken", 503, "down");
    let dir = tempfile::tempdir().expect("tempdir");
    let checks = format!(
        "  - {{name: api, http: '{}'}}\n  - {{name: broken, http: '{}'}}\n",
        server.url("/health"),
        server.url("/broken")
    );
    runbook_file(dir.path(), &checks);
    let out = run(dir.path(), &["health", "./deploy.yaml"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let broken = stdout
        .lines()
        .find(|l| l.starts_with("broken"))
        .expect("row");
    assert!(
        broken.contains("CRIT") && broken.contains("503") && broken.contains("HTTP 503"),
        "{broken}"
    );
}

#[test]
fn unknown_runbooks_and_invalid_checks_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &["health", "nothing-here"]);
    assert_eq!(out.status.code(), Some(2));
    runbook_file(dir.path(), "  - {name: api, http: 'localhost:1/health'}\n");
    let out = run(dir.path(), &["health", "./deploy.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not an http(s) URL"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn watch_redraws_until_interrupted() {
    let server = Server::start();
    server.answer("/health", 200, "ok");
    let dir = tempfile::tempdir().expect("tempdir");
    let checks = format!(
        "  - {{name: api, http: '{}', every: 200ms}}\n",
        server.url("/health")
    );
    runbook_file(dir.path(), &checks);
    let mut child = command(dir.path(), &["health", "./deploy.yaml", "--watch"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut pipe = child.stdout.take().expect("stdout");
    let seen = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&seen);
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .expect("lock")
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    wait_for(Duration::from_secs(10), "two frames with a sample", || {
        let out = seen.lock().expect("lock").clone();
        let frames = out.matches("REASON/TARGET").count();
        Some(()).filter(|()| {
            frames >= 2
                && out
                    .lines()
                    .any(|l| l.starts_with("api") && l.contains("OK"))
        })
    });
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    kill(pid, Signal::SIGINT).expect("SIGINT");
    let status = child.wait().expect("exits");
    reader.join().expect("reader");
    let stdout = seen.lock().expect("lock").clone();
    assert_eq!(status.code(), Some(130), "{stdout}");
    assert!(stdout.matches("REASON/TARGET").count() >= 2, "{stdout}");
    assert!(stdout.contains("Ctrl-C to stop"), "{stdout}");
    assert!(!stdout.contains('\x1b'), "no screen clearing into a pipe");
    let last = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("api"))
        .expect("a row");
    assert!(last.contains("OK"), "{stdout}");
}
