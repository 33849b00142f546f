//! Follow and replay: the audit log streamed into the same fold the driver
//! keeps (`SessionState::apply`), live as it grows or played back with its
//! recorded timing. Nothing here draws; `tui::viewer` shows a [`Feed`].
//!
//! ```text
//! log file / pipe ─► source (complete lines, rotation) ─► scan (fast, output undecoded)
//!                                                          │
//!          follow ─► intake (header, runbook) ─► watch/Folder (fold + viewer extras)
//!          replay ─► index (offsets, times, marks) ─► player (clock, seek, checkpoints)
//! ```

// A new event kind or status must be handled wherever events are read: no `_ =>` on enums.
#![deny(clippy::wildcard_enum_match_arm)]

pub mod follow;
pub mod index;
pub mod intake;
pub mod plain;
pub mod player;
pub mod scan;
pub mod source;
pub mod summary;
pub mod watch;

use crate::session::projection::Mode;
use chrono::{DateTime, Utc};
use follow::Follower;
use index::Mark;
use intake::Opened;
use player::Player;
use std::io;
use std::time::{Duration, Instant};

/// Bytes of log a follower folds between two frames while catching up.
pub const CATCH_UP_BUDGET: usize = 8 * 1024 * 1024;
/// How often a follower looks for new bytes when the log is quiet.
pub const POLL: Duration = Duration::from_millis(150);

/// The keys of a replay, as commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    PlayPause,
    Faster,
    Slower,
    PreviousEvent,
    NextEvent,
    PreviousStep,
    NextStep,
    Start,
    End,
}

/// The clocks a frame shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Times {
    /// The title bar's UTC clock: now (follow) or the recorded time (replay).
    pub now: DateTime<Utc>,
    /// Session time.
    pub elapsed: Duration,
    pub running_for: Option<Duration>,
}

/// What the timeline bar draws.
#[derive(Debug, Clone, Copy)]
pub struct Timeline<'a> {
    pub marks: &'a [Mark],
    pub end_mono: u64,
    pub at_mono: u64,
    pub speed: f64,
    pub playing: bool,
    /// Share of the log indexed, while the index is still being built.
    pub indexed: Option<f64>,
    /// Events applied, and events indexed.
    pub event: usize,
    pub events: usize,
}

/// What the read-only screen asks of follow and replay.
pub trait Feed {
    /// FOLLOW or REPLAY.
    fn mode(&self) -> Mode;
    /// Takes in what is new (log growth, play time); whether the picture changed.
    fn advance(&mut self, now: Instant) -> io::Result<bool>;
    /// How long the screen may wait for keys before more is due: nothing
    /// while catching up or indexing, a frame while playing.
    fn wake_in(&self) -> Duration;
    fn opened(&self) -> Option<&Opened>;
    fn times(&self, now: DateTime<Utc>) -> Times;
    /// One line on where the session and the log stand.
    fn status(&mut self, now: Instant) -> String;
    fn timeline(&self) -> Option<Timeline<'_>>;
    /// A replay key; a message to show, if any.
    fn transport(&mut self, t: Transport) -> io::Result<Option<String>>;
    /// The live log file a follower can ask the driver to sign in (not for replays or stdin).
    fn live_log(&self) -> Option<std::path::PathBuf> {
        None
    }
}

impl Feed for Follower {
    fn mode(&self) -> Mode {
        Mode::Follow
    }

    fn live_log(&self) -> Option<std::path::PathBuf> {
        self.path()
    }

    fn advance(&mut self, _now: Instant) -> io::Result<bool> {
        let before = self.opened().map(|o| o.projection().records);
        let polled = self.poll(CATCH_UP_BUDGET, &mut |_| {})?;
        let after = self.opened().map(|o| o.projection().records);
        Ok(polled.bytes > 0 || before != after)
    }

    fn wake_in(&self) -> Duration {
        if self.catching_up().is_some() {
            Duration::ZERO
        } else {
            POLL
        }
    }

    fn opened(&self) -> Option<&Opened> {
        Follower::opened(self)
    }

    fn times(&self, now: DateTime<Utc>) -> Times {
        let Some(watch) = self.opened().map(Opened::projection) else {
            return Times {
                now,
                elapsed: Duration::ZERO,
                running_for: None,
            };
        };
        let live = match watch.clock {
            Some((ts, mono)) if !watch.ended() => {
                let since = (now - ts).num_milliseconds().max(0);
                mono + u64::try_from(since).unwrap_or(0)
            }
            _ => 0,
        };
        let at = live.max(watch.last_mono);
        Times {
            now,
            elapsed: Duration::from_millis(at),
            running_for: watch.running_for(at),
        }
    }

    fn status(&mut self, now: Instant) -> String {
        Follower::status(self, now)
    }

    fn timeline(&self) -> Option<Timeline<'_>> {
        None
    }

    fn transport(&mut self, _t: Transport) -> io::Result<Option<String>> {
        Ok(Some(
            "following live: replay the session to move in time".into(),
        ))
    }
}

impl Feed for Player {
    fn mode(&self) -> Mode {
        Mode::Replay
    }

    fn advance(&mut self, now: Instant) -> io::Result<bool> {
        self.tick(now)
    }

    fn wake_in(&self) -> Duration {
        if !self.index().complete() {
            Duration::ZERO
        } else if self.playing {
            Duration::from_millis(16)
        } else {
            Duration::from_millis(250)
        }
    }

    fn opened(&self) -> Option<&Opened> {
        Some(&self.opened)
    }

    fn times(&self, _now: DateTime<Utc>) -> Times {
        Player::times(self)
    }

    fn status(&mut self, _now: Instant) -> String {
        Player::status(self)
    }

    fn timeline(&self) -> Option<Timeline<'_>> {
        Some(Player::timeline(self))
    }

    fn transport(&mut self, t: Transport) -> io::Result<Option<String>> {
        Player::transport(self, t)
    }
}
