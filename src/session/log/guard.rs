//! The log file a writer holds, checked as it is written: before each record, the file
//! still ends where our last record ended (nobody else appended — another driver, a
//! stray `>>`); at each sync, it is still the file at the log's path (not deleted, not
//! replaced). Either failing is an audit log failure: the session stops (exit 3).

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::writer::LogSink;

/// An append-only log file that notices when it stops being the session's log.
#[derive(Debug)]
pub struct GuardedFile {
    file: File,
    path: PathBuf,
    /// `(device, inode)` of the open file.
    identity: (u64, u64),
    /// Where our next record starts: the file's length as we left it.
    expected_len: u64,
}

impl GuardedFile {
    /// Guards `file`, the log at `path`, as it is now.
    pub fn new(file: File, path: &Path) -> io::Result<GuardedFile> {
        let meta = file.metadata()?;
        Ok(GuardedFile {
            identity: (meta.dev(), meta.ino()),
            expected_len: meta.len(),
            path: path.to_path_buf(),
            file,
        })
    }

    /// Someone else's bytes after ours mean a second writer: refuse to interleave.
    fn check_tail(&self) -> io::Result<()> {
        let len = self.file.metadata()?.len();
        if len == self.expected_len {
            return Ok(());
        }
        Err(io::Error::other(format!(
            "the log's end is not ours: it is {len} bytes long where our last record ended at \
             {} (another process wrote to it)",
            self.expected_len
        )))
    }

    /// The open file is still the log at its path.
    fn check_path(&self) -> io::Result<()> {
        let open = self.file.metadata()?;
        let at_path = match fs::symlink_metadata(&self.path) {
            Ok(meta) => Some((meta.dev(), meta.ino())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if open.nlink() > 0 && at_path == Some(self.identity) {
            return Ok(());
        }
        let what = if at_path.is_some() {
            "replaced by another file"
        } else {
            "deleted"
        };
        Err(io::Error::other(format!(
            "the log file was {what} while the session ran"
        )))
    }
}

impl LogSink for GuardedFile {
    fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        self.check_tail()?;
        match self.file.write_all(record) {
            Ok(()) => {
                self.expected_len += record.len() as u64;
                Ok(())
            }
            Err(e) => {
                // A short write still moved the end: the next check must not blame another writer.
                self.expected_len = self.file.metadata().map_or(self.expected_len, |m| m.len());
                Err(e)
            }
        }
    }

    fn sync_data(&mut self) -> io::Result<()> {
        self.check_path()?;
        self.file.sync_data()
    }

    fn moved_to(&mut self, path: &Path) {
        self.path = path.to_path_buf();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;

    fn guarded(dir: &Path) -> (GuardedFile, PathBuf) {
        let path = dir.join("s.jsonl");
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .unwrap();
        (GuardedFile::new(file, &path).unwrap(), path)
    }

    #[test]
    fn records_and_syncs_while_the_file_is_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, path) = guarded(dir.path());
        log.write_record(b"one\n").unwrap();
        log.sync_data().unwrap();
        log.write_record(b"two\n").unwrap();
        assert_eq!(fs::read_to_string(path).unwrap(), "one\ntwo\n");
    }

    #[test]
    fn a_deleted_or_replaced_log_fails_at_the_next_sync() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, path) = guarded(dir.path());
        log.write_record(b"one\n").unwrap();
        fs::remove_file(&path).unwrap();
        let err = log.sync_data().unwrap_err().to_string();
        assert!(err.contains("deleted"), "{err}");

        let (mut log, path) = guarded(dir.path());
        fs::write(dir.path().join("other"), "forged\n").unwrap();
        fs::rename(dir.path().join("other"), &path).unwrap();
        let err = log.sync_data().unwrap_err().to_string();
        assert!(err.contains("replaced"), "{err}");
    }

    #[test]
    fn bytes_appended_by_someone_else_stop_the_next_record() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, path) = guarded(dir.path());
        log.write_record(b"ours\n").unwrap();
        let mut other = OpenOptions::new().append(true).open(&path).unwrap();
        other.write_all(b"theirs\n").unwrap();
        let err = log.write_record(b"ours again\n").unwrap_err().to_string();
        assert!(err.contains("not ours"), "{err}");
        assert_eq!(fs::read_to_string(path).unwrap(), "ours\ntheirs\n");
    }
}
