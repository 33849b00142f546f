//! The session's private directory: every step's private files (its script, the secret
//! watch's reports, the environment dump) live in one directory per session, 0700, removed
//! when the session ends — and, should its driver be killed, removed by the next driver
//! (a `resume`, or any new session) once the session is no longer live.
//!
//! Where: `$XDG_RUNTIME_DIR/runbook/<session>` when there is a runtime directory (per
//! user, in memory, gone at logout). Else `<state dir>/runbook/private/<session>`: the
//! user's own tree, where nobody else can create or swap a name first as they can in
//! `/tmp`, and the same place at every start, so the sweep finds what a killed driver
//! left. Only when neither can be made, `/tmp/runbook-<uid>/<session>`, used only if it
//! is a real directory of this user's with no group or other access.
//!
//! Each session directory holds `log`, the path of its session log: the session is live
//! while some driver holds that log's lock.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The file in a session directory naming its session log.
const LOG_NAME: &str = "log";
/// A session directory without its `log` file is being made — unless it is older than this.
const UNNAMED_GRACE: Duration = Duration::from_secs(60);

/// Whether the session whose log is at this path may still be driven.
pub type Liveness = fn(&Path) -> bool;

/// One session's private directory; removed when dropped.
#[derive(Debug)]
pub struct PrivateDir {
    path: PathBuf,
    log: PathBuf,
}

impl PrivateDir {
    /// The private directory of the session logged at `log` (named by the log's file stem),
    /// after removing those of sessions no longer live and whatever an earlier driver of
    /// this very session left (this driver holds its lock now).
    pub fn for_session(log: &Path, live: Liveness) -> io::Result<PrivateDir> {
        let root = root()?;
        let name = log
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| !s.is_empty() && !s.starts_with('.'))
            .ok_or_else(|| io::Error::other("the session log has no usable name"))?;
        sweep(&root, name, live);
        let path = root.join(name);
        if fs::symlink_metadata(&path).is_ok() {
            fs::remove_dir_all(&path)?;
        }
        let dir = PrivateDir {
            path,
            log: log.to_path_buf(),
        };
        dir.ensure()?;
        Ok(dir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes the directory (again, after [`PrivateDir::remove`]) with its `log` file.
    pub fn ensure(&self) -> io::Result<()> {
        if self.path.is_dir() {
            return Ok(());
        }
        owned_private_dir(&self.path)?;
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(self.path.join(LOG_NAME))?;
        file.write_all(self.log.as_os_str().as_encoded_bytes())
    }

    /// Removes the directory and everything in it.
    pub fn remove(&self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Removes the session directories in `root` whose session is no longer live, except
/// `keep`; returns how many went.
pub fn sweep(root: &Path, keep: &str, live: Liveness) -> usize {
    let Ok(entries) = fs::read_dir(root) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let dir = entry.path();
        let ours = entry.file_type().is_ok_and(|t| t.is_dir());
        if !ours || entry.file_name() == keep || !abandoned(&dir, live) {
            continue;
        }
        if fs::remove_dir_all(&dir).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Whether nobody drives the session of `dir` any more.
fn abandoned(dir: &Path, live: Liveness) -> bool {
    match fs::read(dir.join(LOG_NAME)) {
        Ok(log) => {
            let log = PathBuf::from(std::ffi::OsString::from_vec(log));
            !live(&log)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::symlink_metadata(dir)
            .and_then(|m| m.modified())
            .is_ok_and(|made| {
                SystemTime::now()
                    .duration_since(made)
                    .is_ok_and(|age| age > UNNAMED_GRACE)
            }),
        Err(_) => false,
    }
}

/// The first place that can hold session directories (see the module's documentation).
pub fn root() -> io::Result<PathBuf> {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute() && dir.is_dir())
        .map(|dir| dir.join("runbook"));
    let state = directories::ProjectDirs::from("", "", "runbook").map(|d| {
        d.state_dir()
            .unwrap_or_else(|| d.data_local_dir())
            .join("private")
    });
    let tmp = std::env::temp_dir().join(format!("runbook-{}", nix::unistd::geteuid()));
    let mut last = io::Error::other("no place for private files");
    for candidate in [runtime, state, Some(tmp)].into_iter().flatten() {
        match owned_private_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Makes `dir` (its parents as usual, itself 0700) unless it exists, then insists that it
/// is a real directory of this user's that nobody else may enter.
fn owned_private_dir(dir: &Path) -> io::Result<()> {
    if let Some(parent) = dir.parent() {
        fs::create_dir_all(parent)?;
    }
    match DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = fs::symlink_metadata(dir)?;
    if !meta.file_type().is_dir() {
        return Err(io::Error::other(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    if meta.uid() != nix::unistd::geteuid().as_raw() {
        return Err(io::Error::other(format!(
            "{} belongs to another user",
            dir.display()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never_live(_: &Path) -> bool {
        false
    }

    fn always_live(_: &Path) -> bool {
        true
    }

    fn session(root: &Path, name: &str, log: Option<&str>) -> PathBuf {
        let dir = root.join(name);
        fs::create_dir(&dir).expect("mkdir");
        fs::write(dir.join("secret"), "x").expect("write");
        if let Some(log) = log {
            fs::write(dir.join(LOG_NAME), log).expect("log");
        }
        dir
    }

    #[test]
    fn only_sessions_nobody_drives_are_swept() {
        let root = tempfile::tempdir().expect("root");
        let gone = session(root.path(), "gone", Some("/nowhere/gone.jsonl"));
        let mine = session(root.path(), "mine", Some("/nowhere/mine.jsonl"));
        let unnamed = session(root.path(), "being-made", None);
        assert_eq!(sweep(root.path(), "mine", always_live), 0);
        assert!(gone.exists());
        assert_eq!(sweep(root.path(), "mine", never_live), 1);
        assert!(!gone.exists(), "a session nobody drives");
        assert!(mine.exists(), "this driver's own");
        assert!(unnamed.exists(), "a directory still being made");
    }

    #[test]
    fn a_private_dir_is_ours_alone_and_goes_when_dropped() {
        let base = tempfile::tempdir().expect("base");
        let dir = base.path().join("private");
        owned_private_dir(&dir).expect("made");
        let mode = fs::metadata(&dir).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
        owned_private_dir(&dir).expect("taken back");
        let mode = fs::metadata(&dir).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "group and other access is taken away");
        let link = base.path().join("link");
        std::os::unix::fs::symlink(&dir, &link).expect("symlink");
        assert!(owned_private_dir(&link).is_err(), "a symlink is refused");

        let session = PrivateDir {
            path: dir.join("s-1"),
            log: PathBuf::from("/logs/s-1.jsonl"),
        };
        session.ensure().expect("ensure");
        assert_eq!(
            fs::read_to_string(session.path().join(LOG_NAME)).expect("log"),
            "/logs/s-1.jsonl"
        );
        let path = session.path().to_path_buf();
        drop(session);
        assert!(!path.exists());
    }
}
