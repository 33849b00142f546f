//! Starting the step's shell in its own process group for each `IoMode`: separate pipes,
//! a pseudo-terminal, or the inherited terminal.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use nix::fcntl::{FcntlArg, fcntl};

use super::groups::terminate_group;
use super::pump::Source;
use super::shell::Shell;
use super::terminal::ForegroundGuard;
use super::{ExecError, IoMode, RunRequest, Stream};

/// Fewer wake-ups for the writer on big outputs (1 MiB is the unprivileged maximum on Linux).
const PIPE_CAPACITY: i32 = 1 << 20;

pub(crate) struct Spawned {
    pub child: Child,
    pub pgid: i32,
    pub sources: Vec<Source>,
    pub foreground: Option<ForegroundGuard>,
}

/// Moves the shell into its step's cgroup before it can fork anything, then becomes it:
/// `$0` is the cgroup's `cgroup.procs`, the rest the real command line. (Without `unsafe`
/// there is no hook between fork and exec in which to do this in Rust.)
const INTO_CGROUP: &str = r#"{ echo "$$" >"$0"; } 2>/dev/null; exec "$@""#;

/// Starts the step's shell; with `cgroup`, inside that cgroup from its first instruction.
pub(crate) fn spawn(
    req: &RunRequest,
    shell: &Shell,
    argv: &[OsString],
    cgroup: Option<&Path>,
) -> Result<Spawned, ExecError> {
    check_cwd(&req.cwd)?;
    let entered;
    let argv = match cgroup {
        Some(dir) => {
            entered = into_cgroup(shell, dir, argv);
            &entered
        }
        None => argv,
    };
    match req.io {
        IoMode::Pipes => spawn_pipes(req, shell, argv),
        IoMode::Inherit => spawn_inherit(req, shell, argv),
        IoMode::Pty { cols, rows } => {
            spawn_pty(req, shell, argv, pty_process::Size::new(rows, cols))
        }
    }
}

fn into_cgroup(shell: &Shell, cgroup: &Path, argv: &[OsString]) -> Vec<OsString> {
    let mut wrapped = vec![
        OsString::from("-c"),
        OsString::from(INTO_CGROUP),
        cgroup.join("cgroup.procs").into_os_string(),
        shell.program.clone().into_os_string(),
    ];
    wrapped.extend(argv.iter().cloned());
    wrapped
}

fn check_cwd(cwd: &Path) -> Result<(), ExecError> {
    let meta = fs::metadata(cwd).map_err(|source| ExecError::Cwd {
        path: cwd.to_path_buf(),
        source,
    })?;
    if meta.is_dir() {
        Ok(())
    } else {
        Err(ExecError::CwdNotDirectory {
            path: cwd.to_path_buf(),
        })
    }
}

/// The shell with the step's whole world: its arguments, environment and directory.
fn shell_command(req: &RunRequest, shell: &Shell, argv: &[OsString]) -> Command {
    let mut cmd = Command::new(&shell.program);
    cmd.args(argv)
        .env_clear()
        .envs(&req.env)
        .current_dir(&req.cwd);
    cmd
}

/// The shell leading its own process group.
fn command(req: &RunRequest, shell: &Shell, argv: &[OsString]) -> Command {
    let mut cmd = shell_command(req, shell, argv);
    cmd.process_group(0);
    cmd
}

fn spawn_error(shell: &Shell) -> impl FnOnce(io::Error) -> ExecError + '_ {
    |source| ExecError::Spawn {
        shell: shell.program.clone(),
        source,
    }
}

fn spawn_pipes(req: &RunRequest, shell: &Shell, argv: &[OsString]) -> Result<Spawned, ExecError> {
    let mut child = command(req, shell, argv)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error(shell))?;
    let pgid = pid_of(&child);
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        terminate_group(pgid, Duration::ZERO);
        let missing = io::Error::other("output pipes were not created");
        return Err(spawn_error(shell)(missing));
    };
    for pipe in [stdout.as_fd(), stderr.as_fd()] {
        let _ = fcntl(pipe, FcntlArg::F_SETPIPE_SZ(PIPE_CAPACITY));
    }
    Ok(Spawned {
        child,
        pgid,
        sources: vec![
            (Stream::Stdout, Box::new(stdout)),
            (Stream::Stderr, Box::new(stderr)),
        ],
        foreground: None,
    })
}

fn spawn_inherit(req: &RunRequest, shell: &Shell, argv: &[OsString]) -> Result<Spawned, ExecError> {
    let child = command(req, shell, argv)
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(spawn_error(shell))?;
    let pgid = pid_of(&child);
    Ok(Spawned {
        child,
        pgid,
        sources: Vec::new(),
        foreground: ForegroundGuard::hand_over(pgid),
    })
}

/// The pty child is a session leader, so its group id is its pid. pty-process opens the
/// pseudo-terminal and makes the shell its session leader with rustix alone (portable-pty
/// brought eight more crates, an older nix and thiserror among them); the child is a std
/// `Child`, waited for and signalled like the others.
fn spawn_pty(
    req: &RunRequest,
    shell: &Shell,
    argv: &[OsString],
    size: pty_process::Size,
) -> Result<Spawned, ExecError> {
    let pty_error = |err: pty_process::Error| ExecError::Pty(err.to_string());
    let (pty, pts) = pty_process::blocking::open().map_err(pty_error)?;
    pty.resize(size).map_err(pty_error)?;
    // Not its own process group first: a group leader cannot start a session.
    let cmd = pty_process::blocking::Command::from(shell_command(req, shell, argv));
    // `spawn` consumes our copy of the terminal side, or the master would never see the
    // end of output.
    let child = cmd.spawn(pts).map_err(|err| match err {
        pty_process::Error::Io(source) => spawn_error(shell)(source),
        other => pty_error(other),
    })?;
    let pgid = pid_of(&child);
    Ok(Spawned {
        child,
        pgid,
        sources: vec![(Stream::Pty, Box::new(pty))],
        foreground: None,
    })
}

/// Pids fit in an `i32`; 0 (a group that is never signalled) is only a formality.
fn pid_of(child: &Child) -> i32 {
    i32::try_from(child.id()).unwrap_or(0)
}
