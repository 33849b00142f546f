//! Streaming reads: complete lines only (a tail without `\n` is reported, never parsed), then records.

use std::fs::File;
use std::io::{self, BufReader, Read};

use super::lines::{Lines, Span};
use std::path::{Path, PathBuf};

use super::error::AuditError;
use super::record::{MAX_LINE_BYTES, Record};

const READ_BUFFER_BYTES: usize = 256 * 1024;

/// One line as read: `bytes` exclude the `\n`; `complete` is false for a
/// final fragment that has no `\n` (yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based; the header is line 1.
    pub line_no: u64,
    /// Byte offset of the line's first byte in the stream.
    pub offset: u64,
    pub bytes: &'a [u8],
    pub complete: bool,
}

/// Splits a byte stream into lines with [`Lines`], the splitter every log reader uses,
/// holding at most one line (of at most [`MAX_LINE_BYTES`]) and one block in memory.
///
/// After an incomplete line, calling [`LineReader::next_line`] again reads on from where the
/// stream stopped, so a follower can poll a growing file.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    lines: Lines,
}

/// Bytes read from the stream at a time.
const READ_BLOCK_BYTES: usize = 256 * 1024;

impl<R: Read> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            lines: Lines::default(),
        }
    }

    /// The next line, `Ok(None)` at the end of the stream. A line longer
    /// than [`MAX_LINE_BYTES`] is an `InvalidData` error (and is skipped: the
    /// next call goes on after it).
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        loop {
            match self.lines.advance() {
                Some(Span::Line {
                    line_no,
                    offset,
                    from,
                    len,
                }) => {
                    return Ok(Some(Line {
                        line_no,
                        offset,
                        bytes: self.lines.span_bytes(from, len),
                        complete: true,
                    }));
                }
                Some(Span::Overlong { line_no }) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("line {line_no} is longer than {MAX_LINE_BYTES} bytes"),
                    ));
                }
                None => {}
            }
            if self.lines.fill(&mut self.inner, READ_BLOCK_BYTES)? == 0 {
                let (line_no, offset, bytes) = self.lines.partial_line();
                return Ok((!bytes.is_empty()).then_some(Line {
                    line_no,
                    offset,
                    bytes,
                    complete: false,
                }));
            }
        }
    }
}

/// Parses lines into [`Record`]s: the header first, then events.
///
/// The reader checks shape only; [`super::verify`] checks the chain.
/// As an iterator it ends after the first error (a torn tail included);
/// [`RecordReader::next_record`] may be called again after a
/// [`AuditError::Torn`] to pick up a line that has since been completed.
#[derive(Debug)]
pub struct RecordReader<R> {
    lines: LineReader<R>,
    source: PathBuf,
    finished: bool,
}

impl<R: Read> RecordReader<R> {
    /// `source` names the stream in errors (a path, or `-` for stdin).
    pub fn new(inner: R, source: impl Into<PathBuf>) -> Self {
        RecordReader {
            lines: LineReader::new(inner),
            source: source.into(),
            finished: false,
        }
    }

    /// The next record; `Ok(None)` at a clean end of stream.
    pub fn next_record(&mut self) -> Result<Option<Record>, AuditError> {
        let line = match self.lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => return Ok(None),
            Err(source) => {
                return Err(AuditError::Io {
                    path: self.source.clone(),
                    source,
                });
            }
        };
        if !line.complete {
            return Err(AuditError::Torn {
                path: self.source.clone(),
                line_no: line.line_no,
                bytes: line.bytes.len(),
            });
        }
        Record::parse(line.line_no, line.bytes)
            .map(Some)
            .map_err(|err| AuditError::malformed(&self.source, line.line_no, err.to_string()))
    }
}

impl<R: Read> Iterator for RecordReader<R> {
    type Item = Result<Record, AuditError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let item = self.next_record().transpose();
        self.finished = !matches!(item, Some(Ok(_)));
        item
    }
}

/// Open a log for streaming: header first, then each event.
pub fn read_records(path: &Path) -> Result<RecordReader<BufReader<File>>, AuditError> {
    let file = File::open(path).map_err(AuditError::io(path))?;
    Ok(RecordReader::new(
        BufReader::with_capacity(READ_BUFFER_BYTES, file),
        path,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    #[test]
    fn lines_report_offsets_and_torn_tail() {
        let mut reader = LineReader::new(Cursor::new(b"ab\ncde\nfg".to_vec()));
        let first = reader.next_line().unwrap().unwrap();
        assert_eq!(
            (first.line_no, first.offset, first.bytes),
            (1, 0, &b"ab"[..])
        );
        let second = reader.next_line().unwrap().unwrap();
        assert_eq!((second.line_no, second.offset), (2, 3));
        let torn = reader.next_line().unwrap().unwrap();
        assert_eq!((torn.line_no, torn.offset, torn.complete), (3, 7, false));
        assert_eq!(torn.bytes, b"fg");
    }

    #[test]
    fn partial_line_completes_when_file_grows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grow.jsonl");
        let mut writer = File::create(&path).unwrap();
        writer.write_all(b"one\ntw").unwrap();
        let mut reader = LineReader::new(BufReader::new(File::open(&path).unwrap()));
        assert!(reader.next_line().unwrap().unwrap().complete);
        assert!(!reader.next_line().unwrap().unwrap().complete);
        writer.write_all(b"o\n").unwrap();
        let line = reader.next_line().unwrap().unwrap();
        assert_eq!((line.line_no, line.offset, line.bytes), (2, 4, &b"two"[..]));
        assert!(line.complete);
        assert!(reader.next_line().unwrap().is_none());
    }

    #[test]
    fn overlong_line_is_an_error_not_a_memory_hog() {
        let bytes = vec![b'x'; MAX_LINE_BYTES + 10];
        let mut reader = LineReader::new(Cursor::new(bytes));
        let err = reader.next_line().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn record_iterator_stops_at_torn_tail() {
        let records = RecordReader::new(Cursor::new(b"{\"seq\":".to_vec()), "-");
        let items: Vec<_> = records.collect();
        assert_eq!(items.len(), 1);
        assert!(matches!(items[0], Err(AuditError::Torn { line_no: 1, .. })));
    }
}
