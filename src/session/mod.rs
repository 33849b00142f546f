//! A session: the audit log on disk (and, alongside it, the events and their fold).

pub mod log;
