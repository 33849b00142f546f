//! One event line read fast: the documented layout is matched byte by byte
//! (serde is the fallback), and command output is left undecoded until the
//! screen needs it — most of a long log is output nobody will see again.

use crate::exec::Stream;
use crate::session::event::{Body, Event};
use crate::session::log::{Header, Record, decode_output};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// `,"prev":"<64 hex>","hash":"<64 hex>"}` closes every event line.
const SUFFIX_LEN: usize = 9 + 64 + 1 + 9 + 64 + 2;

/// An event line as follow and replay take it in.
#[derive(Debug)]
pub struct Scanned<'a> {
    pub seq: u64,
    pub mono_ms: u64,
    ts: Ts<'a>,
    pub step: Option<String>,
    pub body: Scan<'a>,
}

#[derive(Debug)]
enum Ts<'a> {
    Raw(&'a [u8]),
    Parsed(DateTime<Utc>),
}

/// What an event line holds.
#[derive(Debug)]
pub enum Scan<'a> {
    /// Command output, not decoded yet.
    Output { stream: Stream, chunk: Chunk<'a> },
    /// Any other kind this version knows.
    Event(Body),
    /// A kind this version does not know (skipped, as `read_log` does).
    Unknown(String),
}

/// Output bytes as the line carries them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk<'a> {
    /// The inside of a JSON string, escapes intact.
    Text(Cow<'a, [u8]>),
    /// Standard padded base64.
    B64(Cow<'a, [u8]>),
    /// Already decoded (a line that did not match the fast layout).
    Bytes(Vec<u8>),
}

/// What one line of a log is.
#[derive(Debug)]
pub enum Line<'a> {
    Header(Box<Header>),
    Event(Scanned<'a>),
}

/// Why a line could not be read.
#[derive(Debug, thiserror::Error)]
#[error("line {line_no} is not a log record: {reason}")]
pub struct BadLine {
    pub line_no: u64,
    pub reason: String,
}

/// Reads one complete line (without `\n`): a header wherever it appears
/// (a stream that starts again), else an event.
pub fn line(line_no: u64, bytes: &[u8]) -> Result<Line<'_>, BadLine> {
    if bytes.starts_with(br#"{"format":"#) {
        return match Record::parse(1, bytes) {
            Ok(Record::Header(header)) => Ok(Line::Header(Box::new(header))),
            Ok(Record::Event(_)) => Err(bad(line_no, "a header was expected")),
            Err(e) => Err(bad(line_no, e)),
        };
    }
    if let Some(scanned) = fast(bytes) {
        return Ok(Line::Event(scanned));
    }
    match Record::parse(2, bytes) {
        Ok(Record::Event(event)) => Ok(Line::Event(slow(event))),
        Ok(Record::Header(_)) => Err(bad(line_no, "a header in the middle of the log")),
        Err(e) => Err(bad(line_no, e)),
    }
}

fn bad(line_no: u64, reason: impl ToString) -> BadLine {
    BadLine {
        line_no,
        reason: reason.to_string(),
    }
}

impl Scanned<'_> {
    /// The wall-clock time the driver recorded (parsed on demand).
    pub fn ts(&self) -> Option<DateTime<Utc>> {
        match &self.ts {
            Ts::Parsed(ts) => Some(*ts),
            Ts::Raw(raw) => std::str::from_utf8(raw)
                .ok()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.with_timezone(&Utc)),
        }
    }

    /// The typed event, output decoded; `None` for unknown kinds.
    pub fn to_event(&self) -> Option<Event> {
        let body = match &self.body {
            Scan::Output { stream, chunk } => Body::Output {
                stream: *stream,
                bytes: chunk.decode().into(),
            },
            Scan::Event(body) => body.clone(),
            Scan::Unknown(_) => return None,
        };
        Some(Event {
            step: self.step.clone(),
            body,
        })
    }
}

impl Chunk<'_> {
    /// How many bytes the chunk decodes to, without decoding it.
    pub fn decoded_len(&self) -> u64 {
        match self {
            Chunk::Text(text) => unescaped_len(text),
            Chunk::B64(b64) => {
                let padding = b64.iter().rev().take_while(|&&b| b == b'=').count();
                ((b64.len() / 4 * 3).saturating_sub(padding)) as u64
            }
            Chunk::Bytes(bytes) => bytes.len() as u64,
        }
    }

    /// The output bytes (empty when the line's string is not valid).
    pub fn decode(&self) -> Vec<u8> {
        match self {
            Chunk::Text(text) => unescape(text).into_bytes(),
            Chunk::B64(b64) => STANDARD.decode(b64).unwrap_or_default(),
            Chunk::Bytes(bytes) => bytes.clone(),
        }
    }

    /// As the log stores it (`{"text": …}` or `{"b64": …}`), for the fold.
    pub fn to_value(&self) -> Value {
        let (key, text) = match self {
            Chunk::Text(text) => ("text", unescape(text)),
            Chunk::B64(b64) => ("b64", String::from_utf8_lossy(b64).into_owned()),
            Chunk::Bytes(bytes) => return crate::session::log::encode_output(bytes),
        };
        let mut map = Map::with_capacity(1);
        map.insert(key.into(), Value::String(text));
        Value::Object(map)
    }

    /// An owned copy (still undecoded), to keep past the line's buffer.
    pub fn into_owned(self) -> Chunk<'static> {
        match self {
            Chunk::Text(text) => Chunk::Text(Cow::Owned(text.into_owned())),
            Chunk::B64(b64) => Chunk::B64(Cow::Owned(b64.into_owned())),
            Chunk::Bytes(bytes) => Chunk::Bytes(bytes),
        }
    }
}

/// Decodes the inside of a JSON string.
fn unescape(inner: &[u8]) -> String {
    if !inner.contains(&b'\\')
        && let Ok(text) = std::str::from_utf8(inner)
    {
        return text.to_owned();
    }
    let mut quoted = Vec::with_capacity(inner.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(inner);
    quoted.push(b'"');
    serde_json::from_slice(&quoted).unwrap_or_default()
}

/// Length of the bytes a JSON string's inside decodes to.
fn unescaped_len(inner: &[u8]) -> u64 {
    let escapes = inner.iter().filter(|&&b| b == b'\\').count();
    let simple = escapes == 0
        || (memchr::memmem::find(inner, b"\\\\").is_none()
            && memchr::memmem::find(inner, b"\\u").is_none());
    if simple {
        // Every escape is two characters for one byte.
        return (inner.len() - escapes) as u64;
    }
    let mut len = 0u64;
    let mut i = 0;
    while i < inner.len() {
        if inner[i] != b'\\' {
            len += 1;
            i += 1;
            continue;
        }
        if inner.get(i + 1) != Some(&b'u') {
            len += 1;
            i += 2;
            continue;
        }
        let unit = hex4(inner.get(i + 2..i + 6));
        let low = (inner.get(i + 6..i + 8) == Some(b"\\u"))
            .then(|| hex4(inner.get(i + 8..i + 12)))
            .flatten();
        match (unit, low) {
            (Some(0xd800..=0xdbff), Some(0xdc00..=0xdfff)) => {
                len += 4;
                i += 12;
            }
            (Some(cp), _) => {
                len += match cp {
                    0..=0x7f => 1,
                    0x80..=0x7ff => 2,
                    _ => 3,
                };
                i += 6;
            }
            (None, _) => i += 2,
        }
    }
    len
}

fn hex4(digits: Option<&[u8]>) -> Option<u32> {
    u32::from_str_radix(std::str::from_utf8(digits?).ok()?, 16).ok()
}

/// The documented layout, byte by byte; `None` sends the line to serde.
fn fast(line: &[u8]) -> Option<Scanned<'_>> {
    let rest = line.strip_prefix(br#"{"seq":"#)?;
    let (seq, rest) = number(rest)?;
    let rest = rest.strip_prefix(br#","ts":""#)?;
    let (ts, rest) = plain_string(rest)?;
    let rest = rest.strip_prefix(br#","mono_ms":"#)?;
    let (mono_ms, rest) = number(rest)?;
    let rest = rest.strip_prefix(br#","kind":""#)?;
    let (kind, rest) = plain_string(rest)?;
    let rest = rest.strip_prefix(br#","step":"#)?;
    let (step, rest) = match rest.strip_prefix(b"null") {
        Some(rest) => (None, rest),
        None => {
            let (step, rest) = plain_string(rest.strip_prefix(b"\"")?)?;
            (Some(std::str::from_utf8(step).ok()?.to_owned()), rest)
        }
    };
    let rest = rest.strip_prefix(br#","data":"#)?;
    let data_len = rest.len().checked_sub(SUFFIX_LEN)?;
    let (data, suffix) = rest.split_at(data_len);
    if !suffix.starts_with(br#","prev":""#) || !suffix.ends_with(b"\"}") {
        return None;
    }
    let kind = std::str::from_utf8(kind).ok()?;
    let body = if kind == "output" {
        let (stream, chunk) = output(data)?;
        Scan::Output { stream, chunk }
    } else {
        let data: Value = serde_json::from_slice(data).ok()?;
        match Event::from_record(kind, None, &data) {
            Some(event) => Scan::Event(event.body),
            None => Scan::Unknown(kind.to_owned()),
        }
    };
    Some(Scanned {
        seq,
        mono_ms,
        ts: Ts::Raw(ts),
        step,
        body,
    })
}

/// `{"stream":"S","text":"…"}` or `{"b64":"…","stream":"S"}`.
fn output(data: &[u8]) -> Option<(Stream, Chunk<'_>)> {
    if let Some(rest) = data.strip_prefix(br#"{"stream":""#) {
        let (stream, rest) = plain_string(rest)?;
        let text = rest.strip_prefix(br#","text":""#)?.strip_suffix(b"\"}")?;
        return Some((stream_named(stream)?, Chunk::Text(Cow::Borrowed(text))));
    }
    let rest = data.strip_prefix(br#"{"b64":""#)?;
    let (b64, rest) = plain_string(rest)?;
    let stream = rest.strip_prefix(br#","stream":""#)?.strip_suffix(b"\"}")?;
    Some((stream_named(stream)?, Chunk::B64(Cow::Borrowed(b64))))
}

fn stream_named(name: &[u8]) -> Option<Stream> {
    match name {
        b"stdout" => Some(Stream::Stdout),
        b"stderr" => Some(Stream::Stderr),
        b"pty" => Some(Stream::Pty),
        _ => None,
    }
}

/// Digits up to the next non-digit.
fn number(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let end = bytes.iter().position(|b| !b.is_ascii_digit())?;
    let value = std::str::from_utf8(&bytes[..end]).ok()?.parse().ok()?;
    Some((value, &bytes[end..]))
}

/// A string's inside up to its closing quote, when it has no escapes.
fn plain_string(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = memchr::memchr2(b'"', b'\\', bytes)?;
    (bytes[end] == b'"').then(|| (&bytes[..end], &bytes[end + 1..]))
}

/// A line serde had to read: everything typed, output decoded.
fn slow(event: crate::session::log::Event) -> Scanned<'static> {
    let body = if event.kind == "output" {
        let stream = event
            .data
            .get("stream")
            .and_then(|s| serde_json::from_value(s.clone()).ok())
            .unwrap_or(Stream::Stdout);
        Scan::Output {
            stream,
            chunk: Chunk::Bytes(decode_output(&event.data).unwrap_or_default()),
        }
    } else {
        match Event::from_record(&event.kind, None, &event.data) {
            Some(typed) => Scan::Event(typed.body),
            None => Scan::Unknown(event.kind),
        }
    };
    Scanned {
        seq: event.seq,
        mono_ms: event.mono_ms,
        ts: Ts::Parsed(event.ts),
        step: event.step,
        body,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sealed(body: &str) -> String {
        format!(r#"{body},"prev":"{0}","hash":"{0}"}}"#, "a".repeat(64))
    }

    fn event_line(kind: &str, step: &str, data: &str) -> String {
        sealed(&format!(
            r#"{{"seq":7,"ts":"2026-11-22T09:03:12.345Z","mono_ms":1500,"kind":"{kind}","step":{step},"data":{data}"#
        ))
    }

    fn scanned(line: &str) -> Scanned<'_> {
        match super::line(2, line.as_bytes()).unwrap() {
            Line::Event(e) => e,
            Line::Header(_) => panic!("not an event"),
        }
    }

    #[test]
    fn output_is_found_without_decoding() {
        let line = event_line(
            "output",
            r#""deploy""#,
            r#"{"stream":"stderr","text":"a\nb\u001b[0m\\c"}"#,
        );
        let s = scanned(&line);
        assert_eq!(
            (s.seq, s.mono_ms, s.step.as_deref()),
            (7, 1500, Some("deploy"))
        );
        let Scan::Output { stream, chunk } = &s.body else {
            panic!("not output: {:?}", s.body)
        };
        assert_eq!(*stream, Stream::Stderr);
        assert_eq!(chunk.decode(), b"a\nb\x1b[0m\\c");
        assert_eq!(chunk.decoded_len(), 9);
        assert_eq!(s.ts().unwrap().timestamp_millis() % 1000, 345);
    }

    #[test]
    fn base64_output_and_lengths() {
        let bytes = [0xffu8, 0, b'a', 0xc3];
        let value = crate::session::log::encode_output(&bytes);
        let b64 = value["b64"].as_str().unwrap();
        let line = event_line(
            "output",
            "null",
            &format!(r#"{{"b64":"{b64}","stream":"stdout"}}"#),
        );
        let s = scanned(&line);
        let Scan::Output { chunk, .. } = &s.body else {
            panic!("not output")
        };
        assert_eq!(chunk.decoded_len(), 4);
        assert_eq!(chunk.decode(), bytes);
        assert_eq!(chunk.to_value(), value);
    }

    #[test]
    fn unescaped_length_matches_serde_for_every_escape() {
        for text in [
            "plain",
            "tab\there\n",
            "quote \" and backslash \\ and \\n literal",
            "ctrl \u{1} \u{1f}",
            "é ü € 😀",
            "\\u0041 is not an escape here",
        ] {
            let json = serde_json::to_string(text).unwrap();
            let inner = &json.as_bytes()[1..json.len() - 1];
            assert_eq!(unescaped_len(inner), text.len() as u64, "{text:?}");
            assert_eq!(unescape(inner), text);
        }
        assert_eq!(unescaped_len(br"\u00e9\ud83d\ude00"), 6);
    }

    #[test]
    fn other_kinds_are_typed() {
        let line = event_line(
            "step_finished",
            r#""x""#,
            r#"{"duration_ms":5,"exit_code":2,"lingering":false,"ok":false,"signal":null}"#,
        );
        assert!(matches!(
            scanned(&line).body,
            Scan::Event(Body::StepFinished {
                exit_code: Some(2),
                ..
            })
        ));
        let unknown = event_line("from_the_future", "null", "{}");
        assert!(matches!(scanned(&unknown).body, Scan::Unknown(k) if k == "from_the_future"));
    }

    #[test]
    fn other_layouts_fall_back_to_serde() {
        let line = sealed(
            r#"{"ts":"2026-11-22T09:03:12.345Z","seq":3,"mono_ms":9,"kind":"output","step":"a\"b","data":{"text":"hi","stream":"stdout"}"#,
        );
        let s = scanned(&line);
        assert_eq!((s.seq, s.step.as_deref()), (3, Some("a\"b")));
        let Scan::Output { chunk, .. } = &s.body else {
            panic!("not output")
        };
        assert_eq!(chunk.decode(), b"hi");
        assert!(super::line(5, b"{\"seq\":").is_err());
    }
}
