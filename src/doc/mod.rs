//! Runbook documents: the model, the Markdown and YAML loaders, validation.

pub mod diag;
pub mod duration;
pub mod model;
pub mod yaml;
