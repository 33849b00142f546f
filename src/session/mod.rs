//! Sessions: events, the fold that turns them into state, the engine that records
//! what the operator does, and the audit log on disk.

// A new event kind or status must be handled wherever events are read: no `_ =>` on enums.
#![deny(clippy::wildcard_enum_match_arm)]

pub mod choices;
pub mod clock;
pub mod conductor;
pub mod engine;
pub mod event;
pub mod evidence;
pub mod executor;
pub mod fleet_events;
pub mod fleet_state;
pub mod health_board;
pub mod input;
pub mod kinds;
pub mod log;
pub mod mask;
pub mod output_bytes;
pub mod output_tail;
pub mod params;
pub mod plan_history;
pub mod projection;
pub mod proof;
pub mod queue;
pub mod recorded;
pub mod setup;
pub mod signoff;
pub mod state;
pub mod step_state;
pub mod truth;
