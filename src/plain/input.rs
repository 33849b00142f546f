//! The operator's side of a `--plain` session: lines from stdin and the
//! signals that interrupt a session, both delivered without blocking the walk.
//!
//! Stdin is read only when a prompt asks for a line, so a step that is handed
//! the terminal (`interactive=true`) never competes with a pending read. Before the walk
//! lines come back on the reader's own channel; during it they join the session's queue
//! ([`Input::route`]), so one wait covers the operator and everything else.

use crate::signals::Signals;
use std::io::BufRead;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What the operator said at a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Line(String),
    /// Standard input is closed: nobody can answer.
    Closed,
    /// SIGINT, SIGTERM or SIGHUP arrived.
    Interrupted(i32),
    /// The deadline passed first (only from [`Input::answer_until`]).
    TimedOut,
}

/// Where the reader hands the lines it read (`None`: stdin closed).
type Route = Box<dyn Fn(Option<String>) -> bool + Send>;

/// Lines from stdin (read on request, on their own thread) and latches for terminating signals.
pub struct Input {
    requests: Sender<()>,
    lines: Receiver<Option<String>>,
    route: Arc<Mutex<Route>>,
    signals: Signals,
    pending: bool,
    closed: bool,
}

impl Input {
    /// Starts catching SIGINT/SIGTERM/SIGHUP and the stdin reader.
    pub fn start() -> std::io::Result<Self> {
        let signals = Signals::catch()?;
        let (requests, wanted) = mpsc::channel::<()>();
        let (tx, lines) = mpsc::channel();
        let route: Arc<Mutex<Route>> =
            Arc::new(Mutex::new(Box::new(move |line| tx.send(line).is_ok())));
        let to = Arc::clone(&route);
        std::thread::spawn(move || {
            let stdin = std::io::stdin();
            while wanted.recv().is_ok() {
                let mut line = String::new();
                let read = stdin.lock().read_line(&mut line);
                let answer = match read {
                    Ok(0) | Err(_) => None,
                    Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_string()),
                };
                let eof = answer.is_none();
                let delivered = (to.lock().unwrap_or_else(PoisonError::into_inner))(answer);
                if !delivered || eof {
                    return;
                }
            }
        });
        Ok(Input {
            requests,
            lines,
            route,
            signals,
            pending: false,
            closed: false,
        })
    }

    /// From now on, lines go to `to` (the session's queue) instead of [`Input::answer`].
    pub fn route(&mut self, to: impl Fn(Option<String>) -> bool + Send + 'static) {
        *self.route.lock().unwrap_or_else(PoisonError::into_inner) = Box::new(to);
    }

    /// Asks the reader for a line, unless one is asked for already or stdin is closed.
    pub fn request(&mut self) {
        if !self.closed && !self.pending {
            self.pending = self.requests.send(()).is_ok();
            self.closed = !self.pending;
        }
    }

    /// A routed line arrived (`None`: stdin is closed).
    pub fn took(&mut self, line: Option<&str>) {
        self.pending = false;
        self.closed |= line.is_none();
    }

    /// The signal latches (shared with the full-screen view).
    pub fn signals(&self) -> &Signals {
        &self.signals
    }

    /// The terminating signal received so far, if any.
    pub fn interrupted(&self) -> Option<i32> {
        self.signals.received()
    }

    /// Whether a line was asked for and not yet received.
    pub fn has_pending_read(&self) -> bool {
        self.pending
    }

    /// Whether standard input is known to be closed (nobody can answer).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Waits for the next line, a closed stdin, or a signal.
    pub fn answer(&mut self) -> Answer {
        self.wait(None)
    }

    /// Like [`Input::answer`], giving up at `deadline`; a closed stdin just waits for the deadline.
    pub fn answer_until(&mut self, deadline: Instant) -> Answer {
        self.wait(Some(deadline))
    }

    fn wait(&mut self, deadline: Option<Instant>) -> Answer {
        self.request();
        loop {
            if let Some(sig) = self.interrupted() {
                return Answer::Interrupted(sig);
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return Answer::TimedOut;
            }
            if self.closed && deadline.is_none() {
                return Answer::Closed;
            }
            let slice = deadline.map_or(Duration::from_millis(50), |d| {
                d.saturating_duration_since(now)
                    .min(Duration::from_millis(50))
            });
            if self.closed {
                std::thread::sleep(slice);
                continue;
            }
            match self.lines.recv_timeout(slice) {
                Ok(Some(line)) => {
                    self.pending = false;
                    return Answer::Line(line);
                }
                Ok(None) | Err(RecvTimeoutError::Disconnected) => {
                    self.pending = false;
                    self.closed = true;
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }
}
