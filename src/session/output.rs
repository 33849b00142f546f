//! Output chunks in the audit log: valid UTF-8 as `{"text": ...}`, anything else `{"b64": ...}`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// The JSON form of an output chunk.
pub fn encode(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(text) => json!({ "text": text }),
        Err(_) => json!({ "b64": STANDARD.encode(bytes) }),
    }
}

/// The bytes of an output chunk (empty when the chunk is malformed).
pub fn decode(chunk: &Value) -> Vec<u8> {
    if let Some(text) = chunk.get("text").and_then(Value::as_str) {
        return text.as_bytes().to_vec();
    }
    chunk
        .get("b64")
        .and_then(Value::as_str)
        .and_then(|b| STANDARD.decode(b).ok())
        .unwrap_or_default()
}

/// How many leading bytes can be sent now without splitting a UTF-8 character;
/// an incomplete character at the end is held for the next chunk.
pub fn utf8_prefix_len(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => bytes.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary_round_trip() {
        for bytes in [&b"plain\n"[..], &[0xff, 0x00, 0x41][..], "żółw".as_bytes()] {
            assert_eq!(decode(&encode(bytes)), bytes);
        }
        assert!(encode(b"ok").get("text").is_some());
        assert!(encode(&[0xff]).get("b64").is_some());
    }

    #[test]
    fn incomplete_characters_are_held_back() {
        let text = "żółw".as_bytes();
        assert_eq!(utf8_prefix_len(&text[..3]), 2);
        assert_eq!(utf8_prefix_len(text), text.len());
        assert_eq!(
            utf8_prefix_len(&[0x41, 0xff, 0x41]),
            3,
            "invalid bytes are not held forever"
        );
    }
}
