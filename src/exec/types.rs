//! The data a caller hands in (`RunRequest`, `Limits`) and gets back (`ExecEvent`, `Outcome`).

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

/// How long a group gets between SIGTERM and SIGKILL when a step is stopped.
/// A good bound for the event channel given to `start`: output chunks in flight per step
/// (16 × 64 KiB). A full channel pauses the step's readers, and so the step itself, which
/// keeps memory flat however much a step prints.
pub const EVENT_BACKLOG: usize = 16;

pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);
/// How long output is still read after the shell exited while something else holds the pipes.
pub const DEFAULT_DRAIN: Duration = Duration::from_millis(300);

/// One run step to execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRequest {
    /// The step's shell text, run as one script.
    pub script: String,
    /// The complete environment the step starts with; nothing else is inherited.
    pub env: BTreeMap<String, String>,
    pub cwd: PathBuf,
    pub timeout: Option<Duration>,
    pub io: IoMode,
    /// Variables declared secret by the runbook: watched, with every secret-named one,
    /// so a value the step sets is masked before the step prints it ([`super::watch`]).
    pub secret_names: Vec<String>,
    /// Stop at the first failing command (`set -e -o pipefail`).
    pub errexit: bool,
}

/// Where the step's input and output go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoMode {
    /// stdin is `/dev/null`; stdout and stderr are separate pipes.
    Pipes,
    /// A pseudo-terminal of this size; all output arrives raw as `Stream::Pty`.
    Pty { cols: u16, rows: u16 },
    /// The operator's terminal, for an `interactive=true` step. When stdin is a terminal
    /// runbook is in the foreground of, the step runs in a pseudo-terminal of the real one's
    /// size and modes, with keys and window size relayed to it; what it prints is shown on
    /// stdout and sent as `Stream::Pty` output, keys typed are never sent. Otherwise the
    /// step reads runbook's stdin itself, and its stdout and stderr are shown on runbook's
    /// and sent as `Stream::Stdout`/`Stream::Stderr` output.
    Interactive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Stdout,
    Stderr,
    Pty,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecEvent {
    Output {
        stream: Stream,
        bytes: Vec<u8>,
    },
    /// The step's shell set a variable that may be secret; output after this event was
    /// printed after the assignment.
    Assigned {
        name: String,
        value: String,
    },
    /// Always the last event of a step, sent exactly once.
    Finished(Outcome),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// `-1` when the status could not be read.
    Code(i32),
    Signal(i32),
}

impl Exit {
    pub fn success(self) -> bool {
        self == Exit::Code(0)
    }

    pub(crate) fn from_status(status: ExitStatus) -> Self {
        match (status.code(), status.signal()) {
            (Some(code), _) => Exit::Code(code),
            (None, Some(signal)) => Exit::Signal(signal),
            (None, None) => Exit::Code(-1),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub exit: Exit,
    pub timed_out: bool,
    pub cancelled: bool,
    /// From spawning the shell to its exit.
    pub duration: Duration,
    /// Exported environment after the script; `None` when it never got there.
    pub env_after: Option<BTreeMap<String, String>>,
    pub cwd_after: Option<PathBuf>,
    /// Members of the step's group were still alive (or held its output open) after the shell exited.
    pub lingering: bool,
    pub pgid: i32,
}

/// Timing knobs for stopping and draining a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time between SIGTERM and SIGKILL on timeout or cancel.
    pub grace: Duration,
    /// Time to keep reading output after the shell exited.
    pub drain: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            grace: DEFAULT_GRACE,
            drain: DEFAULT_DRAIN,
        }
    }
}
