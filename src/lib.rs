pub mod cli;
pub mod doc;
pub mod plain;
pub mod session;
