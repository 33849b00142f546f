//! Session lookup tests: directories, ids, resolving arguments, listings with live/ended marks.

use std::path::Path;

use chrono::DateTime;
use serde_json::json;

use super::test_support::{START_MS, clock, header, write_log};
use super::*;

#[test]
fn sessions_dir_prefers_the_override() {
    let given = Path::new("/tmp/audit");
    assert_eq!(sessions_dir(Some(given)).unwrap(), given);
    if let Ok(default) = sessions_dir(None) {
        assert!(
            default.ends_with("runbook/sessions"),
            "{}",
            default.display()
        );
    }
}

#[test]
fn new_session_id_has_name_minute_and_four_hex() {
    let now = DateTime::from_timestamp_millis(START_MS).unwrap();
    let id = new_session_id("deploy-day7", now);
    let (prefix, suffix) = id.split_at(id.len() - 4);
    assert_eq!(prefix, "deploy-day7-20261122T0903Z-");
    assert!(
        suffix
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    let odd = new_session_id("Day 7 / cut-over ✓", now);
    assert!(odd.starts_with("Day-7---cut-over-20261122T0903Z-"), "{odd}");
    assert!(new_session_id("///", now).starts_with("session-"));
}

fn three_sessions() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for id in [
        "deploy-day7-20261122T0903Z-3f2a",
        "deploy-day7-20261122T1010Z-aa01",
        "rollback-20261121T2200Z-0001",
    ] {
        write_log(dir.path(), id, 1);
    }
    dir
}

#[test]
fn resolve_accepts_full_id_unique_prefix_and_path() {
    let dir = three_sessions();
    let full = resolve_session(dir.path(), "deploy-day7-20261122T0903Z-3f2a").unwrap();
    assert_eq!(
        full,
        dir.path().join("deploy-day7-20261122T0903Z-3f2a.jsonl")
    );
    assert_eq!(
        resolve_session(dir.path(), "roll").unwrap(),
        dir.path().join("rollback-20261121T2200Z-0001.jsonl")
    );
    assert_eq!(
        resolve_session(dir.path(), "deploy-day7-20261122T1").unwrap(),
        dir.path().join("deploy-day7-20261122T1010Z-aa01.jsonl")
    );
    let as_path = full.to_string_lossy().into_owned();
    assert_eq!(
        resolve_session(Path::new("/nonexistent"), &as_path).unwrap(),
        full
    );
}

#[test]
fn resolve_lists_candidates_when_ambiguous() {
    let dir = three_sessions();
    let err = resolve_session(dir.path(), "deploy").unwrap_err();
    let ResolveError::Ambiguous { candidates, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(candidates.len(), 2);
    assert!(
        err.to_string()
            .contains("deploy-day7-20261122T0903Z-3f2a, deploy-day7-20261122T1010Z-aa01"),
        "{err}"
    );
}

#[test]
fn resolve_reports_unknown_sessions_and_paths() {
    let dir = three_sessions();
    assert!(matches!(
        resolve_session(dir.path(), "nope"),
        Err(ResolveError::NotFound { .. })
    ));
    assert!(matches!(
        resolve_session(dir.path(), ""),
        Err(ResolveError::NotFound { .. })
    ));
    assert!(matches!(
        resolve_session(dir.path(), "./nope.jsonl"),
        Err(ResolveError::NotFound { .. })
    ));
    assert!(matches!(
        resolve_session(&dir.path().join("missing"), "x"),
        Err(ResolveError::Io { .. })
    ));
}

#[test]
fn list_is_newest_first_with_live_and_ended_marks() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut old = AuditWriter::create(dir.path(), "old", &header(), clock.clone()).unwrap();
    old.append(
        &EventDraft::new(SESSION_END_KIND, None, json!({"outcome": "completed"})),
        SyncPolicy::Now,
    )
    .unwrap();
    clock.advance(std::time::Duration::from_secs(3600));
    let mut new = AuditWriter::create(dir.path(), "new", &header(), clock.clone()).unwrap();
    new.append(
        &EventDraft::new("step_started", Some("deploy"), json!({})),
        SyncPolicy::Now,
    )
    .unwrap();
    let _lock = SessionLock::acquire(new.path(), "ana", "bastion-1").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a session").unwrap();

    let list = list_sessions(dir.path()).unwrap();
    let ids: Vec<&str> = list.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["new", "old"]);
    assert!(list[0].live && !list[0].ended);
    assert_eq!(list[0].last_kind.as_deref(), Some("step_started"));
    assert!(!list[1].live && list[1].ended);
    assert_eq!(list[1].last_seq, 1);
    assert_eq!(list[1].header.as_ref().unwrap().operator, "ana");
}

#[test]
fn signatures_and_anchor_failures_after_the_end_leave_the_session_ended() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = AuditWriter::create(dir.path(), "signed", &header(), clock()).unwrap();
    let end = json!({"outcome": "completed", "reason": "all steps done"});
    for (kind, data) in [
        ("session_started", json!({})),
        ("chain_signed", json!({})),
        (SESSION_END_KIND, end.clone()),
        ("chain_signed", json!({})),
        ("anchor_failed", json!({})),
        ("anchor_failed", json!({})),
    ] {
        writer
            .append(&EventDraft::new(kind, None, data), SyncPolicy::Now)
            .unwrap();
    }
    let list = list_sessions(dir.path()).unwrap();
    assert!(list[0].ended, "{:?}", list[0]);
    assert_eq!(list[0].last_kind.as_deref(), Some(SESSION_END_KIND));
    assert_eq!(list[0].last_data, Some(end));
    assert_eq!(list[0].last_seq, 6);
}

#[test]
fn list_of_a_missing_dir_is_empty_and_broken_logs_are_still_listed() {
    let dir = tempfile::tempdir().unwrap();
    assert!(list_sessions(&dir.path().join("none")).unwrap().is_empty());
    std::fs::write(dir.path().join("broken.jsonl"), b"{\"torn").unwrap();
    let list = list_sessions(dir.path()).unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].header.is_none());
    assert_eq!(list[0].last_seq, 0);
}
