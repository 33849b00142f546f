//! Reading the end of a log without reading all of it: the last newline, the last complete line.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use super::record::MAX_LINE_BYTES;

const BLOCK_BYTES: u64 = 64 * 1024;

/// Offset of the last `\n` strictly before `end`, scanning backwards.
pub(crate) fn last_newline_before(file: &mut File, end: u64) -> io::Result<Option<u64>> {
    let mut block = vec![0u8; usize::try_from(BLOCK_BYTES).unwrap_or(65_536)];
    let mut stop = end;
    while stop > 0 {
        let start = stop.saturating_sub(BLOCK_BYTES);
        let chunk = &mut block[..usize::try_from(stop - start).unwrap_or(0)];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(Some(start + i as u64));
        }
        stop = start;
    }
    Ok(None)
}

/// The last line of the file that ends in `\n`, without the `\n`, with
/// its offset; `None` when no line is complete. A torn fragment after it
/// is ignored.
pub(crate) fn last_complete_line(file: &mut File) -> io::Result<Option<(u64, Vec<u8>)>> {
    let len = file.metadata()?.len();
    let Some(end) = last_newline_before(file, len)? else {
        return Ok(None);
    };
    let start = last_newline_before(file, end)?.map_or(0, |nl| nl + 1);
    read_range(file, start, end).map(|line| Some((start, line)))
}

/// Bytes `start..end`; refuses ranges longer than a line may be.
pub(crate) fn read_range(file: &mut File, start: u64, end: u64) -> io::Result<Vec<u8>> {
    let len = usize::try_from(end - start).unwrap_or(usize::MAX);
    if len > MAX_LINE_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("line of {len} bytes exceeds the limit of {MAX_LINE_BYTES}"),
        ));
    }
    let mut line = vec![0u8; len];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut line)?;
    Ok(line)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(bytes: &[u8]) -> File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    #[test]
    fn finds_last_complete_line_ignoring_torn_fragment() {
        let mut file = file_with(b"one\ntwo\nthr");
        assert_eq!(
            last_complete_line(&mut file).unwrap(),
            Some((4, b"two".to_vec()))
        );
    }

    #[test]
    fn first_line_and_no_line() {
        let mut file = file_with(b"only\n");
        assert_eq!(
            last_complete_line(&mut file).unwrap(),
            Some((0, b"only".to_vec()))
        );
        let mut torn = file_with(b"no newline");
        assert_eq!(last_complete_line(&mut torn).unwrap(), None);
    }

    #[test]
    fn scans_across_blocks() {
        let long = vec![b'x'; 200_000];
        let mut bytes = b"a\n".to_vec();
        bytes.extend_from_slice(&long);
        bytes.push(b'\n');
        let mut file = file_with(&bytes);
        let (offset, line) = last_complete_line(&mut file).unwrap().unwrap();
        assert_eq!(offset, 2);
        assert_eq!(line, long);
    }
}
