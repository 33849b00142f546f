//! The signals that end a session — Ctrl-C, `kill`, a lost SSH connection —
//! caught as latches the drivers check, so every exit path can clean up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// SIGINT, SIGTERM, SIGHUP.
pub const TERMINATING: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];

/// Latches for the terminating signals; checking one never blocks.
#[derive(Clone)]
pub struct Signals {
    latches: Vec<(i32, Arc<AtomicBool>)>,
}

impl Signals {
    /// Starts catching the terminating signals (instead of dying on them).
    pub fn catch() -> std::io::Result<Self> {
        let mut latches = Vec::new();
        for sig in TERMINATING {
            let flag = Arc::new(AtomicBool::new(false));
            signal_hook::flag::register(sig, Arc::clone(&flag))?;
            latches.push((sig, flag));
        }
        Ok(Signals { latches })
    }

    /// The first terminating signal received, if any.
    pub fn received(&self) -> Option<i32> {
        self.latches
            .iter()
            .find(|(_, flag)| flag.load(Ordering::SeqCst))
            .map(|(sig, _)| *sig)
    }
}
