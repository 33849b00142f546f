//! `RUNBOOK_LOG=debug`: diagnostics of the tool itself (tracing), appended to `runbook.log`
//! in the user's state directory — never the screen, which belongs to the operator, and
//! never the audit log, which records only the session. Off unless the variable is set.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The variable that turns diagnostics on: a level (`debug`) or targets (`runbook=trace,info`).
pub const LOG_VAR: &str = "RUNBOOK_LOG";
/// The diagnostics file's name in the state directory.
pub const FILE_NAME: &str = "runbook.log";

/// Where diagnostics go: `~/.local/state/runbook/runbook.log` on Linux.
pub fn log_file() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "runbook")?;
    let base = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
    Some(base.join(FILE_NAME))
}

/// The filter `RUNBOOK_LOG` asks for; `None` when unset, empty, `off` or unreadable.
pub fn wanted(value: Option<&str>) -> Option<Targets> {
    let value = value?.trim();
    if value.is_empty() || value.eq_ignore_ascii_case("off") {
        return None;
    }
    Targets::from_str(value).ok()
}

/// Starts diagnostics when `RUNBOOK_LOG` asks for them; returns the file they go to.
/// A file that cannot be opened turns them off without a word on the screen.
pub fn start() -> Option<PathBuf> {
    let filter = wanted(std::env::var(LOG_VAR).ok().as_deref())?;
    let path = log_file()?;
    let file = open(&path).ok()?;
    // One append-only file, opened once: a rotating appender would add threads and a
    // clock dependency for a log only written while someone investigates.
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(Arc::new(file))
        .with_ansi(false)
        .with_thread_names(true);
    tracing_subscriber::registry()
        .with(layer)
        .with(filter)
        .try_init()
        .ok()?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(panic = %info, "runbook panicked");
        previous(info);
    }));
    Some(path)
}

fn open(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_set_variable_turns_diagnostics_on() {
        assert!(wanted(None).is_none());
        assert!(wanted(Some("")).is_none());
        assert!(wanted(Some("off")).is_none());
        assert!(wanted(Some("debug")).is_some());
        assert!(wanted(Some("runbook=trace,info")).is_some());
        assert!(wanted(Some("=?!")).is_none());
    }
}
