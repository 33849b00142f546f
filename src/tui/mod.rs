//! The full-screen view: the only module that draws with ratatui and reads keys with crossterm.

pub mod app;
pub mod browse;
mod choice_dialog;
pub mod colour;
mod countersign;
pub mod dialog;
mod followers;
pub mod host_rows;
pub mod keys;
pub mod live;
pub mod markdown;
pub mod pager;
mod proposed;
pub mod reading;
mod reference;
pub mod terminal;
mod tty;
pub mod view;
pub mod viewer;
