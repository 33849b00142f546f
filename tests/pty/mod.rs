//! A pseudo-terminal harness for the full-screen view: runs the real binary on
//! a 120×40 terminal, parses everything it draws into a `vt100` screen, types
//! keys, and reports how it left the terminal (screen mode and tty modes).
#![allow(dead_code)]

use nix::fcntl::OFlag;
use nix::sys::termios::{LocalFlags, tcgetattr};
use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};
use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
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
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
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
            .then(|| self.status.exit_code())
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

    /// Starts `program` (found on PATH) with `args` in `dir`, with `env` added.
    pub fn spawn_program(program: &str, args: &[&str], dir: &Path, env: &[(&str, &OsStr)]) -> Term {
        let size = PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        };
        let pair = native_pty_system().openpty(size).expect("openpty");
        let tty = pair.master.tty_name().expect("the pty has a name");
        let slave = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(OFlag::O_NOCTTY.bits())
            .open(&tty)
            .expect("open the terminal side");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.cwd(dir);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("RUNBOOK_PATH");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn runbook");
        drop(pair.slave);
        let shared = Arc::new(Shared {
            parser: Mutex::new(vt100::Parser::new(ROWS, COLS, 0)),
            bytes: AtomicUsize::new(0),
        });
        let reader = pair.master.try_clone_reader().expect("pty reader");
        pump(reader, Arc::clone(&shared));
        let writer = pair.master.take_writer().expect("pty writer");
        Term {
            child,
            master: pair.master,
            writer,
            slave,
            shared,
            status: None,
        }
    }

    /// Types `keys` (raw bytes: `\r` is Enter, `\x1b` Esc).
    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("type keys");
        self.writer.flush().expect("flush keys");
    }

    /// The screen as it is now.
    pub fn screen(&self) -> vt100::Screen {
        self.shared.parser.lock().expect("parser").screen().clone()
    }

    pub fn contents(&self) -> String {
        self.screen().contents()
    }

    pub fn pid(&self) -> i32 {
        let pid = self.child.process_id().expect("pid");
        i32::try_from(pid).expect("pid fits")
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
        self.status.clone()
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
fn pump(mut reader: Box<dyn Read + Send>, shared: Arc<Shared>) {
    thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
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
