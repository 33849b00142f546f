//! Command output inside events: `{"text":…}` or `{"b64":…}`, and where UTF-8 chunks may be cut.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

/// `{"text": …}` when `bytes` are valid UTF-8, else `{"b64": …}` (standard, padded).
pub fn encode_output(bytes: &[u8]) -> Value {
    let (key, value) = match std::str::from_utf8(bytes) {
        Ok(text) => ("text", text.to_owned()),
        Err(_) => ("b64", STANDARD.encode(bytes)),
    };
    let mut map = Map::with_capacity(1);
    map.insert(key.to_owned(), Value::String(value));
    Value::Object(map)
}

/// The bytes of an `encode_output` value; `None` for any other shape or bad base64.
pub fn decode_output(value: &Value) -> Option<Vec<u8>> {
    let map = value.as_object()?;
    if let Some(text) = map.get("text") {
        return text.as_str().map(|t| t.as_bytes().to_vec());
    }
    STANDARD.decode(map.get("b64")?.as_str()?).ok()
}

/// How many leading bytes of `bytes` can be sent now: everything except an
/// incomplete UTF-8 sequence at the very end, which is held back for the
/// next chunk. Invalid bytes are never held back.
pub fn split_utf8_boundary(bytes: &[u8]) -> usize {
    let len = bytes.len();
    let window = len.saturating_sub(4);
    let Some(start) = (window..len).rev().find(|&i| !is_continuation(bytes[i])) else {
        return len;
    };
    match std::str::from_utf8(&bytes[start..]) {
        Err(err) if err.error_len().is_none() => start + err.valid_up_to(),
        _ => len,
    }
}

fn is_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn utf8_is_text_and_round_trips() {
        let value = encode_output("héllo\n".as_bytes());
        assert_eq!(value, json!({"text": "héllo\n"}));
        assert_eq!(decode_output(&value).unwrap(), "héllo\n".as_bytes());
    }

    #[test]
    fn invalid_utf8_is_base64_and_round_trips() {
        let bytes = [0xff, 0x00, b'a', 0xc3];
        let value = encode_output(&bytes);
        assert_eq!(value, json!({"b64": "/wBhww=="}));
        assert_eq!(decode_output(&value).unwrap(), bytes);
    }

    #[test]
    fn decode_rejects_other_shapes() {
        assert!(decode_output(&json!("text")).is_none());
        assert!(decode_output(&json!({"b64": "!!"})).is_none());
        assert!(decode_output(&json!({"other": "x"})).is_none());
    }

    #[test]
    fn split_holds_back_incomplete_sequence() {
        let euro = "€".as_bytes(); // 3 bytes
        let mut bytes = b"ab".to_vec();
        bytes.extend_from_slice(&euro[..2]);
        assert_eq!(split_utf8_boundary(&bytes), 2);
        let emoji = "😀".as_bytes(); // 4 bytes
        assert_eq!(split_utf8_boundary(&emoji[..3]), 0);
        assert_eq!(split_utf8_boundary(&emoji[..1]), 0);
    }

    #[test]
    fn split_keeps_complete_and_invalid_bytes() {
        assert_eq!(split_utf8_boundary(b""), 0);
        assert_eq!(split_utf8_boundary(b"abc"), 3);
        assert_eq!(split_utf8_boundary("a€".as_bytes()), 4);
        assert_eq!(split_utf8_boundary("😀".as_bytes()), 4);
        // Stray continuation bytes and invalid leads are not an incomplete tail.
        assert_eq!(split_utf8_boundary(&[b'a', 0x80, 0x80]), 3);
        assert_eq!(split_utf8_boundary(&[b'a', 0xff]), 2);
        assert_eq!(split_utf8_boundary(&[0xe2, 0x82, 0xac, 0x80]), 4);
    }
}
