//! Running one run step: a fresh shell in its own process group, live output, timeout and
//! cancel, and the exported env and cwd carried over to the next step.

mod groups;

pub use groups::{ProcessGroups, terminate_group};
