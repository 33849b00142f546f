//! Command output inside an `output` event: bytes in the program, and in the log the
//! `"text"` (valid UTF-8) or `"b64"` key next to `stream` it has always been.

use crate::exec::Stream;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// Output bytes, as they were shown (already masked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputBytes(pub Vec<u8>);

impl OutputBytes {
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The record's `data`: `stream` and `text` (or `b64`), moving the bytes when they are UTF-8.
    pub fn into_data(self, stream: Stream) -> Value {
        let mut map = match String::from_utf8(self.0) {
            Ok(text) => {
                let mut map = Map::with_capacity(2);
                map.insert("text".into(), Value::String(text));
                map
            }
            Err(e) => {
                let mut map = Map::with_capacity(2);
                map.insert("b64".into(), Value::String(STANDARD.encode(e.as_bytes())));
                map
            }
        };
        map.insert(
            "stream".into(),
            Value::String(stream_word(stream).to_string()),
        );
        Value::Object(map)
    }
}

fn stream_word(stream: Stream) -> &'static str {
    match stream {
        Stream::Stdout => "stdout",
        Stream::Stderr => "stderr",
        Stream::Pty => "pty",
    }
}

impl From<Vec<u8>> for OutputBytes {
    fn from(bytes: Vec<u8>) -> Self {
        OutputBytes(bytes)
    }
}

impl From<&[u8]> for OutputBytes {
    fn from(bytes: &[u8]) -> Self {
        OutputBytes(bytes.to_vec())
    }
}

impl From<&str> for OutputBytes {
    fn from(text: &str) -> Self {
        OutputBytes(text.as_bytes().to_vec())
    }
}

impl Serialize for OutputBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        match std::str::from_utf8(&self.0) {
            Ok(text) => map.serialize_entry("text", text)?,
            Err(_) => map.serialize_entry("b64", &STANDARD.encode(&self.0))?,
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for OutputBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(BytesVisitor)
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = OutputBytes;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("output as {\"text\": …} or {\"b64\": …}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OutputBytes, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "text" => found = Some(OutputBytes(map.next_value::<String>()?.into_bytes())),
                "b64" => {
                    let b64 = map.next_value::<String>()?;
                    let bytes = STANDARD.decode(b64).map_err(de::Error::custom)?;
                    found = Some(OutputBytes(bytes));
                }
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        found.ok_or_else(|| de::Error::missing_field("text"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn data_is_the_same_as_the_log_always_had() {
        let text = OutputBytes::from("héllo\n").into_data(Stream::Stdout);
        assert_eq!(
            serde_json::to_string(&text).unwrap(),
            r#"{"stream":"stdout","text":"héllo\n"}"#
        );
        let binary = OutputBytes(vec![0xff, 0]).into_data(Stream::Pty);
        assert_eq!(
            serde_json::to_string(&binary).unwrap(),
            r#"{"b64":"/wA=","stream":"pty"}"#
        );
    }
}
