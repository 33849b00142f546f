//! What a live session runs beside the walk: the health monitor, and a thread that reads
//! followers' sign-off requests from their sidecar files. Both report as inputs.

use crate::doc::health::HealthCheck;
use crate::health::{Hosts, Monitor};
use crate::session::input::Input;
use crate::session::queue::Inputs;
use crate::session::signoff::Inbox;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the followers' sidecars are read.
const INBOX_EVERY: Duration = Duration::from_millis(150);

/// The monitor and the inbox reader, once started.
pub(super) struct Background {
    /// Opened with the engine, so requests written before this driver held the session
    /// are passed over; taken by the reader thread when it starts.
    inbox: Option<Inbox>,
    monitor: Option<Monitor>,
    longest_timeout: Duration,
    /// Dropping it wakes the reader, which then ends.
    stop: Option<Sender<()>>,
    reader: Option<JoinHandle<()>>,
}

impl Background {
    pub fn new(log_path: &Path) -> Self {
        Background {
            inbox: Some(Inbox::open(log_path)),
            monitor: None,
            longest_timeout: Duration::ZERO,
            stop: None,
            reader: None,
        }
    }

    pub fn start(
        &mut self,
        checks: Vec<HealthCheck>,
        place: (BTreeMap<String, String>, PathBuf),
        hosts: Hosts,
        inputs: &Inputs,
    ) {
        let report = inputs.clone();
        self.longest_timeout = checks.iter().map(|c| c.timeout).max().unwrap_or_default();
        self.monitor = Some(Monitor::start_on(
            checks,
            place,
            hosts,
            Some(Arc::new(move |sampled| {
                report.send(Input::Health(Box::new(sampled)));
            })),
        ));
        let Some(mut inbox) = self.inbox.take() else {
            return;
        };
        let (stop, stopped) = mpsc::channel::<()>();
        let inputs = inputs.clone();
        self.reader = std::thread::Builder::new()
            .name("signoff-inbox".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(INBOX_EVERY) {
                    for incoming in inbox.poll() {
                        inputs.send(Input::Signoff(incoming));
                    }
                }
            })
            .ok();
        self.stop = Some(stop);
    }

    /// How long a check's first probe may take: the longest timeout, once the monitor
    /// runs (nothing when it does not).
    pub fn first_sample_wait(&self) -> Duration {
        if self.monitor.is_none() {
            return Duration::ZERO;
        }
        self.longest_timeout
    }

    pub fn pause_health(&self, paused: bool) {
        if let Some(monitor) = &self.monitor {
            monitor.set_paused(paused);
        }
    }

    /// Stops probing and reading (idempotent).
    pub fn stop(&mut self) {
        if let Some(monitor) = self.monitor.take() {
            monitor.stop();
        }
        self.stop.take();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}
