//! Sign-off identity under attack: a driver cannot sign "as" another OS user through a
//! file it does not own, and a follower cannot flood the driver's log and screen.
//! Tests needing a second person create their own OS users when run as root.

mod support;

use std::io::Write;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use support::{Sandbox, events, records, text};

const GATE: &str = "# Deploy\n## Sign-off\n- [ ] SRE\n## After\n- [ ] Dashboards green\n";

fn eventually(what: &str, test: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !test() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The session's sidecar for `uid`, once the driver's log exists.
fn sidecar(sb: &Sandbox, uid: u32) -> std::path::PathBuf {
    eventually("the session log", || !sb.logs().is_empty());
    let log = sb.only_log();
    let stem = log
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    log.with_file_name(format!("{stem}.{uid}.signoffs"))
}

/// The driver holds the session (its inbox is open); the gate is its first step.
fn wait_at_gate(sb: &Sandbox) {
    eventually("the session to start", || {
        sb.logs()
            .first()
            .is_some_and(|log| !events(&records(log), "session_started").is_empty())
    });
    std::thread::sleep(Duration::from_millis(300));
}

fn finish(child: Child) -> (i32, String) {
    let out = child.wait_with_output().expect("driver exits");
    (out.status.code().unwrap_or(-1), text(&out.stdout))
}

/// The reproduction: the driver hard-links a file the second user owns (mode 0666) as
/// that user's sidecar and appends a request; the gate must not be signed "by" them.
#[test]
fn a_hard_linked_sidecar_cannot_sign_as_its_owner() {
    let (Some(driver), Some(victim)) = (
        support::os_user("runbook-ana"),
        support::os_user("runbook-bob"),
    ) else {
        return;
    };
    let sb = Sandbox::new();
    sb.runbook("deploy.md", GATE);
    let bobs_file = sb.path().join("bobs-notes");
    std::fs::write(&bobs_file, "").expect("bob's file");
    sb.share_with(driver);
    std::os::unix::fs::chown(&bobs_file, Some(victim.0), Some(victim.1)).expect("chown");
    std::fs::set_permissions(
        &bobs_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o666),
    )
    .expect("chmod 0666");
    let child = sb
        .command_as(
            driver,
            &[
                "run",
                "deploy.md",
                "--plain",
                "--yes",
                "--signoff-timeout",
                "4s",
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("driver starts");
    let forged = sidecar(&sb, victim.0);
    wait_at_gate(&sb);
    let request = r#"{"step":null,"role":"SRE","name":"Bob Li","host":"x","pid":1,"ts":"","nonce":"f0f0f0f0f0f0f0f0"}"#;
    let attack = format!(
        "ln '{}' '{}' && printf '%s\\n' '{request}' >> '{}'",
        bobs_file.display(),
        forged.display(),
        forged.display()
    );
    let status = std::process::Command::new("setpriv")
        .args([
            "--reuid",
            &driver.0.to_string(),
            "--regid",
            &driver.1.to_string(),
        ])
        .args(["--clear-groups", "--", "sh", "-c", &attack])
        .status()
        .expect("the driver's user runs the attack");
    assert!(status.success(), "the hard link and the request were made");
    let (code, stdout) = finish(child);
    assert_eq!(code, 1, "nobody signed, the gate timed out: {stdout}");
    let recs = records(&sb.only_log());
    assert!(
        events(&recs, "signed").is_empty(),
        "signed through a hard link: {stdout}"
    );
    let rejected = events(&recs, "signoff_rejected");
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    let reason = rejected[0]["data"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("2 names"), "{reason}");
}

/// 20,000 bad requests in a burst: a handful are judged, one event sums up the rest.
#[test]
fn a_flood_of_requests_is_summed_up_not_recorded_one_by_one() {
    let sb = Sandbox::new();
    sb.runbook("deploy.md", GATE);
    let child = sb
        .command(&[
            "run",
            "deploy.md",
            "--plain",
            "--yes",
            "--signoff-timeout",
            "12s",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("driver starts");
    wait_at_gate(&sb);
    let log = sb.only_log();
    let id = log
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let first = sb.run(&[
        "sign",
        &id,
        "--role",
        "Nobody",
        "--name",
        "Eve",
        "--no-wait",
    ]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let path = sidecar(&sb, nix::unistd::getuid().as_raw());
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("own sidecar");
    for _ in 0..20 {
        file.write_all(&b"{\"role\":\"x\"}\n".repeat(1_000))
            .expect("flood");
    }
    let (code, stdout) = finish(child);
    assert_eq!(code, 1, "{stdout}");
    let recs = records(&log);
    let rejected = events(&recs, "signoff_rejected");
    assert!(
        rejected.len() <= 8,
        "{} rejections recorded one by one",
        rejected.len()
    );
    let summary = rejected
        .iter()
        .filter_map(|e| e["data"]["reason"].as_str())
        .find(|r| r.contains("more requests from") && r.contains("ignored"));
    assert!(
        summary.is_some(),
        "one event sums the flood up: {rejected:?}"
    );
    let console = stdout.lines().filter(|l| l.contains("rejected")).count();
    assert!(console <= 8, "{console} console lines:\n{stdout}");
}
