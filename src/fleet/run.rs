//! One step on one host: an `ssh` client over the host's master runs the wrapper
//! ([`super::wrapper`]); its stdout and stderr stream apart, the wrapper's reports are
//! taken out of stderr ([`super::frames`]); a timeout, a cancel or a closing session
//! stops the run's remote process group and whatever carries its tag ([`super::stop`])
//! over a second ssh on the same master.
//!
//! Threads: one supervises (connects, waits, stops), one writes the script, one reads
//! each stream. The supervisor sleeps on a channel — readers, the caller's cancel and the
//! clock wake it — never on a polling loop.

use super::control::{Connections, Inner, Slot};
pub use super::outcome::{Failure, RemoteOutcome};
use super::place::Start;
use super::stop::{self, Stopped, Targets};
use super::streams::{Gate, Reports, read_stderr, read_stdout};
use super::wrapper::{self, Wrapper};
use crate::doc::hosts::HostEntry;
use crate::exec::{Exit, Stream};
use std::io::Write;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Output is still read this long after the script ended, while something it left in the
/// background holds the streams open.
const DRAIN: Duration = Duration::from_millis(300);
/// After the remote group was stopped, its streams get this long to close.
const AFTER_STOP: Duration = Duration::from_secs(5);
const READER_STACK: usize = 128 * 1024;
/// Input this small fits an empty pipe (even one shrunk to a page): written at once, with
/// no thread of its own.
const INLINE_INPUT: usize = 4096;

/// What to run on a host.
#[derive(Debug, Clone)]
pub struct RemoteRequest {
    pub script: String,
    /// Variables, unset names and directory the run starts with ([`super::place::Place::start`]).
    pub start: Start,
    /// Per host.
    pub timeout: Option<Duration>,
    /// `set -e -o pipefail` (the default of run steps).
    pub errexit: bool,
}

/// What a run reports, in order: `Started` (once the remote shell runs), output, and
/// always exactly one `Finished`, last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteEvent {
    Started { pgid: i32 },
    Output { stream: Stream, bytes: Vec<u8> },
    Finished(RemoteOutcome),
}

/// Where a run's events go; `false` back means nobody listens any more (the run stops).
pub type EventSink = Arc<dyn Fn(RemoteEvent) -> bool + Send + Sync>;

/// A run in progress.
#[derive(Debug, Clone)]
pub struct RemoteRun {
    control: Sender<Msg>,
    pgid: Arc<AtomicI32>,
}

impl RemoteRun {
    /// Stops the run: its remote group gets TERM, then KILL; `Finished` still follows.
    pub fn cancel(&self) {
        let _ = self.control.send(Msg::Cancel);
    }

    /// The remote process group, once the shell reported it.
    pub fn pgid(&self) -> Option<i32> {
        Some(self.pgid.load(Ordering::SeqCst)).filter(|p| *p > 0)
    }
}

#[derive(Debug)]
pub(super) enum Msg {
    Cancel,
    Started(i32),
    Ended,
    StdoutDone,
    StderrDone,
}

impl Connections {
    /// Starts `request` on `host`, connecting first if its master is not open.
    pub fn start(
        &self,
        host: &HostEntry,
        request: RemoteRequest,
        sink: EventSink,
    ) -> Result<RemoteRun, String> {
        let (tx, rx) = mpsc::channel();
        let pgid = Arc::new(AtomicI32::new(0));
        let run = RemoteRun {
            control: tx.clone(),
            pgid: Arc::clone(&pgid),
        };
        let inner = Arc::clone(&self.inner);
        let run_id = wrapper::nonce()?;
        let tag = stop::run_tag(&inner.session_tag, &run_id[..16]);
        let slot = inner.slot(host);
        let canceller = run.clone();
        let id = inner.started(Box::new(move || canceller.cancel()));
        let supervisor = Supervisor {
            inner: Arc::clone(&inner),
            slot,
            sink: Arc::clone(&sink),
            tx,
            rx,
            pgid,
            tag,
            begun: Instant::now(),
        };
        // Over an open master the client starts here, at once, as `xargs` would start it:
        // on a busy machine a run's own thread may wait its turn for a while.
        let now = Instant::now();
        let inline = supervisor.slot.is_open() && lock(&inner.inline_starts).allowed(now);
        let launched = inline.then(|| {
            let launched = supervisor.launch(&request);
            lock(&inner.inline_starts).spent(now.elapsed(), Instant::now());
            launched
        });
        let client = launched
            .as_ref()
            .and_then(|l| l.as_ref().ok())
            .map(|l| l.child.id());
        let spawned = thread::Builder::new().name("remote-run".into()).spawn({
            let inner = Arc::clone(&inner);
            move || {
                let outcome = match launched {
                    Some(Ok(launched)) => supervisor.follow(launched, request.timeout),
                    Some(Err(outcome)) => *outcome,
                    None => supervisor.run(&request),
                };
                inner.finished(id);
                sink(RemoteEvent::Finished(outcome));
            }
        });
        if let Err(e) = spawned {
            if let Some(client) = client {
                crate::child::signal_group(client, nix::sys::signal::Signal::SIGKILL);
            }
            inner.finished(id);
            return Err(format!("cannot start a thread for the run: {e}"));
        }
        Ok(run)
    }
}

/// A run's ssh client, started, its script on the way.
struct Launched {
    child: Child,
    /// Written by a thread of its own when too large to write at once.
    input: Option<Vec<u8>>,
    mark: Vec<u8>,
}

struct Supervisor {
    inner: Arc<Inner>,
    slot: Arc<Slot>,
    sink: EventSink,
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    pgid: Arc<AtomicI32>,
    /// This run's tag: what it started carries it, wherever it moved.
    tag: String,
    begun: Instant,
}

/// Why the run was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Cancelled,
    TimedOut,
}

impl Supervisor {
    fn outcome(&self, exit: Exit, failure: Option<Failure>) -> RemoteOutcome {
        RemoteOutcome {
            exit,
            failure,
            timed_out: false,
            cancelled: false,
            duration: self.begun.elapsed(),
            change: None,
            pgid: None,
            lingering: false,
        }
    }

    /// Connects if need be, then runs and follows the run.
    fn run(self, request: &RemoteRequest) -> RemoteOutcome {
        if let Err(why) = self.inner.ensure_master(&self.slot) {
            return self.outcome(Exit::Code(-1), Some(Failure::Unreachable(why)));
        }
        match self.launch(request) {
            Ok(launched) => self.follow(launched, request.timeout),
            Err(outcome) => *outcome,
        }
    }

    /// Starts the ssh client with the run's command and gives it its input (at once when
    /// small); a run cancelled before is not started.
    fn launch(&self, request: &RemoteRequest) -> Result<Launched, Box<RemoteOutcome>> {
        if matches!(self.rx.try_recv(), Ok(Msg::Cancel)) {
            return Err(Box::new(RemoteOutcome {
                cancelled: true,
                ..self.outcome(Exit::Code(-1), None)
            }));
        }
        let local = |why| Box::new(self.outcome(Exit::Code(-1), Some(Failure::Local(why))));
        let nonce = wrapper::nonce().map_err(local)?;
        let wrapper = Wrapper {
            script: &request.script,
            env: &request.start.env,
            unset: &request.start.unset,
            cwd: request.start.cwd.as_deref(),
            errexit: request.errexit,
        };
        let prepared = wrapper
            .prepare(&nonce, &self.tag, self.slot.login())
            .map_err(local)?;
        let mut command = self
            .inner
            .settings
            .to_host(&self.slot.host, &self.slot.client_options());
        command
            .arg(&prepared.command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .spawn()
            .map_err(|e| local(format!("cannot start ssh: {e}")))?;
        let mut input = Some(prepared.input);
        if let Some(stdin) = child.stdin.as_mut()
            && input.as_ref().is_some_and(|i| i.len() <= INLINE_INPUT)
        {
            // A run that ends without reading its script is told apart by its reports.
            let _ = stdin.write_all(&input.take().unwrap_or_default());
            child.stdin.take();
        }
        Ok(Launched {
            child,
            input,
            mark: wrapper::mark(&nonce),
        })
    }

    /// Reads the run's streams and waits for its end.
    fn follow(self, launched: Launched, timeout: Option<Duration>) -> RemoteOutcome {
        let Launched {
            mut child,
            input,
            mark,
        } = launched;
        let streams = self.spawn_io(&mut child, input, &mark);
        self.supervise(child, streams, timeout)
    }

    fn spawn_io(
        &self,
        child: &mut Child,
        input: Option<Vec<u8>>,
        mark: &[u8],
    ) -> Option<(JoinHandle<()>, JoinHandle<Reports>)> {
        if let (Some(mut stdin), Some(input)) = (child.stdin.take(), input) {
            let _ = thread::Builder::new()
                .name("remote-stdin".into())
                .stack_size(READER_STACK)
                .spawn(move || {
                    let _ = stdin.write_all(&input);
                });
        }
        let (stdout, stderr) = (child.stdout.take()?, child.stderr.take()?);
        let gate = Arc::new(Gate::default());
        let out = {
            let (sink, tx, gate) = (Arc::clone(&self.sink), self.tx.clone(), Arc::clone(&gate));
            thread::Builder::new()
                .name("remote-stdout".into())
                .stack_size(READER_STACK)
                .spawn(move || read_stdout(stdout, &gate, &sink, &tx))
                .ok()?
        };
        let err = {
            let (sink, tx, pgid, mark) = (
                Arc::clone(&self.sink),
                self.tx.clone(),
                Arc::clone(&self.pgid),
                mark.to_vec(),
            );
            thread::Builder::new()
                .name("remote-stderr".into())
                .stack_size(READER_STACK)
                .spawn(move || read_stderr(stderr, &mark, &gate, &sink, &tx, &pgid))
                .ok()?
        };
        Some((out, err))
    }

    /// Waits for the streams to close, stopping the run on cancel or timeout, then reads
    /// its end.
    fn supervise(
        self,
        mut child: Child,
        streams: Option<(JoinHandle<()>, JoinHandle<Reports>)>,
        timeout: Option<Duration>,
    ) -> RemoteOutcome {
        let Some((out, err)) = streams else {
            kill_client(&mut child);
            return self.outcome(
                Exit::Code(-1),
                Some(Failure::Local("cannot read the run's output".into())),
            );
        };
        // A host's timeout counts from the run's start, not from opening its master.
        let deadline = timeout.map(|t| Instant::now() + t);
        let (mut open, mut stop, mut stopped, mut ended_at, mut lingering) =
            (2, None, None, None, false);
        let mut stop_deadline: Option<Instant> = None;
        while open > 0 {
            let wake = [
                deadline.filter(|_| stop.is_none()),
                ended_at.map(|t: Instant| t + DRAIN),
                stop_deadline,
            ]
            .into_iter()
            .flatten()
            .min();
            let message = match wake {
                Some(at) => self
                    .rx
                    .recv_timeout(at.saturating_duration_since(Instant::now())),
                None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match message {
                Ok(Msg::StdoutDone | Msg::StderrDone) => open -= 1,
                Ok(Msg::Ended) => ended_at = ended_at.or(Some(Instant::now())),
                Ok(Msg::Started(pgid)) => self.slot.track(pgid),
                Ok(Msg::Cancel) if stop.is_none() => {
                    stop = Some(Stop::Cancelled);
                    stopped = self.stop_remote(&mut child);
                    stop_deadline = Some(Instant::now() + AFTER_STOP);
                }
                Ok(Msg::Cancel) => {}
                Err(RecvTimeoutError::Timeout) => {
                    let now = Instant::now();
                    if stop.is_none() && deadline.is_some_and(|d| now >= d) {
                        stop = Some(Stop::TimedOut);
                        stopped = self.stop_remote(&mut child);
                        stop_deadline = Some(now + AFTER_STOP);
                    } else if ended_at.is_some_and(|t| now >= t + DRAIN)
                        || stop_deadline.is_some_and(|t| now >= t)
                    {
                        lingering = stop.is_none();
                        kill_client(&mut child);
                        break;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        let status = child.wait().ok();
        let _ = out.join();
        let reports = err.join().unwrap_or_default();
        if stop.is_some()
            && stopped.is_none()
            && let Some(pgid) = self.pgid()
        {
            // The shell reported its group only as the client was being stopped.
            stopped = self.stop_run(pgid);
        }
        self.conclude(status, &reports, stop, stopped, lingering)
    }

    fn pgid(&self) -> Option<i32> {
        Some(self.pgid.load(Ordering::SeqCst)).filter(|p| *p > 0)
    }

    /// TERM, grace, KILL to the remote group over a second ssh; without a group yet, the
    /// local client goes (the script then never arrives whole, and is not run).
    fn stop_remote(&self, child: &mut Child) -> Option<Stopped> {
        match self.pgid() {
            Some(pgid) => self.stop_run(pgid),
            None => {
                kill_client(child);
                None
            }
        }
    }

    /// The run's group and every process carrying its tag.
    fn stop_run(&self, pgid: i32) -> Option<Stopped> {
        let targets = Targets {
            groups: &[pgid],
            tag: &self.tag,
        };
        self.inner
            .stop(&self.slot, targets, crate::exec::DEFAULT_GRACE)
            .ok()
    }

    fn conclude(
        &self,
        status: Option<std::process::ExitStatus>,
        reports: &Reports,
        stop: Option<Stop>,
        stopped: Option<Stopped>,
        lingering: bool,
    ) -> RemoteOutcome {
        let ssh_code = status.and_then(|s| s.code());
        let said = || {
            let text = String::from_utf8_lossy(&reports.before_start);
            let last = crate::child::last_line(&text).to_string();
            if last.is_empty() {
                format!(
                    "ssh exited with {}",
                    ssh_code.map_or("a signal".into(), |c| c.to_string())
                )
            } else {
                last
            }
        };
        let signal = match stopped {
            Some(Stopped::Killed) => Some(9),
            Some(Stopped::Terminated) => Some(15),
            _ => None,
        };
        let exit = match (reports.end, signal) {
            (Some(status @ 129..=159), _) if stop.is_some() => Exit::Signal(status - 128),
            (Some(status), _) => Exit::Code(status),
            (None, Some(signal)) => Exit::Signal(signal),
            (None, None) if stop.is_some() => Exit::Code(-1),
            (None, None) => ssh_code
                .filter(|c| *c != 255)
                .map_or(Exit::Code(-1), Exit::Code),
        };
        let failure = match (reports.started, reports.end, stop) {
            (_, _, Some(_)) | (true, Some(_), None) => None,
            (false, _, None) if ssh_code == Some(255) => Some(Failure::Unreachable(said())),
            (false, _, None) => Some(Failure::NoShell(said())),
            (true, None, None) if ssh_code == Some(255) || ssh_code.is_none() => Some(
                Failure::Lost(format!("the step's end was never reported ({})", said())),
            ),
            (true, None, None) => None,
        };
        let before = reports.before.as_deref().map(super::exports::parse_exports);
        if let Some(shell) = before.as_ref().and_then(|b| b.get("SHELL")) {
            self.slot.learn_login_shell(shell);
        }
        let change = match (&before, &reports.after) {
            (Some(before), Some(after)) => {
                Some(super::place::change(before, after, reports.pwd.as_deref()))
            }
            _ => None,
        };
        RemoteOutcome {
            exit,
            failure,
            timed_out: stop == Some(Stop::TimedOut),
            cancelled: stop == Some(Stop::Cancelled),
            duration: self.begun.elapsed(),
            change,
            pgid: self.pgid(),
            lingering,
        }
    }
}

fn kill_client(child: &mut Child) {
    crate::child::signal_group(child.id(), nix::sys::signal::Signal::SIGKILL);
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
