//! Output for the audit log, batched: one record per stream run of at most
//! 64 KiB or 100 ms, never splitting a UTF-8 character unless the stream ends.

use crate::session::event::Stream;
use crate::session::log::split_utf8_boundary;
use std::time::{Duration, Instant};

/// Largest output record.
pub const BATCH_BYTES: usize = 64 * 1024;
/// Oldest unwritten output may be this old.
pub const BATCH_AGE: Duration = Duration::from_millis(100);

/// Output waiting to be written as one record.
#[derive(Debug, Default)]
pub struct OutputBatch {
    stream: Option<Stream>,
    bytes: Vec<u8>,
    since: Option<Instant>,
}

impl OutputBatch {
    /// Adds masked output; returns the records that must be written first.
    pub fn push(&mut self, stream: Stream, data: &[u8], now: Instant) -> Vec<(Stream, Vec<u8>)> {
        let mut ready = Vec::new();
        if self.stream.is_some_and(|s| s != stream) {
            ready.extend(self.take_all());
        }
        self.stream = Some(stream);
        self.since.get_or_insert(now);
        self.bytes.extend_from_slice(data);
        while self.bytes.len() >= BATCH_BYTES {
            let cut = split_utf8_boundary(&self.bytes[..BATCH_BYTES]).max(1);
            let rest = self.bytes.split_off(cut);
            ready.push((stream, std::mem::replace(&mut self.bytes, rest)));
            self.since = Some(now);
        }
        ready
    }

    /// The batch when it has waited long enough (keeping an incomplete character back).
    pub fn due(&mut self, now: Instant) -> Option<(Stream, Vec<u8>)> {
        let old = self
            .since
            .is_some_and(|since| now.duration_since(since) >= BATCH_AGE);
        if !old {
            return None;
        }
        let stream = self.stream?;
        let cut = split_utf8_boundary(&self.bytes);
        if cut == 0 {
            return None;
        }
        let rest = self.bytes.split_off(cut);
        let out = std::mem::replace(&mut self.bytes, rest);
        self.since = if self.bytes.is_empty() {
            None
        } else {
            Some(now)
        };
        Some((stream, out))
    }

    /// Everything, as the step ends.
    pub fn take_all(&mut self) -> Option<(Stream, Vec<u8>)> {
        self.since = None;
        let stream = self.stream.take()?;
        if self.bytes.is_empty() {
            return None;
        }
        Some((stream, std::mem::take(&mut self.bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_switch_writes_the_previous_run_first() {
        let mut batch = OutputBatch::default();
        let now = Instant::now();
        assert!(batch.push(Stream::Stdout, b"out\n", now).is_empty());
        let ready = batch.push(Stream::Stderr, b"err\n", now);
        assert_eq!(ready, vec![(Stream::Stdout, b"out\n".to_vec())]);
        assert_eq!(batch.take_all(), Some((Stream::Stderr, b"err\n".to_vec())));
    }

    #[test]
    fn large_output_is_cut_into_64k_records() {
        let mut batch = OutputBatch::default();
        let ready = batch.push(
            Stream::Stdout,
            &vec![b'x'; BATCH_BYTES * 2 + 10],
            Instant::now(),
        );
        assert_eq!(ready.len(), 2);
        assert!(ready.iter().all(|(_, b)| b.len() == BATCH_BYTES));
        assert_eq!(batch.take_all().map(|(_, b)| b.len()), Some(10));
    }

    #[test]
    fn old_output_is_due_without_splitting_a_character() {
        let mut batch = OutputBatch::default();
        let start = Instant::now();
        let text = "zażółć".as_bytes();
        batch.push(Stream::Stdout, &text[..text.len() - 1], start);
        assert_eq!(batch.due(start), None, "not old yet");
        let (_, out) = batch.due(start + BATCH_AGE).expect("due");
        assert_eq!(out, &text[..text.len() - 2]);
        batch.push(Stream::Stdout, &text[text.len() - 1..], start + BATCH_AGE);
        assert_eq!(
            batch.take_all().map(|(_, b)| b),
            Some("ć".as_bytes().to_vec())
        );
    }
}
