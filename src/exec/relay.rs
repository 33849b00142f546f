//! An `interactive=true` step on the operator's terminal, relayed: the step runs in a
//! pseudo-terminal of its own, the real terminal is put in raw mode, keys typed go to the
//! pseudo-terminal as they are, and its window size follows the real one. What the step
//! prints comes back through the output readers, which show it and record it.
//!
//! Keys are never recorded: they go straight from stdin to the pseudo-terminal. Whether a
//! typed key is *shown* is the pseudo-terminal's echo, so a password read with echo off
//! shows nothing and records nothing. Ctrl-C, Ctrl-\ and the like reach the step's line
//! discipline as bytes, which signals the step's group, never runbook. Suspending (Ctrl-Z)
//! is switched off there: nobody could resume a stopped step.
//!
//! The real terminal's modes are put back when the relay ends (the step ended, was
//! stopped, or the session winds down on a signal) and by a panic hook should runbook
//! panic meanwhile.

use std::io::{self, IsTerminal, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::thread;
use std::time::Duration;

use nix::unistd::{getpgrp, tcgetpgrp};
use pty_process::blocking::Pty;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
use rustix::termios::{
    OptionalActions, SpecialCodeIndex, Termios, tcgetattr, tcgetwinsize, tcsetattr, tcsetwinsize,
};

/// How often the key relay looks up from stdin (to stop, or to follow a resize).
const TICK: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 50_000_000,
};
/// How long the end of a relay waits for its key thread to let go of stdin.
const LET_GO: Duration = Duration::from_millis(500);
/// `_POSIX_VDISABLE` on Linux: the control character is switched off.
const DISABLED: u8 = 0;

/// The terminal modes to put back if runbook panics while a relay holds the terminal raw.
static SAVED: Mutex<Option<Termios>> = Mutex::new(None);
static PANIC_HOOK: Once = Once::new();

/// Whether keys can be relayed: stdin is a terminal and this process is in its foreground
/// (a background runbook reading it would be stopped by SIGTTIN).
pub(crate) fn on_operator_terminal() -> bool {
    let stdin = io::stdin();
    stdin.is_terminal() && tcgetpgrp(stdin.as_fd()).is_ok_and(|foreground| foreground == getpgrp())
}

/// Gives the step's terminal the operator's modes (erase key, line endings; suspend off)
/// and the real terminal's window size. Call before the step starts.
pub(crate) fn shape(pts: impl AsFd, pty: &Pty) -> io::Result<()> {
    let stdin = io::stdin();
    let mut modes = tcgetattr(stdin.as_fd())?;
    modes.special_codes[SpecialCodeIndex::VSUSP] = DISABLED;
    tcsetattr(pts, OptionalActions::Now, &modes)?;
    let size = tcgetwinsize(stdin.as_fd())?;
    tcsetwinsize(pty, size)?;
    Ok(())
}

/// The operator's terminal relayed to a step's pseudo-terminal; dropping it stops the key
/// relay and puts the terminal's modes back.
#[derive(Debug)]
pub(crate) struct Relay {
    stop: Arc<AtomicBool>,
    let_go: Receiver<()>,
    winch: signal_hook::SigId,
    raw: RawMode,
}

impl Relay {
    /// Puts the real terminal in raw mode and relays keys and window size to `pty`.
    pub fn start(pty: Arc<Pty>) -> io::Result<Relay> {
        let raw = RawMode::enter()?;
        let resized = Arc::new(AtomicBool::new(false));
        let winch = signal_hook::flag::register(signal_hook::consts::SIGWINCH, resized.clone())?;
        let stop = Arc::new(AtomicBool::new(false));
        let (done, let_go) = mpsc::channel();
        let keys = Keys {
            pty,
            stop: stop.clone(),
            resized,
        };
        let started = thread::Builder::new()
            .name("step-keys".to_owned())
            .spawn(move || {
                keys.relay();
                let _ = done.send(());
            });
        if let Err(e) = started {
            signal_hook::low_level::unregister(winch);
            return Err(e);
        }
        Ok(Relay {
            stop,
            let_go,
            winch,
            raw,
        })
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Whatever it reads after this would be lost, so wait until it stops reading.
        let _ = self.let_go.recv_timeout(LET_GO);
        signal_hook::low_level::unregister(self.winch);
        self.raw.leave();
    }
}

/// The key relay's thread: stdin to the pseudo-terminal, and the window size on SIGWINCH.
struct Keys {
    pty: Arc<Pty>,
    stop: Arc<AtomicBool>,
    resized: Arc<AtomicBool>,
}

impl Keys {
    fn relay(&self) {
        let stdin = io::stdin();
        let input = stdin.as_fd();
        let mut buf = [0; 4096];
        while !self.stop.load(Ordering::SeqCst) {
            if self.resized.swap(false, Ordering::SeqCst)
                && let Ok(size) = tcgetwinsize(input)
            {
                // The kernel tells the step's group (SIGWINCH) when the size changes.
                let _ = tcsetwinsize(&*self.pty, size);
            }
            match self.forward(input, &mut buf) {
                Ok(()) => {}
                // Stdin ended (a hang-up) or the step's terminal is gone: nothing more to pass.
                Err(_) => return,
            }
        }
    }

    /// Waits a tick for keys and passes on what came.
    fn forward(&self, input: BorrowedFd<'_>, buf: &mut [u8]) -> Result<(), Errno> {
        let mut fds = [PollFd::new(&input, PollFlags::IN)];
        match poll(&mut fds, Some(&TICK)) {
            Ok(0) | Err(Errno::INTR) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(e),
        }
        if !fds[0].revents().contains(PollFlags::IN) {
            return Err(Errno::IO);
        }
        match rustix::io::read(input, &mut *buf) {
            Ok(0) => Err(Errno::IO),
            Ok(n) => (&*self.pty)
                .write_all(&buf[..n])
                .map_err(|e| Errno::from_io_error(&e).unwrap_or(Errno::IO)),
            Err(Errno::INTR | Errno::AGAIN) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// The real terminal in raw mode; [`RawMode::leave`] (or a panic) puts its modes back.
#[derive(Debug)]
struct RawMode {
    before: Option<Termios>,
}

impl RawMode {
    fn enter() -> io::Result<RawMode> {
        let stdin = io::stdin();
        let before = tcgetattr(stdin.as_fd())?;
        let mut raw = before.clone();
        raw.make_raw();
        remember(Some(before.clone()));
        PANIC_HOOK.call_once(restore_on_panic);
        if let Err(e) = tcsetattr(stdin.as_fd(), OptionalActions::Now, &raw) {
            remember(None);
            return Err(e.into());
        }
        Ok(RawMode {
            before: Some(before),
        })
    }

    /// Puts the terminal's modes back (once).
    fn leave(&mut self) {
        if let Some(before) = self.before.take() {
            let _ = tcsetattr(io::stdin().as_fd(), OptionalActions::Now, &before);
            remember(None);
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        self.leave();
    }
}

fn remember(modes: Option<Termios>) {
    *SAVED.lock().unwrap_or_else(PoisonError::into_inner) = modes;
}

/// Chains a panic hook that puts a relayed terminal's modes back first.
fn restore_on_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // `try_lock`: the panic may have struck while the lock was held.
        if let Ok(mut saved) = SAVED.try_lock()
            && let Some(before) = saved.take()
        {
            let _ = tcsetattr(io::stdin().as_fd(), OptionalActions::Now, &before);
        }
        previous(info);
    }));
}
