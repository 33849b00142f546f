//! Fast JSON for event lines: strings escaped eight bytes at a time, and whole `Value`s.
//!
//! The output is the same compact JSON `serde_json` writes (same escapes,
//! lowercase `\u00XX`, map keys in the map's order); only the speed
//! differs, which matters for megabytes of command output per second.

use serde_json::{Map, Value};

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;
const HEX: &[u8; 16] = b"0123456789abcdef";

/// For each byte: 0 when it is written as is, else the letter after `\`
/// (`u` meaning `\u00XX`).
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Append `text` as a quoted JSON string.
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + bytes.len() / 8 + 2);
    out.push(b'"');
    let mut i = 0;
    while let Some(word) = bytes.get(i..i + 8) {
        let word: [u8; 8] = word.try_into().unwrap_or_default();
        let mask = escape_mask(u64::from_le_bytes(word));
        if mask == 0 {
            out.extend_from_slice(&word);
            i += 8;
            continue;
        }
        // The lowest flagged byte is exact (see `escape_mask`).
        // Copying all eight bytes and cutting back is cheaper than a
        // variable-length copy.
        let plain = (mask.trailing_zeros() / 8) as usize;
        let len = out.len();
        out.extend_from_slice(&word);
        out.truncate(len + plain);
        push_escape(out, word[plain]);
        i += plain + 1;
    }
    for &byte in &bytes[i..] {
        if ESCAPE[usize::from(byte)] == 0 {
            out.push(byte);
        } else {
            push_escape(out, byte);
        }
    }
    out.push(b'"');
}

/// High bit set in each byte of `word` that may need escaping: below
/// 0x20, `"` or `\`. The classic has-less/has-zero tricks can also flag a
/// byte *above* a flagged one (borrow), never below, so the lowest flag
/// is always right.
fn escape_mask(word: u64) -> u64 {
    let control = word.wrapping_sub(LO * 0x20) & !word;
    let quote = word ^ (LO * u64::from(b'"'));
    let backslash = word ^ (LO * u64::from(b'\\'));
    let quote = quote.wrapping_sub(LO) & !quote;
    let backslash = backslash.wrapping_sub(LO) & !backslash;
    (control | quote | backslash) & HI
}

fn push_escape(out: &mut Vec<u8>, byte: u8) {
    match ESCAPE[usize::from(byte)] {
        b'u' => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(byte >> 4)],
            HEX[usize::from(byte & 0x0f)],
        ]),
        letter => out.extend_from_slice(&[b'\\', letter]),
    }
}

/// Append `value` as compact JSON.
pub(crate) fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => out.extend_from_slice(number.to_string().as_bytes()),
        Value::String(text) => write_str(out, text),
        Value::Array(items) => {
            out.push(b'[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => write_map(out, map),
    }
}

/// Append `map` as a compact JSON object.
pub(crate) fn write_map(out: &mut Vec<u8>, map: &Map<String, Value>) {
    out.push(b'{');
    for (n, (key, item)) in map.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_str(out, key);
        out.push(b':');
        write_value(out, item);
    }
    out.push(b'}');
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn ours(value: &Value) -> String {
        let mut out = Vec::new();
        write_value(&mut out, value);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_byte_value_escapes_like_serde_json() {
        let all: String = (0u8..=0x7f).map(char::from).collect::<String>() + "é€😀\u{2028}";
        for start in 0..all.len() {
            let Some(text) = all.get(start..) else {
                continue;
            };
            let value = json!(text);
            assert_eq!(ours(&value), serde_json::to_string(&value).unwrap());
        }
    }

    #[test]
    fn nested_values_match_serde_json() {
        let value = json!({
            "stream": "stdout", "text": "a\"b\\c\n\t\u{1}", "n": [1, -2, 3.5, 1e300, null, true, false],
            "empty": {}, "list": [], "deep": {"k\n": [{"x": "y"}]}
        });
        assert_eq!(ours(&value), serde_json::to_string(&value).unwrap());
    }

    proptest! {
        #[test]
        fn strings_match_serde_json(text in "(?s).{0,64}", ctrl in proptest::collection::vec(0u8..0x24, 0..24)) {
            let mixed: String = text.chars().chain(ctrl.iter().map(|&b| char::from(b))).collect();
            let value = Value::String(mixed);
            prop_assert_eq!(ours(&value), serde_json::to_string(&value).unwrap());
        }
    }
}
