//! Complete lines out of a byte stream read in large blocks: a line is handed
//! out only with its `\n`; a line longer than the log format allows is skipped.
//! The one line splitter every log reader uses (verify, export, sessions, follow,
//! replay): memory stays bounded by [`MAX_LINE_BYTES`] whatever a log holds.

use super::record::MAX_LINE_BYTES;
use std::io::{self, Read};

/// Bytes asked of the reader per fill.
pub const BLOCK_BYTES: usize = 1024 * 1024;

/// One piece of the stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// A complete line without its `\n`; `line_no` is 1-based, `offset` where it starts.
    Line {
        line_no: u64,
        offset: u64,
        bytes: &'a [u8],
    },
    /// A line longer than [`MAX_LINE_BYTES`]: skipped up to its `\n`.
    Overlong { line_no: u64 },
}

/// A window on the stream: complete lines are cut from the front, a partial
/// last line waits for more bytes (or is dropped with [`Lines::drop_partial`]).
#[derive(Debug, Default)]
pub struct Lines {
    buf: Vec<u8>,
    /// First byte of `buf` not handed out yet.
    start: usize,
    /// Stream offset of `buf[0]`.
    offset: u64,
    /// Lines handed out (or skipped) so far.
    line_no: u64,
    /// Inside an overlong line, discarding until its `\n`.
    skipping: bool,
}

impl Lines {
    /// A splitter whose next byte is at stream `offset`, after `line_no` lines.
    pub fn at(offset: u64, line_no: u64) -> Self {
        Lines {
            offset,
            line_no,
            ..Lines::default()
        }
    }

    /// Stream offset just past the last complete line handed out.
    pub fn consumed(&self) -> u64 {
        self.offset + self.start as u64
    }

    /// Lines handed out so far.
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// Bytes held that do not make a complete line yet.
    pub fn partial(&self) -> usize {
        self.buf.len() - self.start
    }

    /// A complete line is ready to be handed out.
    pub fn has_line(&self) -> bool {
        memchr::memchr(b'\n', &self.buf[self.start..]).is_some()
    }

    /// Forgets the partial line, so the caller can read it again from [`Lines::consumed`].
    /// Inside an overlong line nothing is held: the skip goes on past what was read.
    pub fn drop_partial(&mut self) {
        self.buf.truncate(self.start);
    }

    /// The bytes of the line not complete yet, its number and where it starts.
    pub fn partial_line(&self) -> (u64, u64, &[u8]) {
        (self.line_no + 1, self.consumed(), &self.buf[self.start..])
    }

    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.offset += self.start as u64;
            self.start = 0;
        }
    }

    /// Reads up to `max` bytes from `reader`; `Ok(0)` at its end.
    pub fn fill(&mut self, reader: &mut impl Read, max: usize) -> io::Result<usize> {
        self.compact();
        let old = self.buf.len();
        self.buf.resize(old + max, 0);
        let read = loop {
            match reader.read(&mut self.buf[old..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        self.buf.truncate(old + *read.as_ref().unwrap_or(&0));
        read
    }

    /// Appends bytes that arrived some other way (a pipe read on another thread).
    pub fn push(&mut self, bytes: &[u8]) {
        self.compact();
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete line (or skipped overlong one); `None` until more bytes come.
    pub fn next_piece(&mut self) -> Option<Piece<'_>> {
        match self.advance()? {
            Span::Line {
                line_no,
                offset,
                from,
                len,
            } => Some(Piece::Line {
                line_no,
                offset,
                bytes: &self.buf[from..from + len],
            }),
            Span::Overlong { line_no } => Some(Piece::Overlong { line_no }),
        }
    }

    /// Like [`Lines::next_piece`], but says where the line is instead of lending it, so
    /// a caller can decide what to do before it borrows the bytes ([`Lines::span_bytes`]).
    pub fn advance(&mut self) -> Option<Span> {
        loop {
            let rest = &self.buf[self.start..];
            return match memchr::memchr(b'\n', rest) {
                Some(len) if self.skipping => {
                    self.skipping = false;
                    self.start += len + 1;
                    continue;
                }
                Some(len) if len > MAX_LINE_BYTES => {
                    self.line_no += 1;
                    self.start += len + 1;
                    Some(Span::Overlong {
                        line_no: self.line_no,
                    })
                }
                Some(len) => {
                    let offset = self.consumed();
                    self.line_no += 1;
                    let from = self.start;
                    self.start += len + 1;
                    Some(Span::Line {
                        line_no: self.line_no,
                        offset,
                        from,
                        len,
                    })
                }
                None if self.skipping => {
                    self.start = self.buf.len();
                    None
                }
                None if rest.len() > MAX_LINE_BYTES => {
                    self.line_no += 1;
                    self.skipping = true;
                    self.start = self.buf.len();
                    Some(Span::Overlong {
                        line_no: self.line_no,
                    })
                }
                None => None,
            };
        }
    }

    /// The bytes of a line [`Lines::advance`] just handed out (valid until the next read).
    pub fn span_bytes(&self, from: usize, len: usize) -> &[u8] {
        &self.buf[from..from + len]
    }
}

/// Where a line is, as [`Lines::advance`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Line {
        line_no: u64,
        offset: u64,
        from: usize,
        len: usize,
    },
    Overlong {
        line_no: u64,
    },
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn lines_of(lines: &mut Lines) -> Vec<(u64, u64, Vec<u8>)> {
        let mut out = Vec::new();
        while let Some(piece) = lines.next_piece() {
            if let Piece::Line {
                line_no,
                offset,
                bytes,
            } = piece
            {
                out.push((line_no, offset, bytes.to_vec()));
            }
        }
        out
    }

    #[test]
    fn complete_lines_only_with_offsets() {
        let mut lines = Lines::default();
        lines.push(b"ab\ncde\nf");
        assert_eq!(
            lines_of(&mut lines),
            [(1, 0, b"ab".to_vec()), (2, 3, b"cde".to_vec())]
        );
        assert_eq!((lines.consumed(), lines.partial()), (7, 1));
        lines.push(b"g\n");
        assert_eq!(lines_of(&mut lines), [(3, 7, b"fg".to_vec())]);
    }

    #[test]
    fn a_dropped_partial_is_read_again() {
        let mut lines = Lines::default();
        lines.push(b"one\ntw");
        assert_eq!(lines_of(&mut lines).len(), 1);
        lines.drop_partial();
        assert_eq!(lines.partial(), 0);
        let mut again = Cursor::new(b"two\n".to_vec());
        lines.fill(&mut again, 64).unwrap();
        assert_eq!(lines_of(&mut lines), [(2, 4, b"two".to_vec())]);
    }

    #[test]
    fn fills_from_a_reader_in_blocks() {
        let text: Vec<u8> = (0..1000)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        let mut reader = Cursor::new(text);
        let mut lines = Lines::default();
        let mut count = 0;
        while lines.fill(&mut reader, 7).unwrap() > 0 {
            count += lines_of(&mut lines).len();
        }
        assert_eq!(count, 1000);
        assert_eq!(lines.line_no(), 1000);
    }

    #[test]
    fn overlong_lines_are_skipped_whole() {
        let mut lines = Lines::default();
        lines.push(&vec![b'x'; MAX_LINE_BYTES + 1]);
        assert_eq!(lines.next_piece(), Some(Piece::Overlong { line_no: 1 }));
        lines.push(b"xxx\nnext\n");
        assert_eq!(
            lines_of(&mut lines),
            [(2, (MAX_LINE_BYTES + 5) as u64, b"next".to_vec())]
        );
    }
}
