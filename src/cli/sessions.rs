//! `runbook sessions` and `runbook verify`: what was recorded, and whether it was altered.

use crate::session::log::{SessionSummary, VerifyReport, list_sessions, resolve_session, verify};
use std::io::Write;
use std::path::Path;

/// A session's state in one word: running, completed, rolled_back, failed, aborted, interrupted.
pub fn state_word(summary: &SessionSummary) -> String {
    if summary.live {
        return "running".into();
    }
    if summary.ended {
        return summary
            .last_data
            .as_ref()
            .and_then(|d| d.get("outcome"))
            .and_then(|o| o.as_str())
            .unwrap_or("ended")
            .to_string();
    }
    "interrupted".into()
}

/// Lists sessions newest first (or as JSON: `{"schema": 1, "dir", "sessions": [...]}`).
pub fn sessions(dir: &Path, as_json: bool, out: &mut impl Write) -> i32 {
    let list = match list_sessions(dir) {
        Ok(list) => list,
        Err(e) => {
            super::stderr_line(&format!("error: {e}"));
            return 1;
        }
    };
    if as_json {
        let rows: Vec<serde_json::Value> = list
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.id,
                    "path": s.path.display().to_string(),
                    "runbook": s.header.as_ref().map(|h| h.runbook.path.clone()),
                    "operator": s.header.as_ref().map(|h| h.operator.clone()),
                    "started": s.header.as_ref().map(|h| h.started.to_rfc3339()),
                    "events": s.last_seq,
                    "state": state_word(s),
                    "live": s.live,
                })
            })
            .collect();
        let json =
            serde_json::json!({ "schema": 1, "dir": dir.display().to_string(), "sessions": rows });
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
        return 0;
    }
    if list.is_empty() {
        let _ = writeln!(out, "no sessions recorded in {}", dir.display());
        return 0;
    }
    let _ = writeln!(
        out,
        "{:<44} {:<12} {:<12} {:<17} {:>7}  RUNBOOK",
        "SESSION", "STATE", "OPERATOR", "STARTED (UTC)", "EVENTS"
    );
    for s in &list {
        let (runbook, operator, started) = match &s.header {
            Some(h) => (
                h.runbook.path.clone(),
                h.operator.clone(),
                h.started.format("%Y-%m-%d %H:%M").to_string(),
            ),
            None => ("(no header)".into(), "?".into(), "?".into()),
        };
        let _ = writeln!(
            out,
            "{:<44} {:<12} {:<12} {:<17} {:>7}  {runbook}",
            s.id,
            state_word(s),
            operator,
            started,
            s.last_seq
        );
    }
    0
}

/// The newest session that ended without a session end and is not held by a driver,
/// optionally only of one runbook (compared by the header's path).
pub fn newest_unfinished(dir: &Path, runbook: Option<&Path>) -> Option<SessionSummary> {
    let wanted = runbook.map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()));
    list_sessions(dir).ok()?.into_iter().find(|s| {
        !s.ended
            && !s.live
            && wanted.as_ref().is_none_or(|w| {
                s.header
                    .as_ref()
                    .is_some_and(|h| Path::new(&h.runbook.path) == w.as_path())
            })
    })
}

/// Verifies one session's log: exit 0 intact, 1 altered or corrupt, 2 not found.
/// With `as_json` the verdict is one JSON object (README: JSON output).
pub fn verify_session(dir: &Path, arg: &str, as_json: bool, out: &mut impl Write) -> i32 {
    let path = match resolve_session(dir, arg) {
        Ok(path) => path,
        Err(e) => {
            super::stderr_line(&format!("error: {e}"));
            return 2;
        }
    };
    let report = verify(&path);
    let code = if matches!(report, Ok(VerifyReport::Ok { .. })) {
        0
    } else {
        1
    };
    let text = if as_json {
        serde_json::to_string_pretty(&verdict_json(&path, &report)).unwrap_or_default()
    } else {
        verdict_text(&path, &report)
    };
    let _ = writeln!(out, "{}", text.trim_end());
    code
}

fn verdict_text(
    path: &Path,
    report: &Result<VerifyReport, crate::session::log::AuditError>,
) -> String {
    match report {
        Ok(VerifyReport::Ok {
            events,
            torn_tail,
            last_hash,
        }) => {
            let mut text = format!(
                "ok: {} — {events} events, hash chain intact, last hash {last_hash}",
                path.display()
            );
            if *torn_tail {
                text.push_str(
                    "\nnote: the final line is torn (the session stopped mid-write); `runbook resume` drops it and records the drop",
                );
            }
            text
        }
        Ok(VerifyReport::Tampered {
            first_bad_seq,
            line_no,
            reason,
        }) => format!(
            "TAMPERED: {} — first bad seq {first_bad_seq} (line {line_no}): {reason}",
            path.display()
        ),
        Err(e) => format!("CORRUPT: {} — {e}", path.display()),
    }
}

/// `{"schema": 1, "path", "session", "verdict": "ok"|"tampered"|"corrupt", ...}`.
fn verdict_json(
    path: &Path,
    report: &Result<VerifyReport, crate::session::log::AuditError>,
) -> serde_json::Value {
    let session = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let mut json = serde_json::json!({
        "schema": 1,
        "path": path.display().to_string(),
        "session": session,
    });
    let details = match report {
        Ok(VerifyReport::Ok {
            events,
            torn_tail,
            last_hash,
        }) => serde_json::json!({
            "verdict": "ok", "events": events, "torn_tail": torn_tail,
            "last_hash": last_hash.to_string(),
        }),
        Ok(VerifyReport::Tampered {
            first_bad_seq,
            line_no,
            reason,
        }) => serde_json::json!({
            "verdict": "tampered", "first_bad_seq": first_bad_seq, "line": line_no, "reason": reason,
        }),
        Err(e) => serde_json::json!({ "verdict": "corrupt", "reason": e.to_string() }),
    };
    if let (Some(json), serde_json::Value::Object(details)) = (json.as_object_mut(), details) {
        json.extend(details);
    }
    json
}
