//! Repair before resume: cut a torn final line, touch nothing else, and say what was dropped.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use serde::de::IgnoredAny;

use super::error::AuditError;
use super::record::MAX_LINE_BYTES;
use super::tail::{last_newline_before, read_range};

/// Why the final line was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TornKind {
    /// It had no terminating newline.
    NoNewline,
    /// It ended in a newline but was not a JSON object.
    NotJson,
}

/// What [`repair`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepairReport {
    /// Bytes removed from the end of the file (0 when nothing was torn).
    pub dropped_bytes: u64,
    /// Length of the file afterwards.
    pub kept_bytes: u64,
    /// Set when a torn line was dropped.
    pub torn: Option<TornKind>,
}

impl RepairReport {
    pub fn repaired(&self) -> bool {
        self.torn.is_some()
    }
}

/// If the last line is torn (no newline, or not a JSON object), truncate
/// the file to the end of the line before it. Earlier lines are never
/// examined or changed; use [`super::verify`] for that.
pub fn repair(path: &Path) -> Result<RepairReport, AuditError> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(AuditError::io(path))?;
    let (len, keep, torn) = find_cut(&mut file).map_err(AuditError::io(path))?;
    if torn.is_some() {
        file.set_len(keep).map_err(AuditError::io(path))?;
        file.sync_all().map_err(AuditError::io(path))?;
    }
    Ok(RepairReport {
        dropped_bytes: len - keep,
        kept_bytes: keep,
        torn,
    })
}

/// `(file length, length to keep, why)`.
fn find_cut(file: &mut File) -> io::Result<(u64, u64, Option<TornKind>)> {
    let len = file.metadata()?.len();
    let Some(newline) = last_newline_before(file, len)? else {
        let torn = (len > 0).then_some(TornKind::NoNewline);
        return Ok((len, 0, torn));
    };
    if newline + 1 < len {
        return Ok((len, newline + 1, Some(TornKind::NoNewline)));
    }
    let start = last_newline_before(file, newline)?.map_or(0, |nl| nl + 1);
    if is_json_object(file, start, newline)? {
        Ok((len, len, None))
    } else {
        Ok((len, start, Some(TornKind::NotJson)))
    }
}

fn is_json_object(file: &mut File, start: u64, end: u64) -> io::Result<bool> {
    if end - start > MAX_LINE_BYTES as u64 {
        return Ok(false);
    }
    let line = read_range(file, start, end)?;
    Ok(line.first() == Some(&b'{') && serde_json::from_slice::<IgnoredAny>(&line).is_ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::fs;

    fn repaired(bytes: &[u8]) -> (RepairReport, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        fs::write(&path, bytes).unwrap();
        let report = repair(&path).unwrap();
        (report, fs::read(&path).unwrap())
    }

    #[test]
    fn intact_file_is_untouched() {
        let (report, bytes) = repaired(b"{\"a\":1}\n{\"b\":2}\n");
        assert!(!report.repaired());
        assert_eq!(report.dropped_bytes, 0);
        assert_eq!(bytes, b"{\"a\":1}\n{\"b\":2}\n");
    }

    #[test]
    fn line_without_newline_is_dropped() {
        let (report, bytes) = repaired(b"{\"a\":1}\n{\"b\":");
        assert_eq!(report.torn, Some(TornKind::NoNewline));
        assert_eq!(report.dropped_bytes, 5);
        assert_eq!(report.kept_bytes, 8);
        assert_eq!(bytes, b"{\"a\":1}\n");
    }

    #[test]
    fn final_line_that_is_not_json_is_dropped() {
        let (report, bytes) = repaired(b"{\"a\":1}\n{\"b\":\0\0\0\n");
        assert_eq!(report.torn, Some(TornKind::NotJson));
        assert_eq!(report.dropped_bytes, 9);
        assert_eq!(bytes, b"{\"a\":1}\n");
    }

    #[test]
    fn earlier_bad_lines_are_left_alone() {
        let (report, bytes) = repaired(b"garbage\n{\"b\":2}\n{\"c\"");
        assert_eq!(report.dropped_bytes, 4);
        assert_eq!(bytes, b"garbage\n{\"b\":2}\n");
    }

    #[test]
    fn empty_file_needs_nothing() {
        let (report, bytes) = repaired(b"");
        assert!(!report.repaired());
        assert!(bytes.is_empty());
    }
}
