//! Appending to a log: one `write` per record, the hash chain, fsync policy, poisoning on failure.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::clock::Clock;
use super::error::AuditError;
use super::guard::GuardedFile;
use super::record::{
    ChainHash, EventDraft, HeaderDraft, MAX_LINE_BYTES, Record, Stamp, encode_event, encode_header,
    seal,
};
use super::repair::{RepairReport, repair};
use super::tail::last_complete_line;

/// A record buffer larger than this is released after use, so one huge
/// event does not pin its memory for the rest of the session.
const RETAINED_BUFFER_BYTES: usize = 1024 * 1024;

/// Lazily written records reach the disk at least this often.
pub const LAZY_SYNC_INTERVAL: Duration = Duration::from_millis(200);

/// When a record must be on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPolicy {
    /// `fsync` before returning: before a command starts, at step boundaries.
    Now,
    /// May wait, but never longer than [`LAZY_SYNC_INTERVAL`]: output chunks.
    Lazy,
}

/// Where records go. Implemented for [`File`]; other sinks let tests
/// inject failures.
pub trait LogSink: Send {
    /// Write one whole record with a single call.
    fn write_record(&mut self, record: &[u8]) -> io::Result<()>;
    fn sync_data(&mut self) -> io::Result<()>;
    /// The log now lives at `path` (it was written under a temporary name first).
    fn moved_to(&mut self, _path: &Path) {}
}

impl LogSink for File {
    fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        self.write_all(record)
    }

    fn sync_data(&mut self) -> io::Result<()> {
        File::sync_data(self)
    }
}

/// The single writer of one session's log.
pub struct AuditWriter {
    sink: Box<dyn LogSink>,
    clock: Box<dyn Clock>,
    path: PathBuf,
    next_seq: u64,
    prev: ChainHash,
    /// The clock's `mono_ms` when this writer started, and the log's
    /// `mono_ms` at that moment (0 for a new log, the last value on resume).
    clock_origin: u64,
    log_origin: u64,
    last_mono: u64,
    /// Clock time of the oldest write not yet synced.
    unsynced_since: Option<u64>,
    poisoned: bool,
    buf: Vec<u8>,
}

impl std::fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditWriter")
            .field("path", &self.path)
            .field("next_seq", &self.next_seq)
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

impl AuditWriter {
    /// Create `<dir>/<session_id>.jsonl` (it must not exist; mode 0600, or
    /// 0640 in a shared directory — one with the setgid bit; missing
    /// directories 0700), write and sync the header.
    pub fn create(
        dir: &Path,
        session_id: &str,
        header: &HeaderDraft,
        clock: impl Clock + 'static,
    ) -> Result<AuditWriter, AuditError> {
        check_session_id(session_id)?;
        private_dir(dir).map_err(AuditError::io(dir))?;
        let path = dir.join(format!("{session_id}.jsonl"));
        // The header is written and synced under a hidden name, then the file appears at
        // its path whole: a driver killed while starting leaves no empty log, which
        // `verify` could not tell from one emptied by hand.
        sweep_partials(dir, PARTIAL_STALE_AFTER);
        let partial = dir.join(format!(".{session_id}.jsonl.partial"));
        let file = new_log_file(&partial, shared_dir(dir))
            .and_then(|file| GuardedFile::new(file, &partial))
            .map_err(AuditError::io(&path))?;
        let mut writer =
            AuditWriter::with_sink(Box::new(file), path.clone(), session_id, header, clock)
                .inspect_err(|_| {
                    let _ = std::fs::remove_file(&partial);
                })?;
        publish(&partial, &path).map_err(AuditError::io(&path))?;
        writer.sink.moved_to(&path);
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(AuditError::io(dir))?;
        Ok(writer)
    }

    /// Start a log on any sink (`path` names it in errors): writes and
    /// syncs the header.
    pub fn with_sink(
        sink: Box<dyn LogSink>,
        path: PathBuf,
        session_id: &str,
        header: &HeaderDraft,
        clock: impl Clock + 'static,
    ) -> Result<AuditWriter, AuditError> {
        let mut buf = Vec::with_capacity(4096);
        encode_header(&mut buf, header, session_id, clock.now_utc());
        let mut writer = AuditWriter {
            sink,
            clock_origin: clock.mono_ms(),
            clock: Box::new(clock),
            path,
            next_seq: 1,
            prev: ChainHash::GENESIS,
            log_origin: 0,
            last_mono: 0,
            unsynced_since: None,
            poisoned: false,
            buf,
        };
        writer.prev = seal(&mut writer.buf, &ChainHash::GENESIS);
        writer.write_buf()?;
        writer.sync()?;
        Ok(writer)
    }

    /// Repair a log (dropping a torn final line), then continue its chain.
    /// The caller should hold the [`super::SessionLock`] and record the
    /// repair as an event when [`RepairReport::repaired`] is true.
    pub fn open_for_resume(
        path: &Path,
        clock: impl Clock + 'static,
    ) -> Result<(AuditWriter, RepairReport), AuditError> {
        let report = repair(path)?;
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(AuditError::io(path))?;
        let (offset, line) = last_complete_line(&mut file)
            .map_err(AuditError::io(path))?
            .ok_or_else(|| AuditError::malformed(path, 1, "no header: the log is empty"))?;
        let (next_seq, prev, last_mono) = match resume_point(offset == 0, &line) {
            Ok(point) => point,
            Err(reason) => {
                let line_no = line_number_at(&mut file, offset).map_err(AuditError::io(path))?;
                return Err(AuditError::malformed(path, line_no, reason));
            }
        };
        let file = GuardedFile::new(file, path).map_err(AuditError::io(path))?;
        let writer = AuditWriter {
            sink: Box::new(file),
            clock_origin: clock.mono_ms(),
            clock: Box::new(clock),
            path: path.to_path_buf(),
            next_seq,
            prev,
            log_origin: last_mono,
            last_mono,
            unsynced_since: None,
            poisoned: false,
            buf: Vec::with_capacity(4096),
        };
        Ok((writer, report))
    }

    /// Append one event and return its `seq`. On a write or sync failure
    /// the writer is poisoned: this and every later call fail.
    pub fn append(&mut self, draft: &EventDraft, sync: SyncPolicy) -> Result<u64, AuditError> {
        self.check_poisoned()?;
        let seq = self.next_seq;
        let mono_ms = self.mono_now();
        let stamp = Stamp {
            seq,
            ts: self.clock.now_utc(),
            mono_ms,
            prev: &self.prev,
        };
        self.buf.clear();
        encode_event(&mut self.buf, &stamp, draft);
        let hash = seal(&mut self.buf, &self.prev);
        let line_len = self.buf.len() - 1;
        if line_len > MAX_LINE_BYTES {
            return Err(AuditError::TooLarge {
                bytes: line_len,
                limit: MAX_LINE_BYTES,
            });
        }
        self.write_buf()?;
        self.prev = hash;
        self.next_seq += 1;
        self.last_mono = mono_ms;
        match sync {
            SyncPolicy::Now => self.sync()?,
            SyncPolicy::Lazy => {
                self.sync_if_due()?;
            }
        }
        Ok(seq)
    }

    /// `fsync` (data) now if anything is unsynced.
    pub fn sync(&mut self) -> Result<(), AuditError> {
        self.check_poisoned()?;
        if self.unsynced_since.is_some() {
            let result = self.sink.sync_data();
            self.fail_on_error(result)?;
            self.unsynced_since = None;
        }
        Ok(())
    }

    /// True when unsynced records are [`LAZY_SYNC_INTERVAL`] old or older.
    pub fn flush_due(&self) -> bool {
        let interval = u64::try_from(LAZY_SYNC_INTERVAL.as_millis()).unwrap_or(u64::MAX);
        self.unsynced_since
            .is_some_and(|since| self.clock.mono_ms().saturating_sub(since) >= interval)
    }

    /// Sync if [`AuditWriter::flush_due`]; call from a timer while output
    /// is quiet. Returns whether it synced.
    pub fn sync_if_due(&mut self) -> Result<bool, AuditError> {
        self.check_poisoned()?;
        if !self.flush_due() {
            return Ok(false);
        }
        self.sync().map(|()| true)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The `seq` the next event will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The hash of the last line written (the chain head).
    pub fn last_hash(&self) -> ChainHash {
        self.prev
    }

    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    fn mono_now(&self) -> u64 {
        let elapsed = self.clock.mono_ms().saturating_sub(self.clock_origin);
        self.log_origin.saturating_add(elapsed).max(self.last_mono)
    }

    fn write_buf(&mut self) -> Result<(), AuditError> {
        let result = self.sink.write_record(&self.buf);
        self.buf.clear();
        self.buf.shrink_to(RETAINED_BUFFER_BYTES);
        self.fail_on_error(result)?;
        self.unsynced_since.get_or_insert(self.clock.mono_ms());
        Ok(())
    }

    fn fail_on_error(&mut self, result: io::Result<()>) -> Result<(), AuditError> {
        result.map_err(|source| {
            self.poisoned = true;
            AuditError::Io {
                path: self.path.clone(),
                source,
            }
        })
    }

    fn check_poisoned(&self) -> Result<(), AuditError> {
        if self.poisoned {
            return Err(AuditError::Poisoned {
                path: self.path.clone(),
            });
        }
        Ok(())
    }
}

impl Drop for AuditWriter {
    /// Best effort: a writer dropped without a final [`AuditWriter::sync`]
    /// still pushes its lazy records to disk.
    fn drop(&mut self) {
        if !self.poisoned && self.unsynced_since.is_some() {
            let _ = self.sink.sync_data();
        }
    }
}

/// `(next seq, chain head, last mono_ms)` from the last complete line.
fn resume_point(is_header: bool, line: &[u8]) -> Result<(u64, ChainHash, u64), String> {
    let line_no = if is_header { 1 } else { 2 };
    let record = Record::parse(line_no, line).map_err(|e| e.to_string())?;
    let (seq, hash, mono) = match record {
        Record::Header(header) => (0, header.hash, 0),
        Record::Event(event) => (event.seq, event.hash, event.mono_ms),
    };
    let hash = ChainHash::parse(hash.as_bytes()).ok_or("hash is not 64 hex digits")?;
    Ok((seq + 1, hash, mono))
}

/// The 1-based line number of the line starting at `offset` (error path only).
fn line_number_at(file: &mut File, offset: u64) -> io::Result<u64> {
    file.seek(SeekFrom::Start(0))?;
    let mut newlines = 0;
    let mut block = vec![0u8; 64 * 1024];
    let mut left = offset;
    while left > 0 {
        let want = block.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        file.read_exact(&mut block[..want])?;
        newlines += block[..want].iter().filter(|&&b| b == b'\n').count() as u64;
        left -= want as u64;
    }
    Ok(newlines + 1)
}

fn check_session_id(id: &str) -> Result<(), AuditError> {
    let valid = !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(AuditError::InvalidSessionId(id.to_owned()))
    }
}

fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    // Only directories created here get 0700; an existing one is left as is.
    builder.create(dir)
}

/// A sessions directory with the setgid bit is shared by a team (its group).
fn shared_dir(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(dir).is_ok_and(|m| m.mode() & 0o2000 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        false
    }
}

/// A start takes milliseconds; a partial log older than this was left by a killed start.
const PARTIAL_STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes the partial logs killed starts left in `dir` (never one a start may still be
/// writing). Returns how many went.
pub(crate) fn sweep_partials(dir: &Path, older_than: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.starts_with('.') && name.ends_with(".jsonl.partial")
        })
        .filter(|entry| {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| modified.elapsed().ok())
                .is_some_and(|age| age >= older_than)
        })
        .filter(|entry| std::fs::remove_file(entry.path()).is_ok())
        .count()
}

/// Gives the written `partial` file its name `path`, never over an existing log: a hard
/// link where the filesystem has them, else a rename after checking the name is free.
fn publish(partial: &Path, path: &Path) -> io::Result<()> {
    let linked = match std::fs::hard_link(partial, path) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists && !path.exists() => {
            std::fs::rename(partial, path)
        }
        other => other,
    };
    let _ = std::fs::remove_file(partial);
    linked
}

/// The log file: private, or readable by the directory's group when `shared`.
fn new_log_file(path: &Path, shared: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.append(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, if shared { 0o640 } else { 0o600 });
    let file = options.open(path)?;
    #[cfg(unix)]
    if shared {
        // The umask must not take the group's read access away.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o640))?;
    }
    Ok(file)
}
