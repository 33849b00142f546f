//! `runbook check`, `runbook show` and `runbook list`.

use super::lint::{LoadFailure, Loaded, lint_loaded, load};
use super::outline::{Counts, outline, plural, summary_line};
use crate::doc::json::{SCHEMA, runbook_json, warnings_json};
use crate::doc::resolve::SearchPath;
use crate::doc::{DocError, load_path};
use crate::lint::Finding;
use std::io::Write;

/// Exit code for invalid input (PRODUCT.md §5).
pub const EXIT_INVALID: i32 = 2;

/// How `check` reports.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Warnings make the file invalid (exit 2).
    pub strict: bool,
    /// One JSON document on stdout instead of lines.
    pub json: bool,
    /// How hosts are checked (`ssh -G [-F FILE]`).
    pub ssh: crate::fleet::SshSettings,
    /// Leave shellcheck out of the lint warnings.
    pub no_shellcheck: bool,
}

/// Validates each target; prints a summary line per valid file, the warnings that say how
/// it was read, and the diagnostics of invalid ones. Returns the exit code.
pub fn check(
    targets: &[String],
    search: &SearchPath,
    options: CheckOptions,
    out: &mut impl Write,
    err: &mut impl Write,
) -> i32 {
    let mut code = 0;
    let mut files = Vec::new();
    let loaded: Vec<Loaded> = targets.iter().map(|t| load(t, search)).collect();
    let (lints, _) = lint_loaded(&loaded, !options.no_shellcheck);
    for (loaded, found) in loaded.into_iter().zip(lints) {
        let report = check_one(loaded, &found.unwrap_or_default(), &options);
        if !report.ok {
            code = EXIT_INVALID;
        }
        if options.json {
            files.push(report.json);
        } else {
            if !report.stderr.is_empty() {
                let _ = write!(err, "{}", report.stderr);
            }
            if !report.stdout.is_empty() {
                let _ = writeln!(out, "{}", report.stdout);
            }
        }
    }
    if options.json {
        let doc = serde_json::json!({"schema": SCHEMA, "ok": code == 0, "files": files});
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        );
    }
    code
}

/// What `check` says about one target, in both forms.
struct Report {
    ok: bool,
    stdout: String,
    stderr: String,
    json: serde_json::Value,
}

fn check_one(loaded: Loaded, lints: &[Finding], options: &CheckOptions) -> Report {
    let strict = options.strict;
    use serde_json::json;
    let failed = |path: String, message: String| Report {
        ok: false,
        stdout: String::new(),
        stderr: format!("error: {message}\n"),
        json: json!({"path": path, "status": "unreadable", "errors": [{"message": message}], "warnings": []}),
    };
    let Loaded { path, result } = loaded;
    match result {
        Ok((runbook, _)) => {
            let warnings = runbook.warnings.len() + lints.len();
            let ok = !(strict && warnings > 0);
            let mut stderr: String = runbook
                .warnings
                .iter()
                .map(|w| format!("{}\n", w.render(&path)))
                .collect();
            stderr.extend(lints.iter().map(|f| lint_warning(&path, f)));
            let mut stdout = summary_line(&runbook);
            if warnings > 0 {
                let verdict = if ok { "" } else { " (--strict: invalid)" };
                stdout.push_str(&format!(" · {}{verdict}", plural(warnings, "warning")));
            }
            if !ok {
                stdout = stdout.replacen("ok  ", "invalid  ", 1);
            }
            let counts = Counts::of(&runbook);
            let mut all_warnings = warnings_json(&runbook.warnings);
            all_warnings.extend(lints.iter().map(|f| {
                json!({
                    "line": f.line, "col": f.col, "code": f.rule.code(), "message": f.message,
                })
            }));
            let hosts = super::hosts::check_hosts(&runbook, &options.ssh);
            let ok = ok && hosts.errors.is_empty();
            hosts.render(&mut stdout, &mut stderr);
            Report {
                ok,
                stdout,
                stderr,
                json: json!({
                    "path": path.display().to_string(), "status": if ok { "ok" } else { "invalid" },
                    "title": runbook.title, "steps": counts.steps(), "errors": [],
                    "warnings": all_warnings, "hosts": hosts.json(),
                }),
            }
        }
        Err(LoadFailure::Doc(DocError::Invalid(e))) => {
            let n = e.diagnostics.len();
            Report {
                ok: false,
                stdout: format!(
                    "invalid  {} — {n} error{}",
                    path.display(),
                    if n == 1 { "" } else { "s" }
                ),
                stderr: format!("{e}\n"),
                json: json!({
                    "path": path.display().to_string(), "status": "invalid",
                    "errors": e.diagnostics.iter().map(|d| json!({
                        "line": d.line, "col": d.col, "message": d.message, "expected": d.expected,
                    })).collect::<Vec<_>>(),
                    "warnings": [],
                }),
            }
        }
        Err(e) => failed(path.display().to_string(), e.to_string()),
    }
}

/// A lint finding as `check` prints it: a warning with the rule's code.
fn lint_warning(path: &std::path::Path, f: &Finding) -> String {
    let code = crate::lint::report::code(f);
    format!(
        "{}:{}:{}: warning: {} [{code}]\n",
        path.display(),
        f.line,
        f.col,
        f.message
    )
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
