//! A terminal left in full-screen mode by a view that could not restore it (`kill -9`,
//! a power-cut SSH session that came back): the next start on that terminal notices,
//! puts it back (line mode, echo, the main screen, a visible cursor), clears it, and
//! says how to repair it by hand should it still misbehave (`reset`).
//!
//! While the view owns a terminal, a small mark names it (by device number) and the
//! process that owns it, in a private directory; leaving the view removes the mark.
//! A mark whose process is gone is what a killed view leaves behind.

use std::fs;
use std::io::{IsTerminal, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;

use nix::sys::termios::{self, InputFlags, LocalFlags, OutputFlags, SetArg};

/// Leaves the alternate screen, mouse and paste modes, shows the cursor, resets colours,
/// and clears the screen.
const RESTORE: &str = "\x1b[?1049l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?25h\x1b[0m\x1b[H\x1b[2J";

/// The mark of the terminal on standard output, if it is one.
fn mark_path() -> Option<PathBuf> {
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    let device = nix::sys::stat::fstat(stdout.as_fd()).ok()?.st_rdev;
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute() && dir.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("runbook-{}", nix::unistd::getuid()));
    Some(dir.join(format!("full-screen-{device}")))
}

/// The view now owns this terminal.
pub fn entered() {
    let Some(path) = mark_path() else { return };
    if let Some(dir) = path.parent() {
        let mut builder = fs::DirBuilder::new();
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        let _ = builder.recursive(true).create(dir);
    }
    let me = std::process::id();
    let start = crate::exec::leftover::start_ticks(me).unwrap_or(0);
    let _ = fs::write(path, format!("{me} {start}\n"));
}

/// The view gave the terminal back.
pub fn left() {
    if let Some(path) = mark_path() {
        let _ = fs::remove_file(path);
    }
}

/// At start: when a killed view left this terminal in full-screen mode, restores and
/// clears it and says so; true when it did.
pub fn recover() -> bool {
    let Some(path) = mark_path() else {
        return false;
    };
    let Ok(text) = fs::read_to_string(&path) else {
        return false;
    };
    let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().ok());
    let (Some(Some(pid)), Some(Some(start))) = (fields.next(), fields.next()) else {
        let _ = fs::remove_file(&path);
        return false;
    };
    let owner_alive = u32::try_from(pid)
        .ok()
        .and_then(crate::exec::leftover::start_ticks)
        .is_some_and(|now| now == start);
    if owner_alive {
        // A view is on this terminal right now (this start is inside one of its steps).
        return false;
    }
    let _ = fs::remove_file(&path);
    line_mode();
    let mut out = std::io::stdout();
    let _ = out.write_all(RESTORE.as_bytes());
    let _ = out.flush();
    crate::cli::stderr_line(&format!(
        "runbook: the full-screen view that ran here (pid {pid}) was killed before it could \
         give the terminal back; it has been restored and cleared. If it still misbehaves \
         (no echo, odd line breaks), type `reset` and press Enter."
    ));
    true
}

/// Line editing, echo, signals and newline translation back on.
fn line_mode() {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return;
    }
    let Ok(mut attrs) = termios::tcgetattr(stdin.as_fd()) else {
        return;
    };
    attrs.local_flags |= LocalFlags::ICANON
        | LocalFlags::ECHO
        | LocalFlags::ECHOE
        | LocalFlags::ECHOK
        | LocalFlags::ISIG
        | LocalFlags::IEXTEN;
    attrs.input_flags |= InputFlags::ICRNL | InputFlags::IXON | InputFlags::BRKINT;
    attrs.output_flags |= OutputFlags::OPOST | OutputFlags::ONLCR;
    let _ = termios::tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &attrs);
}
