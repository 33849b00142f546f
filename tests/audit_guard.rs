//! The audit log cannot be lost, shared or bypassed quietly: a log deleted or replaced
//! mid-run stops the session with exit 3, and removing files cannot let a second driver in.

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};
use support::{Sandbox, text};

fn wait_for(what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run_tampering_step(how: &str) -> (i32, String, bool) {
    let sb = Sandbox::new();
    let next = sb.path().join("next-ran");
    let book = format!(
        "# Guard\n\n```bash {{name=tamper}}\n{how}\n```\n\n```bash {{name=next}}\ntouch '{}'\n```\n",
        next.display()
    );
    sb.runbook("guard.md", &book);
    let out = sb.run(&["run", "guard.md", "--plain", "--yes"]);
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    (out.status.code().unwrap_or(-1), said, next.exists())
}

#[test]
fn a_log_deleted_mid_run_is_an_audit_log_failure() {
    let (code, said, next_ran) = run_tampering_step(r#"rm -f "$RUNBOOK_AUDIT_DIR"/*.jsonl"#);
    assert_eq!(code, 3, "{said}");
    assert!(said.contains("AUDIT LOG FAILURE"), "{said}");
    assert!(said.contains("deleted"), "{said}");
    assert!(!next_ran, "no further step runs");
}

#[test]
fn a_log_replaced_mid_run_is_an_audit_log_failure() {
    let swap = r#"for log in "$RUNBOOK_AUDIT_DIR"/*.jsonl; do cp "$log" "$log.new" && mv "$log.new" "$log"; done"#;
    let (code, said, next_ran) = run_tampering_step(swap);
    assert_eq!(code, 3, "{said}");
    assert!(said.contains("replaced"), "{said}");
    assert!(!next_ran, "no further step runs");
}

#[test]
fn removing_the_lock_file_does_not_let_a_second_driver_in() {
    let sb = Sandbox::new();
    let (started, release) = (sb.path().join("started"), sb.path().join("release"));
    sb.runbook(
        "hold.md",
        &format!(
            "# Hold\n```bash\ntouch '{}'\nwhile [ ! -e '{}' ]; do sleep 0.05; done\n```\n",
            started.display(),
            release.display()
        ),
    );
    let first = sb
        .command(&["run", "hold.md", "--plain", "--yes"])
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for("the first step", || started.exists());
    let log = sb.only_log();
    for entry in std::fs::read_dir(sb.audit_dir())
        .expect("audit dir")
        .flatten()
    {
        if entry.path() != log {
            std::fs::remove_file(entry.path()).expect("remove a side file");
        }
    }
    let second = sb.run(&["resume", log.to_str().expect("utf8"), "--plain", "--yes"]);
    assert_eq!(second.status.code(), Some(2), "{}", text(&second.stdout));
    assert!(
        text(&second.stderr).contains("already being driven"),
        "{}",
        text(&second.stderr)
    );
    std::fs::write(&release, "").expect("release");
    assert_eq!(
        first.wait_with_output().expect("wait").status.code(),
        Some(0)
    );
    let verify = sb.run(&["verify", log.to_str().expect("utf8")]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify.stdout));
}

/// A full disk: the step ran to its end but its `step_finished` could not be written.
/// `resume --yes` must not run it again: its end is unknown, so the operator decides.
#[test]
fn a_step_whose_end_was_not_recorded_is_never_rerun_by_resume_yes() {
    let sb = Sandbox::new();
    let runs = sb.path().join("runs");
    sb.runbook(
        "full.md",
        &format!(
            "# Full\n\n```bash {{name=migrate}}\necho ran >> '{}'\nhead -c 300000 /dev/zero | tr '\\0' x\n```\n\n- [ ] Dashboards green\n",
            runs.display()
        ),
    );
    // The log may grow to 32 KiB: the step's output fills it, so its end cannot be written.
    let bin = env!("CARGO_BIN_EXE_runbook");
    let full = std::process::Command::new("bash")
        .args(["-c", r#"trap '' XFSZ; ulimit -f 32; exec "$0" "$@""#, bin])
        .args(["run", "full.md", "--plain", "--yes"])
        .current_dir(sb.path())
        .env("RUNBOOK_AUDIT_DIR", sb.audit_dir())
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert_eq!(full.status.code(), Some(3), "{}", text(&full.stdout));
    assert_eq!(std::fs::read_to_string(&runs).expect("ran"), "ran\n");

    let log = sb.only_log();
    let resumed = sb.run(&["resume", log.to_str().expect("utf8"), "--plain", "--yes"]);
    let said = text(&resumed.stdout);
    assert_eq!(resumed.status.code(), Some(1), "{said}");
    assert_eq!(
        std::fs::read_to_string(&runs).expect("ran"),
        "ran\n",
        "resume --yes ran it again: {said}"
    );
    assert!(said.contains("runbook resume"), "{said}");
    let recs = support::records(&log);
    assert_eq!(support::events(&recs, "step_interrupted").len(), 1);
    assert!(
        support::events(&recs, "session_ended").is_empty(),
        "left resumable"
    );
}
