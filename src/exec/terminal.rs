//! Handing the real terminal to an interactive step's process group and taking it back.

use std::io::{self, IsTerminal};
use std::os::fd::AsFd;

use nix::sys::signal::{SigSet, SigmaskHow, Signal, killpg, pthread_sigmask};
use nix::unistd::{Pid, getpgrp, tcgetpgrp, tcsetpgrp};

/// While alive, the step's group is the terminal's foreground group; dropping it gives the
/// terminal back to the group that had it.
#[derive(Debug)]
pub(crate) struct ForegroundGuard {
    previous: Pid,
}

impl ForegroundGuard {
    /// Only when stdin is a terminal and we are its foreground group; otherwise `None`.
    pub fn hand_over(pgid: i32) -> Option<Self> {
        let stdin = io::stdin();
        if !stdin.is_terminal() {
            return None;
        }
        let previous = tcgetpgrp(stdin.as_fd()).ok()?;
        if previous != getpgrp() {
            return None;
        }
        tcsetpgrp(stdin.as_fd(), Pid::from_raw(pgid)).ok()?;
        // The step may have touched the terminal before it was handed over and been stopped
        // by SIGTTIN/SIGTTOU; now it may continue.
        let _ = killpg(Pid::from_raw(pgid), Signal::SIGCONT);
        Some(ForegroundGuard { previous })
    }
}

impl Drop for ForegroundGuard {
    fn drop(&mut self) {
        // We are a background group now; with SIGTTOU blocked, tcsetpgrp is allowed and
        // raises no signal.
        let mut block = SigSet::empty();
        block.add(Signal::SIGTTOU);
        let mut old = SigSet::empty();
        let blocked = pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&block), Some(&mut old));
        let _ = tcsetpgrp(io::stdin().as_fd(), self.previous);
        if blocked.is_ok() {
            let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&old), None);
        }
    }
}
