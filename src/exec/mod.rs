//! Running one run step: a fresh shell in its own process group, live output, timeout and
//! cancel, and the exported env and cwd carried over to the next step.

mod error;
mod groups;
mod shell;
mod types;

pub use error::ExecError;
pub use groups::{ProcessGroups, terminate_group};
pub use types::{
    DEFAULT_DRAIN, DEFAULT_GRACE, ExecEvent, Exit, IoMode, Limits, Outcome, RunRequest, Stream,
};
