//! Terminal input read on its own thread, so the loop never blocks in the
//! terminal library: it keeps checking signals even if the terminal goes away
//! (a closed terminal can make the reader spin; SIGHUP still ends the session).
//! Reading pauses while an `interactive=true` step owns the terminal. Events go to a
//! channel of their own, or into a session's queue ([`KeyReader::start_into`]).

use crossterm::event::{self, Event};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(20);

pub struct KeyReader {
    /// Empty when the events go into a session's queue.
    events: Receiver<Event>,
    paused: Arc<AtomicBool>,
    idle: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl KeyReader {
    pub fn start() -> std::io::Result<Self> {
        let (tx, events) = mpsc::channel();
        KeyReader::spawn(events, move |ev| tx.send(ev).is_ok())
    }

    /// Reads into `sink` (a session's queue) instead of [`KeyReader::next`].
    pub fn start_into(sink: impl Fn(Event) -> bool + Send + 'static) -> std::io::Result<Self> {
        let (_, events) = mpsc::channel();
        KeyReader::spawn(events, sink)
    }

    fn spawn(
        events: Receiver<Event>,
        sink: impl Fn(Event) -> bool + Send + 'static,
    ) -> std::io::Result<Self> {
        let paused = Arc::new(AtomicBool::new(false));
        let idle = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, i, s) = (Arc::clone(&paused), Arc::clone(&idle), Arc::clone(&stop));
        std::thread::Builder::new()
            .name("keys".into())
            .spawn(move || {
                while !s.load(Ordering::SeqCst) {
                    if p.load(Ordering::SeqCst) {
                        i.store(true, Ordering::SeqCst);
                        std::thread::sleep(POLL);
                        continue;
                    }
                    i.store(false, Ordering::SeqCst);
                    match event::poll(POLL) {
                        Ok(true) => {
                            let Ok(ev) = event::read() else { return };
                            if !sink(ev) {
                                return;
                            }
                        }
                        Ok(false) => {}
                        Err(_) => return,
                    }
                }
            })?;
        Ok(KeyReader {
            events,
            paused,
            idle,
            stop,
        })
    }

    /// The next input event, waiting at most `wait`.
    pub fn next(&self, wait: Duration) -> Option<Event> {
        self.events.recv_timeout(wait).ok()
    }

    /// Stops reading (and waits until the reader is really out of the terminal).
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + POLL * 5;
        while !self.idle.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }
}

impl Drop for KeyReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}
