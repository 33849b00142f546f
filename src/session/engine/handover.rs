//! Handing things over: a session taken over (the resume itself, the change of driver,
//! the step a crash interrupted), and the terminal handed to an `interactive=true` step.

use super::Engine;
use crate::session::event::Body;
use crate::session::log::{AuditError, SyncPolicy};
use crate::session::setup::Driver;

impl Engine<'_> {
    /// Records that `driver` took the session over from `previous` (the
    /// operator who drove it last): a `driver_changed` event when they
    /// differ, and the step that was running when the session stopped.
    pub fn record_resume(
        &mut self,
        driver: &Driver,
        previous: &str,
        dropped_bytes: u64,
    ) -> Result<(), AuditError> {
        let interrupted = self.projection.state.running;
        if dropped_bytes > 0 {
            self.record(None, Body::LogRepaired { dropped_bytes }, SyncPolicy::Now)?;
        }
        let body = Body::SessionResumed {
            operator: driver.operator.clone(),
            host: driver.host.clone(),
            pid: std::process::id(),
            torn_bytes_dropped: dropped_bytes,
        };
        self.record(None, body, SyncPolicy::Now)?;
        self.walking = true;
        if previous != driver.operator {
            let body = Body::DriverChanged {
                from: previous.to_string(),
                to: driver.operator.clone(),
                host: driver.host.clone(),
            };
            self.record(None, body, SyncPolicy::Now)?;
        }
        if let Some(index) = interrupted {
            let mut reason = String::from("the session stopped while this step was running");
            if let Some(stopped) = self.stop_leftovers(index) {
                reason.push_str(&format!(
                    "; {stopped} of its processes were still running and have been stopped"
                ));
            }
            self.record_step(index, Body::StepInterrupted { reason }, SyncPolicy::Now)?;
        }
        Ok(())
    }

    /// A driver killed mid-step (SIGKILL) could not stop the step: stops what is left of its
    /// process group and of its cgroup (when it had one) now; how many processes that was.
    fn stop_leftovers(&mut self, index: usize) -> Option<usize> {
        let step = self.projection.state.steps.get(index)?;
        let process = step.process?;
        let cgroup = step.cgroup.clone();
        let count = self
            .executor
            .stop_leftover(process, cgroup.as_deref(), super::GRACE);
        (count > 0).then_some(count)
    }
}

/// The terminal between the driver and an `interactive=true` step: the engine asks for
/// it before such a step starts, the driver hands it over, and gets it back at the end.
#[derive(Debug, Default)]
pub(super) struct Terminal {
    /// The step (and whether the autopilot started it) waiting for the terminal.
    wanted: Option<(usize, bool)>,
    handed: bool,
    back: bool,
}

impl Terminal {
    pub fn want(&mut self, index: usize, auto: bool) {
        self.wanted = Some((index, auto));
    }

    pub fn wanted(&self) -> bool {
        self.wanted.is_some()
    }

    pub fn wanted_step(&self) -> Option<usize> {
        self.wanted.map(|(index, _)| index)
    }

    /// The driver handed it over: the step that waited.
    pub fn hand(&mut self) -> Option<(usize, bool)> {
        self.handed = true;
        self.wanted.take()
    }

    pub fn handed(&self) -> bool {
        self.handed
    }

    pub fn give_back(&mut self) {
        if self.handed {
            self.handed = false;
            self.back = true;
        }
    }

    pub fn take_back(&mut self) -> bool {
        std::mem::take(&mut self.back)
    }
}
