//! Reading what was appended to a file since last time, one complete line at a time.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// A complete line (without its `\n`), or a line that grew past the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Line(Vec<u8>),
    /// A line longer than the limit; it is skipped up to its newline.
    TooLong,
}

/// Where a reader stands in an append-only file. A line is handed out only
/// once its `\n` is there; the bytes of an unfinished line are kept.
#[derive(Debug)]
pub struct Tail {
    offset: u64,
    partial: Vec<u8>,
    max_line: usize,
    skipping: bool,
}

const CHUNK: usize = 64 * 1024;

impl Tail {
    /// Starts reading at byte `offset`; lines longer than `max_line` are reported, not kept.
    pub fn at(offset: u64, max_line: usize) -> Self {
        Tail {
            offset,
            partial: Vec::new(),
            max_line,
            skipping: false,
        }
    }

    /// The complete lines appended since the last call, reading at most about `budget` bytes.
    pub fn read(&mut self, file: &File, budget: usize) -> io::Result<Vec<Piece>> {
        let len = file.metadata()?.len();
        if len < self.offset {
            // Truncated by its owner: what was read stays read.
            self.offset = len;
            self.partial.clear();
        }
        let mut pieces = Vec::new();
        let mut read = 0;
        let mut buf = vec![0; CHUNK];
        while self.offset < len && read < budget {
            let want = usize::try_from(len - self.offset).map_or(CHUNK, |left| left.min(CHUNK));
            let n = file.read_at(&mut buf[..want], self.offset)?;
            if n == 0 {
                break;
            }
            self.offset += n as u64;
            read += n;
            self.take(&buf[..n], &mut pieces);
        }
        Ok(pieces)
    }

    fn take(&mut self, mut bytes: &[u8], pieces: &mut Vec<Piece>) {
        while let Some(end) = memchr::memchr(b'\n', bytes) {
            if !std::mem::take(&mut self.skipping) {
                self.partial.extend_from_slice(&bytes[..end]);
                if self.partial.len() > self.max_line {
                    self.partial.clear();
                    pieces.push(Piece::TooLong);
                } else {
                    pieces.push(Piece::Line(std::mem::take(&mut self.partial)));
                }
            }
            bytes = &bytes[end + 1..];
        }
        if self.skipping {
            return;
        }
        self.partial.extend_from_slice(bytes);
        if self.partial.len() > self.max_line {
            self.partial.clear();
            self.skipping = true;
            pieces.push(Piece::TooLong);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;

    fn line(text: &str) -> Piece {
        Piece::Line(text.as_bytes().to_vec())
    }

    #[test]
    fn hands_out_only_complete_lines() {
        let mut file = tempfile::tempfile().unwrap();
        let mut tail = Tail::at(0, 100);
        file.write_all(b"one\ntw").unwrap();
        assert_eq!(tail.read(&file, 1 << 20).unwrap(), vec![line("one")]);
        assert_eq!(tail.read(&file, 1 << 20).unwrap(), vec![]);
        file.write_all(b"o\nthree\n").unwrap();
        assert_eq!(
            tail.read(&file, 1 << 20).unwrap(),
            vec![line("two"), line("three")]
        );
    }

    #[test]
    fn an_overlong_line_is_reported_once_and_skipped() {
        let mut file = tempfile::tempfile().unwrap();
        let mut tail = Tail::at(0, 4);
        file.write_all(b"abcdefg").unwrap();
        assert_eq!(tail.read(&file, 1 << 20).unwrap(), vec![Piece::TooLong]);
        file.write_all(b"hij\nok\n").unwrap();
        assert_eq!(tail.read(&file, 1 << 20).unwrap(), vec![line("ok")]);
    }

    #[test]
    fn starts_where_it_is_told() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"old\n").unwrap();
        let mut tail = Tail::at(4, 100);
        file.write_all(b"new\n").unwrap();
        assert_eq!(tail.read(&file, 1 << 20).unwrap(), vec![line("new")]);
    }
}
