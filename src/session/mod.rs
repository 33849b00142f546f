//! Sessions: events, the fold that turns them into state, and the audit log.

pub mod event;
pub mod mask;
pub mod output;
pub mod params;
pub mod state;
