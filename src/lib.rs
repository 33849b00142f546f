pub mod cli;
pub mod doc;
