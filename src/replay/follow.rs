//! Following a session: the log read as it grows and folded as it comes,
//! across a driver leaving, crashing and resuming, and across rotation.

use super::intake::{Intake, Opened, Taken};
use super::scan::{self, Line};
use super::source::{Got, LogSource, Polled};
use crate::doc::model::StepKind;
use crate::session::log::SessionLock;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// After this long without new bytes the log counts as quiet.
pub const QUIET: Duration = Duration::from_secs(10);
/// How often the driver's lock is looked at.
const LOCK_CHECK: Duration = Duration::from_secs(1);

/// A session followed from its log.
pub struct Follower {
    source: LogSource,
    pub intake: Intake,
    last_growth: Instant,
    /// Lines that were not records (skipped).
    pub bad_lines: u64,
    /// Times the log was read again from the start.
    pub restarts: u32,
    /// The latest thing worth telling about the log itself.
    pub note: Option<String>,
    /// Whether a driver held the lock at the last look, and when that was.
    driver: Option<(Instant, bool)>,
    closed: bool,
}

impl Follower {
    fn new(source: LogSource) -> Self {
        Follower {
            source,
            intake: Intake::Empty,
            last_growth: Instant::now(),
            bad_lines: 0,
            restarts: 0,
            note: None,
            driver: None,
            closed: false,
        }
    }

    /// Follows a log file.
    pub fn file(path: &Path) -> Self {
        Follower::new(LogSource::file(path))
    }

    /// Follows a log arriving on a stream (standard input for `-`).
    pub fn pipe(reader: impl Read + Send + 'static) -> io::Result<Self> {
        LogSource::pipe(reader).map(Follower::new)
    }

    pub fn path(&self) -> Option<PathBuf> {
        self.source.path().map(Path::to_path_buf)
    }

    pub fn opened(&self) -> Option<&Opened> {
        self.intake.opened()
    }

    /// Reads what the log grew by (about `budget` bytes at most), showing
    /// each line to `seen` before it is folded.
    pub fn poll(&mut self, budget: usize, seen: &mut dyn FnMut(&Line<'_>)) -> io::Result<Polled> {
        let (intake, bad, restarts, note) = (
            &mut self.intake,
            &mut self.bad_lines,
            &mut self.restarts,
            &mut self.note,
        );
        let polled = self.source.poll(budget, &mut |got| match got {
            Got::Line { line_no, bytes } => match scan::line(line_no, bytes) {
                Ok(line) => {
                    seen(&line);
                    if intake.take(line) == Taken::Restarted {
                        *restarts += 1;
                        *note = Some("the log started again from its header".into());
                    }
                }
                Err(e) => {
                    *bad += 1;
                    *note = Some(format!("skipped {e}"));
                }
            },
            Got::Overlong { line_no } => {
                *bad += 1;
                *note = Some(format!(
                    "skipped line {line_no}: longer than a record may be"
                ));
            }
            Got::Restart(why) => {
                *intake = Intake::Empty;
                *restarts += 1;
                *note = Some(format!("{why}; read it again from the start"));
            }
        })?;
        if polled.bytes > 0 {
            self.last_growth = Instant::now();
        }
        self.closed = polled.closed;
        if let Some(opened) = self.intake.opened_mut() {
            opened.folder.settle();
        }
        Ok(polled)
    }

    /// Bytes read so far and the size of what is there, while catching up.
    pub fn catching_up(&self) -> Option<(u64, u64)> {
        let (at, size) = (self.source.position(), self.source.size());
        (size > at + 64 * 1024).then_some((at, size))
    }

    /// How long the log has not grown.
    pub fn quiet_for(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.last_growth)
    }

    /// The stream closed (a pipe at its end).
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// The session recorded its end.
    pub fn ended(&self) -> bool {
        self.opened().is_some_and(|o| o.projection().ended())
    }

    /// Whether a driver holds the session now (looked at once a second; `None` for a pipe).
    pub fn driver_present(&mut self, now: Instant) -> Option<bool> {
        let path = self.source.path()?;
        match self.driver {
            Some((at, held)) if now.saturating_duration_since(at) < LOCK_CHECK => Some(held),
            _ => {
                let held = SessionLock::is_held(path);
                self.driver = Some((now, held));
                Some(held)
            }
        }
    }

    /// One line saying where the session and the log stand.
    pub fn status(&mut self, now: Instant) -> String {
        if let Some((at, size)) = self.catching_up() {
            return format!("reading the log: {} of {}", megabytes(at), megabytes(size));
        }
        let quiet = self.quiet_for(now);
        let driver = self.driver_present(now);
        let closed = self.closed;
        let Some(opened) = self.opened() else {
            return match &self.intake {
                Intake::Failed(reason) => format!("cannot show this session: {reason}"),
                Intake::Empty | Intake::Header(_) | Intake::Open(_) if closed => {
                    "the stream ended before the session started".into()
                }
                Intake::Empty | Intake::Header(_) | Intake::Open(_) => {
                    "waiting for the session to start…".into()
                }
            };
        };
        let watch = opened.projection();
        if let Some(outcome) = watch.state.outcome {
            let reason = watch.state.end_reason.as_deref().unwrap_or("");
            return format!("session ended: {} — {reason}", outcome.word());
        }
        let who = format!("{}@{}", watch.operator(), watch.host);
        let quiet_text =
            crate::doc::duration::format_duration(Duration::from_secs(quiet.as_secs()));
        if closed {
            return format!("the stream ended (EOF) before the session did · last driver {who}");
        }
        if let Some(left) = &watch.left {
            return format!("{left} left the session; it can be resumed — still following");
        }
        if let Some(hint) = signoff_hint(opened) {
            return format!("following {who} · {hint}");
        }
        match driver {
            Some(false) if quiet >= QUIET => format!(
                "no driver holds the session and the log has been quiet for {quiet_text} — it may have crashed; still following (runbook resume picks it up)"
            ),
            _ if quiet >= QUIET => format!("following {who} · log quiet for {quiet_text}"),
            _ => format!("following {who} · {} events", watch.records),
        }
    }
}

/// At an open sign-off gate: how a follower signs its next role.
fn signoff_hint(opened: &Opened) -> Option<String> {
    let state = &opened.projection().state;
    let step = state.current()?;
    let refs = opened.runbook.steps();
    let StepKind::Gate(gate) = &refs.get(state.cursor)?.step.kind else {
        return None;
    };
    let role = gate
        .signoffs
        .iter()
        .find(|s| !step.signers.iter().any(|x| x.role == s.role))?;
    Some(format!(
        "the gate waits for sign-off: runbook sign {} --role '{}' --name YOUR-NAME",
        opened.header.session_id, role.role
    ))
}

/// `12.3 MB`.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}
