//! The full-screen view: the only module that draws with ratatui and reads keys with crossterm.

pub mod markdown;
