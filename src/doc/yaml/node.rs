//! A YAML document as a tree of nodes that know their line and column.
//!
//! Parsing goes through serde-saphyr with tight budgets (depth, aliases,
//! events) so that alias bombs and absurd nesting are rejected quickly.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A YAML value with its position (1-based line and column in the parsed text).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The node as JSON, keys as written (front matter kept as `meta`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.key_text(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// A short description of the node's type, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// Scalars as text (numbers and booleans included), for fields that take a string.
    pub fn as_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The key text of a mapping key node.
    pub fn key_text(&self) -> String {
        self.as_text()
            .unwrap_or_else(|| format!("<{}>", self.type_name()))
    }

    /// Width of the node's source text when it is a simple scalar (for carets).
    pub fn width(&self) -> u32 {
        let len = match &self.value {
            Value::Str(s) if !s.contains('\n') => s.chars().count(),
            Value::Int(i) => i.to_string().len(),
            Value::Bool(b) => b.to_string().len(),
            _ => 1,
        };
        u32::try_from(len.max(1)).unwrap_or(1)
    }

    /// Moves the node (and all it holds) down by `lines`, for YAML embedded in Markdown.
    pub fn shift(&mut self, lines: u32, first_line_cols: u32) {
        if self.line == 1 {
            self.col += first_line_cols;
        }
        self.line += lines;
        match &mut self.value {
            Value::Seq(items) => items
                .iter_mut()
                .for_each(|n| n.shift(lines, first_line_cols)),
            Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.shift(lines, first_line_cols);
                v.shift(lines, first_line_cols);
            }),
            _ => {}
        }
    }
}

/// A YAML syntax (or budget) error with its position in the parsed text.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub line: u32,
    pub col: u32,
    pub message: String,
    /// The YAML is well-formed but expands beyond the parser's budgets.
    pub over_budget: bool,
}

impl SyntaxError {
    /// The "expected" sentence for this error, given what well-formed input looks like here.
    pub fn expected(&self, well_formed: &str) -> String {
        if self.over_budget {
            "a runbook without deep alias expansion or nesting (at most 32 levels, 1,000 aliases)"
                .into()
        } else {
            well_formed.into()
        }
    }
}

/// Parses one YAML document into a [`Node`] tree.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    if text.trim().is_empty() {
        return Ok(Node {
            value: Value::Null,
            line: 1,
            col: 1,
        });
    }
    let spanned: Spanned<Value> =
        serde_saphyr::from_str_with_options(text, options()).map_err(|e| to_syntax_error(&e))?;
    Ok(from_spanned(spanned))
}

fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 32;
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_events = 400_000;
    budget.max_nodes = 200_000;
    budget.max_documents = 1;
    budget.max_recorded_anchor_events = 20_000;
    budget.max_total_scalar_bytes = 16 * 1024 * 1024;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.strict_booleans = true;
    options.alias_limits.max_total_replayed_events = 20_000;
    options.alias_limits.max_replay_stack_depth = 16;
    options.alias_limits.max_alias_expansions_per_anchor = 1_000;
    options
}

fn to_syntax_error(error: &serde_saphyr::Error) -> SyntaxError {
    let (line, col) = error.location().map_or((1, 1), |l| {
        (l.line().max(1) as u32, l.column().max(1) as u32)
    });
    let full = error.to_string();
    let message = full
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid YAML")
        .trim()
        .trim_start_matches("error: ")
        .to_string();
    SyntaxError {
        line,
        col,
        over_budget: full.contains("budget breached"),
        message: plain_message(&message),
    }
}

/// serde-saphyr's message without the position (the diagnostic shows it) and
/// with budget breaches said in the operator's terms.
fn plain_message(message: &str) -> String {
    if message.contains("budget breached") {
        return "the YAML expands beyond runbook limits (too many aliases, anchors or nested levels)"
            .to_string();
    }
    let message = match message.split_once(": ") {
        Some((head, tail)) if head.starts_with("line ") && head.contains(" column ") => tail,
        _ => message,
    };
    strip_position_suffix(message)
}

/// serde-saphyr appends " at line X column Y"; the diagnostic shows the position itself.
fn strip_position_suffix(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn from_spanned(spanned: Spanned<Value>) -> Node {
    Node {
        value: spanned.value,
        line: spanned.referenced.line() as u32,
        col: spanned.referenced.column() as u32,
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| Value::Str(v.to_string()), Value::Int))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| Value::Str(v.to_string()), Value::Int))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| Value::Str(v.to_string()), Value::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Str(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Value>>()? {
            items.push(from_spanned(item));
        }
        Ok(Value::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<Spanned<Value>, Spanned<Value>>()? {
            entries.push((from_spanned(key), from_spanned(value)));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_know_where_they_are() {
        let node = parse("title: Day 7\nsections:\n  - title: A\n    steps: []\n").expect("valid");
        let Value::Map(entries) = &node.value else {
            panic!("map expected")
        };
        assert_eq!(entries[1].0.key_text(), "sections");
        assert_eq!((entries[1].0.line, entries[1].0.col), (2, 1));
        let Value::Seq(items) = &entries[1].1.value else {
            panic!("seq expected")
        };
        let Value::Map(inner) = &items[0].value else {
            panic!("map expected")
        };
        assert_eq!((inner[0].1.line, inner[0].1.col), (3, 12));
    }

    #[test]
    fn alias_bomb_is_rejected_quickly() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse(&doc).expect_err("an alias bomb must be rejected");
        assert!(err.message.contains("beyond runbook limits"), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let doc = format!("{}1{}", "[".repeat(500), "]".repeat(500));
        assert!(parse(&doc).is_err());
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse("title: x\n  bad: [\n").expect_err("invalid");
        assert!(err.line >= 1, "{err:?}");
        assert!(!err.message.is_empty());
    }
}
