//! `config.toml` → [`Config`]: every key and value checked, every problem reported together as
//! `file:line:col` with the offending line and what was expected, as for runbooks.

use super::{ColorWhen, Config};
use crate::doc::diag::{Diagnostic, LoadError};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::{Spanned, Value};

/// The keys a configuration file may have, in the order the documentation lists them.
pub const KEYS: &[&str] = &[
    "operator",
    "audit_dir",
    "runbook_path",
    "signoff_timeout",
    "color",
    "plain",
    "sign_key",
    "anchors",
];

/// Parses the file's text; relative paths in it are taken from the file's directory.
pub fn parse(text: &str, path: &Path) -> Result<Config, LoadError> {
    let table: BTreeMap<Spanned<String>, Spanned<Value>> = match toml::from_str(text) {
        Ok(table) => table,
        Err(e) => {
            let at = e.span().unwrap_or(0..0);
            let message = e.message().trim().to_string();
            let diagnostic = diagnostic(text, at, message, "TOML: `key = value` lines".into());
            return Err(LoadError {
                path: path.to_path_buf(),
                diagnostics: vec![diagnostic],
            });
        }
    };
    let mut reader = Reader {
        text,
        base: path.parent().unwrap_or(Path::new("")),
        problems: Vec::new(),
    };
    let mut config = Config {
        file: Some(path.to_path_buf()),
        ..Config::default()
    };
    for (key, value) in &table {
        reader.key(&mut config, key, value);
    }
    if reader.problems.is_empty() {
        return Ok(config);
    }
    let mut diagnostics = reader.problems;
    diagnostics.sort_by_key(|d| (d.line, d.col));
    Err(LoadError {
        path: path.to_path_buf(),
        diagnostics,
    })
}

struct Reader<'t> {
    text: &'t str,
    base: &'t Path,
    problems: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn key(&mut self, config: &mut Config, key: &Spanned<String>, value: &Spanned<Value>) {
        match key.get_ref().as_str() {
            "operator" => {
                config.operator = self.text(value, "operator", "a name, e.g. \"Ana Ruiz\"")
            }
            "audit_dir" => config.audit_dir = self.path(value, "audit_dir"),
            "runbook_path" => config.runbook_path = self.paths(value),
            "signoff_timeout" => config.signoff_timeout = self.duration(value),
            "color" => config.color = self.color(value),
            "plain" => config.plain = self.boolean(value, "plain"),
            "sign_key" => config.sign_key = self.signing_key(value),
            "anchors" => config.anchors = self.strings(value, "anchors"),
            other => self.problem(
                key.span(),
                format!("unknown key `{other}` in the configuration"),
                format!("one of: {}", KEYS.join(", ")),
            ),
        }
    }

    fn problem(&mut self, at: Range<usize>, message: String, expected: String) {
        self.problems
            .push(diagnostic(self.text, at, message, expected));
    }

    fn text(&mut self, value: &Spanned<Value>, key: &str, example: &str) -> Option<String> {
        match value.get_ref() {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            _ => {
                self.problem(
                    value.span(),
                    format!("`{key}` must be a non-empty string"),
                    example.to_string(),
                );
                None
            }
        }
    }

    fn path(&mut self, value: &Spanned<Value>, key: &str) -> Option<PathBuf> {
        let text = self.text(value, key, "a path in quotes, e.g. \"~/runbook/sessions\"")?;
        Some(expand(&text, self.base))
    }

    /// `agent` as it is; a key file's path expanded like any other.
    fn signing_key(&mut self, value: &Spanned<Value>) -> Option<String> {
        let text = self.text(
            value,
            "sign_key",
            "a key file, e.g. \"~/.ssh/id_ed25519\", or \"agent\"",
        )?;
        if text == "agent" {
            return Some(text);
        }
        Some(expand(&text, self.base).to_string_lossy().into_owned())
    }

    fn strings(&mut self, value: &Spanned<Value>, key: &str) -> Option<Vec<String>> {
        let items = match value.get_ref() {
            Value::String(s) => vec![Value::String(s.clone())],
            Value::Array(items) => items.clone(),
            _ => Vec::new(),
        };
        let texts: Option<Vec<String>> = items
            .iter()
            .map(|item| match item {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                _ => None,
            })
            .collect();
        let valid = matches!(value.get_ref(), Value::String(_) | Value::Array(_));
        match texts {
            Some(texts) if valid => Some(texts),
            _ => {
                self.problem(
                    value.span(),
                    format!("`{key}` must be a list of non-empty strings"),
                    format!("e.g. {key} = [\"first\", \"second\"]"),
                );
                None
            }
        }
    }

    fn paths(&mut self, value: &Spanned<Value>) -> Option<Vec<PathBuf>> {
        let texts = self.strings(value, "runbook_path")?;
        Some(texts.iter().map(|t| expand(t, self.base)).collect())
    }

    fn duration(&mut self, value: &Spanned<Value>) -> Option<String> {
        let example = "a duration in quotes, e.g. \"10m\" or \"90s\"";
        let text = self.text(value, "signoff_timeout", example)?;
        match crate::doc::duration::parse_duration(&text) {
            Ok(_) => Some(text),
            Err(e) => {
                self.problem(
                    value.span(),
                    format!("`signoff_timeout`: {e}"),
                    example.into(),
                );
                None
            }
        }
    }

    fn color(&mut self, value: &Spanned<Value>) -> Option<ColorWhen> {
        let found = match value.get_ref() {
            Value::String(s) => ColorWhen::from_word(s),
            _ => None,
        };
        if found.is_none() {
            self.problem(
                value.span(),
                "`color` must be \"auto\", \"always\" or \"never\"".into(),
                "one of: auto, always, never".into(),
            );
        }
        found
    }

    fn boolean(&mut self, value: &Spanned<Value>, key: &str) -> Option<bool> {
        match value.get_ref() {
            Value::Boolean(b) => Some(*b),
            _ => {
                self.problem(
                    value.span(),
                    format!("`{key}` must be true or false"),
                    "true or false, without quotes".into(),
                );
                None
            }
        }
    }
}

/// `~/x` from the home directory, a relative path from `base`, an absolute one as it is.
fn expand(text: &str, base: &Path) -> PathBuf {
    if let Some(rest) = text.strip_prefix("~/")
        && let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf())
    {
        return home.join(rest);
    }
    let path = PathBuf::from(text);
    if path.is_absolute() {
        path
    } else {
        base.join(path)
    }
}

/// A problem at a byte range of the file, located as line, column (in characters) and width.
fn diagnostic(text: &str, at: Range<usize>, message: String, expected: String) -> Diagnostic {
    let start = floor_char(text, at.start.min(text.len()));
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let end = floor_char(text, at.end.clamp(start, line_end));
    let line = text[..start].matches('\n').count() + 1;
    let col = text[line_start..start].chars().count() + 1;
    let width = text[start..end].chars().count().max(1);
    Diagnostic {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        col: u32::try_from(col).unwrap_or(u32::MAX),
        width: u32::try_from(width).unwrap_or(u32::MAX),
        message,
        expected,
        snippet: text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string(),
    }
}

fn floor_char(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Config, String> {
        parse(text, Path::new("/etc/rb/config.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn every_key_is_read() {
        let config = parsed(
            "operator = \"Ana Ruiz\"\naudit_dir = \"sessions\"\nrunbook_path = [\"/srv/rb\", \"more\"]\n\
             signoff_timeout = \"10m\"\ncolor = \"never\"\nplain = true\n\
             sign_key = \"/keys/id_ed25519\"\nanchors = [\"file:/var/log/heads\"]\n",
        )
        .expect("valid");
        assert_eq!(config.operator.as_deref(), Some("Ana Ruiz"));
        assert_eq!(config.audit_dir, Some(PathBuf::from("/etc/rb/sessions")));
        assert_eq!(
            config.runbook_path,
            Some(vec![
                PathBuf::from("/srv/rb"),
                PathBuf::from("/etc/rb/more")
            ])
        );
        assert_eq!(config.signoff_timeout.as_deref(), Some("10m"));
        assert_eq!(config.color, Some(ColorWhen::Never));
        assert_eq!(config.plain, Some(true));
        assert_eq!(config.sign_key.as_deref(), Some("/keys/id_ed25519"));
        assert_eq!(
            config.anchors,
            Some(vec!["file:/var/log/heads".to_string()])
        );
        let agent = parsed("sign_key = \"agent\"\n").expect("valid");
        assert_eq!(
            agent.sign_key.as_deref(),
            Some("agent"),
            "not a path next to the file"
        );
    }

    #[test]
    fn an_unknown_key_is_located_and_the_accepted_keys_listed() {
        let err = parsed("operator = \"ana\"\n  colour = \"never\"\n").expect_err("unknown key");
        assert_eq!(
            err,
            "/etc/rb/config.toml:2:3: error: unknown key `colour` in the configuration\n  |\n\
             2 |   colour = \"never\"\n  |   ^^^^^^\n  = expected: one of: operator, audit_dir, \
             runbook_path, signoff_timeout, color, plain, sign_key, anchors\n"
        );
    }

    #[test]
    fn every_bad_value_is_reported_in_file_order() {
        let err = parsed("plain = \"yes\"\nsignoff_timeout = \"soon\"\ncolor = 3\n")
            .expect_err("bad values");
        let lines: Vec<&str> = err.lines().filter(|l| l.contains(": error:")).collect();
        assert_eq!(lines.len(), 3, "{err}");
        assert!(
            lines[0].starts_with("/etc/rb/config.toml:1:9: error: `plain`"),
            "{err}"
        );
        assert!(
            lines[1].contains(":2:19: error: `signoff_timeout`"),
            "{err}"
        );
        assert!(lines[2].contains(":3:9: error: `color`"), "{err}");
    }

    #[test]
    fn a_syntax_error_is_located() {
        let err = parsed("operator = \"ana\"\nplain = \n").expect_err("syntax");
        assert!(err.starts_with("/etc/rb/config.toml:2:"), "{err}");
        assert!(err.contains("2 | plain ="), "{err}");
    }

    #[test]
    fn wide_characters_count_as_one_column() {
        let err = parsed("operator = \"Zoë\"\nbogus = \"é\"\n").expect_err("unknown");
        assert!(err.starts_with("/etc/rb/config.toml:2:1:"), "{err}");
        let err = parsed("anchors = [\"ü\", 1]\n").expect_err("not strings");
        assert!(err.contains(":1:11:"), "{err}");
    }
}
