//! Reading shell inside documents: is a block confidently shell, where do quotes and
//! heredocs run, and which words are placeholders for the operator to fill.

pub mod judge;
pub mod placeholder;
pub mod quote;
pub mod words;
