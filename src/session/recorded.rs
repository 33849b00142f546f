//! The runbook a recorded session walked, rebuilt from the log itself, so follow, replay
//! and export work on any machine that has only the log.

use super::event::{Body, Event};
use super::log::Header;
use super::setup::sha256_hex;
use crate::doc::model::Runbook;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum RecordedError {
    #[error(
        "the log does not carry its runbook and {path} cannot be read ({reason}); run this where the runbook is"
    )]
    Unreadable { path: String, reason: String },
    #[error("the log does not carry its runbook and {path} changed since the session started")]
    Changed { path: String },
    #[error("the runbook recorded in the log does not load: {0}")]
    Invalid(String),
}

/// The runbook text recorded by `session_started`, if the log has one.
pub fn recorded_source(events: &[Event]) -> Option<&str> {
    events.iter().find_map(|event| {
        let Body::SessionStarted { source, .. } = &event.body else {
            return None;
        };
        (!source.is_empty()).then_some(source.as_str())
    })
}

/// The session's runbook: the text recorded in the log, else the file the header names
/// (only when its SHA-256 still matches).
pub fn runbook_of(header: &Header, events: &[Event]) -> Result<Runbook, RecordedError> {
    whole_runbook_of(header, events).map(|runbook| the_day_walked(runbook, events))
}

/// A day's session walked that day of the plan (PRODUCT.md §1.5), not the whole of it.
pub fn the_day_walked<'e>(
    runbook: Runbook,
    events: impl IntoIterator<Item = &'e Event>,
) -> Runbook {
    let opened = events.into_iter().find_map(|e| {
        if let crate::session::event::Body::DayOpened(day) = &e.body {
            Some(day)
        } else {
            None
        }
    });
    match opened {
        Some(day) => crate::doc::days::walk::recorded_day(runbook, &day.label, day.preflight),
        None => runbook,
    }
}

fn whole_runbook_of(header: &Header, events: &[Event]) -> Result<Runbook, RecordedError> {
    let path = Path::new(&header.runbook.path);
    let invalid = |e: crate::doc::diag::LoadError| RecordedError::Invalid(e.to_string());
    if let Some(source) = recorded_source(events) {
        return crate::doc::load_str(source, path).map_err(invalid);
    }
    let bytes = std::fs::read(path).map_err(|e| RecordedError::Unreadable {
        path: header.runbook.path.clone(),
        reason: e.to_string(),
    })?;
    if sha256_hex(&bytes) != header.runbook.sha256 {
        return Err(RecordedError::Changed {
            path: header.runbook.path.clone(),
        });
    }
    crate::doc::load_bytes(&bytes, path).map_err(invalid)
}
