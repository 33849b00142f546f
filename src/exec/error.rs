//! Why a step could not be started.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("working directory {} cannot be used: {source}", path.display())]
    Cwd { path: PathBuf, source: io::Error },
    #[error("working directory {} is not a directory", path.display())]
    CwdNotDirectory { path: PathBuf },
    #[error("cannot write the step's script to a private temporary directory under {}: {source}", dir.display())]
    Scratch { dir: PathBuf, source: io::Error },
    #[error("cannot start {}: {source}", shell.display())]
    Spawn { shell: PathBuf, source: io::Error },
    #[error("cannot open a pseudo-terminal: {0}")]
    Pty(String),
    #[error("cannot relay the terminal to the step: {0}")]
    Relay(io::Error),
    #[error("cannot start a thread to watch the step: {0}")]
    Thread(io::Error),
}
