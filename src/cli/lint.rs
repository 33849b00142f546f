//! `runbook lint`: the lint rules on each runbook, printed as lines, JSON or SARIF; exit 0
//! with no findings, 1 with findings, 2 when a runbook cannot be read.

use super::inspect::EXIT_INVALID;
use crate::doc::DocError;
use crate::doc::model::Runbook;
use crate::doc::resolve::SearchPath;
use crate::lint::report::{self, FileResult};
use crate::lint::{self, Document, Finding, Options, Outcome, Shellcheck};
use std::io::Write;
use std::path::PathBuf;

/// How `lint` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
    Sarif,
}

/// What `lint` was asked.
#[derive(Debug, Clone, Copy, Default)]
pub struct LintOptions {
    pub format: Format,
    /// Leave shellcheck out even when it is on PATH.
    pub no_shellcheck: bool,
}

/// A target read and loaded, with its text for positions; or why it could not be.
pub struct Loaded {
    pub path: PathBuf,
    pub result: Result<(Runbook, String), LoadFailure>,
}

/// Why a target was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadFailure {
    /// No such runbook (the message names where it was looked for).
    #[error("{0}")]
    Resolve(String),
    #[error("{0}")]
    Doc(#[from] DocError),
}

/// Resolves, reads and loads one target.
pub fn load(target: &str, search: &SearchPath) -> Loaded {
    let path = match search.resolve(target) {
        Ok(path) => path,
        Err(e) => {
            return Loaded {
                path: PathBuf::from(target),
                result: Err(LoadFailure::Resolve(e.to_string())),
            };
        }
    };
    let result = std::fs::read(&path)
        .map_err(|source| DocError::Read {
            path: path.clone(),
            source,
        })
        .and_then(|bytes| {
            let runbook = crate::doc::load_bytes(&bytes, &path).map_err(DocError::Invalid)?;
            let text = String::from_utf8_lossy(&bytes);
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
            Ok((runbook, text))
        })
        .map_err(LoadFailure::Doc);
    Loaded { path, result }
}

/// Lints every loaded runbook at once (one shellcheck run); `None` for those not loaded.
pub fn lint_loaded(loaded: &[Loaded], shellcheck: bool) -> (Vec<Option<Vec<Finding>>>, Shellcheck) {
    let docs: Vec<Document> = loaded
        .iter()
        .filter_map(|l| l.result.as_ref().ok())
        .map(|(runbook, text)| Document { runbook, text })
        .collect();
    let options = Options {
        shellcheck,
        today: chrono::Local::now().date_naive(),
    };
    let Outcome { files, shellcheck } = lint::lint(&docs, &options);
    let mut files = files.into_iter();
    let per_target = loaded
        .iter()
        .map(|l| l.result.as_ref().ok().and_then(|_| files.next()))
        .collect();
    (per_target, shellcheck)
}

/// Runs `lint` on the targets; returns the exit code.
pub fn lint(
    targets: &[String],
    search: &SearchPath,
    options: LintOptions,
    out: &mut impl Write,
    err: &mut impl Write,
) -> i32 {
    let loaded: Vec<Loaded> = targets.iter().map(|t| load(t, search)).collect();
    let (findings, shellcheck) = lint_loaded(&loaded, !options.no_shellcheck);
    let results: Vec<(&std::path::Path, FileResult)> = loaded
        .iter()
        .zip(&findings)
        .map(|(l, f)| {
            let result = match (&l.result, f) {
                (Ok(_), Some(found)) => FileResult::Linted(found),
                (Err(e), _) => FileResult::Invalid(e.to_string()),
                (Ok(_), None) => FileResult::Invalid("not linted".into()),
            };
            (l.path.as_path(), result)
        })
        .collect();
    let invalid = results
        .iter()
        .any(|(_, r)| matches!(r, FileResult::Invalid(_)));
    let any = findings.iter().flatten().any(|f| !f.is_empty());
    match options.format {
        Format::Text => {
            for (_, result) in &results {
                if let FileResult::Invalid(e) = result {
                    let _ = writeln!(err, "{}", e.trim_end());
                }
            }
            if let Shellcheck::Unavailable(why) = &shellcheck {
                let _ = writeln!(err, "note: RB001 skipped: {why}");
            }
            let _ = write!(out, "{}", report::text(&results));
        }
        Format::Json => print_json(out, &report::json(&results, &shellcheck)),
        Format::Sarif => print_json(out, &report::sarif(&results, &shellcheck)),
    }
    if invalid {
        EXIT_INVALID
    } else {
        i32::from(any)
    }
}

fn print_json(out: &mut impl Write, value: &serde_json::Value) {
    let _ = writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}
