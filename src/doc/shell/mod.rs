//! Reading shell inside documents: is a block confidently shell, where do quotes and
//! heredocs run, and which words are placeholders for the operator to fill.

mod asks;
pub mod commands;
pub mod elsewhere;
pub mod judge;
pub mod openers;
pub mod placeholder;
mod pods;
pub mod quote;
pub mod words;
