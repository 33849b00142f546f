//! The follower's side: appending a sign-off request to its own sidecar file.

use super::{Request, SIDECAR_SUFFIX};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Longest role or name a request may carry (characters).
pub const MAX_TEXT: usize = 200;

/// Why a request could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SignoffError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "{} belongs to another user (uid {owner}); a sign-off request goes only into your own file",
        path.display()
    )]
    NotOwned { path: PathBuf, owner: u32 },
    #[error("{} is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("{} cannot be trusted: {reason}; remove it and sign again", path.display())]
    Untrusted { path: PathBuf, reason: String },
    #[error("the {0} is empty")]
    Empty(&'static str),
    #[error("the {0} is longer than {MAX_TEXT} characters")]
    TooLong(&'static str),
}

/// The sidecar of the OS user `uid` for a session log: `X.jsonl` → `X.<uid>.signoffs`.
pub fn sidecar_path(log_path: &Path, uid: u32) -> PathBuf {
    let stem = log_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    log_path.with_file_name(format!("{stem}.{uid}.{SIDECAR_SUFFIX}"))
}

/// Appends a request to sign `role` as `name` (at gate `step`, or the current
/// one) to this user's sidecar of `log_path`, in one `write`; returns what was written.
pub fn request(
    log_path: &Path,
    step: Option<&str>,
    role: &str,
    name: &str,
) -> Result<Request, SignoffError> {
    let request = Request {
        step: step
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Into::into),
        role: checked(role, "role")?,
        name: checked(name, "name")?,
        host: crate::session::setup::host_name(),
        pid: std::process::id(),
        ts: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        nonce: nonce(),
    };
    let path = sidecar_path(log_path, nix::unistd::getuid().as_raw());
    let io_err = |source| SignoffError::Io {
        path: path.clone(),
        source,
    };
    let mut line = serde_json::to_vec(&request).map_err(|e| io_err(io::Error::other(e)))?;
    line.push(b'\n');
    let mut file = open_own(&path)?;
    let written = file.write(&line).map_err(io_err)?;
    if written != line.len() {
        return Err(io_err(io::Error::new(
            io::ErrorKind::WriteZero,
            "the request was not written in one piece",
        )));
    }
    file.sync_data().map_err(io_err)?;
    Ok(request)
}

fn checked(text: &str, what: &'static str) -> Result<String, SignoffError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(SignoffError::Empty(what));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(SignoffError::TooLong(what));
    }
    Ok(text.to_string())
}

/// Creates the sidecar (mode 0644, never through a symlink), or opens it when it is already ours.
fn open_own(path: &Path) -> Result<File, SignoffError> {
    let io_err = |source| SignoffError::Io {
        path: path.to_path_buf(),
        source,
    };
    let flags = nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK;
    let created = OpenOptions::new()
        .append(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags(flags)
        .open(path);
    let file = match created {
        Ok(file) => {
            // The driver may be another user: readable whatever the umask says.
            let readable = std::fs::Permissions::from_mode(0o644);
            file.set_permissions(readable).map_err(io_err)?;
            return Ok(file);
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => OpenOptions::new()
            .append(true)
            .custom_flags(flags)
            .open(path)
            .map_err(io_err)?,
        Err(e) => return Err(io_err(e)),
    };
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        return Err(SignoffError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.uid() != nix::unistd::getuid().as_raw() {
        return Err(SignoffError::NotOwned {
            path: path.to_path_buf(),
            owner: meta.uid(),
        });
    }
    // The driver refuses such a file; say so here rather than write into it.
    let untrusted = |reason: String| SignoffError::Untrusted {
        path: path.to_path_buf(),
        reason,
    };
    if meta.nlink() != 1 {
        return Err(untrusted(format!(
            "it has {} names (hard links)",
            meta.nlink()
        )));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(untrusted(format!(
            "others may write to it (mode {:o})",
            meta.mode() & 0o7777
        )));
    }
    Ok(file)
}

/// 16 random hex digits (time and pid when the OS has no randomness).
fn nonce() -> String {
    let value = getrandom::u64().unwrap_or_else(|_| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        (nanos as u64) ^ (u64::from(std::process::id()) << 32)
    });
    format!("{value:016x}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_lines_in_the_users_own_sidecar() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s1.jsonl");
        let first = request(&log, Some("gate"), " SRE ", "Bob").unwrap();
        let second = request(&log, None, "Lead", "Ana").unwrap();
        assert_ne!(first.nonce, second.nonce);
        let uid = nix::unistd::getuid().as_raw();
        let path = dir.path().join(format!("s1.{uid}.signoffs"));
        assert_eq!(sidecar_path(&log, uid), path);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Request> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines, vec![first.clone(), second]);
        assert_eq!(first.role, "SRE");
        assert_eq!(first.step.as_deref(), Some("gate"));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }

    #[test]
    fn empty_names_and_symlinked_sidecars_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s2.jsonl");
        assert!(matches!(
            request(&log, None, "SRE", "  "),
            Err(SignoffError::Empty("name"))
        ));
        let uid = nix::unistd::getuid().as_raw();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "").unwrap();
        std::os::unix::fs::symlink(&elsewhere, sidecar_path(&log, uid)).unwrap();
        assert!(request(&log, None, "SRE", "Bob").is_err());
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "");
    }
}
