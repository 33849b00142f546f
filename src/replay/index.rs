//! A replay's index of its log: where each event starts and when it happened
//! (byte offsets, not events), plus the marks the timeline shows. Built a
//! block at a time between frames, so the first frame never waits for it.

use super::scan::{self, Line, Scan};
use crate::session::event::{Body, Decision};
use crate::session::log::lines::{BLOCK_BYTES, Lines, Piece};
use std::fs::File;
use std::io;
use std::path::Path;

/// What happened at a point of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    /// The walk turned to another step.
    Step,
    Gate {
        go: bool,
    },
    Failure,
    Rollback,
    Resumed,
    Left,
    End,
}

/// A point on the timeline: the event (0-based) and its session time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub event: usize,
    pub mono_ms: u64,
    pub kind: MarkKind,
}

/// Offsets and times of every event read so far.
pub struct Index {
    offsets: Vec<u64>,
    monos: Vec<u64>,
    pub marks: Vec<Mark>,
    file: File,
    lines: Lines,
    size: u64,
    complete: bool,
    last_step: Option<String>,
    /// Lines that were not records (skipped).
    pub bad_lines: u64,
}

impl Index {
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let size = file.metadata()?.len();
        Ok(Index {
            offsets: Vec::new(),
            monos: Vec::new(),
            marks: Vec::new(),
            file,
            lines: Lines::default(),
            size,
            complete: false,
            last_step: None,
            bad_lines: 0,
        })
    }

    /// Events indexed so far.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// Where event `k` (0-based) starts.
    pub fn offset(&self, k: usize) -> Option<u64> {
        self.offsets.get(k).copied()
    }

    /// Session time of event `k`.
    pub fn mono(&self, k: usize) -> Option<u64> {
        self.monos.get(k).copied()
    }

    /// Session time of the last event indexed.
    pub fn end_mono(&self) -> u64 {
        self.monos.last().copied().unwrap_or(0)
    }

    /// The whole file is indexed.
    pub fn complete(&self) -> bool {
        self.complete
    }

    /// Bytes indexed and the file's size.
    pub fn progress(&self) -> (u64, u64) {
        (self.lines.consumed(), self.size)
    }

    /// Indexes about `budget` more bytes; whether the index is complete.
    pub fn advance(&mut self, budget: usize) -> io::Result<bool> {
        let mut read = 0;
        while !self.complete && read < budget {
            let n = self
                .lines
                .fill(&mut self.file, BLOCK_BYTES.min(budget - read))?;
            if n == 0 {
                self.complete = true;
                self.size = self.size.max(self.lines.consumed());
            }
            read += n;
            while let Some(piece) = self.lines.next_piece() {
                match piece {
                    Piece::Line {
                        line_no,
                        offset,
                        bytes,
                    } => match scan::line(line_no, bytes) {
                        Ok(Line::Event(event)) => {
                            let k = self.offsets.len();
                            let mono = event.mono_ms.max(self.monos.last().copied().unwrap_or(0));
                            self.offsets.push(offset);
                            self.monos.push(mono);
                            if let Scan::Event(body) = &event.body {
                                marks_of(
                                    &mut self.marks,
                                    &mut self.last_step,
                                    k,
                                    mono,
                                    event.step.as_deref(),
                                    body,
                                );
                            }
                        }
                        Ok(Line::Header(_)) => {}
                        Err(_) => self.bad_lines += 1,
                    },
                    Piece::Overlong { .. } => self.bad_lines += 1,
                }
            }
        }
        Ok(self.complete)
    }

    /// Indexes the rest of the file now.
    pub fn finish(&mut self) -> io::Result<()> {
        while !self.advance(64 * BLOCK_BYTES)? {}
        Ok(())
    }

    /// The first step mark at or after event `from`.
    pub fn next_step(&self, from: usize) -> Option<usize> {
        self.marks
            .iter()
            .find(|m| m.kind == MarkKind::Step && m.event >= from)
            .map(|m| m.event)
    }

    /// The last step mark before event `before`.
    pub fn previous_step(&self, before: usize) -> Option<usize> {
        self.marks
            .iter()
            .rev()
            .find(|m| m.kind == MarkKind::Step && m.event < before)
            .map(|m| m.event)
    }
}

fn marks_of(
    marks: &mut Vec<Mark>,
    last_step: &mut Option<String>,
    event: usize,
    mono_ms: u64,
    step: Option<&str>,
    body: &Body,
) {
    let mut mark = |kind| {
        marks.push(Mark {
            event,
            mono_ms,
            kind,
        })
    };
    let walks = !matches!(
        body,
        Body::Output { .. }
            | Body::HealthChanged { .. }
            | Body::EnvChanged { .. }
            | Body::Note { .. }
    );
    if let Some(id) = step
        && walks
        && last_step.as_deref() != Some(id)
    {
        *last_step = Some(id.to_string());
        mark(MarkKind::Step);
    }
    match body {
        // A health check asking for a rollback is marked like a failure.
        Body::StepFinished { ok: false, .. }
        | Body::StepTimedOut { .. }
        | Body::RollbackPrompted { .. } => mark(MarkKind::Failure),
        Body::GateDecided { decision, .. } => mark(MarkKind::Gate {
            go: *decision == Decision::Go,
        }),
        Body::RollbackEntered { .. } => mark(MarkKind::Rollback),
        Body::SessionResumed { .. } => mark(MarkKind::Resumed),
        Body::DriverLeft { .. } => mark(MarkKind::Left),
        Body::SessionEnded { .. } => mark(MarkKind::End),
        Body::SessionStarted { .. }
        | Body::LogRepaired { .. }
        | Body::StepStarted { .. }
        | Body::Output { .. }
        | Body::StepFinished { .. }
        | Body::StepProcess { .. }
        | Body::StepCancelled { .. }
        | Body::StepInterrupted { .. }
        | Body::StepSkipped { .. }
        | Body::StepMarkedDone { .. }
        | Body::CheckConfirmed { .. }
        | Body::WaitStarted { .. }
        | Body::WaitEnded { .. }
        | Body::Signed { .. }
        | Body::Note { .. }
        | Body::Jumped { .. }
        | Body::RollbackDeclined { .. }
        | Body::HealthChanged { .. }
        | Body::EnvChanged { .. }
        | Body::SignoffRejected { .. }
        | Body::DriverChanged { .. }
        | Body::PlaceholderFilled { .. }
        | Body::WarningsAcknowledged { .. }
        | Body::OptionChosen { .. }
        | Body::ChainSigned { .. }
        | Body::SigningFailed { .. }
        | Body::AnchorFailed { .. }
        | Body::DayOpened(_)
        | Body::FleetPlanned(_)
        | Body::BatchStarted(_)
        | Body::HostStarted(_)
        | Body::HostOutput(_)
        | Body::HostFinished(_)
        | Body::BatchFinished(_)
        | Body::BatchDecided(_)
        | Body::FleetStopped(_) => {}
    }
}
