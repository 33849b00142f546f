//! [`Monitor`]: the background thread and runtime that run every check, and what callers read.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{oneshot, watch};

use crate::doc::health::HealthCheck;

use super::probe::Prober;
use super::probe::remote::Hosts;
use super::schedule::{Board, run_check};
use super::types::{Change, CheckState, Report};

/// Tokio workers: the probes are I/O-bound; two keep one slow JSON parse from delaying others.
const WORKERS: usize = 2;
/// Threads for blocking work (statfs of `disk:` checks, DNS lookups).
const BLOCKING_THREADS: usize = 4;
/// How long `stop` waits for blocking work (a hung statfs) before leaving it behind.
pub(crate) const SHUTDOWN_WAIT: Duration = Duration::from_millis(500);

/// Runs declared checks in the background; every method returns at once.
pub struct Monitor {
    board: Arc<Mutex<Board>>,
    paused: watch::Sender<bool>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// The runtime the monitor and `probe_once` use.
pub(crate) fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .max_blocking_threads(BLOCKING_THREADS)
        .thread_name("runbook-health")
        .enable_all()
        .build()
}

impl Monitor {
    /// Starts every check on its own interval. `env` is the complete environment of `cmd`
    /// checks and `cwd` their working directory. Without checks no thread is started.
    pub fn start(checks: Vec<HealthCheck>, env: BTreeMap<String, String>, cwd: PathBuf) -> Monitor {
        Monitor::start_with(checks, Prober::new(env, cwd), None)
    }

    /// Like [`Monitor::start`], with checks `on:` a host sampled on `hosts`, reporting every
    /// sample to `report` when one is given (as [`Monitor::start_reporting`] does).
    pub fn start_on(
        checks: Vec<HealthCheck>,
        (env, cwd): (BTreeMap<String, String>, PathBuf),
        hosts: Hosts,
        report: Option<Report>,
    ) -> Monitor {
        Monitor::start_with(checks, Prober::new(env, cwd).with_hosts(hosts), report)
    }

    /// Like [`Monitor::start`], reporting every sample to `report` as it is taken (from the
    /// monitor's threads) instead of keeping changes for [`Monitor::take_changes`].
    pub fn start_reporting(
        checks: Vec<HealthCheck>,
        env: BTreeMap<String, String>,
        cwd: PathBuf,
        report: Report,
    ) -> Monitor {
        Monitor::start_with(checks, Prober::new(env, cwd), Some(report))
    }

    fn start_with(checks: Vec<HealthCheck>, prober: Prober, report: Option<Report>) -> Monitor {
        let board = Arc::new(Mutex::new(Board::new(&checks, Instant::now(), report)));
        let (paused, paused_rx) = watch::channel(false);
        let (stop, stop_rx) = oneshot::channel();
        let shared = Arc::clone(&board);
        let thread = if checks.is_empty() {
            None
        } else {
            let spawned = std::thread::Builder::new()
                .name("runbook-health".into())
                .spawn(move || serve(checks, prober, shared, paused_rx, stop_rx));
            spawned
                .map_err(|e| lock(&board).fail_all(&format!("health checks unavailable: {e}")))
                .ok()
        };
        Monitor {
            board,
            paused,
            stop: Some(stop),
            thread,
        }
    }

    /// The latest state of every check, in declaration order.
    pub fn snapshot(&self) -> Vec<CheckState> {
        lock(&self.board).snapshot()
    }

    /// Status changes since the previous call, oldest first (the first sample of a check is
    /// a change from UNKNOWN). Kept up to 1024 when nobody collects them.
    pub fn take_changes(&self) -> Vec<Change> {
        lock(&self.board).take_changes()
    }

    /// Paused checks do not probe; they resume with a probe at once.
    pub fn set_paused(&self, paused: bool) {
        self.paused.send_replace(paused);
    }

    /// How long the check has been OK without a break (`None` if it is not OK, or unknown).
    pub fn ok_for(&self, name: &str) -> Option<Duration> {
        let now = Instant::now();
        lock(&self.board).find(name)?.ok_for(now)
    }

    /// How long the check has been CRIT or DOWN without a break.
    pub fn crit_for(&self, name: &str) -> Option<Duration> {
        let now = Instant::now();
        lock(&self.board).find(name)?.crit_for(now)
    }

    /// Checks whose `rollback_if.crit_for` is met, with how long they have been critical.
    pub fn rollback_due(&self) -> Vec<(String, Duration)> {
        lock(&self.board).rollback_due(Instant::now())
    }

    /// Ends every probe (killing running `cmd` checks) and joins the thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn lock(board: &Mutex<Board>) -> MutexGuard<'_, Board> {
    board.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The monitor thread: one task per check until told to stop, then the runtime is dropped,
/// which cancels every task at its next await (dropping a `cmd` probe kills its group).
fn serve(
    checks: Vec<HealthCheck>,
    prober: Prober,
    board: Arc<Mutex<Board>>,
    paused: watch::Receiver<bool>,
    stop: oneshot::Receiver<()>,
) {
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(e) => {
            lock(&board).fail_all(&format!("health checks unavailable: {e}"));
            return;
        }
    };
    runtime.block_on(async {
        for (index, check) in checks.into_iter().enumerate() {
            let task = run_check(
                index,
                check,
                prober.clone(),
                Arc::clone(&board),
                paused.clone(),
            );
            tokio::spawn(task);
        }
        let _ = stop.await;
    });
    runtime.shutdown_timeout(SHUTDOWN_WAIT);
}
