//! The audit log's error type: I/O, a stopped (poisoned) writer, a malformed or torn line.

use std::io;
use std::path::{Path, PathBuf};

/// Everything that can go wrong reading or writing an audit log.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A read, write, fsync or open failed. For the writer this is final:
    /// it is poisoned and the session must stop (exit code 3).
    #[error("audit log {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// An earlier write or sync failed, as it was reported then; nothing more is written.
    #[error("{0}")]
    Failed(String),
    /// An earlier write or fsync failed; nothing more is written.
    #[error("audit log {} can no longer be written (an earlier write failed)", path.display())]
    Poisoned { path: PathBuf },
    /// One record is larger than a reader accepts (nothing was written).
    #[error("event of {bytes} bytes exceeds the audit log line limit of {limit} bytes")]
    TooLarge { bytes: usize, limit: usize },
    /// A complete line is not what the format requires.
    #[error("audit log {} line {line_no}: {reason}", path.display())]
    Malformed {
        path: PathBuf,
        line_no: u64,
        reason: String,
    },
    /// The final line has no newline yet (still being written, or torn by a crash).
    #[error("audit log {} line {line_no}: incomplete final line ({bytes} bytes without newline)", path.display())]
    Torn {
        path: PathBuf,
        line_no: u64,
        bytes: usize,
    },
    /// A session id that cannot be a file name.
    #[error("invalid session id {0:?}: use letters, digits, '-', '_' or '.'")]
    InvalidSessionId(String),
    /// No state or data directory could be determined for this user.
    #[error("no state directory for audit logs: pass --audit-dir or set RUNBOOK_AUDIT_DIR")]
    NoStateDir,
}

impl AuditError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(io::Error) -> AuditError + '_ {
        move |source| AuditError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn malformed(path: &Path, line_no: u64, reason: impl Into<String>) -> AuditError {
        AuditError::Malformed {
            path: path.to_path_buf(),
            line_no,
            reason: reason.into(),
        }
    }
}
