//! Sessions: events, the fold that turns them into state, the engine that records
//! what the operator does, and the audit log on disk.

pub mod engine;
pub mod event;
pub mod evidence;
pub mod log;
pub mod mask;
pub mod output_tail;
pub mod params;
pub mod policy;
pub mod proof;
pub mod recorded;
pub mod setup;
pub mod signoff;
pub mod state;
