//! Secret masking: values of secret variables become `***` everywhere — screen,
//! audit log, exports — also when a value arrives split across output chunks.

use aho_corasick::{AhoCorasick, Input, MatchKind};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What a masked value is replaced with.
pub const MASK: &str = "***";

/// Name fragments that make a variable secret when its value is long enough.
const SECRET_NAME_PARTS: &[&str] = &["SECRET", "PASSWORD", "TOKEN", "KEY"];
/// Shorter values of merely secret-sounding variables are left alone (`KEY=a` is noise).
const MIN_IMPLICIT_SECRET_LEN: usize = 8;

/// Whether a variable's value must be masked: it is declared secret, or its name
/// says so and its value has at least 8 characters.
pub fn is_secret(name: &str, value: &str, declared: &[String]) -> bool {
    if value.is_empty() {
        return false;
    }
    if declared.iter().any(|d| d == name) {
        return true;
    }
    let upper = name.to_ascii_uppercase();
    value.chars().count() >= MIN_IMPLICIT_SECRET_LEN
        && SECRET_NAME_PARTS.iter().any(|p| upper.contains(p))
}

/// The set of secret values to mask.
///
/// A value of at least [`MIN_IMPLICIT_SECRET_LEN`] bytes is masked wherever it appears.
/// A shorter one (only a declared secret can be that short) is masked only where it
/// stands alone — not inside a longer run of letters, digits, `_` or non-ASCII text —
/// so `DECLARED=dec` masks `dec` and `user=dec;` but leaves `declared` alone: masking
/// inside words would both mislead and, by where the `***` lands, reveal the value.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// Longest first.
    values: Vec<Vec<u8>>,
    finder: Option<AhoCorasick>,
}

/// Whether a value is masked only where it stands alone.
fn standalone_only(value: &[u8]) -> bool {
    value.len() < MIN_IMPLICIT_SECRET_LEN
}

/// A byte that continues a word: a short secret next to one is part of a longer word.
fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

impl Secrets {
    /// Secrets found in an environment, given the runbook's declared secret names.
    pub fn from_env(env: &BTreeMap<String, String>, declared: &[String]) -> Self {
        let mut secrets = Secrets::default();
        for (name, value) in env {
            if is_secret(name, value, declared) {
                secrets.add(value);
            }
        }
        secrets
    }

    /// Adds a value (ignored when empty or already known).
    pub fn add(&mut self, value: &str) {
        let bytes = value.as_bytes().to_vec();
        if bytes.is_empty() || self.values.contains(&bytes) {
            return;
        }
        self.values.push(bytes);
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        self.finder = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&self.values)
            .ok();
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn longest(&self) -> usize {
        self.values.first().map_or(0, Vec::len)
    }

    fn longest_short(&self) -> usize {
        self.values
            .iter()
            .map(Vec::len)
            .find(|&len| len < MIN_IMPLICIT_SECRET_LEN)
            .unwrap_or(0)
    }

    /// Masks a complete text.
    pub fn mask_str(&self, text: &str) -> String {
        if self.is_empty() {
            return text.to_string();
        }
        String::from_utf8_lossy(&self.mask_bytes(text.as_bytes())).into_owned()
    }

    /// Masks complete bytes.
    pub fn mask_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        self.mask_between(bytes, None, None)
    }

    /// Masks `bytes`, which follow the byte `before` and precede `after` in their stream
    /// (`None`: the stream's start or end).
    fn mask_between(&self, bytes: &[u8], before: Option<u8>, after: Option<u8>) -> Vec<u8> {
        let Some(finder) = &self.finder else {
            return bytes.to_vec();
        };
        let mut out = Vec::with_capacity(bytes.len());
        let (mut last, mut at) = (0, 0);
        while let Some(found) = finder.find(Input::new(bytes).span(at..bytes.len())) {
            match self.match_end(bytes, found.start(), before, after) {
                Some(end) => {
                    out.extend_from_slice(&bytes[last..found.start()]);
                    out.extend_from_slice(MASK.as_bytes());
                    (last, at) = (end, end);
                }
                None => at = found.start() + 1,
            }
        }
        out.extend_from_slice(&bytes[last..]);
        out
    }

    /// End of the longest secret that may be masked starting exactly at `at`, if any.
    fn match_end(
        &self,
        bytes: &[u8],
        at: usize,
        before: Option<u8>,
        after: Option<u8>,
    ) -> Option<usize> {
        let prev = at.checked_sub(1).map_or(before, |i| bytes.get(i).copied());
        self.values
            .iter()
            .filter(|v| bytes[at..].starts_with(v))
            .find(|v| {
                let next = bytes.get(at + v.len()).copied().or(after);
                !standalone_only(v) || !(prev.is_some_and(is_word) || next.is_some_and(is_word))
            })
            .map(|v| at + v.len())
    }

    /// Whether a secret starting at `at` needs bytes after the end of `bytes` to be
    /// decided: it runs past the end, or it is short and ends exactly there (the next
    /// byte says whether it stands alone).
    fn undecided_at(&self, bytes: &[u8], at: usize) -> bool {
        let tail = &bytes[at..];
        self.values.iter().any(|v| {
            (v.len() > tail.len() && v.starts_with(tail))
                || (standalone_only(v) && v.as_slice() == tail)
        })
    }

    /// Where matching must pause until more bytes arrive: the first position near the
    /// end where a secret could continue or still be undecided. Matches that start
    /// earlier end with at least one byte after them, so they are final.
    fn hold_point(&self, data: &[u8], before: Option<u8>) -> usize {
        let Some(finder) = &self.finder else {
            return data.len();
        };
        let window = self.longest().saturating_sub(1).max(self.longest_short());
        let window_start = data.len().saturating_sub(window);
        let mut i = 0;
        while i < window_start {
            i = match finder.find(Input::new(data).span(i..data.len())) {
                Some(found) if found.start() < window_start => self
                    .match_end(data, found.start(), before, None)
                    .unwrap_or(found.start() + 1),
                _ => window_start,
            };
        }
        while i < data.len() {
            if self.undecided_at(data, i) {
                return i;
            }
            i = self.match_end(data, i, before, None).unwrap_or(i + 1);
        }
        data.len()
    }
}

/// Masks one output stream chunk by chunk. Bytes that could be the start of a
/// secret are held back until the next chunk shows whether they are one.
#[derive(Debug, Default)]
pub struct StreamMasker {
    held: Vec<u8>,
    /// The last byte handed out (a short secret right after a letter is not masked).
    before: Option<u8>,
}

impl StreamMasker {
    /// Masks `chunk`, returning what can be shown now.
    pub fn push<'c>(&mut self, secrets: &Secrets, chunk: &'c [u8]) -> Cow<'c, [u8]> {
        if secrets.is_empty() && self.held.is_empty() {
            self.before = chunk.last().copied().or(self.before);
            return Cow::Borrowed(chunk);
        }
        let mut data = std::mem::take(&mut self.held);
        data.extend_from_slice(chunk);
        let hold = secrets.hold_point(&data, self.before);
        let masked = secrets.mask_between(&data[..hold], self.before, data.get(hold).copied());
        self.before = data[..hold].last().copied().or(self.before);
        self.held = data.split_off(hold);
        Cow::Owned(masked)
    }

    /// Everything still held back (the stream ended).
    pub fn finish(&mut self, secrets: &Secrets) -> Vec<u8> {
        let held = std::mem::take(&mut self.held);
        let masked = secrets.mask_between(&held, self.before, None);
        self.before = held.last().copied().or(self.before);
        masked
    }

    /// Whether bytes are being held back.
    pub fn is_holding(&self) -> bool {
        !self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(values: &[&str]) -> Secrets {
        let mut s = Secrets::default();
        values.iter().for_each(|v| s.add(v));
        s
    }

    #[test]
    fn declared_and_secret_sounding_variables() {
        let declared = vec!["DATABASE_URL".to_string()];
        assert!(is_secret("DATABASE_URL", "pg://x", &declared));
        assert!(is_secret("JWT_SECRET", "s3cr3t-value", &declared));
        assert!(is_secret("api_key", "abcdefgh", &declared));
        assert!(
            !is_secret("API_KEY", "short", &declared),
            "under 8 characters"
        );
        assert!(!is_secret("HOME", "/home/operator", &declared));
    }

    #[test]
    fn a_value_split_across_chunks_is_masked() {
        let s = secrets(&["s3cr3t-value-123456"]);
        let mut m = StreamMasker::default();
        let mut out = m.push(&s, b"token: s3cr3t-va").into_owned();
        out.extend_from_slice(&m.push(&s, b"lue-123456\nnext"));
        out.extend(m.finish(&s));
        assert_eq!(String::from_utf8(out).expect("utf8"), "token: ***\nnext");
    }

    #[test]
    fn held_bytes_that_are_not_a_secret_come_out_unchanged() {
        let s = secrets(&["password1"]);
        let mut m = StreamMasker::default();
        let first = m.push(&s, b"pass").into_owned();
        assert_eq!(first, b"");
        let mut out = first;
        out.extend_from_slice(&m.push(&s, b"port ok\n"));
        assert_eq!(out, b"passport ok\n");
    }

    #[test]
    fn every_split_point_masks_the_same() {
        // Secrets of 8+ bytes, masked anywhere (a short one is judged in the test below).
        let s = secrets(&["hunter22hunter22", "hunter22"]);
        let text = b"a hunter22hunter22 b hunter22 c hunter22hunter";
        let whole = s.mask_bytes(text);
        for cut in 0..text.len() {
            let mut m = StreamMasker::default();
            let mut out = m.push(&s, &text[..cut]).into_owned();
            out.extend_from_slice(&m.push(&s, &text[cut..]));
            out.extend(m.finish(&s));
            assert_eq!(out, whole, "cut at {cut}");
        }
        assert_eq!(
            String::from_utf8(whole).expect("utf8"),
            "a *** b *** c ***hunter"
        );
    }

    #[test]
    fn a_short_declared_secret_is_masked_only_where_it_stands_alone() {
        let s = secrets(&["dec"]);
        assert_eq!(
            s.mask_str("declared dec user=dec; x_dec dec9 (dec) décor"),
            "declared *** user=***; x_dec dec9 (***) décor"
        );
        let long = secrets(&["abcdefgh"]);
        assert_eq!(
            long.mask_str("xxabcdefghyy"),
            "xx***yy",
            "8+ bytes: anywhere"
        );
    }

    #[test]
    fn a_short_secret_is_judged_alike_at_every_split_point() {
        let s = secrets(&["dec", "s3cr3t-value", "ab", "ab-c"]);
        let text = b"declared dec;dec\ndec ab-cd s3cr3t-value9 xdec decx dec";
        let whole = s.mask_bytes(text);
        assert_eq!(
            String::from_utf8(whole.clone()).expect("utf8"),
            "declared ***;***\n*** ***-cd ***9 xdec decx ***"
        );
        for cut in 0..text.len() {
            for cut2 in cut..text.len() {
                let mut m = StreamMasker::default();
                let mut out = m.push(&s, &text[..cut]).into_owned();
                out.extend_from_slice(&m.push(&s, &text[cut..cut2]));
                out.extend_from_slice(&m.push(&s, &text[cut2..]));
                out.extend(m.finish(&s));
                assert_eq!(out, whole, "cut at {cut} and {cut2}");
            }
        }
    }

    #[test]
    fn no_secrets_means_no_copying_delay() {
        let s = Secrets::default();
        let mut m = StreamMasker::default();
        assert!(matches!(
            m.push(&s, b"partial"),
            std::borrow::Cow::Borrowed(b"partial")
        ));
    }
}
