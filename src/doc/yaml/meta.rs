//! Runbook metadata (front matter or top-level YAML): params, env, health, contacts.

use super::fields::Fields;
use super::health::health_checks;
use super::node::{Node, Value};
use crate::doc::model::{Contact, EnvSpec, Metadata, Param};
use crate::doc::sink::Sink;

/// Metadata keys, valid in front matter and at the top of a YAML runbook.
pub const META_KEYS: &[&str] = &[
    "title",
    "description",
    "params",
    "env",
    "health",
    "contacts",
    "hosts",
    "inventory",
    "gates",
];

/// Keys `runbook lint` reads (`lint: {allow: [RB003]}`, `last_reviewed_on`, `review_in`)
/// and the plan's calendar (`year`, `date`: the year of its days, §1.5): kept as `meta`
/// as written, read where they are used, never a reason to refuse a document.
pub const LINT_KEYS: &[&str] = &["lint", "last_reviewed_on", "review_in", "year", "date"];

/// Reads the metadata keys of a mapping (other keys are the caller's to check).
pub fn metadata(fields: &Fields, sink: &mut Sink) -> Metadata {
    Metadata {
        params: fields
            .get("params")
            .map(|n| params(n, sink))
            .unwrap_or_default(),
        env: fields.get("env").map(|n| env(n, sink)).unwrap_or_default(),
        health: fields
            .get("health")
            .map(|n| health_checks(n, sink))
            .unwrap_or_default(),
        contacts: fields
            .get("contacts")
            .map(|n| contacts(n, sink))
            .unwrap_or_default(),
        hosts: crate::doc::hosts::hosts_spec(fields, sink),
        gates_in_place: fields.get("gates").is_some_and(|n| gates_in_place(n, sink)),
        foreign: Vec::new(),
    }
}

/// `gates: in-place` keeps gates where the document puts them; `gates: moved` is the default.
fn gates_in_place(node: &Node, sink: &mut Sink) -> bool {
    match node.as_text().as_deref() {
        Some("in-place") => true,
        Some("moved") => false,
        _ => {
            sink.at_node(
                node,
                "`gates` must be `in-place` or `moved`",
                "`gates: in-place` to keep Go/No-Go and sign-off gates where the document puts them",
            );
            false
        }
    }
}

fn params(node: &Node, sink: &mut Sink) -> Vec<Param> {
    let Value::Map(entries) = &node.value else {
        sink.at_node(
            node,
            "`params` must be a mapping of names",
            "e.g. `params: {version: {default: v1.0.0}}`",
        );
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(key, value)| param(key, value, sink))
        .collect()
}

fn param(key: &Node, value: &Node, sink: &mut Sink) -> Option<Param> {
    let name = key.key_text();
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        sink.at_node(
            key,
            format!("`{name}` is not a valid parameter name"),
            "a name of letters, digits, `_` and `-`, starting with a letter",
        );
        return None;
    }
    let mut param = Param {
        name,
        line: key.line,
        default: None,
        pattern: None,
        prompt: None,
    };
    match &value.value {
        Value::Null => {}
        Value::Map(_) => {
            let fields = Fields::of(value, "a parameter", sink)?;
            fields.reject_unknown(&["default", "pattern", "prompt"], sink);
            param.default = fields.text("default", sink);
            param.pattern = fields.text("pattern", sink);
            param.prompt = fields.text("prompt", sink);
        }
        _ => param.default = value.as_text(),
    }
    Some(param)
}

fn env(node: &Node, sink: &mut Sink) -> EnvSpec {
    let Some(fields) = Fields::of(node, "`env`", sink) else {
        return EnvSpec::default();
    };
    fields.reject_unknown(&["require", "secret"], sink);
    let mut names = |key: &str| -> Vec<String> {
        fields
            .text_list(key, sink)
            .into_iter()
            .filter_map(|(name, at)| {
                let valid = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    sink.at_node(
                        at,
                        format!("`{name}` is not an environment variable name"),
                        "letters, digits and `_`, not starting with a digit",
                    );
                }
                valid.then_some(name)
            })
            .collect()
    };
    EnvSpec {
        require: names("require"),
        secret: names("secret"),
    }
}

fn contacts(node: &Node, sink: &mut Sink) -> Vec<Contact> {
    let Value::Seq(items) = &node.value else {
        sink.at_node(
            node,
            "`contacts` must be a list",
            "e.g. `- {role: DevOps Lead, name: Ana, phone: +1 555 0100}`",
        );
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let fields = Fields::of(item, "a contact", sink)?;
            fields.reject_unknown(&["role", "name", "phone", "email", "chat"], sink);
            Some(Contact {
                role: fields.required_text("role", sink)?,
                name: fields.text("name", sink),
                phone: fields.text("phone", sink),
                email: fields.text("email", sink),
                chat: fields.text("chat", sink),
            })
        })
        .collect()
}
