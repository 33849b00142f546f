//! The bounded tail of a step's output that screens show; the audit log keeps everything.

use super::event::Stream;
use std::collections::VecDeque;

/// Bytes of output kept per step for the screen.
pub const TAIL_BYTES: usize = 256 * 1024;

/// The last [`TAIL_BYTES`] (or a little more: whole chunks are dropped, never
/// shifted) of a step's output, in arrival order, by stream.
#[derive(Debug, Clone, Default)]
pub struct OutputTail {
    pub segments: VecDeque<(Stream, Vec<u8>)>,
    bytes: usize,
    /// Total bytes ever received (the tail may hold less).
    pub total: u64,
}

impl OutputTail {
    pub fn push(&mut self, stream: Stream, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        self.bytes += bytes.len();
        match self.segments.back_mut() {
            Some((last, data)) if *last == stream && data.len() < 4096 => {
                data.extend_from_slice(bytes)
            }
            _ => self.segments.push_back((stream, bytes.to_vec())),
        }
        while let Some((_, front)) = self.segments.front() {
            if self.bytes - front.len() < TAIL_BYTES {
                break;
            }
            self.bytes -= front.len();
            self.segments.pop_front();
        }
    }

    /// Counts `bytes` of output that arrived but are older than anything the
    /// tail will keep: what pushing them and then at least [`TAIL_BYTES`] more
    /// would leave behind. Readers of long logs use it to skip decoding output
    /// that would only be dropped again.
    pub fn skip(&mut self, bytes: u64) {
        self.total += bytes;
        self.bytes = 0;
        self.segments.clear();
    }

    /// Lines held now (a last line without its newline counts).
    pub fn line_count(&self) -> usize {
        let newlines: usize = self
            .segments
            .iter()
            .map(|(_, d)| d.iter().filter(|b| **b == b'\n').count())
            .sum();
        let open_last = self
            .segments
            .back()
            .is_some_and(|(_, d)| d.last().is_some_and(|b| *b != b'\n'));
        newlines + usize::from(open_last)
    }

    /// Bytes held now (a little over [`TAIL_BYTES`] at most).
    pub fn held(&self) -> usize {
        self.bytes
    }

    /// The tail as text (invalid UTF-8 shown as �).
    pub fn text(&self) -> String {
        let all: Vec<u8> = self
            .segments
            .iter()
            .flat_map(|(_, d)| d.iter().copied())
            .collect();
        String::from_utf8_lossy(&all).into_owned()
    }
}
