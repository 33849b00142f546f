//! Everything that reaches a live session, as one typed input: the clock, what the
//! executors report, health samples, followers' sign-off requests and the operator's
//! commands. [`crate::session::engine::Engine::handle`] takes them one at a time.

use super::clock::Now;
use super::event::Decision;
use super::executor::RunId;
use super::signoff::Incoming;
use crate::exec::ExecEvent;
use crate::health::Sampled;

/// One input to the engine.
#[derive(Debug)]
pub enum Input {
    /// The clock moved on: every deadline is judged at this time.
    Tick(Now),
    /// A run's output or its end, from the executor that runs it.
    Exec { run: RunId, event: ExecEvent },
    /// A run on a host: its output or its end.
    Remote {
        run: RunId,
        event: crate::fleet::RemoteEvent,
    },
    /// A health check was probed.
    Health(Box<Sampled>),
    /// A follower asked to sign (read from their sidecar file).
    Signoff(Incoming),
    /// The operator decided something (a key on the full screen, a line in the dialogue).
    Command(Command),
}

/// What the operator asks the session to do. The full screen's keys and the line
/// dialogue's answers both come down to these.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Run {
        index: usize,
    },
    Skip {
        index: usize,
        reason: String,
    },
    MarkDone {
        index: usize,
        reason: String,
    },
    ConfirmCheck {
        index: usize,
    },
    StartWait {
        index: usize,
    },
    EndWait {
        index: usize,
        reason: String,
    },
    Sign {
        index: usize,
        role: String,
        name: String,
    },
    Decide {
        index: usize,
        decision: Decision,
    },
    /// GO or NO-GO after a batch of a step on hosts.
    DecideBatch {
        index: usize,
        decision: Decision,
    },
    Note {
        index: Option<usize>,
        text: String,
    },
    EnterRollback {
        reason: String,
    },
    /// Stay on the forward path after a `rollback_if` prompt.
    DeclineRollback {
        reason: String,
    },
    Jump {
        index: usize,
    },
    /// A value for the placeholder step `index` reads from `$env` (asked once per session).
    FillPlaceholder {
        index: usize,
        env: String,
        value: String,
    },
    /// The operator has read the loader's warnings.
    AcknowledgeWarnings,
    /// Which option applies at choice `choice` (its place in the session's choices).
    Choose {
        choice: usize,
        chosen: super::choices::Chosen,
    },
    /// Stop the running step (its whole process group).
    Cancel,
    /// Quit; the session stays resumable.
    Leave,
    /// End the session as aborted.
    Abort {
        reason: String,
    },
    /// The walk is over: end the session as the conductor says it ended.
    Finish,
}
