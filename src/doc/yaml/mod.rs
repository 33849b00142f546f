//! The YAML syntax of runbooks: a spanned node tree and its conversion to the model.

pub mod document;
pub mod fields;
pub mod foreign;
pub mod health;
pub mod meta;
pub mod node;
pub mod steps;
