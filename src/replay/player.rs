//! Replay: a recorded session played back with its real timing (`mono_ms`),
//! paused, sped up or slowed down, stepped event by event or step by step,
//! and sought anywhere. Going back folds again from the nearest checkpoint —
//! a copy of the fold kept every few MB of log — never from the events kept
//! in memory (none are).

use super::index::Index;
use super::intake::{Intake, Opened};
use super::scan::{self, Line};
use super::watch::Folder;
use super::{Timeline, Times, Transport};
use crate::session::log::lines::{BLOCK_BYTES, Lines, Piece};
use crate::session::projection::Projection;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Seek, SeekFrom};
use std::path::Path;
use std::time::{Duration, Instant};

pub const MIN_SPEED: f64 = 0.25;
pub const MAX_SPEED: f64 = 64.0;
/// Log bytes indexed per frame while the index is being built.
const INDEX_BUDGET: usize = 4 * BLOCK_BYTES;
/// How long one frame may spend applying due events.
const APPLY_BUDGET: Duration = Duration::from_millis(12);
/// A checkpoint at least every this many events or log bytes…
const CHECKPOINT_EVENTS: usize = 2000;
const CHECKPOINT_BYTES: u64 = 4 * 1024 * 1024;
/// …while all of them together hold at most about this much output.
const CHECKPOINT_MEMORY: usize = 16 * 1024 * 1024;

/// Reads single lines at known offsets, sequentially when it can.
struct Cursor {
    file: File,
    lines: Lines,
}

impl Cursor {
    /// The complete line starting at `offset`, if there is one.
    fn line_at(&mut self, offset: u64) -> io::Result<Option<&[u8]>> {
        if self.lines.consumed() != offset {
            self.lines = Lines::at(offset, 0);
            self.file.seek(SeekFrom::Start(offset))?;
        }
        while !self.lines.has_line() {
            if self.lines.fill(&mut self.file, BLOCK_BYTES)? == 0 {
                return Ok(None);
            }
        }
        Ok(match self.lines.next_piece() {
            Some(Piece::Line { bytes, .. }) => Some(bytes),
            _ => None,
        })
    }
}

/// A recorded session being played.
pub struct Player {
    pub opened: Opened,
    index: Index,
    cursor: Cursor,
    /// Events applied: the fold shows events `0..pos`.
    pos: usize,
    checkpoints: BTreeMap<usize, Projection>,
    /// Play position in session time.
    at_mono: f64,
    pub speed: f64,
    pub playing: bool,
    last_tick: Option<Instant>,
}

impl Player {
    /// Opens a log: reads its header and first event (the runbook), nothing more.
    pub fn open(path: &Path, speed: f64) -> Result<Player, String> {
        let fail = |e: io::Error| format!("cannot read {}: {e}", path.display());
        let mut file = File::open(path).map_err(fail)?;
        let mut lines = Lines::default();
        let mut intake = Intake::Empty;
        while !matches!(intake, Intake::Open(_) | Intake::Failed(_)) {
            if lines.fill(&mut file, 64 * 1024).map_err(fail)? == 0 {
                return Err(format!(
                    "{} holds no session (no header and first event)",
                    path.display()
                ));
            }
            while let Some(Piece::Line { line_no, bytes, .. }) = lines.next_piece() {
                if intake.take_bytes(line_no, bytes).is_err() || matches!(intake, Intake::Open(_)) {
                    break;
                }
            }
        }
        let mut opened = match intake {
            Intake::Open(opened) => *opened,
            Intake::Failed(reason) => return Err(reason),
            Intake::Empty | Intake::Header(_) => {
                return Err(format!("{} holds no session", path.display()));
            }
        };
        opened.folder = Folder::new(opened.fresh());
        Ok(Player {
            opened,
            index: Index::open(path).map_err(fail)?,
            cursor: Cursor {
                file: File::open(path).map_err(fail)?,
                lines: Lines::default(),
            },
            pos: 0,
            checkpoints: BTreeMap::new(),
            at_mono: 0.0,
            speed: speed.clamp(MIN_SPEED, MAX_SPEED),
            playing: true,
            last_tick: None,
        })
    }

    /// Events applied so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Play position in session time.
    pub fn at_mono(&self) -> u64 {
        self.at_mono.max(0.0) as u64
    }

    fn apply_next(&mut self) -> io::Result<bool> {
        let Some(offset) = self.index.offset(self.pos) else {
            return Ok(false);
        };
        if let Some(bytes) = self.cursor.line_at(offset)?
            && let Ok(Line::Event(event)) = scan::line(0, bytes)
        {
            self.opened.folder.take(event);
        }
        self.pos += 1;
        self.maybe_checkpoint();
        Ok(true)
    }

    fn maybe_checkpoint(&mut self) {
        let last = self
            .checkpoints
            .range(..=self.pos)
            .next_back()
            .map_or(0, |(p, _)| *p);
        let here = self.index.offset(self.pos - 1).unwrap_or(0);
        let bytes = here.saturating_sub(self.index.offset(last).unwrap_or(here));
        if self.pos - last < CHECKPOINT_EVENTS && bytes < CHECKPOINT_BYTES {
            return;
        }
        self.opened.folder.settle();
        self.checkpoints
            .insert(self.pos, self.opened.folder.projection.clone());
        let held =
            |w: &Projection| -> usize { w.state.steps.iter().map(|s| s.tail.held() + 256).sum() };
        while self.checkpoints.values().map(held).sum::<usize>() > CHECKPOINT_MEMORY {
            if self.checkpoints.len() <= 1 {
                self.checkpoints.clear();
                break;
            }
            let odd: Vec<usize> = self
                .checkpoints
                .keys()
                .copied()
                .skip(1)
                .step_by(2)
                .collect();
            for key in odd {
                self.checkpoints.remove(&key);
            }
        }
    }

    /// Shows the fold after `target` events (clamped to what is indexed).
    pub fn seek(&mut self, target: usize) -> io::Result<()> {
        let target = target.min(self.index.len());
        if target < self.pos {
            let (from, watch) = match self.checkpoints.range(..=target).next_back() {
                Some((p, w)) => (*p, w.clone()),
                None => (0, self.opened.fresh()),
            };
            self.opened.folder = Folder::new(watch);
            self.pos = from;
        }
        while self.pos < target && self.apply_next()? {}
        self.opened.folder.settle();
        self.at_mono = match self.pos {
            0 => 0.0,
            p => self.index.mono(p - 1).unwrap_or(0) as f64,
        };
        Ok(())
    }

    /// At the end of a complete index.
    pub fn at_end(&self) -> bool {
        self.index.complete() && self.pos >= self.index.len()
    }

    /// Indexes a little more and applies what is due; whether the picture changed.
    pub fn tick(&mut self, now: Instant) -> io::Result<bool> {
        let elapsed = self
            .last_tick
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
        self.last_tick = Some(now);
        let mut changed = false;
        if !self.index.complete() {
            self.index.advance(INDEX_BUDGET)?;
            changed = true;
        }
        if !self.playing {
            return Ok(changed);
        }
        self.at_mono += elapsed.as_secs_f64() * 1000.0 * self.speed;
        let deadline = Instant::now() + APPLY_BUDGET;
        while self
            .index
            .mono(self.pos)
            .is_some_and(|m| m as f64 <= self.at_mono)
            && Instant::now() < deadline
        {
            self.apply_next()?;
        }
        self.opened.folder.settle();
        if self.at_end() {
            self.playing = false;
            self.at_mono = self.index.end_mono() as f64;
        }
        Ok(true)
    }

    /// Carries out a transport key; a message to show, if any.
    pub fn transport(&mut self, t: Transport) -> io::Result<Option<String>> {
        match t {
            Transport::PlayPause => {
                if !self.playing && self.at_end() {
                    self.seek(0)?;
                }
                self.playing = !self.playing;
            }
            Transport::Faster | Transport::Slower => {
                let factor = if t == Transport::Faster { 2.0 } else { 0.5 };
                self.speed = (self.speed * factor).clamp(MIN_SPEED, MAX_SPEED);
            }
            Transport::PreviousEvent => {
                self.playing = false;
                self.seek(self.pos.saturating_sub(1))?;
            }
            Transport::NextEvent => {
                self.playing = false;
                if self.index.len() <= self.pos {
                    self.index.finish()?;
                }
                self.seek(self.pos + 1)?;
            }
            Transport::PreviousStep => {
                let target = self
                    .index
                    .previous_step(self.pos.saturating_sub(1))
                    .map_or(0, |e| e + 1);
                self.seek(target)?;
            }
            Transport::NextStep => {
                if self.index.next_step(self.pos).is_none() {
                    self.index.finish()?;
                }
                match self.index.next_step(self.pos) {
                    Some(e) => self.seek(e + 1)?,
                    None => return Ok(Some("no later step".into())),
                }
            }
            Transport::Start => self.seek(0)?,
            Transport::End => {
                self.index.finish()?;
                self.seek(self.index.len())?;
                self.playing = false;
            }
        }
        Ok(None)
    }

    /// The clock, elapsed time and running step's time at the play position.
    pub fn times(&self) -> Times {
        let watch = self.opened.projection();
        let at = self.at_mono();
        Times {
            now: watch.wall_at(at).unwrap_or(self.opened.header.started),
            elapsed: Duration::from_millis(at),
            running_for: watch.running_for(at),
        }
    }

    /// One line: playing or paused, speed, event number, recorded time.
    pub fn status(&self) -> String {
        let watch = self.opened.projection();
        let events = if self.index.complete() {
            self.index.len().to_string()
        } else {
            format!("{}+", self.index.len())
        };
        let when = watch
            .wall_at(self.at_mono())
            .map(|t| t.format(" · recorded %Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default();
        if self.at_end() && !self.playing {
            let end = match watch.state.outcome {
                Some(outcome) => format!(
                    "session {}: {}",
                    outcome.word(),
                    watch.state.end_reason.as_deref().unwrap_or("")
                ),
                None => "the log ends here (the session did not end)".into(),
            };
            return format!("■ end of the replay · {end}");
        }
        let mode = if self.playing {
            format!("▶ playing {}", speed_text(self.speed))
        } else {
            "❚❚ paused".into()
        };
        format!("{mode} · event {} of {events}{when}", self.pos)
    }

    /// What the timeline bar draws.
    pub fn timeline(&self) -> Timeline<'_> {
        let (read, size) = self.index.progress();
        Timeline {
            marks: &self.index.marks,
            end_mono: self.index.end_mono(),
            at_mono: self.at_mono(),
            speed: self.speed,
            playing: self.playing,
            indexed: (!self.index.complete()).then(|| read as f64 / size.max(1) as f64),
            event: self.pos,
            events: self.index.len(),
        }
    }
}

/// `4×`, `0.25×`.
pub fn speed_text(speed: f64) -> String {
    if speed.fract() == 0.0 {
        format!("{speed:.0}×")
    } else {
        format!("{speed}×")
    }
}
