//! A pseudo-terminal harness for the full-screen view: runs the real binary on
//! a 120×40 terminal, parses everything it draws into a `vt100` screen, types
//! keys, and reports how it left the terminal (screen mode and tty modes).
#![allow(dead_code)]

use nix::sys::termios::{LocalFlags, tcgetattr};
use pty_process::blocking::Pty;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

pub const ROWS: u16 = 40;
pub const COLS: u16 = 120;
/// How long anything may take on a busy 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(20);

/// Everything the program drew so far, parsed.
struct Shared {
    parser: Mutex<vt100::Parser>,
    bytes: AtomicUsize,
}

/// `runbook` running in a pseudo-terminal.
pub struct Term {
    child: Child,
    /// The terminal's master side: keys are written to it, a thread reads the screen.
    master: Arc<Pty>,
    /// Our own handle on the terminal side, kept to read its modes after the program exits.
    slave: File,
    shared: Arc<Shared>,
    status: Option<ExitStatus>,
}

/// How the terminal was left once the program exited.
pub struct Exit {
    pub status: ExitStatus,
    pub screen: vt100::Screen,
    pub echo: bool,
    pub canonical: bool,
}

impl Exit {
    pub fn code(&self) -> Option<u32> {
        self.status
            .signal()
            .is_none()
            .then(|| self.status.code())
            .flatten()
            .and_then(|code| u32::try_from(code).ok())
    }

    /// Main screen, cursor shown, echo and line editing back on.
    pub fn assert_terminal_restored(&self) {
        let dump = self.screen.contents();
        assert!(
            !self.screen.alternate_screen(),
            "still on the alternate screen:\n{dump}"
        );
        assert!(!self.screen.hide_cursor(), "cursor left hidden:\n{dump}");
        assert!(self.echo, "echo left off");
        assert!(self.canonical, "canonical (line) mode left off");
    }
}

impl Term {
    /// Starts the `runbook` binary with `args` in `dir`, with `env` added.
    pub fn spawn(args: &[&str], dir: &Path, env: &[(&str, &OsStr)]) -> Term {
        Term::spawn_program(env!("CARGO_BIN_EXE_runbook"), args, dir, env)
    }

    /// Starts the binary in the sandbox `dir`: its audit log in `audit`, its data and state
    /// directories inside `dir`, so that nothing of the user's is read or written.
    pub fn spawn_sandboxed(args: &[&str], dir: &Path, audit: &Path) -> Term {
        let data = dir.join("xdg-data");
        let state = dir.join("xdg-state");
        Term::spawn(
            args,
            dir,
            &[
                ("RUNBOOK_AUDIT_DIR", audit.as_os_str()),
                ("XDG_DATA_HOME", data.as_os_str()),
                ("XDG_STATE_HOME", state.as_os_str()),
            ],
        )
    }

    /// Starts `program` (found on PATH) with `args` in `dir`, with `env` added.
    pub fn spawn_program(program: &str, args: &[&str], dir: &Path, env: &[(&str, &OsStr)]) -> Term {
        let (master, pts) = pty_process::blocking::open().expect("openpty");
        master
            .resize(pty_process::Size::new(ROWS, COLS))
            .expect("the terminal's size");
        let slave = File::from(pts.as_fd().try_clone_to_owned().expect("the terminal side"));
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(dir)
            .env("TERM", "xterm-256color")
            .env_remove("RUNBOOK_PATH")
            .envs(env.iter().copied());
        let child = pty_process::blocking::Command::from(cmd)
            .spawn(pts)
            .expect("spawn runbook");
        let shared = Arc::new(Shared {
            parser: Mutex::new(vt100::Parser::new(ROWS, COLS, 0)),
            bytes: AtomicUsize::new(0),
        });
        let master = Arc::new(master);
        pump(Arc::clone(&master), Arc::clone(&shared));
        Term {
            child,
            master,
            slave,
            shared,
            status: None,
        }
    }

    /// Types `keys` (raw bytes: `\r` is Enter, `\x1b` Esc).
    pub fn send(&mut self, keys: &str) {
        let mut writer = &*self.master;
        writer.write_all(keys.as_bytes()).expect("type keys");
        writer.flush().expect("flush keys");
    }

    /// Resizes the terminal (the program in its foreground gets SIGWINCH).
    pub fn resize(&mut self, rows: u16, cols: u16) {
        self.master
            .resize(pty_process::Size::new(rows, cols))
            .expect("resize the terminal");
        if let Ok(mut parser) = self.shared.parser.lock() {
            parser.screen_mut().set_size(rows, cols);
        }
    }

    /// The screen as it is now.
    pub fn screen(&self) -> vt100::Screen {
        self.shared.parser.lock().expect("parser").screen().clone()
    }

    pub fn contents(&self) -> String {
        self.screen().contents()
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("pid fits")
    }

    /// Waits until `text` is on screen; fails with the screen on timeout or early exit.
    pub fn wait_for(&mut self, text: &str) {
        self.wait_until(&format!("`{text}` on screen"), |s| s.contains(text));
    }

    /// Waits until `test` holds for the screen's text.
    pub fn wait_until(&mut self, what: &str, test: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let screen = self.contents();
            if test(&screen) {
                return;
            }
            if let Some(status) = self.exited() {
                panic!("runbook exited ({status:?}) while waiting for {what}; screen:\n{screen}");
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            thread::sleep(POLL);
        }
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().expect("try_wait");
        }
        self.status
    }

    /// Whether echo and canonical mode are on right now.
    pub fn modes(&self) -> (bool, bool) {
        let termios = tcgetattr(&self.slave).expect("tcgetattr");
        (
            termios.local_flags.contains(LocalFlags::ECHO),
            termios.local_flags.contains(LocalFlags::ICANON),
        )
    }

    /// Waits for the program to exit and for its last output to be parsed.
    pub fn wait_exit(&mut self) -> Exit {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.exited() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "runbook did not exit; screen:\n{}",
                self.contents()
            );
            thread::sleep(POLL);
        };
        self.settle();
        let (echo, canonical) = self.modes();
        Exit {
            status,
            screen: self.screen(),
            echo,
            canonical,
        }
    }

    /// Waits until no output has arrived for a moment.
    fn settle(&self) {
        let mut seen = self.shared.bytes.load(Ordering::SeqCst);
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            thread::sleep(Duration::from_millis(150));
            let now = self.shared.bytes.load(Ordering::SeqCst);
            if now == seen {
                return;
            }
            seen = now;
        }
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if self.exited().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads the program's output on its own thread, into the parser.
fn pump(master: Arc<Pty>, shared: Arc<Shared>) {
    thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        let mut reader = &*master;
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if let Ok(mut parser) = shared.parser.lock() {
                        parser.process(&buf[..n]);
                    }
                    shared.bytes.fetch_add(n, Ordering::SeqCst);
                }
            }
        }
    });
}
