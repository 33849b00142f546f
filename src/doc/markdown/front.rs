//! Front matter of a Markdown runbook: our metadata keys are strict; keys of other tools
//! (Hugo `weight`, an issue template's `about`) are kept as `meta`; a key a small edit away
//! from one of ours is a warning naming it.

use crate::doc::model::Metadata;
use crate::doc::sink::Sink;
use crate::doc::warning::Code;
use crate::doc::yaml::fields::Fields;
use crate::doc::yaml::meta::{LINT_KEYS, META_KEYS, metadata};
use crate::doc::yaml::node::{self, Node, Value};

/// What the front matter says.
#[derive(Default)]
pub struct FrontMatter {
    pub title: Option<String>,
    /// `page_title` or `name` of another tool, for a document without a `#` heading.
    pub fallback_title: Option<(String, &'static str, u32)>,
    pub description: Option<String>,
    pub meta: Metadata,
}

const FALLBACK_TITLE_KEYS: &[&str] = &["page_title", "name"];

/// Reads the front matter text that starts at byte `offset`; positions are file lines.
pub fn front_matter(yaml: &str, offset: usize, sink: &mut Sink) -> FrontMatter {
    let first_line = sink.map.line_of(offset);
    let mut root = match node::parse(yaml) {
        Ok(root) => root,
        Err(e) => {
            sink.at_line(
                e.line + first_line - 1,
                e.col,
                1,
                format!("invalid YAML in the front matter: {}", e.message),
                e.expected("well-formed YAML between the `---` lines"),
            );
            return FrontMatter::default();
        }
    };
    root.shift(first_line - 1, 0);
    if matches!(root.value, Value::Null) {
        return FrontMatter::default();
    }
    let Some(fields) = Fields::of(&root, "the front matter", sink) else {
        return FrontMatter::default();
    };
    let foreign = foreign_keys(&fields, sink);
    let mut front = FrontMatter {
        title: fields.text("title", sink),
        fallback_title: None,
        description: fields.text("description", sink),
        meta: metadata(&fields, sink),
    };
    front.fallback_title = FALLBACK_TITLE_KEYS.iter().find_map(|&key| {
        let (k, value) = foreign.iter().find(|(k, _)| k.key_text() == key)?;
        Some((value.as_text()?, key, k.line))
    });
    front.meta.foreign = foreign
        .iter()
        .map(|(k, v)| (k.key_text(), v.to_json()))
        .collect();
    front
}

/// Keys that are not ours, in order; near-misses of ours are warned.
fn foreign_keys<'n>(fields: &Fields<'n>, sink: &mut Sink) -> Vec<(&'n Node, &'n Node)> {
    let foreign: Vec<(&Node, &Node)> = fields
        .entries
        .iter()
        .filter(|(k, _)| !META_KEYS.contains(&k.key_text().as_str()))
        .map(|(k, v)| (k, v))
        .collect();
    for (key, _) in &foreign {
        let text = key.key_text();
        if let Some(ours) = near_miss(&text) {
            sink.warn(key.line, key.col, Code::NearMissKey, format!("`{text}` is not a runbook key and is kept as meta, unused; did you mean `{ours}`?"));
        }
    }
    let unused: Vec<&(&Node, &Node)> = foreign
        .iter()
        .filter(|(k, _)| !LINT_KEYS.contains(&k.key_text().as_str()))
        .collect();
    if let Some((first, _)) = unused.first() {
        let names: Vec<String> = unused.iter().map(|(k, _)| k.key_text()).collect();
        sink.warn(
            first.line,
            first.col,
            Code::ForeignMeta,
            format!(
                "front matter of another tool kept as meta, not used by runbook: {}",
                names.join(", ")
            ),
        );
    }
    foreign
}

/// One of our keys within a small edit distance (`heath` → `health`, `param` → `params`).
fn near_miss(key: &str) -> Option<&'static str> {
    let lower = key.to_lowercase();
    META_KEYS.iter().copied().find(|ours| {
        let allowed = if ours.len() >= 6 { 2 } else { 1 };
        strsim::damerau_levenshtein(&lower, ours) <= allowed
    })
}

/// A `---` line opening front matter that is never closed: an error at line 1
/// (else the metadata would silently become the first paragraph).
pub fn check_closed(text: &str, sink: &mut Sink) {
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some("---") {
        return;
    }
    match lines.next() {
        Some(second) if !second.trim().is_empty() => {}
        _ => return,
    }
    if lines.any(|l| matches!(l.trim_end(), "---" | "...")) {
        return;
    }
    sink.at_line(
        1,
        1,
        3,
        "the front matter opened here is never closed",
        "a `---` line after the metadata, before the document starts",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_of_our_keys() {
        assert_eq!(near_miss("heath"), Some("health"));
        assert_eq!(near_miss("param"), Some("params"));
        assert_eq!(near_miss("contact"), Some("contacts"));
        assert_eq!(near_miss("Title"), Some("title"));
        for foreign in [
            "weight", "layout", "tags", "about", "name", "labels", "date", "draft",
        ] {
            assert_eq!(near_miss(foreign), None, "{foreign}");
        }
    }
}
