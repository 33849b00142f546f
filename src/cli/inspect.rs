//! `runbook check`, `runbook show` and `runbook list`.

use super::outline::{outline, summary_line};
use crate::doc::resolve::SearchPath;
use crate::doc::{DocError, json::runbook_json, load_path};
use std::io::Write;

/// Exit code for invalid input (PRODUCT.md §5).
pub const EXIT_INVALID: i32 = 2;

/// Validates each target; prints a summary line per valid file and the
/// diagnostics of invalid ones. Returns the exit code.
pub fn check(
    targets: &[String],
    search: &SearchPath,
    ssh: &crate::fleet::SshSettings,
    out: &mut impl Write,
    err: &mut impl Write,
) -> i32 {
    let mut code = 0;
    for target in targets {
        let path = match search.resolve(target) {
            Ok(path) => path,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                code = EXIT_INVALID;
                continue;
            }
        };
        match load_path(&path) {
            Ok(runbook) => {
                let _ = writeln!(out, "{}", summary_line(&runbook));
                code = code.max(super::hosts::check_hosts(&runbook, ssh, out, err));
            }
            Err(DocError::Invalid(e)) => {
                let _ = writeln!(err, "{e}");
                let n = e.diagnostics.len();
                let _ = writeln!(
                    out,
                    "invalid  {} — {n} error{}",
                    path.display(),
                    if n == 1 { "" } else { "s" }
                );
                code = EXIT_INVALID;
            }
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                code = EXIT_INVALID;
            }
        }
    }
    code
}

/// A NAME or PATH resolved and loaded; the error is what to print.
pub fn resolve_and_load(
    target: &str,
    search: &SearchPath,
) -> Result<crate::doc::model::Runbook, String> {
    let path = search.resolve(target).map_err(|e| e.to_string())?;
    load_path(&path).map_err(|e| e.to_string())
}

/// Prints the outline (or the JSON contract) of one runbook.
pub fn show(
    target: &str,
    as_json: bool,
    search: &SearchPath,
    out: &mut impl Write,
    err: &mut impl Write,
) -> i32 {
    let runbook = match resolve_and_load(target, search) {
        Ok(runbook) => runbook,
        Err(e) => {
            let _ = writeln!(err, "{}", e.trim_end());
            return EXIT_INVALID;
        }
    };
    let text = if as_json {
        let mut json = runbook_json(&runbook);
        super::hosts::StepHosts::of(&runbook).annotate(&mut json);
        serde_json::to_string_pretty(&json).unwrap_or_default()
    } else {
        outline(&runbook)
    };
    let _ = writeln!(out, "{}", text.trim_end());
    0
}

/// Lists every runbook found: name, title (or why it does not load), path.
pub fn list(search: &SearchPath, out: &mut impl Write) -> i32 {
    let found = search.available();
    if found.is_empty() {
        let dirs: Vec<String> = search
            .dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        let _ = writeln!(out, "no runbooks found in {}", dirs.join(", "));
        return 0;
    }
    let width = found
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let rows: Vec<(String, String, String)> = found
        .iter()
        .map(|f| {
            let title = match load_path(&f.path) {
                Ok(r) => r.title,
                Err(DocError::Invalid(e)) => format!(
                    "(invalid: {} errors — run `runbook check {}`)",
                    e.diagnostics.len(),
                    f.name
                ),
                Err(e) => format!("(unreadable: {e})"),
            };
            (f.name.clone(), title, f.path.display().to_string())
        })
        .collect();
    let title_width = rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(5, 60);
    let _ = writeln!(out, "{:<width$}  {:<title_width$}  PATH", "NAME", "TITLE");
    for (name, title, path) in rows {
        let _ = writeln!(out, "{name:<width$}  {title:<title_width$}  {path}");
    }
    0
}
