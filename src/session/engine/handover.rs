//! Taking a session over: the resume itself, the change of driver, and the
//! step a crash interrupted.

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
        let interrupted = self.state.running;
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
    fn stop_leftovers(&self, index: usize) -> Option<usize> {
        let step = self.state.steps.get(index)?;
        let (pgid, leader_start) = step.process?;
        let cgroup = step.cgroup.as_deref().map(std::path::Path::new);
        let count = crate::exec::leftover::stop_step(pgid, leader_start, cgroup, super::GRACE);
        (count > 0).then_some(count)
    }
}
