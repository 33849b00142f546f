//! The full-screen view: the only module that draws with ratatui and reads keys with crossterm.

pub mod app;
pub mod autopilot;
pub mod browse;
pub mod colour;
mod countersign;
pub mod dialog;
mod followers;
pub mod keys;
pub mod markdown;
pub mod runtime;
pub mod terminal;
pub mod view;
pub mod viewer;
