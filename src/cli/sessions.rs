//! `runbook sessions` and `runbook verify`: what was recorded, and whether it was altered,
//! signed by whom, and still holds every anchored head.

use crate::session::log::{
    AuditError, Record, SessionSummary, VerifyReport, list_sessions, read_records, resolve_session,
};
use crate::session::proof::allowed::AllowedSigners;
use crate::session::proof::anchors_file;
use crate::session::proof::check::{Against, ProofReport, verify_with_proof};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A session's state in one word: running, completed, rolled_back, failed, aborted, left
/// (its driver quit; resumable) or interrupted (it stopped without a word).
pub fn state_word(summary: &SessionSummary) -> String {
    if summary.problem.is_some() {
        return "unreadable".into();
    }
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
    if summary.last_kind.as_deref() == Some("driver_left") {
        return "left".into();
    }
    "interrupted".into()
}

/// The state word, and `(dry run)` for a dry run.
fn state_cell(summary: &SessionSummary) -> String {
    let word = state_word(summary);
    if summary.dry_run {
        format!("{word} (dry run)")
    } else {
        word
    }
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
                    "dry_run": s.dry_run,
                    "problem": s.problem,
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
        "{:<44} {:<22} {:<12} {:<17} {:>7}  RUNBOOK",
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
        if let Some(problem) = &s.problem {
            super::stderr_line(&format!("warning: skipped {}: {problem}", s.path.display()));
        }
        let _ = writeln!(
            out,
            "{:<44} {:<22} {:<12} {:<17} {:>7}  {runbook}",
            s.id,
            state_cell(s),
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
        s.problem.is_none()
            && !s.ended
            && !s.live
            && wanted.as_ref().is_none_or(|w| {
                s.header
                    .as_ref()
                    .is_some_and(|h| Path::new(&h.runbook.path) == w.as_path())
            })
    })
}

/// What `verify` checks beyond the chain.
#[derive(Debug, Clone, Default)]
pub struct ProofFiles {
    /// `--allowed-signers FILE`
    pub allowed_signers: Option<PathBuf>,
    /// `--anchors FILE`
    pub anchors: Option<PathBuf>,
}

/// What `verify` found: the chain's verdict and, when it holds, the proof's.
type Verdict = Result<(VerifyReport, Option<ProofReport>), AuditError>;

/// Verifies one session's log — the chain, and its signatures and anchors: exit 0 intact,
/// 1 altered, corrupt, badly signed or cut short, 2 not found or unreadable input. With
/// `as_json` the verdict is one JSON object (README: JSON output).
pub fn verify_session(
    dir: &Path,
    arg: &str,
    proof: &ProofFiles,
    as_json: bool,
    out: &mut impl Write,
) -> i32 {
    let path = match resolve_session(dir, arg) {
        Ok(path) => path,
        Err(e) => return super::fail(e, 2),
    };
    let against = match against(&path, proof) {
        Ok(against) => against,
        Err(e) => return super::fail(e, 2),
    };
    let verdict = verify_with_proof(&path, against);
    let intact = match &verdict {
        Ok((VerifyReport::Ok { .. }, report)) => {
            report.as_ref().is_none_or(|r| r.problems.is_empty())
        }
        _ => false,
    };
    let text = if as_json {
        serde_json::to_string_pretty(&verdict_json(&path, &verdict)).unwrap_or_default()
    } else {
        verdict_text(&path, &verdict)
    };
    let _ = writeln!(out, "{}", text.trim_end());
    if intact { 0 } else { 1 }
}

fn verdict_text(path: &Path, verdict: &Verdict) -> String {
    match verdict {
        Ok((
            VerifyReport::Ok {
                events,
                torn_tail,
                last_hash,
            },
            report,
        )) => {
            let empty = ProofReport::default();
            let report = report.as_ref().unwrap_or(&empty);
            let mut lines = vec![if report.problems.is_empty() {
                format!(
                    "ok: {} — {events} events, hash chain intact, last hash {last_hash}",
                    path.display()
                )
            } else {
                format!(
                    "FAILED: {} — hash chain intact ({events} events, last hash {last_hash}), but:",
                    path.display()
                )
            }];
            lines.extend(report.problems.iter().map(|p| format!("  {p}")));
            if *torn_tail {
                lines.push("note: the final line is torn (the session stopped mid-write); `runbook resume` drops it and records the drop".into());
            }
            lines.extend(report.findings.iter().cloned());
            lines.join("\n")
        }
        Ok((
            VerifyReport::Tampered {
                first_bad_seq,
                line_no,
                reason,
            },
            _,
        )) => format!(
            "TAMPERED: {} — first bad seq {first_bad_seq} (line {line_no}): {reason}",
            path.display()
        ),
        Err(e) => format!("CORRUPT: {} — {e}", path.display()),
    }
}

/// `{"schema": 1, "path", "session", "verdict": "ok"|"failed"|"tampered"|"corrupt", ...}`.
fn verdict_json(path: &Path, verdict: &Verdict) -> serde_json::Value {
    let session = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let mut json = serde_json::json!({
        "schema": 1,
        "path": path.display().to_string(),
        "session": session,
    });
    let details = match verdict {
        Ok((
            VerifyReport::Ok {
                events,
                torn_tail,
                last_hash,
            },
            report,
        )) => {
            let empty = ProofReport::default();
            let report = report.as_ref().unwrap_or(&empty);
            let word = if report.problems.is_empty() {
                "ok"
            } else {
                "failed"
            };
            serde_json::json!({
                "verdict": word, "events": events, "torn_tail": torn_tail,
                "last_hash": last_hash.to_string(),
                "problems": report.problems, "findings": report.findings,
            })
        }
        Ok((
            VerifyReport::Tampered {
                first_bad_seq,
                line_no,
                reason,
            },
            _,
        )) => serde_json::json!({
            "verdict": "tampered", "first_bad_seq": first_bad_seq, "line": line_no, "reason": reason,
        }),
        Err(e) => serde_json::json!({ "verdict": "corrupt", "reason": e.to_string() }),
    };
    if let (Some(json), serde_json::Value::Object(details)) = (json.as_object_mut(), details) {
        json.extend(details);
    }
    json
}

/// Reads the allowed signers and this session's anchors.
fn against(log: &Path, proof: &ProofFiles) -> Result<Against, String> {
    let allowed = match &proof.allowed_signers {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("--allowed-signers {}: {e}", file.display()))?;
            let parsed = AllowedSigners::parse(&text)
                .map_err(|e| format!("--allowed-signers {}: {e}", file.display()))?;
            Some((file.display().to_string(), parsed))
        }
        None => None,
    };
    let anchors = match &proof.anchors {
        Some(file) => {
            let session_id = session_id_of(log);
            let found =
                anchors_file::read(file, &session_id).map_err(|e| format!("--anchors {e}"))?;
            Some((file.display().to_string(), found))
        }
        None => None,
    };
    Ok(Against { allowed, anchors })
}

/// The session id the log's header names (empty when it has no readable header: the
/// chain check reports that).
fn session_id_of(log: &Path) -> String {
    let first = read_records(log)
        .ok()
        .and_then(|mut records| records.next());
    match first {
        Some(Ok(Record::Header(header))) => header.session_id,
        _ => String::new(),
    }
}
