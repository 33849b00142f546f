//! How many requests one sidecar may have judged: a follower cannot flood the driver's
//! log and screen. Lines over the limit are counted, not judged, and one summary per
//! burst says how many there were.

use std::time::{Duration, Instant};

/// Requests judged per sidecar in one window.
pub const BURST: usize = 5;
/// The window the burst is counted in.
pub const WINDOW: Duration = Duration::from_secs(10);

/// One sidecar's budget.
#[derive(Debug)]
pub struct RateLimit {
    window_start: Option<Instant>,
    taken: usize,
    ignored: usize,
}

impl RateLimit {
    pub fn new() -> Self {
        RateLimit {
            window_start: None,
            taken: 0,
            ignored: 0,
        }
    }

    /// Whether one more request may be judged now.
    pub fn admit(&mut self, now: Instant) -> bool {
        let start = *self.window_start.get_or_insert(now);
        if now.saturating_duration_since(start) >= WINDOW && self.ignored == 0 {
            self.window_start = Some(now);
            self.taken = 0;
        }
        if self.taken < BURST && self.ignored == 0 {
            self.taken += 1;
            true
        } else {
            self.ignored += 1;
            false
        }
    }

    /// Once a window with ignored requests is over: how many it ignored (said once),
    /// and a fresh window begins.
    pub fn summary(&mut self, now: Instant) -> Option<usize> {
        let start = self.window_start?;
        if self.ignored == 0 || now.saturating_duration_since(start) < WINDOW {
            return None;
        }
        let ignored = std::mem::take(&mut self.ignored);
        self.window_start = Some(now);
        self.taken = 0;
        Some(ignored)
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_judged_the_rest_counted_and_summed_up_once() {
        let mut limit = RateLimit::new();
        let t0 = Instant::now();
        let admitted = (0..20_000).filter(|_| limit.admit(t0)).count();
        assert_eq!(admitted, BURST);
        assert_eq!(
            limit.summary(t0 + WINDOW / 2),
            None,
            "the burst is not over"
        );
        assert!(!limit.admit(t0 + WINDOW / 2));
        assert_eq!(limit.summary(t0 + WINDOW), Some(20_000 - BURST + 1));
        assert_eq!(limit.summary(t0 + WINDOW), None, "said once");
        assert!(limit.admit(t0 + WINDOW), "a new window");
    }

    #[test]
    fn a_quiet_follower_is_never_limited() {
        let mut limit = RateLimit::new();
        let t0 = Instant::now();
        for i in 0..100u32 {
            assert!(limit.admit(t0 + WINDOW * i), "request {i}");
        }
    }
}
