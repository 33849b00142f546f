//! A log that may still be growing, read incrementally: a file polled for new
//! bytes, or a pipe (`-`, e.g. `ssh bastion tail -n +1 -f X.jsonl`).
//!
//! Only complete lines are handed out. For a file, a partial last line is
//! read again on the next poll rather than kept, so a torn line that
//! `runbook resume` cuts off (the file gets shorter by that partial line) is
//! never glued to what the resumed driver appends. A file that shrinks below
//! what was read, or is replaced (another inode at the path), is read again
//! from the start: [`Got::Restart`].

use crate::session::log::lines::{BLOCK_BYTES, Lines, Piece};
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, TryRecvError};

/// Chunks a pipe reader may queue ahead of the consumer (64 KiB each).
const PIPE_QUEUE: usize = 64;
const PIPE_CHUNK: usize = 64 * 1024;

/// What a poll found.
#[derive(Debug)]
pub enum Got<'a> {
    /// A complete line (without `\n`).
    Line { line_no: u64, bytes: &'a [u8] },
    /// A line too long to be a record; skipped.
    Overlong { line_no: u64 },
    /// The file shrank or was replaced: everything is read again from the start.
    Restart(&'static str),
}

/// How a poll ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Polled {
    /// New bytes read.
    pub bytes: usize,
    /// The budget ran out before the end of what is there.
    pub more: bool,
    /// A pipe closed; nothing more will come.
    pub closed: bool,
}

enum Input {
    File {
        path: PathBuf,
        file: Option<(File, (u64, u64))>,
    },
    Pipe {
        chunks: Receiver<Vec<u8>>,
        closed: bool,
    },
}

/// The log being read.
pub struct LogSource {
    input: Input,
    lines: Lines,
    /// Bytes received so far (a pipe) or the file's length at the last poll.
    size: u64,
}

impl LogSource {
    /// A log file (it may not exist yet).
    pub fn file(path: &Path) -> Self {
        LogSource {
            input: Input::File {
                path: path.to_path_buf(),
                file: None,
            },
            lines: Lines::default(),
            size: 0,
        }
    }

    /// A stream read on its own thread (standard input for `-`).
    pub fn pipe(mut reader: impl Read + Send + 'static) -> io::Result<Self> {
        let (tx, chunks) = mpsc::sync_channel(PIPE_QUEUE);
        std::thread::Builder::new()
            .name("log-pipe".into())
            .spawn(move || {
                loop {
                    let mut chunk = vec![0u8; PIPE_CHUNK];
                    match reader.read(&mut chunk) {
                        Ok(0) => return,
                        Ok(n) => {
                            chunk.truncate(n);
                            if tx.send(chunk).is_err() {
                                return;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => return,
                    }
                }
            })?;
        Ok(LogSource {
            input: Input::Pipe {
                chunks,
                closed: false,
            },
            lines: Lines::default(),
            size: 0,
        })
    }

    /// The file's path, when it is a file.
    pub fn path(&self) -> Option<&Path> {
        match &self.input {
            Input::File { path, .. } => Some(path),
            Input::Pipe { .. } => None,
        }
    }

    /// Bytes read up to the end of the last complete line.
    pub fn position(&self) -> u64 {
        self.lines.consumed()
    }

    /// The file's length at the last poll, or the bytes a pipe delivered so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Reads at most about `budget` new bytes, handing each complete line to `on`.
    pub fn poll(&mut self, budget: usize, on: &mut dyn FnMut(Got<'_>)) -> io::Result<Polled> {
        match &mut self.input {
            Input::File { path, file } => {
                poll_file(path, file, &mut self.lines, &mut self.size, budget, on)
            }
            Input::Pipe { chunks, closed } => {
                let mut polled = Polled {
                    bytes: 0,
                    more: false,
                    closed: *closed,
                };
                while !*closed && polled.bytes < budget {
                    match chunks.try_recv() {
                        Ok(chunk) => {
                            polled.bytes += chunk.len();
                            self.size += chunk.len() as u64;
                            self.lines.push(&chunk);
                            hand_out(&mut self.lines, on);
                        }
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => *closed = true,
                    }
                }
                polled.more = polled.bytes >= budget;
                polled.closed = *closed;
                Ok(polled)
            }
        }
    }
}

fn hand_out(lines: &mut Lines, on: &mut dyn FnMut(Got<'_>)) {
    while let Some(piece) = lines.next_piece() {
        match piece {
            Piece::Line { line_no, bytes, .. } => on(Got::Line { line_no, bytes }),
            Piece::Overlong { line_no } => on(Got::Overlong { line_no }),
        }
    }
}

fn identity(meta: &fs::Metadata) -> (u64, u64) {
    (meta.dev(), meta.ino())
}

fn poll_file(
    path: &Path,
    slot: &mut Option<(File, (u64, u64))>,
    lines: &mut Lines,
    size: &mut u64,
    budget: usize,
    on: &mut dyn FnMut(Got<'_>),
) -> io::Result<Polled> {
    let idle = Polled {
        bytes: 0,
        more: false,
        closed: false,
    };
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        // Between a rotation's rename and the new file: wait for it.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(idle),
        Err(e) => return Err(e),
    };
    let replaced = slot.as_ref().is_some_and(|(_, id)| *id != identity(&meta));
    let shrank = meta.len() < lines.consumed();
    if slot.is_none() || replaced || shrank {
        if replaced || shrank {
            on(Got::Restart(if replaced {
                "the log was replaced"
            } else {
                "the log got shorter"
            }));
        }
        let file = File::open(path)?;
        let id = identity(&file.metadata()?);
        *slot = Some((file, id));
        *lines = Lines::default();
    }
    let Some((file, _)) = slot.as_mut() else {
        return Ok(idle);
    };
    *size = meta.len();
    // A partial line is read again, never kept: it may be cut and rewritten. Reading it
    // again does not count against the budget, or a line longer than the budget would
    // be read again and again and never completed.
    let again = lines.partial();
    lines.drop_partial();
    file.seek(SeekFrom::Start(lines.consumed()))?;
    let budget = budget.saturating_add(again);
    let mut polled = idle;
    loop {
        let want = BLOCK_BYTES.min(budget.saturating_sub(polled.bytes));
        if want == 0 {
            polled.more = true;
            break;
        }
        let read = lines.fill(file, want)?;
        if read == 0 {
            break;
        }
        polled.bytes += read;
        hand_out(lines, on);
    }
    Ok(polled)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;

    fn collect(source: &mut LogSource) -> Vec<String> {
        let mut out = Vec::new();
        source
            .poll(usize::MAX, &mut |got| match got {
                Got::Line { bytes, .. } => out.push(String::from_utf8_lossy(bytes).into_owned()),
                Got::Overlong { line_no } => out.push(format!("overlong {line_no}")),
                Got::Restart(why) => out.push(format!("restart: {why}")),
            })
            .unwrap();
        out
    }

    fn append(path: &Path, bytes: &[u8]) {
        let mut file = fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .unwrap();
        file.write_all(bytes).unwrap();
    }

    #[test]
    fn a_growing_file_hands_out_complete_lines_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut source = LogSource::file(&path);
        assert!(collect(&mut source).is_empty(), "no file yet");
        append(&path, b"one\ntw");
        assert_eq!(collect(&mut source), ["one"]);
        assert!(collect(&mut source).is_empty());
        append(&path, b"o\nthree\n");
        assert_eq!(collect(&mut source), ["two", "three"]);
        assert_eq!(source.position(), 14);
    }

    #[test]
    fn a_torn_line_cut_by_repair_is_never_glued_to_what_follows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        append(&path, b"one\ntorn-par");
        let mut source = LogSource::file(&path);
        assert_eq!(collect(&mut source), ["one"]);
        // Repair cuts the partial line; the resumed driver appends more than it was.
        let file = fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(4).unwrap();
        append(&path, b"resumed and longer\n");
        assert_eq!(collect(&mut source), ["resumed and longer"]);
        // Cut below what was read: read again from the start.
        fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(2)
            .unwrap();
        append(&path, b"\nx\n");
        assert_eq!(
            collect(&mut source),
            ["restart: the log got shorter", "on", "x"]
        );
    }

    #[test]
    fn a_replaced_file_is_read_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        append(&path, b"old 1\nold 2\n");
        let mut source = LogSource::file(&path);
        assert_eq!(collect(&mut source).len(), 2);
        let fresh = dir.path().join("new.jsonl");
        append(&fresh, b"new 1\nnew 2\nnew 3\n");
        fs::rename(&fresh, &path).unwrap();
        assert_eq!(
            collect(&mut source),
            ["restart: the log was replaced", "new 1", "new 2", "new 3"]
        );
    }

    #[test]
    fn a_pipe_ends_when_its_writer_closes() {
        let mut source = LogSource::pipe(io::Cursor::new(b"a\nb\npartial".to_vec())).unwrap();
        let mut lines = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let polled = source
                .poll(usize::MAX, &mut |got| {
                    if let Got::Line { bytes, .. } = got {
                        lines.push(bytes.to_vec());
                    }
                })
                .unwrap();
            if polled.closed {
                break;
            }
            assert!(std::time::Instant::now() < deadline);
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(lines, [b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(source.size(), 11);
    }

    #[test]
    fn lines_longer_than_the_budget_or_the_limit_never_stall_a_reader() {
        use crate::session::log::MAX_LINE_BYTES;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut text = b"first\n".to_vec();
        text.extend(vec![b'x'; 3 * BLOCK_BYTES]);
        text.extend(b"\nsecond\n");
        text.extend(vec![b'y'; MAX_LINE_BYTES + BLOCK_BYTES]);
        text.extend(b"\nthird\n");
        append(&path, &text);
        let mut source = LogSource::file(&path);
        let mut seen = Vec::new();
        for _ in 0..64 {
            let polled = source
                .poll(BLOCK_BYTES, &mut |got| match got {
                    Got::Line { bytes, .. } => seen.push(format!("{} bytes", bytes.len())),
                    Got::Overlong { line_no } => seen.push(format!("overlong {line_no}")),
                    Got::Restart(why) => seen.push(why.to_owned()),
                })
                .unwrap();
            if !polled.more {
                break;
            }
        }
        let long = format!("{} bytes", 3 * BLOCK_BYTES);
        assert_eq!(
            seen,
            ["5 bytes", long.as_str(), "6 bytes", "overlong 4", "5 bytes"]
        );
    }

    #[test]
    fn the_budget_bounds_one_poll() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let line = vec![b'x'; 999];
        for _ in 0..3000 {
            append(&path, &[line.as_slice(), b"\n"].concat());
        }
        let mut source = LogSource::file(&path);
        let mut count = 0;
        let polled = source.poll(BLOCK_BYTES, &mut |_| count += 1).unwrap();
        assert!(polled.more);
        assert!(count < 3000);
        let rest = source.poll(usize::MAX, &mut |_| count += 1).unwrap();
        assert!(!rest.more);
        assert_eq!(count, 3000);
    }
}
