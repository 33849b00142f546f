pub mod doc;
pub mod session;
