//! The operator's side of a `--plain` session: lines from stdin and the
//! signals that interrupt a session, both delivered without blocking the walk.

use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

/// What the operator said at a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Line(String),
    /// Standard input is closed: nobody can answer.
    Closed,
    /// SIGINT, SIGTERM or SIGHUP arrived.
    Interrupted(i32),
}

/// Lines from stdin (read on their own thread) and latches for terminating signals.
pub struct Input {
    lines: Receiver<Option<String>>,
    signals: Vec<(i32, Arc<AtomicBool>)>,
    closed: bool,
}

/// The signals that end a session: the terminal's Ctrl-C, a `kill`, a lost SSH connection.
pub const TERMINATING: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];

impl Input {
    /// Starts reading stdin and catching SIGINT/SIGTERM/SIGHUP.
    pub fn start() -> std::io::Result<Self> {
        let mut signals = Vec::new();
        for sig in TERMINATING {
            let flag = Arc::new(AtomicBool::new(false));
            signal_hook::flag::register(sig, Arc::clone(&flag))?;
            signals.push((sig, flag));
        }
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.send(Some(line)).is_err() {
                    return;
                }
            }
            let _ = tx.send(None);
        });
        Ok(Input {
            lines,
            signals,
            closed: false,
        })
    }

    /// The terminating signal received so far, if any.
    pub fn interrupted(&self) -> Option<i32> {
        self.signals
            .iter()
            .find(|(_, flag)| flag.load(Ordering::SeqCst))
            .map(|(sig, _)| *sig)
    }

    /// Waits for the next line, a closed stdin, or a signal.
    pub fn answer(&mut self) -> Answer {
        loop {
            if let Some(sig) = self.interrupted() {
                return Answer::Interrupted(sig);
            }
            if self.closed {
                return Answer::Closed;
            }
            match self.lines.recv_timeout(Duration::from_millis(50)) {
                Ok(Some(line)) => return Answer::Line(line),
                Ok(None) | Err(RecvTimeoutError::Disconnected) => self.closed = true,
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }
}
