//! The session's now: handed to the engine in every `Tick`, so waits, `stable_for`,
//! `rollback_if`, the sign-off timeout and output batching are judged at a time the
//! caller chose — the real clock live, any clock in a test.

use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

/// A moment, on the monotonic clock (for lengths of time) and the wall clock (for what
/// the log and the screen say).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Now {
    pub mono: Instant,
    pub wall: DateTime<Utc>,
}

impl Now {
    /// The system clocks, now.
    pub fn system() -> Now {
        Now {
            mono: Instant::now(),
            wall: Utc::now(),
        }
    }

    /// `length` later on both clocks.
    pub fn plus(self, length: Duration) -> Now {
        Now {
            mono: self.mono + length,
            wall: self.wall + chrono::Duration::from_std(length).unwrap_or_default(),
        }
    }

    /// How long ago `earlier` was (zero when it is not earlier).
    pub fn since(self, earlier: Instant) -> Duration {
        self.mono.saturating_duration_since(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_clocks_move_together() {
        let start = Now::system();
        let later = start.plus(Duration::from_millis(1500));
        assert_eq!(later.since(start.mono), Duration::from_millis(1500));
        assert_eq!((later.wall - start.wall).num_milliseconds(), 1500);
        assert_eq!(start.since(later.mono), Duration::ZERO);
    }
}
