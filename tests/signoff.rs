//! Second-person sign-off and handover, end to end: a real driver process
//! stops at a sign-off gate, `runbook sign` from another process signs it,
//! and the audit log says who signed, from where, and who drove.

mod pty;
mod support;

use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{Sandbox, events, records, text};

/// A driver process whose stdout is collected as it arrives.
struct Driver {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Arc<Mutex<String>>,
}

impl Driver {
    fn start(sb: &Sandbox, args: &[&str]) -> Driver {
        let mut child = sb
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("driver starts");
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().expect("stdout");
        let out = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&out);
        std::thread::spawn(move || {
            let mut buf = [0; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let chunk = String::from_utf8_lossy(&buf[..n]).into_owned();
                sink.lock().expect("lock").push_str(&chunk);
            }
        });
        Driver { child, stdin, out }
    }

    fn stdout(&self) -> String {
        self.out.lock().expect("lock").clone()
    }

    fn wait_for(&self, wanted: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.stdout().contains(wanted) {
            assert!(
                Instant::now() < deadline,
                "driver never printed {wanted:?}:\n{}",
                self.stdout()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin");
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .expect("type");
    }

    fn finish(mut self) -> (i32, String) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("driver exits");
        std::thread::sleep(Duration::from_millis(50));
        (status.code().unwrap_or(-1), self.stdout())
    }
}

fn session_id(log: &Path) -> String {
    log.file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned()
}

fn this_user() -> String {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .expect("user lookup")
        .expect("a user")
        .name
}

fn sign(sb: &Sandbox, log: &Path, extra: &[&str]) -> (i32, String, String) {
    let id = session_id(log);
    let mut args = vec!["sign", id.as_str()];
    args.extend_from_slice(extra);
    let out = sb.run(&args);
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

fn assert_verifies(sb: &Sandbox, log: &Path) {
    let out = sb.run(&["verify", log.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

fn data<'a>(event: &'a Value, key: &str) -> &'a str {
    event["data"][key].as_str().unwrap_or_default()
}

const DEPLOY: &str = "---\ngates: in-place\n---\n# Deploy\n## Build\n```bash {name=build}\necho built\n```\n## Sign-off\n- [ ] SRE\n## After\n- [ ] Dashboards green\n";

#[test]
fn a_follower_signs_the_gate_a_yes_driver_waits_at() {
    let sb = Sandbox::new();
    sb.runbook("deploy.md", DEPLOY);
    let driver = Driver::start(&sb, &["run", "deploy.md", "--plain", "--yes"]);
    driver.wait_for("waiting for sign-off from a follower: SRE");
    let log = sb.only_log();
    let (code, stdout, stderr) = sign(&sb, &log, &["--role", "SRE", "--name", "Bob"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("SRE signed at 2#1"), "{stdout}");
    let (code, stdout) = driver.finish();
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("SRE signed by Bob (") && stdout.contains(", from a follower)"),
        "{stdout}"
    );
    let recs = records(&log);
    let signed = events(&recs, "signed");
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0]["step"], "2#1");
    assert_eq!(data(signed[0], "name"), "Bob");
    assert_eq!(
        data(signed[0], "os_user"),
        this_user(),
        "the sidecar's owner"
    );
    assert!(data(signed[0], "via").starts_with("follower@"));
    assert_eq!(data(signed[0], "request").len(), 16, "the request's nonce");
    let decided = events(&recs, "gate_decided");
    assert_eq!(decided[0]["data"]["decision"], "go");
    assert_eq!(
        decided[0]["data"]["signers"][0]["via"],
        signed[0]["data"]["via"]
    );
    assert_eq!(
        events(&recs, "check_confirmed").len(),
        1,
        "the walk goes on"
    );
    assert_verifies(&sb, &log);
}

#[test]
fn a_prompting_driver_takes_a_followers_signoff_while_it_waits_for_a_name() {
    let sb = Sandbox::new();
    sb.runbook("deploy.md", DEPLOY);
    let mut driver = Driver::start(&sb, &["run", "deploy.md", "--plain", "--skip-waits"]);
    driver.wait_for("Run?");
    driver.type_line("y");
    driver.wait_for("Name signing as SRE:");
    let log = sb.only_log();
    let (code, stdout, stderr) = sign(&sb, &log, &["--role", "sre", "--name", "Bob Li"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    driver.wait_for("SRE signed by Bob Li");
    driver.wait_for("Done?");
    driver.type_line("y");
    let (code, stdout) = driver.finish();
    assert_eq!(code, 0, "{stdout}");
    let recs = records(&log);
    assert_eq!(
        data(events(&recs, "signed")[0], "role"),
        "SRE",
        "as the runbook spells it"
    );
    assert_eq!(events(&recs, "gate_decided")[0]["data"]["auto"], false);
    assert_verifies(&sb, &log);
}

#[test]
fn a_distinct_role_is_refused_to_the_drivers_own_os_user() {
    let sb = Sandbox::new();
    sb.runbook(
        "two.yaml",
        "title: Two people\nsteps:\n  - gate: Release approval\n    name: approve\n    signoffs: [{role: SRE, distinct: true}]\n  - note: shipped\n",
    );
    let driver = Driver::start(
        &sb,
        &[
            "run",
            "two.yaml",
            "--plain",
            "--yes",
            "--signoff",
            "SRE=Ana",
            "--signoff-timeout",
            "2s",
        ],
    );
    driver.wait_for("waiting for sign-off from a follower: SRE");
    let log = sb.only_log();
    let (code, stdout, stderr) = sign(&sb, &log, &["--role", "SRE", "--name", "Bob"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("second person"), "{stderr}");
    let (code, stdout) = driver.finish();
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("still needs a signer"), "{stdout}");
    assert!(
        stdout.contains("rejected: SRE must be signed by a second person"),
        "{stdout}"
    );
    let recs = records(&log);
    assert!(events(&recs, "signed").is_empty());
    assert!(events(&recs, "gate_decided").is_empty());
    let rejected = events(&recs, "signoff_rejected");
    let vias: Vec<&str> = rejected.iter().map(|e| data(e, "via")).collect();
    assert_eq!(vias.len(), 2, "{rejected:?}");
    assert_eq!(vias[0], "driver", "--signoff from the driver's terminal");
    assert!(vias[1].starts_with("follower@"), "{vias:?}");
    for event in rejected {
        assert_eq!(event["step"], "approve");
        assert_eq!(data(event, "os_user"), this_user());
        assert!(data(event, "reason").contains("driver's own OS user"));
    }
    assert_verifies(&sb, &log);
}

#[test]
fn unknown_roles_gates_and_garbage_are_rejected_without_signing() {
    let sb = Sandbox::new();
    sb.runbook("deploy.md", DEPLOY);
    let driver = Driver::start(&sb, &["run", "deploy.md", "--plain", "--yes"]);
    driver.wait_for("waiting for sign-off from a follower");
    let log = sb.only_log();
    let (code, _, stderr) = sign(&sb, &log, &["--role", "DBA", "--name", "Bob"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("has no role `DBA`; its roles: SRE"),
        "{stderr}"
    );
    let (code, _, stderr) = sign(
        &sb,
        &log,
        &["--step", "nope", "--role", "SRE", "--name", "Bob"],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("no step `nope`"), "{stderr}");
    let uid = nix::unistd::getuid().as_raw();
    let sidecar = log.with_file_name(format!("{}.{uid}.signoffs", session_id(&log)));
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&sidecar)
        .expect("the follower's sidecar exists");
    file.write_all(b"this is not json\n").expect("garbage");
    let (code, stdout, stderr) = sign(&sb, &log, &["--role", "SRE", "--name", "Bob", "--no-wait"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, stdout) = driver.finish();
    assert_eq!(code, 0, "{stdout}");
    let recs = records(&log);
    let reasons: Vec<&str> = events(&recs, "signoff_rejected")
        .iter()
        .map(|e| data(e, "reason"))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons[2].starts_with("not a sign-off request"),
        "{reasons:?}"
    );
    assert_eq!(events(&recs, "signed").len(), 1);
    assert_verifies(&sb, &log);
}

#[test]
fn another_operator_takes_over_after_the_driver_leaves() {
    let sb = Sandbox::new();
    sb.runbook(
        "hand.md",
        "# Handover\n- [ ] Freeze announced\n- [ ] Traffic drained\n",
    );
    let mut alice = Driver::start(&sb, &["run", "hand.md", "--plain", "--operator", "alice"]);
    alice.wait_for("Done?");
    alice.type_line("y");
    alice.wait_for("Traffic drained");
    alice.type_line("q");
    let (code, stdout) = alice.finish();
    assert_eq!(code, 1, "left unfinished: {stdout}");
    assert!(stdout.contains("left the session"), "{stdout}");
    let log = sb.only_log();
    let (code, _, stderr) = sign(&sb, &log, &["--role", "SRE", "--name", "Bob"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("nobody drives"), "{stderr}");

    let id = session_id(&log);
    let bob = sb.run(&["resume", &id, "--plain", "--yes", "--operator", "bob"]);
    assert_eq!(bob.status.code(), Some(0), "{}", text(&bob.stdout));
    let recs = records(&log);
    assert_eq!(data(events(&recs, "driver_left")[0], "operator"), "alice");
    assert_eq!(
        data(events(&recs, "session_started")[0], "operator"),
        "alice"
    );
    assert_eq!(data(events(&recs, "session_resumed")[0], "operator"), "bob");
    let changed = events(&recs, "driver_changed");
    assert_eq!(changed.len(), 1);
    assert_eq!(
        (data(changed[0], "from"), data(changed[0], "to")),
        ("alice", "bob")
    );
    let kinds: Vec<&str> = recs.iter().filter_map(|r| r["kind"].as_str()).collect();
    let resumed_at = kinds.iter().position(|k| *k == "session_resumed");
    assert_eq!(
        kinds.get(resumed_at.expect("resumed") + 1),
        Some(&"driver_changed")
    );
    assert_verifies(&sb, &log);
}

#[test]
fn distinct_roles_load_from_yaml_and_runbook_fences_and_unknown_keys_are_errors() {
    let sb = Sandbox::new();
    sb.runbook(
        "fence.md",
        "# Release\n## Approval\n```runbook\n- gate: Release approval\n  signoffs: [Engineering Lead, {role: SRE, distinct: true}]\n```\n",
    );
    let out = sb.run(&["show", "fence.md", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let outline: Value = serde_json::from_slice(&out.stdout).expect("json");
    let gate = &outline["sections"][0]["steps"][0];
    assert_eq!(
        gate["signoffs"],
        serde_json::json!(["Engineering Lead", "SRE"])
    );
    assert_eq!(gate["distinct_signoffs"], serde_json::json!(["SRE"]));

    sb.runbook(
        "typo.yaml",
        "title: T\nsteps:\n  - gate: G\n    signoffs: [{role: SRE, distinc: true}]\n",
    );
    let out = sb.run(&["check", "typo.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let report = text(&out.stdout) + &text(&out.stderr);
    assert!(report.contains("distinc"), "{report}");
}

#[test]
fn the_follow_screen_offers_s_at_an_open_sign_off_gate_and_s_opens_the_prompt() {
    let sb = Sandbox::new();
    sb.runbook("deploy.md", DEPLOY);
    let driver = Driver::start(&sb, &["run", "deploy.md", "--plain", "--yes"]);
    driver.wait_for("waiting for sign-off from a follower: SRE");
    let id = session_id(&sb.only_log());
    let audit = sb.audit_dir();
    let data = sb.path().join("xdg-data");
    let state = sb.path().join("xdg-state");
    let mut follower = pty::Term::spawn(
        &["follow", &id],
        sb.path(),
        &[
            ("RUNBOOK_AUDIT_DIR", audit.as_os_str()),
            ("XDG_DATA_HOME", data.as_os_str()),
            ("XDG_STATE_HOME", state.as_os_str()),
        ],
    );
    follower.wait_for("S  sign this gate");
    follower.send("S");
    follower.wait_for("Name signing as SRE:");
    follower.send("\x1b");
    follower.wait_until("the prompt closed", |s| !s.contains("Name signing as"));
    follower.send("q");
    follower.wait_exit();
    let mut driver = driver;
    driver.child.kill().expect("the driver stops");
    let _ = driver.child.wait();
}
