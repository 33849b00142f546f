//! Reading YAML mappings field by field, reporting unknown keys and wrong types.

use super::node::{Node, Value};
use crate::doc::duration::{DURATION_HELP, parse_duration};
use crate::doc::sink::Sink;
use std::time::Duration;

/// A YAML mapping being read; `what` names it in messages ("a step", "a health check").
pub struct Fields<'n> {
    pub node: &'n Node,
    pub entries: &'n [(Node, Node)],
    pub what: &'static str,
}

impl<'n> Fields<'n> {
    /// Reads `node` as a mapping, or reports that a mapping was expected.
    pub fn of(node: &'n Node, what: &'static str, sink: &mut Sink) -> Option<Fields<'n>> {
        match &node.value {
            Value::Map(entries) => Some(Fields {
                node,
                entries,
                what,
            }),
            _ => {
                sink.at_node(
                    node,
                    format!("{what} must be a mapping, found {}", node.type_name()),
                    format!("{what} written as `key: value` lines"),
                );
                None
            }
        }
    }

    /// The value under `key`, if present.
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_text().as_deref() == Some(key))
            .map(|(_, v)| v)
    }

    /// The key node for `key`, if present (for pointing at the key itself).
    pub fn key_node(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_text().as_deref() == Some(key))
            .map(|(k, _)| k)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Reports every key not in `accepted`; returns whether all keys were known.
    pub fn reject_unknown(&self, accepted: &[&str], sink: &mut Sink) -> bool {
        let mut all_known = true;
        for (key, _) in self.entries {
            let text = key.key_text();
            if !accepted.contains(&text.as_str()) {
                all_known = false;
                sink.at_node(
                    key,
                    format!("unknown key `{text}` in {}", self.what),
                    format!("one of: {}", accepted.join(", ")),
                );
            }
        }
        all_known
    }

    /// A string field (numbers and booleans are taken as their text).
    pub fn text(&self, key: &str, sink: &mut Sink) -> Option<String> {
        let node = self.get(key)?;
        expect_text(node, key, sink)
    }

    /// A required string field.
    pub fn required_text(&self, key: &str, sink: &mut Sink) -> Option<String> {
        if !self.has(key) {
            sink.at_node(
                self.node,
                format!("{} has no `{key}`", self.what),
                format!("`{key}: ...` in {}", self.what),
            );
            return None;
        }
        self.text(key, sink)
    }

    pub fn bool(&self, key: &str, sink: &mut Sink) -> Option<bool> {
        let node = self.get(key)?;
        match &node.value {
            Value::Bool(b) => Some(*b),
            _ => {
                sink.at_node(
                    node,
                    format!("`{key}` must be true or false"),
                    "`true` or `false`",
                );
                None
            }
        }
    }

    pub fn duration(&self, key: &str, sink: &mut Sink) -> Option<Duration> {
        let node = self.get(key)?;
        duration_node(node, key, sink)
    }

    /// A list of strings; a single string is taken as a list of one.
    pub fn text_list(&self, key: &str, sink: &mut Sink) -> Vec<(String, &'n Node)> {
        let Some(node) = self.get(key) else {
            return Vec::new();
        };
        text_list_node(node, key, sink)
    }
}

/// A scalar as text, or an error naming the key.
pub fn expect_text(node: &Node, key: &str, sink: &mut Sink) -> Option<String> {
    match node.as_text() {
        Some(text) => Some(text),
        None => {
            sink.at_node(
                node,
                format!("`{key}` must be text, found {}", node.type_name()),
                format!("a single value after `{key}:`"),
            );
            None
        }
    }
}

/// A duration node (`30s`, `5m`, `1h30m`).
pub fn duration_node(node: &Node, key: &str, sink: &mut Sink) -> Option<Duration> {
    let text = expect_text(node, key, sink)?;
    match parse_duration(&text) {
        Ok(d) => Some(d),
        Err(problem) => {
            sink.at_node(
                node,
                format!("bad duration for `{key}`: {problem}"),
                DURATION_HELP,
            );
            None
        }
    }
}

/// A list of strings, or one string.
pub fn text_list_node<'n>(node: &'n Node, key: &str, sink: &mut Sink) -> Vec<(String, &'n Node)> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|item| expect_text(item, key, sink).map(|t| (t, item)))
            .collect(),
        Value::Null => Vec::new(),
        _ => expect_text(node, key, sink)
            .map(|t| vec![(t, node)])
            .unwrap_or_default(),
    }
}
