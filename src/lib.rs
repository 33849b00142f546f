pub mod doc;
pub mod exec;
