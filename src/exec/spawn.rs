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
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

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
        IoMode::Pty { cols, rows } => spawn_pty(
            req,
            shell,
            argv,
            PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            },
        ),
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

fn command(req: &RunRequest, shell: &Shell, argv: &[OsString]) -> Command {
    let mut cmd = Command::new(&shell.program);
    cmd.args(argv)
        .env_clear()
        .envs(&req.env)
        .current_dir(&req.cwd)
        .process_group(0);
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

/// The pty child is a session leader, so its group id is its pid.
fn spawn_pty(
    req: &RunRequest,
    shell: &Shell,
    argv: &[OsString],
    size: PtySize,
) -> Result<Spawned, ExecError> {
    let pty_error = |err: anyhow::Error| ExecError::Pty(format!("{err:#}"));
    let pair = native_pty_system().openpty(size).map_err(pty_error)?;
    let reader = pair.master.try_clone_reader().map_err(pty_error)?;
    let mut cmd = CommandBuilder::new(&shell.program);
    cmd.args(argv);
    cmd.env_clear();
    for (key, value) in &req.env {
        cmd.env(key, value);
    }
    cmd.cwd(&req.cwd);
    let child = pair
        .slave
        .spawn_command(cmd)
        .map_err(|err| spawn_error(shell)(io::Error::other(format!("{err:#}"))))?;
    // Our copy of the slave must go, or the master never sees the end of output.
    drop(pair.slave);
    let child: Box<dyn portable_pty::Child> = child;
    let child = child.downcast::<Child>().map_err(|other| {
        if let Some(pid) = other.process_id().and_then(|pid| i32::try_from(pid).ok()) {
            terminate_group(pid, Duration::ZERO);
        }
        ExecError::Pty("the pseudo-terminal child is not an OS process".to_owned())
    })?;
    let pgid = pid_of(&child);
    Ok(Spawned {
        child: *child,
        pgid,
        sources: vec![(Stream::Pty, reader)],
        foreground: None,
    })
}

/// Pids fit in an `i32`; 0 (a group that is never signalled) is only a formality.
fn pid_of(child: &Child) -> i32 {
    i32::try_from(child.id()).unwrap_or(0)
}
