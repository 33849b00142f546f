//! Pairing across machines over ssh, against a real sshd on loopback (tests/sshd):
//! `runbook follow HOST:SESSION` watches a session through `runbook follow --print-log`
//! run on HOST, and `runbook sign HOST:SESSION` signs there, recorded as the ssh login's
//! OS user. The "remote" runbook is this build, reached through a small script given as
//! `--remote-runbook` that notes each call's ssh connection before running it.

mod sshd;
mod support;

use sshd::Sshd;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{Sandbox, events, records, text};

const DEPLOY: &str = "# Deploy\n## Build\n```bash {name=build}\necho built\n```\n## Sign-off\n- [ ] SRE\n## After\n- [ ] Dashboards green\n";

/// A `runbook` process whose stdout is collected as it arrives.
struct Running {
    child: Child,
    out: Arc<Mutex<String>>,
}

impl Running {
    fn start(sb: &Sandbox, args: &[&str]) -> Running {
        let mut child = sb
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runbook starts");
        let mut stdout = child.stdout.take().expect("stdout");
        let out = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&out);
        std::thread::spawn(move || {
            let mut buf = [0; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .expect("lock")
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Running { child, out }
    }

    fn stdout(&self) -> String {
        self.out.lock().expect("lock").clone()
    }

    fn wait_for(&self, wanted: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.stdout().contains(wanted) {
            assert!(
                Instant::now() < deadline,
                "never printed {wanted:?}:\n{}",
                self.stdout()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn finish(mut self) -> (i32, String, String) {
        let status = self.child.wait().expect("exits");
        let mut err = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        std::thread::sleep(Duration::from_millis(50));
        (status.code().unwrap_or(-1), self.stdout(), err)
    }
}

impl Drop for Running {
    /// A failed test leaves no driver or follower behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until no process on the host runs with `arg` (the log printer ends).
fn gone(arg: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sshd::processes_with_arg(arg).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the log printer on the host outlived its reader"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn this_user() -> String {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .expect("user lookup")
        .expect("a user")
        .name
}

/// The script runbook runs on the "remote" side: notes the call, then runs this build.
fn remote_runbook(sb: &Sandbox) -> PathBuf {
    let script = sb.path().join("remote-runbook.sh");
    let calls = sb.path().join("remote-calls.log");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$RUNBOOK_TEST_HOST|${{SSH_CONNECTION%% *}}|$*\" >> '{}'\nexec '{}' \"$@\"\n",
            calls.display(),
            env!("CARGO_BIN_EXE_runbook")
        ),
    )
    .expect("script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    script
}

fn remote_calls(sb: &Sandbox) -> Vec<String> {
    std::fs::read_to_string(sb.path().join("remote-calls.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn remote_flags<'a>(sshd: &'a Path, script: &'a Path) -> [&'a str; 4] {
    [
        "--ssh-config",
        sshd.to_str().expect("utf8"),
        "--remote-runbook",
        script.to_str().expect("utf8"),
    ]
}

/// A loopback sshd, and a driver waiting at a sign-off gate for a follower.
struct Scene {
    sshd: Sshd,
    sb: Sandbox,
    script: PathBuf,
    config: PathBuf,
    driver: Running,
    log: PathBuf,
}

impl Scene {
    fn at_the_gate() -> Scene {
        let sshd = Sshd::start(1);
        let sb = Sandbox::new();
        sb.runbook("deploy.md", DEPLOY);
        let script = remote_runbook(&sb);
        let config = sshd.config();
        let args = [
            "run",
            "deploy.md",
            "--plain",
            "--yes",
            "--signoff-timeout",
            "60s",
        ];
        let driver = Running::start(&sb, &args);
        driver.wait_for("waiting for sign-off from a follower: SRE");
        let log = sb.only_log();
        Scene {
            sshd,
            sb,
            script,
            config,
            driver,
            log,
        }
    }
}

#[test]
fn a_partner_follows_and_signs_over_ssh_as_the_ssh_login() {
    let Scene {
        sshd: _sshd,
        sb,
        script,
        config,
        driver,
        log,
    } = Scene::at_the_gate();
    let flags = remote_flags(&config, &script);
    let remote = format!("host01:{}", log.display());
    let mut args = vec!["follow", "--plain", remote.as_str()];
    args.extend(flags);
    let follower = Running::start(&sb, &args);
    follower.wait_for("session_started");
    let mut args = vec!["sign", remote.as_str(), "--role", "SRE", "--name", "Bob Li"];
    args.extend(flags);
    let signed = sb.run(&args);
    let (out, err) = (text(&signed.stdout), text(&signed.stderr));
    assert_eq!(signed.status.code(), Some(0), "{out}{err}");
    let me = this_user();
    assert!(
        out.contains("✍ SRE signed at ") && out.contains(&format!(", recorded as OS user {me}\n")),
        "{out}"
    );
    let (code, _, _) = driver.finish();
    assert_eq!(code, 0);
    let (code, watched, err) = follower.finish();
    assert_eq!(code, 0, "the follower ends with the session's code: {err}");
    assert!(
        watched.contains("signed") && watched.contains("session_ended"),
        "{watched}"
    );
    let recs = records(&log);
    let signed = events(&recs, "signed");
    assert_eq!(signed.len(), 1);
    assert_eq!(
        signed[0]["data"]["os_user"],
        me.as_str(),
        "the ssh login's user"
    );
    assert_eq!(signed[0]["data"]["name"], "Bob Li");
    let calls = remote_calls(&sb);
    assert_eq!(calls.len(), 2, "{calls:?}");
    for (call, what) in calls.iter().zip(["follow --print-log", "sign"]) {
        assert!(
            call.starts_with("host01|127.0.0.1|"),
            "came over ssh as host01: {call}"
        );
        assert!(call.contains(what), "{call}");
    }
    gone(&format!("--print-log {}", log.display()));
}

#[test]
fn a_follower_that_quits_leaves_nothing_printing_on_the_host() {
    let Scene {
        sshd: _sshd,
        sb,
        script,
        config,
        driver,
        log,
    } = Scene::at_the_gate();
    let id = log
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    // The session by id: the remote runbook finds it in RUNBOOK_AUDIT_DIR, sent by ssh.
    let extra = sb.path().join("ssh_config");
    std::fs::write(
        &extra,
        format!(
            "Host host01\n  SetEnv RUNBOOK_TEST_HOST=host01 RUNBOOK_AUDIT_DIR={}\nInclude {}\n",
            sb.audit_dir().display(),
            config.display()
        ),
    )
    .expect("config");
    let remote = format!("host01:{id}");
    let mut args = vec!["follow", "--plain", remote.as_str()];
    args.extend(remote_flags(&extra, &script));
    let follower = Running::start(&sb, &args);
    follower.wait_for("session_started");
    let printer = format!("--print-log {id}");
    assert_eq!(
        sshd::processes_with_arg(&printer).len(),
        1,
        "one log printer on the host"
    );
    let pid = nix::unistd::Pid::from_raw(i32::try_from(follower.child.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("signal");
    let (code, _, _) = follower.finish();
    assert_eq!(code, 130);
    gone(&printer);
    let mut args = vec!["sign", remote.as_str(), "--role", "SRE", "--name", "Ana"];
    args.extend(remote_flags(&extra, &script));
    assert_eq!(
        sb.run(&args).status.code(),
        Some(0),
        "a session id resolves on the host"
    );
    let (code, _, _) = driver.finish();
    assert_eq!(code, 0);
}

#[test]
fn an_unreachable_host_is_an_error_that_says_so() {
    let sshd = Sshd::start(1);
    let sb = Sandbox::new();
    let config = sshd.config();
    let script = remote_runbook(&sb);
    let mut args = vec!["follow", "--plain", "dead:some-session"];
    args.extend(remote_flags(&config, &script));
    let out = sb.run(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("Connection refused"),
        "{}",
        text(&out.stderr)
    );
    let mut args = vec![
        "sign",
        "dead:some-session",
        "--role",
        "SRE",
        "--name",
        "Ana",
    ];
    args.extend(remote_flags(&config, &script));
    let out = sb.run(&args);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Connection refused"),
        "{}",
        text(&out.stderr)
    );
}
