//! Starting the step's shell in its own process group for each `IoMode`: separate pipes,
//! a pseudo-terminal, or the operator's terminal relayed through one.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use nix::fcntl::{FcntlArg, fcntl};

use super::groups::terminate_group;
use super::pump::Source;
use super::relay::{self, Relay};
use super::shell::Shell;
use super::{ExecError, IoMode, RunRequest, Stream};

/// Fewer wake-ups for the writer on big outputs (1 MiB is the unprivileged maximum on Linux).
const PIPE_CAPACITY: i32 = 1 << 20;

pub(crate) struct Spawned {
    pub child: Child,
    pub pgid: i32,
    pub sources: Vec<Source>,
    /// The operator's terminal, relayed to an interactive step while it runs.
    pub relay: Option<Relay>,
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
        IoMode::Interactive if relay::on_operator_terminal() => spawn_relayed(req, shell, argv),
        IoMode::Interactive => spawn_unrelayed(req, shell, argv),
        IoMode::Pty { cols, rows } => {
            let (pty, pts) = open_pty()?;
            pty.resize(pty_process::Size::new(rows, cols))
                .map_err(pty_error)?;
            let (child, pgid) = spawn_on_pty(req, shell, argv, pts)?;
            Ok(Spawned {
                child,
                pgid,
                sources: vec![Source::new(Stream::Pty, Box::new(pty))],
                relay: None,
            })
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
    let mut cmd = command(req, shell, argv);
    cmd.stdin(Stdio::null());
    let (child, pgid, [stdout, stderr]) = spawn_piped(cmd, shell)?;
    Ok(Spawned {
        child,
        pgid,
        sources: vec![stdout, stderr],
        relay: None,
    })
}

/// Stdout and stderr piped (stdin as `cmd` says): the child, its group, its two streams.
fn spawn_piped(mut cmd: Command, shell: &Shell) -> Result<(Child, i32, [Source; 2]), ExecError> {
    let mut child = cmd
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
    let sources = [
        Source::new(Stream::Stdout, Box::new(stdout)),
        Source::new(Stream::Stderr, Box::new(stderr)),
    ];
    Ok((child, pgid, sources))
}

/// An interactive step on the operator's terminal: in a pseudo-terminal of its own, with
/// keys and window size relayed ([`relay`]); what it prints is shown and recorded.
fn spawn_relayed(req: &RunRequest, shell: &Shell, argv: &[OsString]) -> Result<Spawned, ExecError> {
    let (pty, pts) = open_pty()?;
    relay::shape(&pts, &pty).map_err(ExecError::Relay)?;
    let (child, pgid) = spawn_on_pty(req, shell, argv, pts)?;
    let pty = Arc::new(pty);
    let relay = Relay::start(Arc::clone(&pty)).map_err(|e| {
        terminate_group(pgid, Duration::ZERO);
        ExecError::Relay(e)
    })?;
    let output = Source::new(Stream::Pty, Box::new(SharedPty(pty)));
    Ok(Spawned {
        child,
        pgid,
        sources: vec![output.echoed(shown_on(io::stdout().as_fd())?)],
        relay: Some(relay),
    })
}

/// An interactive step when stdin is not a terminal (piped, a file, or a terminal this
/// process is in the background of): the step reads runbook's stdin itself, as much as
/// it wants and no more, and its output goes through pipes to runbook's stdout and stderr
/// and to the log.
fn spawn_unrelayed(
    req: &RunRequest,
    shell: &Shell,
    argv: &[OsString],
) -> Result<Spawned, ExecError> {
    let mut cmd = command(req, shell, argv);
    cmd.stdin(Stdio::inherit());
    let (child, pgid, [stdout, stderr]) = spawn_piped(cmd, shell)?;
    Ok(Spawned {
        child,
        pgid,
        sources: vec![
            stdout.echoed(shown_on(io::stdout().as_fd())?),
            stderr.echoed(shown_on(io::stderr().as_fd())?),
        ],
        relay: None,
    })
}

/// A writer straight to runbook's own `fd`, not through `std::io::Stdout`, whose lock
/// a driver may hold while it waits for the step.
fn shown_on(fd: BorrowedFd<'_>) -> Result<Box<dyn io::Write + Send>, ExecError> {
    let fd = fd.try_clone_to_owned().map_err(ExecError::Relay)?;
    Ok(Box::new(fs::File::from(fd)))
}

/// The pseudo-terminal's master, read by the output reader and written by the key relay.
struct SharedPty(Arc<pty_process::blocking::Pty>);

impl io::Read for SharedPty {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self.0).read(buf)
    }
}

fn pty_error(err: pty_process::Error) -> ExecError {
    ExecError::Pty(err.to_string())
}

fn open_pty() -> Result<(pty_process::blocking::Pty, pty_process::blocking::Pts), ExecError> {
    pty_process::blocking::open().map_err(pty_error)
}

/// The pty child is a session leader, so its group id is its pid. pty-process opens the
/// pseudo-terminal and makes the shell its session leader with rustix alone (portable-pty
/// brought eight more crates, an older nix and thiserror among them); the child is a std
/// `Child`, waited for and signalled like the others.
fn spawn_on_pty(
    req: &RunRequest,
    shell: &Shell,
    argv: &[OsString],
    pts: pty_process::blocking::Pts,
) -> Result<(Child, i32), ExecError> {
    // Not its own process group first: a group leader cannot start a session.
    let cmd = pty_process::blocking::Command::from(shell_command(req, shell, argv));
    // `spawn` consumes our copy of the terminal side, or the master would never see the
    // end of output.
    let child = cmd.spawn(pts).map_err(|err| match err {
        pty_process::Error::Io(source) => spawn_error(shell)(source),
        other => pty_error(other),
    })?;
    let pgid = pid_of(&child);
    Ok((child, pgid))
}

/// Pids fit in an `i32`; 0 (a group that is never signalled) is only a formality.
fn pid_of(child: &Child) -> i32 {
    i32::try_from(child.id()).unwrap_or(0)
}
