//! A session's connections: one ControlMaster per host, its socket in the session's
//! private runtime directory (0700), opened on first use and closed (`ssh -O exit`) with
//! the session; and what the session's runs started on each host (their process groups,
//! and every process carrying the session's tag), stopped over the same connection when
//! the session closes.
//!
//! A socket is named `N-%n` — the host's number in this session, then the name ssh was
//! given — so two aliases of one server, or one server reached as two users, never share
//! a master. A Unix socket path is at most 104 bytes (macOS; 108 on Linux) and ssh binds a
//! temporary name 17 bytes longer first, so paths stay within [`SOCKET_PATH_BUDGET`]; a
//! long name is left out, the number alone is enough.

use super::ssh::SshSettings;
use super::stop::{self, Stopped, Targets};
use crate::doc::hosts::HostEntry;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Longest control path we hand ssh: 104 - 1 (NUL) - 17 (ssh's temporary suffix).
pub const SOCKET_PATH_BUDGET: usize = 86;
/// A master nobody has used for this long exits by itself: a driver killed with `kill
/// -9` leaves nothing connected for long. A later run opens it again.
pub const MASTER_IDLE: &str = "10m";
/// Connecting and authenticating a master.
const CONNECT_LIMIT: Duration = Duration::from_secs(30);
/// `ssh -O exit` and the stop command over an open master.
const CONTROL_LIMIT: Duration = Duration::from_secs(15);

/// Why the session's connections cannot be set up at all.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionsError {
    #[error("cannot create a private directory for ssh control sockets in {}: {source}", dir.display())]
    RuntimeDir {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// One host of the session and its control socket.
#[derive(Debug)]
pub(super) struct Slot {
    pub host: HostEntry,
    pub control: String,
    socket: PathBuf,
    /// Held while the master is checked or opened, so one host gets one master.
    opening: Mutex<()>,
    /// Process groups started there, possibly still alive.
    groups: Mutex<Vec<i32>>,
    /// How the login shell there starts a run ([`super::wrapper::Login`]), as an earlier
    /// run's environment said.
    login: Mutex<super::wrapper::Login>,
}

impl Slot {
    /// Options of a run or control command over this host's master.
    pub fn client_options(&self) -> [&str; 5] {
        ["-o", "ControlMaster=no", "-o", &self.control, "-T"]
    }

    /// How the next run there can start ([`super::wrapper::Login`]).
    pub fn login(&self) -> super::wrapper::Login {
        *lock(&self.login)
    }

    /// Learns the login shell from `SHELL` in a run's environment.
    pub fn learn_login_shell(&self, shell: &str) {
        *lock(&self.login) = super::wrapper::Login::of_shell(shell);
    }

    /// Whether the host's master is open (its socket is there).
    pub fn is_open(&self) -> bool {
        self.socket.exists()
    }

    pub fn track(&self, pgid: i32) {
        let mut groups = lock(&self.groups);
        if !groups.contains(&pgid) {
            groups.push(pgid);
        }
    }
}

/// What the session's connections did when they were closed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Closed {
    /// Hosts where process groups of the session were still running and were stopped.
    pub hosts_with_leftovers: usize,
    pub masters: usize,
}

/// Stops a run in progress (sends it a cancel).
pub(super) type Canceller = Box<dyn Fn() + Send>;

pub(super) struct Inner {
    pub settings: SshSettings,
    /// The session's part of every run's tag ([`stop`]).
    pub session_tag: String,
    dir: tempfile::TempDir,
    slots: Mutex<Vec<Arc<Slot>>>,
    /// Runs in progress, by number: what cancels each.
    active: Mutex<Vec<(u64, Canceller)>>,
    next_run: std::sync::atomic::AtomicU64,
    closed: AtomicBool,
    /// Time the caller's thread spent starting ssh clients in the current burst of starts.
    pub inline_starts: Mutex<InlineStarts>,
}

/// Starting a run's ssh client on the caller's thread (the session's, which also draws
/// the screen) is quick, but a batch of many is not: a burst of starts gets at most
/// [`INLINE_BUDGET`] of it, the rest start on their own threads.
#[derive(Debug, Default)]
pub(super) struct InlineStarts {
    last: Option<std::time::Instant>,
    spent: Duration,
}

const INLINE_BUDGET: Duration = Duration::from_millis(20);
/// Starts this far apart belong to different bursts.
const BURST_GAP: Duration = Duration::from_millis(100);

impl InlineStarts {
    /// Whether the next start may run on the caller's thread.
    pub fn allowed(&mut self, now: std::time::Instant) -> bool {
        if self
            .last
            .is_none_or(|last| now.duration_since(last) > BURST_GAP)
        {
            self.spent = Duration::ZERO;
        }
        self.spent < INLINE_BUDGET
    }

    /// A start on the caller's thread took `took`, ending at `now`.
    pub fn spent(&mut self, took: Duration, now: std::time::Instant) {
        self.spent += took;
        self.last = Some(now);
    }
}

/// The session's connections to its hosts. Dropping it closes them — what runs left on
/// hosts is stopped, masters exit — even while runs are still going (they then end).
pub struct Connections {
    pub(super) inner: Arc<Inner>,
}

impl Connections {
    /// Creates the private runtime directory; nothing connects yet. Runs are tagged with
    /// a random session tag.
    pub fn new(settings: SshSettings) -> Result<Self, ConnectionsError> {
        let random = super::wrapper::nonce().unwrap_or_default();
        Self::for_session(settings, &random[..random.len().min(16)])
    }

    /// As [`Connections::new`], runs tagged with the session's id: a resumed session
    /// stops, when it closes, what an earlier driver of it left on its hosts.
    pub fn for_session(settings: SshSettings, session: &str) -> Result<Self, ConnectionsError> {
        let base = runtime_base();
        let dir = tempfile::Builder::new()
            .prefix("rb-")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir_in(&base)
            .map_err(|source| ConnectionsError::RuntimeDir { dir: base, source })?;
        Ok(Connections {
            inner: Arc::new(Inner {
                settings,
                session_tag: stop::session_tag(session),
                dir,
                slots: Mutex::new(Vec::new()),
                active: Mutex::new(Vec::new()),
                next_run: std::sync::atomic::AtomicU64::new(0),
                closed: AtomicBool::new(false),
                inline_starts: Mutex::new(InlineStarts::default()),
            }),
        })
    }

    /// The directory holding the control sockets.
    pub fn runtime_dir(&self) -> &Path {
        self.inner.dir.path()
    }

    pub fn settings(&self) -> &SshSettings {
        &self.inner.settings
    }

    /// The control socket of `host` (whether or not its master is open).
    pub fn socket(&self, host: &HostEntry) -> PathBuf {
        self.inner.slot(host).socket.clone()
    }

    /// Opens the masters of `hosts` at once; for each, `Err` says why it is unreachable.
    pub fn connect(&self, hosts: &[HostEntry]) -> Vec<Result<(), String>> {
        std::thread::scope(|scope| {
            let handles: Vec<_> = hosts
                .iter()
                .map(|host| scope.spawn(move || self.inner.ensure_master(&self.inner.slot(host))))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("the connection attempt failed".into()))
                })
                .collect()
        })
    }

    /// Stops, on `host` over its master, process groups and every process of the session's
    /// runs (by their tag): TERM, then KILL after `grace`.
    pub fn stop_groups(
        &self,
        host: &HostEntry,
        pgids: &[i32],
        grace: Duration,
    ) -> Result<Stopped, String> {
        let tag = stop::all_runs(&self.inner.session_tag);
        let targets = Targets {
            groups: pgids,
            tag: &tag,
        };
        self.inner.stop(&self.inner.slot(host), targets, grace)
    }

    /// Counts `host` among the session's hosts without connecting: closing the session
    /// stops what its runs left there (an earlier driver's, on a resumed session).
    pub fn remember(&self, host: &HostEntry) {
        self.inner.slot(host);
    }

    /// Stops what the session's runs left on every host, then closes every master.
    pub fn close(&self) -> Closed {
        self.inner.close()
    }
}

impl Inner {
    /// The slot of `host`, created (and numbered) the first time.
    pub fn slot(&self, host: &HostEntry) -> Arc<Slot> {
        let mut slots = lock(&self.slots);
        if let Some(slot) = slots.iter().find(|s| &s.host == host) {
            return Arc::clone(slot);
        }
        let index = slots.len();
        let dir = self.dir.path().display().to_string();
        let with_name = format!("{dir}/{index}-{}", host.address);
        let (socket, name) = if with_name.len() <= SOCKET_PATH_BUDGET {
            (PathBuf::from(with_name), format!("{index}-%n"))
        } else {
            (self.dir.path().join(index.to_string()), index.to_string())
        };
        let slot = Arc::new(Slot {
            host: host.clone(),
            control: format!("ControlPath={}/{name}", dir.replace('%', "%%")),
            socket,
            opening: Mutex::new(()),
            groups: Mutex::new(Vec::new()),
            login: Mutex::new(super::wrapper::Login::Unknown),
        });
        slots.push(Arc::clone(&slot));
        slot
    }

    /// Registers a run in progress; its number, to [`Inner::finished`] it.
    pub fn started(&self, cancel: Canceller) -> u64 {
        let id = self.next_run.fetch_add(1, Ordering::SeqCst);
        lock(&self.active).push((id, cancel));
        id
    }

    pub fn finished(&self, id: u64) {
        lock(&self.active).retain(|(run, _)| *run != id);
    }

    /// Cancels every run in progress and waits (a while) for them to end.
    fn cancel_active(&self) {
        for (_, cancel) in lock(&self.active).iter() {
            cancel();
        }
        let deadline = std::time::Instant::now() + crate::exec::DEFAULT_GRACE + CONTROL_LIMIT;
        while !lock(&self.active).is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Opens the host's master unless its socket is there.
    pub fn ensure_master(&self, slot: &Slot) -> Result<(), String> {
        let _opening = lock(&slot.opening);
        if slot.socket.exists() {
            return Ok(());
        }
        if self.closed.load(Ordering::SeqCst) {
            return Err("the session's connections are closed".into());
        }
        let persist = format!("ControlPersist={MASTER_IDLE}");
        let options = [
            "-o",
            "ControlMaster=yes",
            "-o",
            &slot.control,
            "-o",
            &persist,
            "-o",
            "ConnectTimeout=15",
            "-o",
            "ServerAliveInterval=15",
            "-o",
            "ServerAliveCountMax=3",
            "-N",
            "-f",
        ];
        let command = self.settings.to_host(&slot.host, &options);
        let ended = crate::child::run_to_end(command, b"", CONNECT_LIMIT)?;
        if !ended.status.success() {
            let said = ended.said();
            return Err(if said.is_empty() {
                format!("ssh failed ({})", ended.status)
            } else {
                said
            });
        }
        if slot.socket.exists() {
            Ok(())
        } else {
            Err(format!(
                "ssh connected but made no control socket at {}",
                slot.socket.display()
            ))
        }
    }

    /// One ssh over the master runs a small `sh` loop ([`stop::script`]).
    pub fn stop(
        &self,
        slot: &Slot,
        targets: Targets<'_>,
        grace: Duration,
    ) -> Result<Stopped, String> {
        let mut command = self.settings.to_host(&slot.host, &slot.client_options());
        command.arg(stop::COMMAND);
        let script = stop::script(targets, grace);
        let done = crate::child::run(command, script.as_bytes(), CONTROL_LIMIT + grace)?;
        stop::outcome(&String::from_utf8_lossy(&done.stdout))
    }

    fn close(&self) -> Closed {
        if self.closed.swap(true, Ordering::SeqCst) {
            return Closed::default();
        }
        self.cancel_active();
        let slots: Vec<Arc<Slot>> = lock(&self.slots).clone();
        let results: Vec<(bool, bool)> = std::thread::scope(|scope| {
            let handles: Vec<_> = slots
                .iter()
                .map(|slot| scope.spawn(move || self.close_slot(slot)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or((false, false)))
                .collect()
        });
        Closed {
            hosts_with_leftovers: results.iter().filter(|(stopped, _)| *stopped).count(),
            masters: results.iter().filter(|(_, closed)| *closed).count(),
        }
    }

    /// Stops the slot's leftover groups, then its master: (something was stopped, master closed).
    fn close_slot(&self, slot: &Slot) -> (bool, bool) {
        let _opening = lock(&slot.opening);
        let groups = std::mem::take(&mut *lock(&slot.groups));
        // Without its master (it idled out), ssh reaches the host directly.
        let tag = stop::all_runs(&self.session_tag);
        let targets = Targets {
            groups: &groups,
            tag: &tag,
        };
        let stopped = matches!(
            self.stop(slot, targets, crate::exec::DEFAULT_GRACE),
            Ok(Stopped::Terminated | Stopped::Killed)
        );
        if !slot.socket.exists() {
            return (stopped, false);
        }
        let mut exit = self
            .settings
            .to_host(&slot.host, &["-o", &slot.control, "-O", "exit"]);
        exit.stdin(std::process::Stdio::null());
        let closed = crate::child::run(exit, b"", CONTROL_LIMIT).is_ok();
        (stopped, closed)
    }
}

impl Drop for Connections {
    /// However the session ends, its masters and what its runs left on hosts go with it.
    fn drop(&mut self) {
        self.inner.close();
    }
}

/// `$XDG_RUNTIME_DIR` (per user, in memory) when its paths are short enough for sockets;
/// else `/tmp`.
fn runtime_base() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute() && dir.is_dir() && dir.as_os_str().len() <= 48)
        .unwrap_or_else(|| PathBuf::from("/tmp"))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_starts_gets_a_bounded_share_of_the_callers_time() {
        let t0 = std::time::Instant::now();
        let mut starts = InlineStarts::default();
        assert!(starts.allowed(t0));
        starts.spent(Duration::from_millis(15), t0 + Duration::from_millis(15));
        assert!(starts.allowed(t0 + Duration::from_millis(16)));
        starts.spent(Duration::from_millis(6), t0 + Duration::from_millis(22));
        assert!(!starts.allowed(t0 + Duration::from_millis(23)));
        assert!(starts.allowed(t0 + Duration::from_millis(200)));
    }

    #[test]
    fn sockets_are_private_numbered_and_short() {
        let connections = Connections::new(SshSettings::default()).expect("runtime dir");
        let mode = std::fs::metadata(connections.runtime_dir())
            .expect("dir")
            .permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o700
        );
        let web = HostEntry::plain("web01");
        let long = HostEntry::plain(&"x".repeat(120));
        let as_deploy = HostEntry {
            user: Some("deploy".into()),
            ..web.clone()
        };
        let inner = &connections.inner;
        let (a, b, c) = (inner.slot(&web), inner.slot(&long), inner.slot(&as_deploy));
        assert!(a.control.ends_with("/0-%n"), "{}", a.control);
        assert!(a.socket.ends_with("0-web01"));
        assert!(b.control.ends_with("/1"), "{}", b.control);
        assert!(c.socket.ends_with("2-web01"));
        assert!(Arc::ptr_eq(&inner.slot(&web), &a));
        for slot in [&a, &b, &c] {
            assert!(slot.socket.as_os_str().len() <= SOCKET_PATH_BUDGET);
        }
    }
}
