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
        serde_json::to_string_pretty(&runbook_json(&runbook)).unwrap_or_default()
    } else {
        outline(&runbook)
    };
    let _ = writeln!(out, "{}", text.trim_end());
    0
}

/// One runbook found: its name, path, and title or why it does not load.
struct Listed {
    name: String,
    path: String,
    title: Option<String>,
    /// How many problems `check` would report (0 when it loads).
    errors: usize,
    /// Why it does not load, in one line.
    problem: Option<String>,
}

fn listed(search: &SearchPath) -> Vec<Listed> {
    search
        .available()
        .into_iter()
        .map(|f| {
            let (title, errors, problem) = match load_path(&f.path) {
                Ok(r) => (Some(r.title), 0, None),
                Err(DocError::Invalid(e)) => {
                    let n = e.diagnostics.len();
                    let why = format!("invalid: {n} errors — run `runbook check {}`", f.name);
                    (None, n, Some(why))
                }
                Err(e) => (None, 1, Some(format!("unreadable: {e}"))),
            };
            Listed {
                name: f.name,
                path: f.path.display().to_string(),
                title,
                errors,
                problem,
            }
        })
        .collect()
}

/// Lists every runbook found: name, title (or why it does not load), path; or the same as
/// JSON (`{"schema": 1, "runbooks": [{"name", "title", "path", "valid", "errors", "problem"}]}`).
pub fn list(search: &SearchPath, as_json: bool, out: &mut impl Write) -> i32 {
    let found = listed(search);
    if as_json {
        let rows: Vec<serde_json::Value> = found
            .iter()
            .map(|f| {
                serde_json::json!({
                    "name": f.name, "title": f.title, "path": f.path,
                    "valid": f.problem.is_none(), "errors": f.errors, "problem": f.problem,
                })
            })
            .collect();
        let dirs: Vec<String> = search
            .dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        let json = serde_json::json!({ "schema": 1, "searched": dirs, "runbooks": rows });
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
        return 0;
    }
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
    let rows: Vec<(&str, String, &str)> = found
        .iter()
        .map(|f| {
            let title = match (&f.title, &f.problem) {
                (Some(title), _) => title.clone(),
                (None, problem) => format!("({})", problem.as_deref().unwrap_or("?")),
            };
            (f.name.as_str(), title, f.path.as_str())
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
