//! Finding session logs: the sessions directory, new ids, resolving `SESSION` arguments, listings.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use directories::ProjectDirs;
use sha2::{Digest, Sha256};

use super::error::AuditError;
use super::lock::SessionLock;
use super::reader::read_records;
use super::record::{Header, Record};
use super::tail::{last_complete_line, last_newline_before, read_range};

/// The event kind that closes a session (used to tell finished sessions
/// from interrupted ones).
pub const SESSION_END_KIND: &str = "session_ended";

const LOG_EXTENSION: &str = "jsonl";
const MAX_NAME_CHARS: usize = 48;

/// `override_dir` when given (`--audit-dir`, `RUNBOOK_AUDIT_DIR`), else
/// the user's state directory (falling back to the local data directory)
/// joined with `sessions/`, e.g. `~/.local/state/runbook/sessions`.
pub fn sessions_dir(override_dir: Option<&Path>) -> Result<PathBuf, AuditError> {
    if let Some(dir) = override_dir {
        return Ok(dir.to_path_buf());
    }
    let dirs = ProjectDirs::from("", "", "runbook").ok_or(AuditError::NoStateDir)?;
    let base = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
    Ok(base.join("sessions"))
}

/// `<runbook name>-<UTC yyyymmddThhmm>Z-<4 random hex>`, e.g.
/// `deploy-day7-20261122T0903Z-3f2a`. Characters other than ASCII
/// letters, digits, `-`, `_` and `.` in the name become `-`.
pub fn new_session_id(runbook_name: &str, now: DateTime<Utc>) -> String {
    let name: String = runbook_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(MAX_NAME_CHARS)
        .collect();
    let name = name.trim_matches(|c| c == '-' || c == '.');
    let name = if name.is_empty() { "session" } else { name };
    format!("{name}-{}-{:04x}", now.format("%Y%m%dT%H%MZ"), random_u16())
}

fn random_u16() -> u16 {
    if let Ok(value) = getrandom::u32() {
        return (value & 0xffff) as u16;
    }
    // No OS randomness: mix the time and pid instead (uniqueness, not secrecy).
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let digest = Sha256::digest(format!("{nanos}-{}", std::process::id()));
    u16::from_be_bytes([digest[0], digest[1]])
}

/// Why a `SESSION` argument did not name exactly one log.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("no session {arg:?} in {}", dir.display())]
    NotFound { arg: String, dir: PathBuf },
    #[error("session {arg:?} is ambiguous; it could be: {}", candidates.join(", "))]
    Ambiguous {
        arg: String,
        candidates: Vec<String>,
    },
    #[error("cannot read sessions in {}: {source}", dir.display())]
    Io {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Resolve a `SESSION` argument: a path (it contains a `/` or ends in
/// `.jsonl`), a full session id, or a unique prefix of one in `dir`.
pub fn resolve_session(dir: &Path, arg: &str) -> Result<PathBuf, ResolveError> {
    let not_found = || ResolveError::NotFound {
        arg: arg.to_owned(),
        dir: dir.to_path_buf(),
    };
    if arg.is_empty() {
        return Err(not_found());
    }
    let as_path = Path::new(arg);
    if arg.contains(['/', std::path::MAIN_SEPARATOR]) || has_log_extension(as_path) {
        return as_path
            .is_file()
            .then(|| as_path.to_path_buf())
            .ok_or_else(not_found);
    }
    let exact = dir.join(format!("{arg}.{LOG_EXTENSION}"));
    if exact.is_file() {
        return Ok(exact);
    }
    let mut candidates: Vec<String> = session_ids(dir)
        .map_err(|source| ResolveError::Io {
            dir: dir.to_path_buf(),
            source,
        })?
        .into_iter()
        .filter(|id| id.starts_with(arg))
        .collect();
    match candidates.len() {
        0 => Err(not_found()),
        1 => Ok(dir.join(format!("{}.{LOG_EXTENSION}", candidates[0]))),
        _ => {
            candidates.sort();
            Err(ResolveError::Ambiguous {
                arg: arg.to_owned(),
                candidates,
            })
        }
    }
}

/// One recorded session, for `runbook sessions`.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSummary {
    pub id: String,
    pub path: PathBuf,
    /// `None` when line 1 is missing or unreadable.
    pub header: Option<Header>,
    /// Seq of the last complete line (0: header only).
    pub last_seq: u64,
    pub last_kind: Option<String>,
    pub last_ts: Option<DateTime<Utc>>,
    /// The last event's `data` (for a session end: its outcome and reason).
    pub last_data: Option<serde_json::Value>,
    /// A driver holds the session's lock right now.
    pub live: bool,
    /// The last event (signatures and sealing failures after it aside) is a [`SESSION_END_KIND`].
    pub ended: bool,
    /// Why the log cannot be summed up (unreadable, a line over the limit): it is
    /// listed with this reason and otherwise left alone, never failing the others.
    pub problem: Option<String>,
    /// The session was started with `--dry-run` (nothing it walked ran).
    pub dry_run: bool,
}

/// Every `*.jsonl` in `dir`, newest first (by header start time, then id).
/// A missing directory is an empty list.
pub fn list_sessions(dir: &Path) -> Result<Vec<SessionSummary>, AuditError> {
    let ids = match session_ids(dir) {
        Ok(ids) => ids,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(AuditError::io(dir)(err)),
    };
    let mut sessions: Vec<SessionSummary> = ids.into_iter().map(|id| summarise(dir, id)).collect();
    sessions.sort_by(|a, b| {
        let started = |s: &SessionSummary| s.header.as_ref().map(|h| h.started);
        started(b).cmp(&started(a)).then_with(|| b.id.cmp(&a.id))
    });
    Ok(sessions)
}

/// One log summed up; a log that cannot be read is a summary with its problem.
fn summarise(dir: &Path, id: String) -> SessionSummary {
    let path = dir.join(format!("{id}.{LOG_EXTENSION}"));
    match read_summary(&path) {
        Ok((header, dry_run, last_seq, last)) => {
            let (last_kind, last_ts, last_data) = match last {
                Some(event) => (Some(event.kind), Some(event.ts), Some(event.data)),
                None => (None, None, None),
            };
            SessionSummary {
                live: SessionLock::is_held(&path),
                ended: last_kind.as_deref() == Some(SESSION_END_KIND),
                id,
                path,
                header,
                last_seq,
                last_kind,
                last_ts,
                last_data,
                problem: None,
                dry_run,
            }
        }
        Err(e) => SessionSummary {
            id,
            header: None,
            last_seq: 0,
            last_kind: None,
            last_ts: None,
            last_data: None,
            live: false,
            ended: false,
            problem: Some(e.to_string()),
            dry_run: false,
            path,
        },
    }
}

/// The header (if line 1 is one), the last seq, and the last event that says what happened.
type Summed = (Option<Header>, bool, u64, Option<super::Event>);

fn read_summary(path: &Path) -> Result<Summed, AuditError> {
    let mut records = read_records(path)?;
    let header = records
        .next()
        .and_then(Result::ok)
        .and_then(|record| match record {
            Record::Header(header) => Some(header),
            Record::Event(_) => None,
        });
    // The session's first event says how it was started (`--dry-run`).
    let dry_run = match records.next() {
        Some(Ok(Record::Event(event))) => event
            .data
            .get("dry_run")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        _ => false,
    };
    let mut file = File::open(path).map_err(AuditError::io(path))?;
    let (last_seq, last) = last_recorded(&mut file).map_err(AuditError::io(path))?;
    Ok((header, dry_run, last_seq, last))
}

/// Lines a signed, anchored moment may leave after the session's last event: a
/// signature and one failure per sink.
const PROOF_TAIL_LINES: usize = 16;

/// The seq of the last complete line, and the last event that is not a signature or a
/// sealing failure (session::proof) — what happened last, e.g. the session's end.
fn last_recorded(file: &mut File) -> io::Result<(u64, Option<super::Event>)> {
    let Some((mut start, line)) = last_complete_line(file)? else {
        return Ok((0, None));
    };
    let mut parsed = Record::parse(if start == 0 { 1 } else { 2 }, &line).ok();
    let last_seq = match &parsed {
        Some(Record::Event(event)) => event.seq,
        _ => 0,
    };
    for _ in 0..PROOF_TAIL_LINES {
        match parsed {
            Some(Record::Event(event)) if crate::session::proof::is_proof_kind(&event.kind) => {
                let end = start.saturating_sub(1);
                start = last_newline_before(file, end)?.map_or(0, |nl| nl + 1);
                let line = read_range(file, start, end)?;
                parsed = Record::parse(if start == 0 { 1 } else { 2 }, &line).ok();
            }
            Some(Record::Event(event)) => return Ok((last_seq, Some(event))),
            _ => return Ok((last_seq, None)),
        }
    }
    Ok((last_seq, None))
}

/// File stems of the `*.jsonl` files directly in `dir`.
fn session_ids(dir: &Path) -> io::Result<Vec<String>> {
    let mut ids = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if !has_log_extension(&path) || !path.is_file() {
            continue;
        }
        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            ids.push(stem.to_owned());
        }
    }
    Ok(ids)
}

fn has_log_extension(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == LOG_EXTENSION)
}
