//! Runbook documents: the model, the Markdown and YAML loaders, validation.

pub mod days;
pub mod diag;
pub mod duration;
pub mod health;
pub mod hosts;
pub mod json;
pub mod markdown;
pub mod model;
pub mod mojibake;
pub mod options;
pub mod refs;
pub mod resolve;
pub mod shell;
pub mod sink;
pub mod validate;
pub mod warning;
pub mod yaml;

use diag::{Diagnostic, LoadError};
use model::Runbook;
use sink::Sink;
use std::path::{Path, PathBuf};

/// Runbooks larger than this are refused before parsing.
pub const MAX_RUNBOOK_BYTES: usize = 32 * 1024 * 1024;

/// Why a runbook could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(LoadError),
}

/// Reads, parses and validates the runbook at `path`.
pub fn load_path(path: &Path) -> Result<Runbook, DocError> {
    let bytes = std::fs::read(path).map_err(|source| DocError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    load_bytes(&bytes, path).map_err(DocError::Invalid)
}

/// Parses and validates runbook bytes; `path` decides the syntax (`.yaml`/`.yml`
/// is YAML, anything else Markdown) and names the file in diagnostics.
pub fn load_bytes(bytes: &[u8], path: &Path) -> Result<Runbook, LoadError> {
    let fail = |d: Diagnostic| LoadError {
        path: path.to_path_buf(),
        diagnostics: vec![d],
    };
    if bytes.len() > MAX_RUNBOOK_BYTES {
        return Err(fail(Diagnostic {
            line: 1,
            col: 1,
            width: 1,
            message: format!("the file is {} bytes, too large for a runbook", bytes.len()),
            expected: format!("a runbook under {} MiB", MAX_RUNBOOK_BYTES / (1024 * 1024)),
            snippet: String::new(),
        }));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| fail(not_utf8(bytes, &e)))?;
    load_str(text.strip_prefix('\u{feff}').unwrap_or(text), path)
}

/// Parses and validates runbook text. Text garbled by a wrong decoding (§1.4) is
/// read repaired, with a warning; lines stay where they were.
pub fn load_str(text: &str, path: &Path) -> Result<Runbook, LoadError> {
    let repaired = mojibake::repair(text);
    let text = repaired.as_ref().map_or(text, |r| r.text.as_str());
    let mut sink = Sink::new(text);
    if let Some(repair) = &repaired {
        mojibake::report(repair, &mut sink);
    }
    let runbook = if is_yaml_path(path) {
        yaml::document::load(text, path, &mut sink)
    } else {
        Some(markdown::load(text, path, &mut sink))
    };
    if let Some(runbook) = &runbook
        && !sink.has_errors()
    {
        validate::validate(runbook, &mut sink);
    }
    match runbook {
        Some(mut runbook) if !sink.has_errors() => {
            let mut warnings = sink.warnings;
            warnings.sort_by_key(|w| (w.line, w.col, w.code));
            runbook.warnings = warnings;
            Ok(runbook)
        }
        _ => {
            let mut diagnostics = sink.diagnostics;
            diagnostics.sort_by_key(|d| (d.line, d.col));
            Err(LoadError {
                path: path.to_path_buf(),
                diagnostics,
            })
        }
    }
}

/// Whether a path is read as YAML.
pub fn is_yaml_path(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("yaml" | "yml")
    )
}

fn not_utf8(bytes: &[u8], error: &std::str::Utf8Error) -> Diagnostic {
    let offset = error.valid_up_to();
    let valid = String::from_utf8_lossy(&bytes[..offset]);
    let line = valid.matches('\n').count() + 1;
    let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
    let col = valid[line_start..].chars().count() + 1;
    let byte = bytes.get(offset).copied().unwrap_or(0);
    Diagnostic {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        col: u32::try_from(col).unwrap_or(u32::MAX),
        width: 1,
        message: format!("the file is not UTF-8 text: byte 0x{byte:02X} at byte offset {offset}"),
        expected: "a UTF-8 text file (convert it, e.g. `iconv -f latin1 -t utf-8`)".into(),
        snippet: valid[line_start..].to_string(),
    }
}
