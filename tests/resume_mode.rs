//! A session keeps its mode across `resume`: a dry run never turns live because
//! `--dry-run` was not repeated, and a live session is not finished as a rehearsal.

mod support;

use std::path::Path;
use support::{Sandbox, events, records, text};

/// A first step, then a choice that stops `--plain --yes`, then a step whose marker file
/// proves it really ran.
fn runbook(marks: &Path) -> String {
    let step = |name: &str| format!("```bash\ntouch '{}/{name}'\n```\n\n", marks.display());
    format!(
        "# Deploy\n\n## Prepare\n\n{}## Option 1: Compose\n\n{}## Option 2: Kubernetes\n\n{}",
        step("prepare"),
        step("one"),
        step("two"),
    )
}

fn stopped_session(dry_run: bool) -> (Sandbox, std::path::PathBuf, String) {
    let sb = Sandbox::new();
    let marks = sb.path().join("marks");
    std::fs::create_dir(&marks).expect("marks dir");
    sb.runbook("mode.md", &runbook(&marks));
    let mut args = vec!["run", "mode.md", "--plain", "--yes"];
    if dry_run {
        args.push("--dry-run");
    }
    let out = sb.run(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let session = sb.only_session();
    (sb, marks, session)
}

#[test]
fn a_dry_run_resumed_without_dry_run_stays_a_dry_run() {
    let (sb, marks, session) = stopped_session(true);
    let out = sb.run(&[
        "resume", &session, "--plain", "--yes", "--choose", "option 2",
    ]);
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("resumes as one"), "{shown}");
    assert!(
        std::fs::read_dir(&marks).expect("marks").next().is_none(),
        "nothing may run in a dry run"
    );
    let recs = records(&sb.only_log());
    let started = events(&recs, "step_started");
    assert!(!started.is_empty());
    assert!(
        started.iter().all(|s| s["data"]["dry_run"] == true),
        "{started:?}"
    );
}

#[test]
fn a_live_session_cannot_be_finished_as_a_dry_run() {
    let (sb, marks, session) = stopped_session(false);
    let out = sb.run(&[
        "resume",
        &session,
        "--plain",
        "--yes",
        "--dry-run",
        "--choose",
        "option 2",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("ran live"),
        "{}",
        text(&out.stderr)
    );
    let ran: Vec<_> = std::fs::read_dir(&marks).expect("marks").collect();
    assert_eq!(ran.len(), 1, "only the first step ran");
}
