//! The full-screen view: the only module that draws with ratatui and reads keys with crossterm.

mod act;
pub mod app;
pub mod browse;
mod choice_dialog;
pub mod colour;
mod countersign;
pub mod dialog;
mod followers;
mod help;
pub mod host_rows;
pub mod keys;
pub mod live;
pub mod markdown;
pub mod outline;
pub mod pager;
pub mod passage;
mod proposed;
pub mod reading;
mod reference;
mod search;
pub mod terminal;
mod tty;
pub mod view;
pub mod viewer;
