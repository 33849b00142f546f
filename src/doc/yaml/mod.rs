//! The YAML syntax of runbooks.

pub mod node;
