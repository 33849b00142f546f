//! Time for the audit log: the `Clock` seam, the system clock and a manual clock for tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// Where the writer takes `ts` and `mono_ms` from.
pub trait Clock: Send + Sync {
    /// Wall-clock time (may jump when the system clock is set).
    fn now_utc(&self) -> DateTime<Utc>;
    /// Milliseconds since this clock started, from a monotonic source.
    fn mono_ms(&self) -> u64;
}

/// The real clocks: `Utc::now()` and an `Instant` taken at construction.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    start: Instant,
}

impl SystemClock {
    /// A clock whose monotonic time starts now.
    pub fn new() -> Self {
        SystemClock {
            start: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now_utc(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn mono_ms(&self) -> u64 {
        duration_ms(self.start.elapsed())
    }
}

/// A clock that only moves when told to. Clones share the same time, so a
/// test can keep one handle and give another to the writer.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    utc_ms: Arc<AtomicI64>,
    mono_ms: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock showing `start` with monotonic time 0.
    pub fn new(start: DateTime<Utc>) -> Self {
        let clock = ManualClock::default();
        clock.set_utc(start);
        clock
    }

    /// Move both clocks forward.
    pub fn advance(&self, by: Duration) {
        let ms = duration_ms(by);
        self.mono_ms.fetch_add(ms, Ordering::SeqCst);
        let signed = i64::try_from(ms).unwrap_or(i64::MAX);
        self.utc_ms.fetch_add(signed, Ordering::SeqCst);
    }

    /// Set the wall clock only (as when the system clock is stepped).
    pub fn set_utc(&self, at: DateTime<Utc>) {
        self.utc_ms.store(at.timestamp_millis(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_utc(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.utc_ms.load(Ordering::SeqCst)).unwrap_or_default()
    }

    fn mono_ms(&self) -> u64 {
        self.mono_ms.load(Ordering::SeqCst)
    }
}

fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_clones_share_time() {
        let start = DateTime::from_timestamp_millis(1_795_338_192_345).unwrap();
        let clock = ManualClock::new(start);
        let other = clock.clone();
        clock.advance(Duration::from_millis(1500));
        assert_eq!(other.mono_ms(), 1500);
        assert_eq!(other.now_utc().timestamp_millis(), 1_795_338_193_845);
    }

    #[test]
    fn manual_clock_wall_time_can_step_back_without_touching_mono() {
        let start = DateTime::from_timestamp_millis(1_795_338_192_345).unwrap();
        let clock = ManualClock::new(start);
        clock.advance(Duration::from_secs(5));
        clock.set_utc(start);
        assert_eq!(clock.now_utc(), start);
        assert_eq!(clock.mono_ms(), 5000);
    }

    #[test]
    fn system_clock_mono_does_not_decrease() {
        let clock = SystemClock::new();
        let a = clock.mono_ms();
        let b = clock.mono_ms();
        assert!(b >= a);
    }
}
