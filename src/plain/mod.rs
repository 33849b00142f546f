//! The headless driver: `runbook run --plain`, a line dialogue on stdin/stdout.

pub mod dialogue;
mod gates;
mod health;
pub mod input;
pub mod printer;
mod run_step;
mod signoffs;
pub mod walk;
