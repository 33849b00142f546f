//! RB001: shellcheck on every run step, all of a lint's steps in one shellcheck process
//! (one file per step, each headed by a directive naming the fence's shell).

use serde::Deserialize;
use std::path::Path;
use std::process::Command;

/// One script for shellcheck: its dialect (`bash`, `sh`, `dash`, `ksh`) and text.
#[derive(Debug, Clone)]
pub struct Script {
    pub dialect: &'static str,
    pub text: String,
    /// The step stops at its first failing command (`set -e`): a `cd` that fails stops it,
    /// so SC2164 (`cd` without `|| exit`) says nothing true.
    pub errexit: bool,
}

/// One comment of shellcheck's, in the script's own lines and character columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// 0-based line of the script.
    pub row: usize,
    /// 1-based column, in characters.
    pub col: u32,
    /// `error`, `warning`, `info` or `style`.
    pub level: String,
    /// `SC2086`.
    pub code: String,
    pub message: String,
}

/// Why shellcheck said nothing.
#[derive(Debug, thiserror::Error)]
pub enum ShellcheckError {
    #[error("shellcheck is not on PATH")]
    NotFound,
    #[error("shellcheck could not be run: {0}")]
    Failed(String),
}

/// The shell shellcheck should read a fence language as; `None` for one it cannot check.
pub fn dialect(lang: &str) -> Option<&'static str> {
    match lang {
        "sh" => Some("sh"),
        "dash" => Some("dash"),
        "ksh" => Some("ksh"),
        "bash" | "shell" | "console" | "terminal" | "shell-session" | "sh-session"
        | "bash-session" | "shellsession" | "console-session" | "" => Some("bash"),
        _ => None,
    }
}

/// The first line of each file: the shell to read it as (one line above the script).
const DIRECTIVE_LINES: usize = 1;

/// Files per shellcheck process, well under any command-line length limit.
const CHUNK: usize = 500;

#[derive(Deserialize)]
struct Output {
    comments: Vec<RawComment>,
}

#[derive(Deserialize)]
struct RawComment {
    file: String,
    line: usize,
    column: usize,
    level: String,
    code: u32,
    message: String,
}

/// Checks every script; returns each script's comments, in order.
pub fn check(scripts: &[Script]) -> Result<Vec<Vec<Comment>>, ShellcheckError> {
    let mut out = vec![Vec::new(); scripts.len()];
    if scripts.is_empty() {
        return Ok(out);
    }
    let dir = tempfile::tempdir().map_err(|e| ShellcheckError::Failed(e.to_string()))?;
    for (start, chunk) in (0..scripts.len()).step_by(CHUNK).zip(scripts.chunks(CHUNK)) {
        let mut files = Vec::with_capacity(chunk.len());
        for (offset, script) in chunk.iter().enumerate() {
            let path = dir.path().join(format!("step-{}.sh", start + offset));
            let disable = if script.errexit {
                " disable=SC2164"
            } else {
                ""
            };
            let text = format!(
                "# shellcheck shell={}{disable}\n{}",
                script.dialect, script.text
            );
            std::fs::write(&path, text).map_err(|e| ShellcheckError::Failed(e.to_string()))?;
            files.push(path);
        }
        for raw in run(&files)? {
            let Some(index) = index_of(&raw.file) else {
                continue;
            };
            let Some(script) = scripts.get(index) else {
                continue;
            };
            let Some(row) = raw.line.checked_sub(1 + DIRECTIVE_LINES) else {
                continue;
            };
            let line = script.text.split('\n').nth(row).unwrap_or("");
            out[index].push(Comment {
                row,
                col: char_column(line, raw.column),
                level: raw.level,
                code: format!("SC{}", raw.code),
                message: raw.message.trim().to_string(),
            });
        }
    }
    Ok(out)
}

fn run(files: &[std::path::PathBuf]) -> Result<Vec<RawComment>, ShellcheckError> {
    let output = Command::new("shellcheck")
        .arg("--format=json1")
        .args(files)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ShellcheckError::NotFound,
            _ => ShellcheckError::Failed(e.to_string()),
        })?;
    if !matches!(output.status.code(), Some(0 | 1)) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(ShellcheckError::Failed(stderr.trim().to_string()));
    }
    serde_json::from_slice::<Output>(&output.stdout)
        .map(|o| o.comments)
        .map_err(|e| ShellcheckError::Failed(format!("unreadable output: {e}")))
}

fn index_of(file: &str) -> Option<usize> {
    Path::new(file)
        .file_stem()?
        .to_str()?
        .strip_prefix("step-")?
        .parse()
        .ok()
}

/// shellcheck counts a tab as up to 8 columns; the character column it points at.
fn char_column(line: &str, column: usize) -> u32 {
    let mut virtual_col = 1;
    for (i, c) in line.chars().enumerate() {
        if virtual_col >= column {
            return u32::try_from(i + 1).unwrap_or(u32::MAX);
        }
        virtual_col = if c == '\t' {
            (virtual_col - 1) / 8 * 8 + 9
        } else {
            virtual_col + 1
        };
    }
    u32::try_from(line.chars().count() + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_count_as_shellcheck_counts_them() {
        assert_eq!(char_column("echo $x", 6), 6);
        assert_eq!(char_column("\techo $x", 14), 7);
        assert_eq!(char_column("ab\tc", 9), 4);
    }
}
