//! `runbook export`: a recorded session as a Markdown timeline, an asciicast or JSON,
//! on stdout or into a file.

use super::inspect::EXIT_INVALID;
pub use crate::export::ExportOptions;
use crate::export::{ExportError, Exported, Format, export_with};
use crate::session::log::resolve_session;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Exports one session: exit 0 written, 1 the log could not be read or the export not
/// written, 2 unknown session or format.
pub fn export(
    dir: &Path,
    session: &str,
    format: &str,
    output: Option<&Path>,
    options: ExportOptions,
) -> i32 {
    let format = match format.parse::<Format>() {
        Ok(format) => format,
        Err(e) => return fail(e, EXIT_INVALID),
    };
    if options.no_output && format != Format::Jsonl {
        return fail("--no-output applies to --format jsonl", EXIT_INVALID);
    }
    let write_export =
        |log: &Path, format: Format, out: &mut dyn Write| export_with(log, format, options, out);
    let log = match resolve_session(dir, session) {
        Ok(log) => log,
        Err(e) => return fail(e, EXIT_INVALID),
    };
    let written = match output {
        Some(file) => to_file(&log, format, file, &write_export),
        None => to_stdout(&log, format, &write_export),
    };
    match written {
        Ok(exported) => {
            report(&exported);
            0
        }
        Err(ExportError::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => fail(e, 1),
    }
}

/// Writes one export of a log to a stream.
type Writer<'a> = dyn Fn(&Path, Format, &mut dyn Write) -> Result<Exported, ExportError> + 'a;

fn to_stdout(log: &Path, format: Format, write_export: &Writer) -> Result<Exported, ExportError> {
    let mut out = BufWriter::new(io::stdout().lock());
    let exported = write_export(log, format, &mut out)?;
    out.flush()?;
    Ok(exported)
}

/// Writes beside `file` and renames it into place, so a failed export leaves no half file.
/// The file is readable by its owner only, like the log it comes from.
fn to_file(
    log: &Path,
    format: Format,
    file: &Path,
    write_export: &Writer,
) -> Result<Exported, ExportError> {
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut staged = tempfile::NamedTempFile::new_in(dir)?;
    let exported = {
        let mut out = BufWriter::new(staged.as_file_mut());
        let exported = write_export(log, format, &mut out)?;
        out.flush()?;
        exported
    };
    staged.persist(file).map_err(|e| e.error)?;
    Ok(exported)
}

fn report(exported: &Exported) {
    for note in &exported.notes {
        super::stderr_line(&format!("note: {note}"));
    }
    if exported.torn {
        super::stderr_line(
            "note: the log's final line is torn (the session stopped mid-write); it was left out",
        );
    }
}

use super::fail;
