//! The line dialogue (`runbook run --plain`): the walk presented on stdin/stdout, for
//! scripts, CI and dumb terminals. The conductor decides; this only prints and asks.

mod ask;
mod choose;
pub mod dialogue;
mod fleet;
pub mod input;
mod passages;
pub mod printer;
mod proposed;
mod tell;
pub mod walk;
