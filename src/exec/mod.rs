//! Running one run step: a fresh shell in its own process group, live output, timeout and
//! cancel, and the exported env and cwd carried over to the next step.
//!
//! Built on `std::process` rather than duct or `tokio::process`. Each rule here is a
//! one-liner with std: `process_group(0)` gives the shell its own group, `env_clear` plus
//! `envs` and `current_dir` set its whole world, and `Stdio::piped()` gives two separate
//! pipe ends for our own reader threads. The no-lost-tail rule is about when the exit is
//! reported compared with the last bytes. With std we own both sides: a waiter thread reaps
//! the shell, the readers run to EOF, and a supervisor sends `Finished` only after both.
//! duct is built for pipelines and captured output. Its `kill` signals only the children
//! it started, not their process group, and it does not give us the pgid we need for
//! group signals. `tokio::process` would add a runtime to get three blocking reads per
//! step. For `IoMode::Pty` and `IoMode::Interactive`, pty-process only opens the
//! pseudo-terminal and makes the shell its session leader (that needs pre-exec code, which
//! we cannot write without `unsafe`). Its child is a std `Child`, so all modes wait, signal
//! and drain the same way.
//!
//! Threads per step: one reader per output stream sends `Output` events straight to the
//! caller's channel; a waiter reaps the shell; a supervisor enforces timeout and cancel
//! and sends `Finished`; an interactive step on a terminal has one more that relays keys
//! ([`relay`]). The channel is unbounded, so the caller must keep receiving to
//! keep memory flat.

mod cgroup;
pub mod contain;
mod error;
mod groups;
pub mod leftover;
mod priority;
pub mod private;
mod procfs;
mod pump;
mod relay;
mod shell;
mod spawn;
mod stop;
mod supervise;
mod types;
mod watch;

use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::mpsc::{self, Sender, SyncSender};
use std::thread;
use std::time::{Duration, Instant};

pub use error::ExecError;
pub use groups::{ProcessGroups, terminate_group};
pub use priority::bulk_thread;
pub(crate) use shell::{parse_env, shell};
pub use types::{
    DEFAULT_DRAIN, DEFAULT_GRACE, EVENT_BACKLOG, ExecEvent, Exit, IoMode, Limits, Outcome,
    RunRequest, Stream,
};

use groups::StepProcs;
use pump::{Outbox, Source, spawn_reader};
use shell::Scratch;
use spawn::Spawned;
use supervise::{Control, Supervisor};

/// A step that has been started. Dropping this does not stop the step.
#[derive(Debug)]
pub struct RunningStep {
    pid: u32,
    pgid: i32,
    cgroup: Option<PathBuf>,
    control: Sender<Control>,
}

impl RunningStep {
    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn pgid(&self) -> i32 {
        self.pgid
    }

    /// The step's own cgroup, when the session gives steps one.
    pub fn cgroup(&self) -> Option<&Path> {
        self.cgroup.as_deref()
    }

    /// Stops the step: SIGTERM to its group, SIGKILL after the grace period. No effect
    /// once the shell has exited.
    pub fn cancel(&self) {
        let _ = self.control.send(Control::Cancel);
    }
}

/// Starts a step with the default `Limits`; events arrive on `events`, `Finished` last.
pub fn start(
    req: RunRequest,
    events: SyncSender<ExecEvent>,
    groups: &ProcessGroups,
) -> Result<RunningStep, ExecError> {
    start_with(req, Limits::default(), events, groups)
}

pub fn start_with(
    req: RunRequest,
    limits: Limits,
    events: SyncSender<ExecEvent>,
    groups: &ProcessGroups,
) -> Result<RunningStep, ExecError> {
    let shell = shell::shell();
    let watch = watch::Watch::for_script(&req.script, &req.secret_names, shell.name == "bash");
    let scratch = Scratch::create(&req.script, watch, &groups.private_base())?;
    let started = Instant::now();
    let cgroup = groups.step_cgroup();
    let spawned = spawn::spawn(
        &req,
        shell,
        &scratch.argv(shell, req.errexit),
        cgroup.as_deref(),
    );
    let Spawned {
        child,
        pgid,
        sources,
        relay,
    } = spawned.inspect_err(|_| {
        if let Some(dir) = &cgroup {
            cgroup::remove(dir);
        }
    })?;
    let pid = child.id();
    let shell_start = procfs::read(pid).map_or(0, |p| p.start);
    let step = StepProcs {
        pgid,
        shell: (pid, shell_start),
        cgroup: cgroup.filter(|dir| confirm_cgroup(dir, pid)),
    };
    groups.register(step.clone());
    let (control, control_rx) = mpsc::channel();
    let outbox = Outbox::new(events);
    let supervisor = Supervisor {
        control: control_rx,
        outbox: outbox.clone(),
        scratch,
        groups: groups.clone(),
        step: step.clone(),
        started,
        timeout: req.timeout,
        limits,
        open_streams: sources.len(),
        relay,
        env_before: req.env,
    };
    launch(child, sources, supervisor, &control).inspect_err(|_| {
        outbox.close();
        groups::terminate_step(&step, Duration::ZERO);
        groups.release(pgid);
    })?;
    Ok(RunningStep {
        pid,
        pgid,
        cgroup: step.cgroup,
        control,
    })
}

/// Makes sure the shell is in its cgroup (it moves itself first thing; this covers a
/// shell that could not). A cgroup it cannot enter is given up: the step goes without.
fn confirm_cgroup(dir: &Path, pid: u32) -> bool {
    let ended = || procfs::read(pid).is_none_or(|p| p.dead);
    match cgroup::move_into(dir, pid) {
        Ok(()) => true,
        // It got there itself and has already ended.
        Err(_) if cgroup::populated(dir) || ended() => true,
        Err(_) => {
            cgroup::remove(dir);
            false
        }
    }
}

fn launch(
    mut child: Child,
    sources: Vec<Source>,
    supervisor: Supervisor,
    control: &Sender<Control>,
) -> Result<(), ExecError> {
    let shelf = watch::Shelf::default();
    for source in sources {
        let filter = supervisor
            .scratch
            .watch()
            .map(|w| watch::SecretFilter::new(&w.mark, supervisor.scratch.dir(), shelf.clone()));
        spawn_reader(source, supervisor.outbox.clone(), control.clone(), filter)
            .map_err(ExecError::Thread)?;
    }
    let exited = control.clone();
    thread::Builder::new()
        .name("step-wait".to_owned())
        .spawn(move || {
            let _ = exited.send(Control::Exited(child.wait()));
        })
        .map_err(ExecError::Thread)?;
    thread::Builder::new()
        .name("step-supervise".to_owned())
        .spawn(move || {
            priority::bulk_thread();
            supervisor.run()
        })
        .map_err(ExecError::Thread)?;
    Ok(())
}
