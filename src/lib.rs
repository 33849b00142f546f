//! runbook: walk an operator through a deployment runbook with guided steps,
//! live output, health panels and a tamper-evident audit log.

pub mod child;
pub mod cli;
pub mod config;
pub mod doc;
pub mod exec;
pub mod export;
pub mod fleet;
pub mod health;
pub mod lint;
pub mod plain;
pub mod replay;
pub mod sanitize;
pub mod session;
pub mod signals;
pub mod terminal_mark;
pub mod tui;
