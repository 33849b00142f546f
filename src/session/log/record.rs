//! One line of the log: header and event types, their exact byte layout, and the chain hash.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::json;

/// The `format` value of the header line.
pub const FORMAT: &str = "runbook-audit/1";

/// The longest line (without its newline) a writer produces or a reader accepts.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

/// Every line ends with `HASH_KEY`, 64 hex digits and `"}`.
const HASH_KEY: &[u8] = br#","hash":""#;
const HASH_HEX_LEN: usize = 64;
const HASH_SUFFIX_LEN: usize = HASH_KEY.len() + HASH_HEX_LEN + 2;

/// A chain hash: 64 lowercase hex digits of a SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainHash([u8; HASH_HEX_LEN]);

impl ChainHash {
    /// The `prev` of the header: 64 `0` characters.
    pub const GENESIS: ChainHash = ChainHash([b'0'; HASH_HEX_LEN]);

    /// `hex(SHA-256(prev ‖ body))`, the rule in the module documentation.
    pub fn of(prev: &ChainHash, body: &[u8]) -> ChainHash {
        let mut hasher = Sha256::new();
        hasher.update(prev.0);
        hasher.update(body);
        let digest = hasher.finalize();
        let mut hex = [0u8; HASH_HEX_LEN];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(digest.iter()) {
            pair[0] = HEX_DIGITS[usize::from(byte >> 4)];
            pair[1] = HEX_DIGITS[usize::from(byte & 0x0f)];
        }
        ChainHash(hex)
    }

    /// Accepts exactly 64 lowercase hex digits.
    pub fn parse(text: &[u8]) -> Option<ChainHash> {
        let hex: [u8; HASH_HEX_LEN] = text.try_into().ok()?;
        hex.iter()
            .all(|b| HEX_DIGITS.contains(b))
            .then_some(ChainHash(hex))
    }

    pub fn as_str(&self) -> &str {
        // Only ever built from ASCII hex digits.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainHash({})", self.as_str())
    }
}

/// Finish a line: `buf` holds one serialised JSON object. Its closing `}` is
/// replaced by `,"hash":"<hash>"}\n`; the hash covers everything before.
pub(crate) fn seal(buf: &mut Vec<u8>, prev: &ChainHash) -> ChainHash {
    debug_assert_eq!(buf.last(), Some(&b'}'));
    buf.pop();
    let hash = ChainHash::of(prev, buf);
    buf.extend_from_slice(HASH_KEY);
    buf.extend_from_slice(&hash.0);
    buf.extend_from_slice(b"\"}\n");
    hash
}

/// Split a complete line (without `\n`) into the hashed body and the hash
/// it claims; `None` when the line does not end in the hash suffix.
pub(crate) fn split_sealed(line: &[u8]) -> Option<(&[u8], ChainHash)> {
    let body_len = line.len().checked_sub(HASH_SUFFIX_LEN)?;
    let (body, suffix) = line.split_at(body_len);
    let hex = suffix.strip_prefix(HASH_KEY)?.strip_suffix(b"\"}")?;
    Some((body, ChainHash::parse(hex)?))
}

/// The runbook a session ran: its path as given and the SHA-256 of its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunbookRef {
    pub path: String,
    pub sha256: String,
}

/// What the caller provides for the header; the writer adds `format`,
/// `started`, `session_id` and `hash`.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderDraft {
    pub runbook: RunbookRef,
    pub operator: String,
    pub host: String,
    pub tool_version: String,
    /// Already masked by the caller.
    pub params: Map<String, Value>,
}

/// Line 1 as read back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Header {
    pub format: String,
    pub runbook: RunbookRef,
    pub operator: String,
    pub host: String,
    pub tool_version: String,
    pub started: DateTime<Utc>,
    pub session_id: String,
    pub params: Map<String, Value>,
    pub hash: String,
}

/// An event to append: the writer adds `seq`, `ts`, `mono_ms`, `prev`, `hash`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    pub kind: String,
    pub step: Option<String>,
    pub data: Value,
}

impl EventDraft {
    pub fn new(kind: impl Into<String>, step: Option<&str>, data: Value) -> Self {
        EventDraft {
            kind: kind.into(),
            step: step.map(str::to_owned),
            data,
        }
    }
}

/// An event line as read back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    pub mono_ms: u64,
    pub kind: String,
    #[serde(deserialize_with = "present")]
    pub step: Option<String>,
    #[serde(deserialize_with = "present")]
    pub data: Value,
    pub prev: String,
    pub hash: String,
}

/// One parsed line: the header (line 1) or an event (every later line).
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Header(Header),
    Event(Event),
}

impl Record {
    /// Parse a complete line (without `\n`); line 1 is the header.
    pub fn parse(line_no: u64, line: &[u8]) -> Result<Record, serde_json::Error> {
        if line_no == 1 {
            serde_json::from_slice(line).map(Record::Header)
        } else {
            serde_json::from_slice(line).map(Record::Event)
        }
    }
}

/// Makes a key required even when `null` is an accepted value.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(de: D) -> Result<T, D::Error> {
    T::deserialize(de)
}

/// RFC 3339 UTC with exactly three fraction digits.
pub const TS_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// Write the header object (without `hash`) into `buf`, keys in the
/// documented order.
pub(crate) fn encode_header(
    buf: &mut Vec<u8>,
    draft: &HeaderDraft,
    session_id: &str,
    started: DateTime<Utc>,
) {
    buf.extend_from_slice(br#"{"format":"#);
    json::write_str(buf, FORMAT);
    buf.extend_from_slice(br#","runbook":{"path":"#);
    json::write_str(buf, &draft.runbook.path);
    buf.extend_from_slice(br#","sha256":"#);
    json::write_str(buf, &draft.runbook.sha256);
    buf.extend_from_slice(br#"},"operator":"#);
    json::write_str(buf, &draft.operator);
    buf.extend_from_slice(br#","host":"#);
    json::write_str(buf, &draft.host);
    buf.extend_from_slice(br#","tool_version":"#);
    json::write_str(buf, &draft.tool_version);
    buf.extend_from_slice(br#","started":""#);
    push_display(buf, started.format(TS_FORMAT));
    buf.extend_from_slice(br#"","session_id":"#);
    json::write_str(buf, session_id);
    buf.extend_from_slice(br#","params":"#);
    json::write_map(buf, &draft.params);
    buf.push(b'}');
}

/// The fields the writer stamps on an event.
pub(crate) struct Stamp<'a> {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    pub mono_ms: u64,
    pub prev: &'a ChainHash,
}

/// Write one event object (without `hash`) into `buf`, keys in the
/// documented order.
pub(crate) fn encode_event(buf: &mut Vec<u8>, stamp: &Stamp<'_>, draft: &EventDraft) {
    push_display(buf, format_args!(r#"{{"seq":{},"ts":""#, stamp.seq));
    push_display(buf, stamp.ts.format(TS_FORMAT));
    push_display(
        buf,
        format_args!(r#"","mono_ms":{},"kind":"#, stamp.mono_ms),
    );
    json::write_str(buf, &draft.kind);
    buf.extend_from_slice(br#","step":"#);
    match &draft.step {
        Some(step) => json::write_str(buf, step),
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(br#","data":"#);
    json::write_value(buf, &draft.data);
    buf.extend_from_slice(br#","prev":""#);
    buf.extend_from_slice(&stamp.prev.0);
    buf.extend_from_slice(b"\"}");
}

fn push_display(buf: &mut Vec<u8>, value: impl fmt::Display) {
    use std::io::Write;
    // Writing into a Vec cannot fail.
    let _ = write!(buf, "{value}");
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    #[test]
    fn event_line_has_documented_layout_and_hash() {
        let prev = ChainHash::GENESIS;
        let stamp = Stamp {
            seq: 1,
            ts: at(1_795_338_192_345),
            mono_ms: 7,
            prev: &prev,
        };
        let mut buf = Vec::new();
        let draft = EventDraft::new("note", None, json!({"text": "hi"}));
        encode_event(&mut buf, &stamp, &draft);
        let hash = seal(&mut buf, &prev);
        let line = String::from_utf8(buf).unwrap();
        let body = format!(
            r#"{{"seq":1,"ts":"2026-11-22T09:03:12.345Z","mono_ms":7,"kind":"note","step":null,"data":{{"text":"hi"}},"prev":"{prev}""#
        );
        assert_eq!(line, format!("{body},\"hash\":\"{hash}\"}}\n"));
        let digest = Sha256::digest(format!("{prev}{body}").as_bytes());
        let expected: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash.as_str(), expected);
    }

    #[test]
    fn split_sealed_returns_body_and_hash() {
        let mut buf = br#"{"a":1}"#.to_vec();
        let hash = seal(&mut buf, &ChainHash::GENESIS);
        let line = buf.strip_suffix(b"\n").unwrap();
        let (body, claimed) = split_sealed(line).unwrap();
        assert_eq!(body, br#"{"a":1"#);
        assert_eq!(claimed, hash);
        assert_eq!(ChainHash::of(&ChainHash::GENESIS, body), hash);
    }

    #[test]
    fn split_sealed_rejects_lines_without_suffix() {
        assert!(split_sealed(br#"{"a":1}"#).is_none());
        let upper = format!(r#"{{"a":1,"hash":"{}"}}"#, "A".repeat(64));
        assert!(split_sealed(upper.as_bytes()).is_none());
    }

    #[test]
    fn event_requires_step_and_data_keys() {
        let line = format!(
            r#"{{"seq":1,"ts":"2026-11-22T09:03:12.345Z","mono_ms":0,"kind":"x","data":1,"prev":"{0}","hash":"{0}"}}"#,
            ChainHash::GENESIS
        );
        let err = Record::parse(2, line.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("missing field `step`"), "{err}");
    }

    #[test]
    fn header_round_trips() {
        let draft = HeaderDraft {
            runbook: RunbookRef {
                path: "runbooks/day7.md".into(),
                sha256: "ab".repeat(32),
            },
            operator: "ana".into(),
            host: "bastion".into(),
            tool_version: "0.1.0".into(),
            params: json!({"version": "v1", "token": "***"})
                .as_object()
                .unwrap()
                .clone(),
        };
        let mut buf = Vec::new();
        encode_header(&mut buf, &draft, "day7-x", at(1_795_338_192_345));
        assert!(buf.starts_with(br#"{"format":"runbook-audit/1","runbook":{"path":"#));
        let hash = seal(&mut buf, &ChainHash::GENESIS);
        let Record::Header(header) = Record::parse(1, buf.trim_ascii_end()).unwrap() else {
            panic!("not a header");
        };
        assert_eq!(header.hash, hash.as_str());
        assert_eq!(header.started, at(1_795_338_192_345));
        assert_eq!(header.params["token"], "***");
    }
}
