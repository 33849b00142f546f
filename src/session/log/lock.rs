//! One driver per session: an exclusive `flock` on the log file itself, released on drop.
//!
//! The lock lives on the log's inode, so removing any file cannot release it: deleting
//! or replacing the log itself is noticed by its writer at the next sync, which stops
//! the session ([`super::guard`]). The sidecar `<session-id>.lock` only says who holds
//! the session, for the message a second driver gets; it is not the lock.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use fs4::FileExt;
use fs4::TryLockError;
use serde::{Deserialize, Serialize};

/// Why a session could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process drives the session.
    #[error(
        "session is already being driven by {operator} on {host}{}; it can be taken over once that session quits",
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    HeldBy {
        pid: Option<u32>,
        operator: String,
        host: String,
        lock_path: PathBuf,
    },
    #[error("session lock {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Who holds a lock; written into the sidecar for the error message.
#[derive(Debug, Serialize, Deserialize)]
struct Holder {
    pid: u32,
    operator: String,
    host: String,
}

/// Attempts before reporting contention: a brief probe by `runbook
/// sessions` must not make a real driver fail.
const ATTEMPTS: u32 = 3;
const RETRY_PAUSE: Duration = Duration::from_millis(10);

/// The driver's hold on a session; dropping it releases the lock.
#[derive(Debug)]
pub struct SessionLock {
    // Keeps the flock alive: it is released when this file is closed.
    _log: File,
    path: PathBuf,
}

impl SessionLock {
    /// The sidecar that names the holder: `X.jsonl` → `X.lock`.
    pub fn lock_path(log_path: &Path) -> PathBuf {
        log_path.with_extension("lock")
    }

    /// Take the session's lock (on the log itself) without blocking; `HeldBy` names the holder.
    pub fn acquire(log_path: &Path, operator: &str, host: &str) -> Result<SessionLock, LockError> {
        let io_err = |source| LockError::Io {
            path: log_path.to_path_buf(),
            source,
        };
        let log = File::open(log_path).map_err(io_err)?;
        let path = Self::lock_path(log_path);
        try_lock_with_retry(&log).map_err(|err| match err {
            TryLockError::WouldBlock => held_by(&path),
            TryLockError::Error(source) => io_err(source),
        })?;
        let holder = Holder {
            pid: std::process::id(),
            operator: operator.to_owned(),
            host: host.to_owned(),
        };
        // Only for the message a second driver gets: the lock holds without it.
        let _ = open_lock_file(&path).and_then(|mut file| write_holder(&mut file, &holder));
        Ok(SessionLock { _log: log, path })
    }

    /// Whether some process holds the lock right now (for listings).
    pub fn is_held(log_path: &Path) -> bool {
        Self::probe(log_path).unwrap_or(false)
    }

    /// Like [`SessionLock::is_held`], but `None` when this user cannot tell
    /// (the log cannot be opened, e.g. another user's private session).
    pub fn probe(log_path: &Path) -> Option<bool> {
        let file = match File::open(log_path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Some(false),
            Err(_) => return None,
        };
        match FileExt::try_lock_shared(&file) {
            Ok(()) => Some(false),
            Err(TryLockError::WouldBlock) => Some(true),
            Err(TryLockError::Error(_)) => None,
        }
    }

    /// The sidecar naming the holder.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn open_lock_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn try_lock_with_retry(file: &File) -> Result<(), TryLockError> {
    let mut attempt = 1;
    loop {
        match FileExt::try_lock(file) {
            Err(TryLockError::WouldBlock) if attempt < ATTEMPTS => {
                attempt += 1;
                thread::sleep(RETRY_PAUSE);
            }
            other => return other,
        }
    }
}

fn write_holder(file: &mut File, holder: &Holder) -> io::Result<()> {
    let mut text = serde_json::to_vec(holder).map_err(io::Error::other)?;
    text.push(b'\n');
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(&text)
}

fn held_by(path: &Path) -> LockError {
    let mut text = String::new();
    let holder = File::open(path)
        .and_then(|mut file| file.read_to_string(&mut text))
        .ok()
        .and_then(|_| serde_json::from_str::<Holder>(text.trim()).ok());
    LockError::HeldBy {
        pid: holder.as_ref().map(|h| h.pid),
        operator: holder
            .as_ref()
            .map_or_else(|| "another operator".into(), |h| h.operator.clone()),
        host: holder.map_or_else(|| "an unknown host".into(), |h| h.host),
        lock_path: path.to_path_buf(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn second_handle_is_refused_with_holder_then_succeeds_after_drop() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s1.jsonl");
        std::fs::write(&log, "").unwrap();
        let first = SessionLock::acquire(&log, "ana", "bastion-1").unwrap();
        assert_eq!(first.path(), dir.path().join("s1.lock"));
        assert!(SessionLock::is_held(&log));

        let err = SessionLock::acquire(&log, "ben", "laptop").unwrap_err();
        let LockError::HeldBy {
            pid,
            operator,
            host,
            ..
        } = &err
        else {
            panic!("expected HeldBy, got {err}");
        };
        assert_eq!(*pid, Some(std::process::id()));
        assert_eq!((operator.as_str(), host.as_str()), ("ana", "bastion-1"));
        assert!(err.to_string().contains("ana on bastion-1"), "{err}");

        drop(first);
        assert!(!SessionLock::is_held(&log));
        let second = SessionLock::acquire(&log, "ben", "laptop").unwrap();
        drop(second);
    }

    #[test]
    fn removing_the_sidecar_does_not_release_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s1.jsonl");
        std::fs::write(&log, "").unwrap();
        let first = SessionLock::acquire(&log, "ana", "bastion-1").unwrap();
        std::fs::remove_file(first.path()).unwrap();
        assert!(SessionLock::is_held(&log));
        let err = SessionLock::acquire(&log, "ben", "laptop").unwrap_err();
        assert!(matches!(err, LockError::HeldBy { .. }), "{err}");
    }

    #[test]
    fn unlocked_session_without_lock_file_is_not_held() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!SessionLock::is_held(&dir.path().join("none.jsonl")));
    }
}
