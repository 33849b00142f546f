//! Opening a session's audit log: new (header, lock) or resumed (lock, verify,
//! repair, fold), so every driver starts a session the same way.

use super::event::Event;
use super::log::{
    AuditError, AuditWriter, Header, HeaderDraft, LockError, Record, RecordReader, RunbookRef,
    SessionLock, SystemClock, VerifyReport, new_session_id, read_records, verify,
};
use super::mask::is_secret;
use super::state::SessionState;
use crate::doc::model::Runbook;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Who is driving, from where, and where logs go.
#[derive(Debug, Clone)]
pub struct Driver {
    pub operator: String,
    pub host: String,
    pub audit_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("audit log: {0}")]
    Audit(#[from] AuditError),
    #[error("{0}")]
    Locked(#[from] LockError),
    #[error("the log {} was altered or is corrupt ({reason}); it cannot be resumed — run `runbook verify` for details", path.display())]
    Tampered { path: PathBuf, reason: String },
    #[error("{} has no header line; it is not a runbook session log", .0.display())]
    NoHeader(PathBuf),
}

/// A new session's log, with the driver's lock held.
pub struct Opened {
    pub writer: AuditWriter,
    pub lock: SessionLock,
    pub session_id: String,
}

/// Lower-case hex SHA-256 of the runbook's bytes, as recorded in the header.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// This machine's name.
pub fn host_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Parameter values for the header, secrets masked.
pub fn masked_params(runbook: &Runbook, params: &BTreeMap<String, String>) -> Map<String, Value> {
    let declared = &runbook.meta.env.secret;
    params
        .iter()
        .map(|(name, value)| {
            let env_name = crate::doc::model::param_env_name(name);
            let secret = is_secret(&env_name, value, declared) || is_secret(name, value, declared);
            let shown = if secret {
                super::mask::MASK.to_string()
            } else {
                value.clone()
            };
            (name.clone(), Value::String(shown))
        })
        .collect()
}

/// Creates the log for a new session of `runbook` and takes its lock.
pub fn create(
    runbook: &Runbook,
    source: &[u8],
    params: &BTreeMap<String, String>,
    driver: &Driver,
) -> Result<Opened, SetupError> {
    let name = runbook
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "runbook".into());
    let session_id = new_session_id(&name, chrono::Utc::now());
    let path = std::fs::canonicalize(&runbook.path).unwrap_or_else(|_| runbook.path.clone());
    let header = HeaderDraft {
        runbook: RunbookRef {
            path: path.display().to_string(),
            sha256: sha256_hex(source),
        },
        operator: driver.operator.clone(),
        host: driver.host.clone(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        params: masked_params(runbook, params),
    };
    let writer = AuditWriter::create(&driver.audit_dir, &session_id, &header, SystemClock::new())?;
    let lock = SessionLock::acquire(writer.path(), &driver.operator, &driver.host)?;
    Ok(Opened {
        writer,
        lock,
        session_id,
    })
}

/// A session log read back: its header and its events in order.
pub struct Recorded {
    pub header: Header,
    pub events: Vec<Event>,
}

/// Reads a log's header and typed events (a torn final line is left out).
pub fn read_log(path: &Path) -> Result<Recorded, SetupError> {
    let mut stream = open_log(path)?;
    let events = stream
        .by_ref()
        .map(|stamped| stamped.map(|s| s.event))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Recorded {
        header: stream.header,
        events,
    })
}

/// One event read back, with its place and time in the session.
#[derive(Debug, Clone)]
pub struct Stamped {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    pub mono_ms: u64,
    pub event: Event,
}

/// A log read one event at a time: the header, then typed events in order.
/// Kinds this version does not know are passed over; a torn final line ends
/// the stream and sets [`LogStream::torn`].
pub struct LogStream {
    pub header: Header,
    pub torn: bool,
    records: RecordReader<BufReader<File>>,
}

/// Opens a log and reads its header.
pub fn open_log(path: &Path) -> Result<LogStream, SetupError> {
    let mut records = read_records(path)?;
    match records.next() {
        Some(Ok(Record::Header(header))) => Ok(LogStream {
            header,
            torn: false,
            records,
        }),
        Some(Err(e)) if !matches!(e, AuditError::Torn { .. }) => Err(e.into()),
        _ => Err(SetupError::NoHeader(path.to_path_buf())),
    }
}

impl Iterator for LogStream {
    type Item = Result<Stamped, SetupError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let record = match self.records.next()? {
                Ok(Record::Event(record)) => record,
                Ok(Record::Header(_)) => continue,
                Err(AuditError::Torn { .. }) => {
                    self.torn = true;
                    return None;
                }
                Err(e) => return Some(Err(e.into())),
            };
            if let Some(event) = Event::from_record(&record.kind, record.step, &record.data) {
                return Some(Ok(Stamped {
                    seq: record.seq,
                    ts: record.ts,
                    mono_ms: record.mono_ms,
                    event,
                }));
            }
        }
    }
}

/// A session being resumed: lock held, chain verified, torn tail repaired.
pub struct Reopened {
    pub writer: AuditWriter,
    pub lock: SessionLock,
    pub header: Header,
    pub state: SessionState,
    pub dropped_bytes: u64,
    /// The steps' processes earlier drivers recorded: what they left running ends with
    /// this session.
    pub earlier_steps: Vec<crate::exec::leftover::Recorded>,
    /// The hosts earlier drivers ran steps on: what they left there ends with this session.
    pub earlier_hosts: std::collections::BTreeSet<String>,
}

/// The hosts a log records runs on (`host_started`), by name.
pub fn recorded_hosts(events: &[Event]) -> std::collections::BTreeSet<String> {
    events
        .iter()
        .filter_map(|event| {
            // Only this one kind says a host ran something.
            let super::event::Body::HostStarted(start) = &event.body else {
                return None;
            };
            Some(start.host.clone())
        })
        .collect()
}

/// Every step's processes a log records (`step_process`), in order.
pub fn recorded_steps(events: &[Event]) -> Vec<crate::exec::leftover::Recorded> {
    events
        .iter()
        .filter_map(|event| {
            // Only this one kind says where a step's processes are.
            let super::event::Body::StepProcess {
                pgid,
                leader_start,
                cgroup,
            } = &event.body
            else {
                return None;
            };
            Some(crate::exec::leftover::Recorded {
                pgid: *pgid,
                leader_start: *leader_start,
                cgroup: cgroup.as_ref().map(PathBuf::from),
            })
        })
        .collect()
}

/// Takes over a session log for `runbook`: lock, verify, repair, fold.
pub fn reopen(path: &Path, runbook: &Runbook, driver: &Driver) -> Result<Reopened, SetupError> {
    let lock = SessionLock::acquire(path, &driver.operator, &driver.host)?;
    if let VerifyReport::Tampered {
        reason,
        first_bad_seq,
        ..
    } = verify(path)?
    {
        return Err(SetupError::Tampered {
            path: path.to_path_buf(),
            reason: format!("first bad seq {first_bad_seq}: {reason}"),
        });
    }
    let (writer, repair) = AuditWriter::open_for_resume(path, SystemClock::new())?;
    let recorded = read_log(path)?;
    let state = SessionState::fold(runbook, &recorded.events);
    Ok(Reopened {
        writer,
        lock,
        header: recorded.header,
        state,
        dropped_bytes: repair.dropped_bytes,
        earlier_steps: recorded_steps(&recorded.events),
        earlier_hosts: recorded_hosts(&recorded.events),
    })
}
