//! Test helpers shared by the audit log tests: a sample header, a manual clock, a log of N events.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::DateTime;
use serde_json::json;

use super::{AuditWriter, EventDraft, HeaderDraft, ManualClock, RunbookRef, SyncPolicy};

/// 2026-11-22T09:03:12.345Z
pub const START_MS: i64 = 1_795_338_192_345;

pub fn clock() -> ManualClock {
    ManualClock::new(DateTime::from_timestamp_millis(START_MS).unwrap())
}

pub fn header() -> HeaderDraft {
    HeaderDraft {
        runbook: RunbookRef {
            path: "runbooks/deploy-day7.md".into(),
            sha256: "ab".repeat(32),
        },
        operator: "ana".into(),
        host: "bastion-1".into(),
        tool_version: "0.1.0".into(),
        params: json!({"version": "v1.4.2", "db_password": "***"})
            .as_object()
            .unwrap()
            .clone(),
    }
}

pub fn note(i: u64) -> EventDraft {
    EventDraft::new("note", Some("step-1"), json!({"text": format!("note {i}")}))
}

/// A log `<dir>/<id>.jsonl` with `events` notes, 5 ms apart.
pub fn write_log(dir: &Path, id: &str, events: u64) -> PathBuf {
    let clock = clock();
    let mut writer = AuditWriter::create(dir, id, &header(), clock.clone()).unwrap();
    for i in 1..=events {
        clock.advance(Duration::from_millis(5));
        assert_eq!(writer.append(&note(i), SyncPolicy::Lazy).unwrap(), i);
    }
    writer.sync().unwrap();
    writer.path().to_path_buf()
}

/// The file's lines, each with its `\n`.
pub fn lines(path: &Path) -> Vec<Vec<u8>> {
    std::fs::read(path)
        .unwrap()
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

pub fn write_lines(path: &Path, lines: &[Vec<u8>]) {
    std::fs::write(path, lines.concat()).unwrap();
}
