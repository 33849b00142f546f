//! The per-step supervisor thread: waits for the shell, enforces timeout and cancel, drains
//! the last output, and sends `Finished`.

use std::collections::BTreeMap;
use std::io;
use std::process::ExitStatus;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::groups::{StepProcs, terminate_step};
use super::pump::Outbox;
use super::relay::Relay;
use super::shell::{Scratch, restore_managed};
use super::{ExecEvent, Exit, Limits, Outcome, ProcessGroups};

/// What the supervisor hears from the step's other threads and from `RunningStep::cancel`.
#[derive(Debug)]
pub(crate) enum Control {
    /// One output stream reached its end.
    Eof,
    /// The shell exited (sent once, by the waiter thread).
    Exited(io::Result<ExitStatus>),
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    TimedOut,
    Cancelled,
}

struct ShellEnd {
    exit: Exit,
    stop: Option<Stop>,
    duration: Duration,
}

#[derive(Debug)]
pub(crate) struct Supervisor {
    pub control: Receiver<Control>,
    pub outbox: Outbox,
    pub scratch: Scratch,
    pub groups: ProcessGroups,
    pub step: StepProcs,
    pub started: Instant,
    pub timeout: Option<Duration>,
    pub limits: Limits,
    pub open_streams: usize,
    /// Given back (keys no longer relayed, the terminal's modes restored) as soon as the
    /// shell has exited, before the last output is drained.
    pub relay: Option<Relay>,
    pub env_before: BTreeMap<String, String>,
}

impl Supervisor {
    pub fn run(mut self) {
        let end = self.wait_for_shell();
        drop(self.relay.take());
        let pipes_held = !self.drain();
        let outcome = self.outcome(&end, pipes_held);
        if !outcome.lingering {
            self.groups.release(self.step.pgid);
        }
        let Supervisor {
            outbox, scratch, ..
        } = self;
        // The private files are gone before the caller hears that the step ended.
        drop(scratch);
        if let Some(events) = outbox.close() {
            let _ = events.send(ExecEvent::Finished(outcome));
        }
    }

    fn wait_for_shell(&mut self) -> ShellEnd {
        let mut stop = None;
        loop {
            let message = match self.time_left(stop) {
                Some(left) => self.control.recv_timeout(left),
                None => self
                    .control
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
            };
            match message {
                Ok(Control::Exited(status)) => return self.shell_end(status, stop),
                Ok(Control::Eof) => self.open_streams = self.open_streams.saturating_sub(1),
                Ok(Control::Cancel) => self.stop(&mut stop, Stop::Cancelled),
                Err(RecvTimeoutError::Timeout) => self.stop(&mut stop, Stop::TimedOut),
                Err(RecvTimeoutError::Disconnected) => {
                    let lost = io::Error::other("the waiter thread is gone");
                    return self.shell_end(Err(lost), stop);
                }
            }
        }
    }

    /// Until the timeout; unbounded once stopping or without a timeout.
    fn time_left(&self, stop: Option<Stop>) -> Option<Duration> {
        let timeout = self.timeout.filter(|_| stop.is_none())?;
        Some(timeout.saturating_sub(self.started.elapsed()))
    }

    /// Ends every process of the step (not only its group); blocks for up to the grace
    /// period, the readers keep draining meanwhile.
    fn stop(&self, stop: &mut Option<Stop>, reason: Stop) {
        if stop.is_none() {
            *stop = Some(reason);
            terminate_step(&self.step, self.limits.grace);
        }
    }

    fn shell_end(&self, status: io::Result<ExitStatus>, stop: Option<Stop>) -> ShellEnd {
        ShellEnd {
            exit: status.map_or(Exit::Code(-1), Exit::from_status),
            stop,
            duration: self.started.elapsed(),
        }
    }

    /// Waits for every stream to end; true when they all did. The drain deadline
    /// counts only while the readers wait on the step's pipes (a background
    /// process holds them open) — never while they wait on a slow caller.
    fn drain(&mut self) -> bool {
        let mut deadline = Instant::now() + self.limits.drain;
        let mut seen = self.outbox.delivered();
        while self.open_streams > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.control.recv_timeout(left) {
                Ok(Control::Eof) => self.open_streams -= 1,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) if self.still_draining(&mut seen) => {
                    deadline = Instant::now() + self.limits.drain
                }
                Err(_) => return false,
            }
        }
        true
    }

    /// Whether output is still on its way rather than held back by a background
    /// process: a reader waits on the caller, or readers are still delivering
    /// while nothing in the step's group is alive (only our pipe buffers are left).
    fn still_draining(&self, seen: &mut usize) -> bool {
        let delivered = self.outbox.delivered();
        let progressed = delivered != *seen;
        *seen = delivered;
        self.outbox.backed_up() || (progressed && !self.step.alive())
    }

    fn outcome(&self, end: &ShellEnd, pipes_held: bool) -> Outcome {
        let captured = match end.stop {
            None => self.scratch.capture(),
            Some(_) => None,
        };
        let (env_after, cwd_after) = match captured {
            Some((mut env, cwd)) => {
                restore_managed(&mut env, &self.env_before);
                (Some(env), Some(cwd))
            }
            None => (None, None),
        };
        Outcome {
            exit: end.exit,
            timed_out: end.stop == Some(Stop::TimedOut),
            cancelled: end.stop == Some(Stop::Cancelled),
            duration: end.duration,
            env_after,
            cwd_after,
            lingering: pipes_held || self.step.alive(),
            pgid: self.step.pgid,
        }
    }
}
