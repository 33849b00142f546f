//! Exporting a recorded session: a Markdown timeline for the post-mortem, an asciicast v2
//! recording for any asciinema player, the log's records as one JSON array, or as JSON
//! Lines for log shippers.
//!
//! All three read the audit log as written: values were masked before they reached the
//! log, and nothing here undoes that. The Markdown and asciicast exports fold the events
//! with [`SessionState`] as they stream past, exactly as replay does; the JSON export
//! passes the records through one at a time.

// A new event kind or status must be handled wherever events are read: no `_ =>` on enums.
#![deny(clippy::wildcard_enum_match_arm)]

mod cast;
mod describe;
mod excerpt;
mod fleet;
mod json;
mod jsonl;
mod md;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

/// Events in plain words, as exports, `follow --plain` and `replay --plain` all say them.
pub(crate) use describe::{describe, gate_details};

use crate::doc::model::{Format as DocFormat, Metadata, Runbook};
use crate::session::log::{AuditError, Header};
use crate::session::recorded::{RecordedError, runbook_of};
use crate::session::setup::{LogStream, SetupError, Stamped, open_log};
use crate::session::state::SessionState;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A post-mortem-ready Markdown timeline.
    Md,
    /// An asciicast v2 recording (`asciinema play`).
    Cast,
    /// The records as one JSON array, header first.
    Json,
    /// One JSON object per line, each with the session, runbook, operator and host.
    Jsonl,
}

/// Choices that apply to some formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Leave step output out (`jsonl`).
    pub no_output: bool,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "md" | "markdown" => Ok(Format::Md),
            "cast" | "asciicast" => Ok(Format::Cast),
            "json" => Ok(Format::Json),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            other => Err(format!(
                "unknown export format {other:?}; use md, cast, json or jsonl"
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Log(#[from] SetupError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("writing the export: {0}")]
    Write(#[from] io::Error),
}

/// What an export went through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exported {
    /// Records exported (for JSON the header counts as one).
    pub records: u64,
    /// The log ended in a torn line, which was left out.
    pub torn: bool,
    /// Things the reader of the export should know (printed on stderr by the CLI).
    pub notes: Vec<String>,
}

/// Writes the session logged at `log` to `out` in `format`.
pub fn export(log: &Path, format: Format, out: &mut dyn Write) -> Result<Exported, ExportError> {
    export_with(log, format, ExportOptions::default(), out)
}

/// [`export`] with options.
pub fn export_with(
    log: &Path,
    format: Format,
    options: ExportOptions,
    out: &mut dyn Write,
) -> Result<Exported, ExportError> {
    match format {
        Format::Json => json::write(log, out),
        Format::Jsonl => jsonl::write(log, out, options.no_output),
        Format::Md => md::write(Session::open(log)?, out),
        Format::Cast => cast::write(Session::open(log)?, out),
    }
}

/// Hands each record of the log to `take` until the end or a torn final line (noted in
/// the result); `take` says whether it exported the record.
pub(crate) fn each_record(
    log: &Path,
    mut take: impl FnMut(crate::session::log::Record) -> Result<bool, ExportError>,
) -> Result<Exported, ExportError> {
    let mut exported = Exported::default();
    for record in crate::session::log::read_records(log)? {
        let record = match record {
            Ok(record) => record,
            Err(AuditError::Torn { .. }) => {
                exported.torn = true;
                break;
            }
            Err(e) => return Err(e.into()),
        };
        if take(record)? {
            exported.records += 1;
        }
    }
    Ok(exported)
}

/// What the timeline says about one step of the runbook.
#[derive(Debug, Clone)]
pub(crate) struct StepInfo {
    pub section: String,
    pub label: String,
    pub kind: &'static str,
    pub rollback: bool,
    /// Ran in a pseudo-terminal: its output already has terminal line endings.
    pub tty: bool,
}

/// A recorded session opened for export: the header, the runbook it walked, and its
/// events one at a time, each folded into `state` as it is handed out.
pub(crate) struct Session {
    pub path: PathBuf,
    pub header: Header,
    /// The runbook's title, parameters filled in.
    pub title: String,
    pub state: SessionState,
    pub notes: Vec<String>,
    steps: HashMap<String, StepInfo>,
    stream: LogStream,
    pending: Option<Stamped>,
    records: u64,
}

impl Session {
    pub fn open(path: &Path) -> Result<Self, ExportError> {
        let mut stream = open_log(path)?;
        let pending = stream.next().transpose()?;
        let first: Vec<_> = pending.iter().map(|s| s.event.clone()).collect();
        let mut notes = Vec::new();
        let runbook = runbook_of(&stream.header, &first).unwrap_or_else(|e: RecordedError| {
            notes.push(format!("{e}; steps are shown by id only"));
            empty_runbook(&stream.header)
        });
        let params = params_of(&stream.header);
        let steps = step_infos(&runbook, &params);
        Ok(Session {
            path: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            header: stream.header.clone(),
            title: crate::session::params::interpolate(&runbook.title, &params),
            state: SessionState::new(&runbook),
            notes,
            steps,
            stream,
            pending,
            records: 1,
        })
    }

    /// The next event, already folded into [`Session::state`].
    pub fn next_event(&mut self) -> Result<Option<Stamped>, ExportError> {
        let next = match self.pending.take() {
            Some(stamped) => Some(stamped),
            None => self.stream.next().transpose()?,
        };
        if let Some(stamped) = &next {
            // Exports read output from the events themselves; the fold's screen tail of
            // each step would only decode it a second time.
            if !matches!(
                stamped.event.body,
                crate::session::event::Body::Output { .. }
            ) {
                self.state.apply(&stamped.event);
            }
            self.records += 1;
        }
        Ok(next)
    }

    pub fn step(&self, id: &str) -> Option<&StepInfo> {
        self.steps.get(id)
    }

    /// The step as a heading: its id, and its label when that says more.
    pub fn step_title(&self, id: &str) -> String {
        match self.step(id) {
            Some(info) if info.label != id => format!("{id} · {}", info.label),
            _ => id.to_string(),
        }
    }

    /// What this export went through, once the events are read.
    pub fn exported(self) -> Exported {
        Exported {
            records: self.records,
            torn: self.stream.torn,
            notes: self.notes,
        }
    }
}

/// The header's parameters as text, for `{{name}}` in titles (values are already masked).
fn params_of(header: &Header) -> BTreeMap<String, String> {
    header
        .params
        .iter()
        .map(|(k, v)| {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            (k.clone(), text)
        })
        .collect()
}

fn step_infos(runbook: &Runbook, params: &BTreeMap<String, String>) -> HashMap<String, StepInfo> {
    let text = |raw: &str| crate::session::params::interpolate(raw, params);
    runbook
        .steps()
        .iter()
        .map(|r| {
            let info = StepInfo {
                section: text(&r.section.title),
                label: r.step.label(&text, &|c| c.to_string()),
                kind: r.step.kind.label(),
                rollback: r.rollback,
                tty: crate::session::kinds::rules(&r.step.kind).terminal_output(),
            };
            (r.id(), info)
        })
        .collect()
}

/// A runbook without steps, when the session's runbook cannot be rebuilt.
fn empty_runbook(header: &Header) -> Runbook {
    Runbook {
        title: header.session_id.clone(),
        subtitles: Vec::new(),
        path: PathBuf::from(&header.runbook.path),
        format: DocFormat::Markdown,
        preamble: String::new(),
        meta: Metadata::default(),
        sections: Vec::new(),
        warnings: Vec::new(),
    }
}

/// Which step the timeline is in. A new block starts when an event names another step,
/// and after a resume or rollback even for the same step.
#[derive(Debug, Default)]
pub(crate) struct Blocks {
    current: Option<String>,
}

impl Blocks {
    /// The step id when `stamped` opens a new block.
    pub fn enter(&mut self, stamped: &Stamped) -> Option<String> {
        use crate::session::event::Body;
        if matches!(
            stamped.event.body,
            Body::SessionResumed { .. } | Body::RollbackEntered { .. }
        ) {
            self.current = None;
        }
        let step = stamped.event.step.as_deref()?;
        if self.current.as_deref() == Some(step) {
            return None;
        }
        self.current = Some(step.to_string());
        self.current.clone()
    }

    pub fn current(&self) -> Option<&str> {
        self.current.as_deref()
    }
}

/// Time since the session started: `T+mm:ss`, or `T+h:mm:ss` past the first hour.
pub(crate) fn offset(mono_ms: u64) -> String {
    let secs = mono_ms / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("T+{h}:{m:02}:{s:02}")
    } else {
        format!("T+{m:02}:{s:02}")
    }
}

/// Wall-clock time of day, UTC.
pub(crate) fn clock(ts: &DateTime<Utc>) -> String {
    ts.format("%H:%M:%SZ").to_string()
}

/// A date and time, UTC, to the millisecond.
pub(crate) fn date_time(ts: &DateTime<Utc>) -> String {
    ts.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string()
}

/// A length of time as runbooks write them (`250ms`, `1.2s`, `2m5s`).
pub(crate) fn millis(ms: u64) -> String {
    crate::doc::duration::format_duration(std::time::Duration::from_millis(ms))
}
