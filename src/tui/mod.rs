//! The full-screen view: the only module that draws with ratatui and reads keys with crossterm.

pub mod app;
pub mod browse;
mod choice_dialog;
pub mod colour;
mod countersign;
pub mod dialog;
mod followers;
pub mod keys;
pub mod live;
pub mod markdown;
mod proposed;
mod reference;
pub mod terminal;
mod tty;
pub mod view;
pub mod viewer;
