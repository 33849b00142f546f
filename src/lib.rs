//! runbook: walk an operator through a deployment runbook with guided steps,
//! live output, health panels and a tamper-evident audit log.

pub mod cli;
pub mod doc;
pub mod exec;
pub mod export;
pub mod health;
pub mod lint;
pub mod plain;
pub mod replay;
pub mod session;
pub mod signals;
pub mod tui;
