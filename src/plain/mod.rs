//! The headless driver: `runbook run --plain`, a line dialogue on stdin/stdout.

pub mod input;
pub mod printer;
