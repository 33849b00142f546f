//! A log taken in line by line: the header, then the runbook the first event
//! (`session_started`) carries, then the fold. A second header means the
//! stream started again (a rotated log followed with `tail -F`).

use super::scan::{BadLine, Line, Scan};
use super::watch::Folder;
use crate::doc::model::Runbook;
use crate::session::event::Body;
use crate::session::log::Header;
use crate::session::mask::Secrets;
use crate::session::projection::Projection;
use crate::session::recorded::runbook_of;
use std::collections::BTreeMap;
use std::path::Path;

/// A session whose runbook is known: everything a frame is drawn from.
pub struct Opened {
    pub header: Header,
    pub runbook: Runbook,
    pub folder: Folder,
    /// The header's parameters (already masked), for `{{name}}` in titles and prose.
    pub params: BTreeMap<String, String>,
    /// The log is masked already; nothing more to hide.
    pub secrets: Secrets,
}

impl Opened {
    pub fn projection(&self) -> &Projection {
        &self.folder.projection
    }

    /// A fresh fold of this session (nothing happened yet).
    pub fn fresh(&self) -> Projection {
        Projection::new(&self.runbook, &self.header)
    }
}

/// How far the log has been taken in.
#[derive(Default)]
pub enum Intake {
    #[default]
    Empty,
    /// Header read; the first event (with the runbook) not yet.
    Header(Box<Header>),
    Open(Box<Opened>),
    /// The session cannot be shown (its runbook does not load).
    Failed(String),
}

/// What taking a line in did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// The first header, or an event folded.
    Read,
    /// A header after events: the stream started again from the top.
    Restarted,
    /// Nothing to fold it into (no header yet, or the session failed to open).
    Ignored,
}

impl Intake {
    pub fn opened(&self) -> Option<&Opened> {
        match self {
            Intake::Open(opened) => Some(opened),
            Intake::Empty | Intake::Header(_) | Intake::Failed(_) => None,
        }
    }

    pub fn opened_mut(&mut self) -> Option<&mut Opened> {
        match self {
            Intake::Open(opened) => Some(opened),
            Intake::Empty | Intake::Header(_) | Intake::Failed(_) => None,
        }
    }

    /// Takes one line in (already scanned).
    pub fn take(&mut self, line: Line<'_>) -> Taken {
        match line {
            Line::Header(header) => {
                let again = !matches!(self, Intake::Empty);
                *self = Intake::Header(header);
                if again { Taken::Restarted } else { Taken::Read }
            }
            Line::Event(event) => {
                if let Intake::Header(header) = self {
                    *self = match open(header, &event.body) {
                        Ok(opened) => Intake::Open(Box::new(opened)),
                        Err(reason) => Intake::Failed(reason),
                    };
                }
                match self {
                    Intake::Open(opened) => {
                        opened.folder.take(event);
                        Taken::Read
                    }
                    Intake::Empty | Intake::Header(_) | Intake::Failed(_) => Taken::Ignored,
                }
            }
        }
    }

    /// Reads one complete line and takes it in.
    pub fn take_bytes(&mut self, line_no: u64, bytes: &[u8]) -> Result<Taken, BadLine> {
        super::scan::line(line_no, bytes).map(|line| self.take(line))
    }
}

/// The runbook from the first event (else from the file the header names).
fn open(header: &Header, first: &Scan<'_>) -> Result<Opened, String> {
    let path = Path::new(&header.runbook.path);
    let recorded = match first {
        Scan::Event(Body::SessionStarted { source, .. }) => Some(source.as_str()),
        Scan::Event(_) | Scan::Output { .. } | Scan::Unknown(_) => None,
    };
    let runbook = match recorded.filter(|source| !source.is_empty()) {
        Some(source) => crate::doc::load_str(source, path)
            .map_err(|e| format!("the runbook recorded in the log does not load: {e}"))?,
        None => runbook_of(header, &[]).map_err(|e| e.to_string())?,
    };
    let params = header
        .params
        .iter()
        .map(|(k, v)| {
            let shown = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            (k.clone(), shown)
        })
        .collect();
    let watch = Projection::new(&runbook, header);
    Ok(Opened {
        header: header.clone(),
        runbook,
        folder: Folder::new(watch),
        params,
        secrets: Secrets::default(),
    })
}
