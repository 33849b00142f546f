//! A full screen killed with SIGKILL cannot give its terminal back; the next start on
//! that terminal restores and clears it, and says how to repair it (`reset`).

mod pty;
mod support;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use pty::Term;
use std::ffi::OsStr;
use std::time::{Duration, Instant};
use support::Sandbox;

/// The process the shell started: its only child.
fn child_of(shell: i32) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = std::fs::read_dir("/proc").ok().and_then(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
                .find(|pid| {
                    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                        stat.rsplit_once(')')
                            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse().ok())
                            == Some(shell)
                    })
                })
        });
        if let Some(pid) = found {
            return pid;
        }
        assert!(Instant::now() < deadline, "the shell started nothing");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_next_start_restores_a_terminal_a_killed_full_screen_left_behind() {
    let sb = Sandbox::new();
    let book = sb.runbook("t.md", "# Killed\n\n```bash\necho hi\n```\n");
    let audit = sb.audit_dir();
    let env: [(&str, &OsStr); 2] = [
        ("RUNBOOK_AUDIT_DIR", audit.as_os_str()),
        ("PS1", OsStr::new("$ ")),
    ];
    let mut term = Term::spawn_program("bash", &["--norc", "--noprofile", "-i"], sb.path(), &env);
    term.wait_for("$");
    let bin = env!("CARGO_BIN_EXE_runbook");
    term.send(&format!("{bin} run {}\r", book.display()));
    term.wait_for("· LIVE");
    assert!(term.screen().alternate_screen());
    let view = child_of(term.pid());
    kill(Pid::from_raw(view), Signal::SIGKILL).expect("kill -9 the view");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        term.screen().alternate_screen(),
        "SIGKILL left the full screen"
    );
    term.send(&format!("{bin} list\r"));
    term.wait_for("type `reset`");
    let screen = term.screen();
    assert!(!screen.alternate_screen(), "{}", screen.contents());
    assert!(!screen.hide_cursor(), "the cursor is shown again");
    assert!(
        !screen.contents().contains("· LIVE"),
        "the screen was cleared"
    );
    term.send("exit\r");
}
