//! What `runbook lint` prints: lines (`file:line:col: level: message [RB003]`), one JSON
//! document, or SARIF 2.1.0 for code-review and CI tools.

use super::rules::{ALL, Rule};
use super::{Finding, Shellcheck};
use serde_json::{Value, json};
use std::path::Path;

/// One file's result: its findings, or why it could not be linted.
pub enum FileResult<'a> {
    Linted(&'a [Finding]),
    Invalid(String),
}

/// `code` as printed: `RB003`, or `RB001 SC2086` for shellcheck's.
pub fn code(f: &Finding) -> String {
    match &f.detail {
        Some(detail) => format!("{} {detail}", f.rule.code()),
        None => f.rule.code().to_string(),
    }
}

/// One line per finding; a closing count.
pub fn text(files: &[(&Path, FileResult)]) -> String {
    let mut out = String::new();
    let mut count = 0;
    for (path, result) in files {
        if let FileResult::Linted(findings) = result {
            for f in findings.iter() {
                count += 1;
                out.push_str(&format!(
                    "{}:{}:{}: {}: {} [{}]\n",
                    path.display(),
                    f.line,
                    f.col,
                    f.level.label(),
                    f.message,
                    code(f)
                ));
            }
        }
    }
    let linted = files
        .iter()
        .filter(|(_, r)| matches!(r, FileResult::Linted(_)))
        .count();
    let files_word = if linted == 1 { "file" } else { "files" };
    match count {
        0 => out.push_str(&format!("no findings in {linted} {files_word}\n")),
        1 => out.push_str(&format!("1 finding in {linted} {files_word}\n")),
        n => out.push_str(&format!("{n} findings in {linted} {files_word}\n")),
    }
    out
}

fn shellcheck_label(shellcheck: &Shellcheck) -> String {
    match shellcheck {
        Shellcheck::Ran => "ran".into(),
        Shellcheck::Off => "off".into(),
        Shellcheck::Unavailable(why) => format!("unavailable: {why}"),
    }
}

/// One JSON document (schema 1).
pub fn json(files: &[(&Path, FileResult)], shellcheck: &Shellcheck) -> Value {
    let files: Vec<Value> = files
        .iter()
        .map(|(path, result)| match result {
            FileResult::Linted(findings) => json!({
                "path": path.display().to_string(),
                "findings": findings.iter().map(|f| json!({
                    "code": f.rule.code(), "name": f.rule.name(), "level": f.level.label(),
                    "line": f.line, "col": f.col, "message": f.message, "shellcheck": f.detail,
                })).collect::<Vec<_>>(),
            }),
            FileResult::Invalid(error) => {
                json!({"path": path.display().to_string(), "error": error, "findings": []})
            }
        })
        .collect();
    json!({"schema": crate::doc::json::SCHEMA, "shellcheck": shellcheck_label(shellcheck), "files": files})
}

const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// A SARIF 2.1.0 log with one run: the rules, every finding, and files that could not be read.
pub fn sarif(files: &[(&Path, FileResult)], shellcheck: &Shellcheck) -> Value {
    let rules: Vec<Value> = ALL.iter().map(|r| rule_descriptor(*r)).collect();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for (path, result) in files {
        match result {
            FileResult::Linted(findings) => {
                results.extend(findings.iter().map(|f| sarif_result(f, path)));
            }
            FileResult::Invalid(error) => notifications.push(json!({
                "level": "error",
                "message": {"text": format!("{}: {error}", path.display())},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(path)}}}],
            })),
        }
    }
    if let Shellcheck::Unavailable(why) = shellcheck {
        notifications
            .push(json!({"level": "note", "message": {"text": format!("RB001 skipped: {why}")}}));
    }
    json!({
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [{
            "tool": {"driver": {
                "name": "runbook",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": notifications.iter().all(|n| n["level"] != "error"),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

fn rule_descriptor(rule: Rule) -> Value {
    json!({
        "id": rule.code(),
        "name": rule.name(),
        "shortDescription": {"text": rule.summary()},
        "defaultConfiguration": {"level": rule.level().label()},
    })
}

fn sarif_result(f: &Finding, path: &Path) -> Value {
    let index = ALL.iter().position(|r| *r == f.rule).unwrap_or(0);
    let mut result = json!({
        "ruleId": f.rule.code(),
        "ruleIndex": index,
        "level": f.level.label(),
        "message": {"text": f.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(path)},
            "region": {"startLine": f.line, "startColumn": f.col},
        }}],
    });
    if let (Some(detail), Value::Object(map)) = (&f.detail, &mut result) {
        map.insert("properties".into(), json!({"shellcheck": detail}));
    }
    result
}

/// A path as a URI reference: relative paths stay relative (forward slashes), absolute ones
/// become `file://` URIs; characters a URI cannot hold are percent-encoded.
pub fn artifact_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let encoded: String = text
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    if path.is_absolute() {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_for_relative_and_absolute_paths() {
        assert_eq!(
            artifact_uri(Path::new("runbooks/deploy day.md")),
            "runbooks/deploy%20day.md"
        );
        assert_eq!(
            artifact_uri(Path::new("/srv/rb/x#1.md")),
            "file:///srv/rb/x%231.md"
        );
    }
}
