//! The subcommands' work, callable from `main.rs` and from tests.

pub mod export;
pub mod follow;
pub mod health;
pub mod inspect;
pub mod outline;
pub mod replay;
pub mod run;
pub mod sessions;
pub mod sign;
