//! Secret masking: values of secret variables become `***` everywhere — screen,
//! audit log, exports — also when a value arrives split across output chunks.

use aho_corasick::{AhoCorasick, MatchKind};
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
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// Longest first.
    values: Vec<Vec<u8>>,
    finder: Option<AhoCorasick>,
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

    /// Masks a complete text.
    pub fn mask_str(&self, text: &str) -> String {
        if self.is_empty() {
            return text.to_string();
        }
        String::from_utf8_lossy(&self.mask_bytes(text.as_bytes())).into_owned()
    }

    /// Masks complete bytes.
    pub fn mask_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let Some(finder) = &self.finder else {
            return bytes.to_vec();
        };
        let mut out = Vec::with_capacity(bytes.len());
        let mut last = 0;
        for found in finder.find_iter(bytes) {
            out.extend_from_slice(&bytes[last..found.start()]);
            out.extend_from_slice(MASK.as_bytes());
            last = found.end();
        }
        out.extend_from_slice(&bytes[last..]);
        out
    }

    /// End of the leftmost-longest match starting exactly at `at`, if any.
    fn match_end(&self, bytes: &[u8], at: usize) -> Option<usize> {
        self.values
            .iter()
            .find(|v| bytes[at..].starts_with(v))
            .map(|v| at + v.len())
    }

    /// Whether some secret starts at `at` and runs past the end of `bytes`.
    fn partial_at(&self, bytes: &[u8], at: usize) -> bool {
        let tail = &bytes[at..];
        self.values
            .iter()
            .any(|v| v.len() > tail.len() && v.starts_with(tail))
    }

    /// Where matching must pause until more bytes arrive: the first position in
    /// the last `longest - 1` bytes where a secret could continue. Matches that
    /// start earlier cannot grow, so they are final.
    fn hold_point(&self, data: &[u8]) -> usize {
        let Some(finder) = &self.finder else {
            return data.len();
        };
        let window_start = data.len().saturating_sub(self.longest().saturating_sub(1));
        let mut i = window_start;
        for found in finder.find_iter(data) {
            if found.start() >= window_start {
                break;
            }
            i = i.max(found.end());
        }
        while i < data.len() {
            if self.partial_at(data, i) {
                return i;
            }
            i = self.match_end(data, i).unwrap_or(i + 1);
        }
        data.len()
    }
}

/// Masks one output stream chunk by chunk. Bytes that could be the start of a
/// secret are held back until the next chunk shows whether they are one.
#[derive(Debug, Default)]
pub struct StreamMasker {
    held: Vec<u8>,
}

impl StreamMasker {
    /// Masks `chunk`, returning what can be shown now.
    pub fn push<'c>(&mut self, secrets: &Secrets, chunk: &'c [u8]) -> Cow<'c, [u8]> {
        if secrets.is_empty() && self.held.is_empty() {
            return Cow::Borrowed(chunk);
        }
        let mut data = std::mem::take(&mut self.held);
        data.extend_from_slice(chunk);
        self.held = data.split_off(secrets.hold_point(&data));
        Cow::Owned(secrets.mask_bytes(&data))
    }

    /// Everything still held back (the stream ended).
    pub fn finish(&mut self, secrets: &Secrets) -> Vec<u8> {
        let held = std::mem::take(&mut self.held);
        secrets.mask_bytes(&held)
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
        let s = secrets(&["hunter2hunter2", "hunter2"]);
        let text = b"a hunter2hunter2 b hunter2 c hunter2hunter";
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
    fn no_secrets_means_no_copying_delay() {
        let s = Secrets::default();
        let mut m = StreamMasker::default();
        assert!(matches!(
            m.push(&s, b"partial"),
            std::borrow::Cow::Borrowed(b"partial")
        ));
    }
}
