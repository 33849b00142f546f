//! `interactive=true` steps, end to end with the real binary on a pseudo-terminal: the step
//! gets a terminal of its own that runbook relays, so what it prints is in the audit log
//! (masked like all output, shown by replay and exports) while the keys typed are not; its
//! window size follows the operator's; Ctrl-C reaches the step, not runbook. Without a
//! terminal on stdin the step reads runbook's stdin itself and its output is recorded too.

mod pty;
mod support;

use pty::Term;
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;
use support::{Sandbox, output_of, records, text};

const SECRET: &str = "Sup3rS3cretValue99";

fn open(sb: &Sandbox, args: &[&str]) -> Term {
    let audit = sb.audit_dir();
    let state = sb.path().join("xdg-state");
    Term::spawn(
        args,
        sb.path(),
        &[
            ("RUNBOOK_AUDIT_DIR", audit.as_os_str()),
            ("XDG_STATE_HOME", state.as_os_str()),
        ],
    )
}

/// A runbook of one interactive step `greet` running `script`, with a secret parameter.
fn greet(sb: &Sandbox, script: &str) -> String {
    let book = format!(
        "---\nparams:\n  db_password: {{default: {SECRET}}}\n---\n# Ask\n\n## Who\n\n\
         ```bash {{name=greet interactive=true}}\n{script}\n```\n"
    );
    sb.runbook("ask.md", &book).display().to_string()
}

/// Runs `book` full screen up to the interactive step's prompt `prompt`.
fn run_to_prompt(sb: &Sandbox, book: &str, prompt: &str) -> Term {
    let mut term = open(
        sb,
        &["run", book, "--param", &format!("db_password={SECRET}")],
    );
    term.wait_for("greet · Who");
    term.send("\r");
    term.wait_for("Run this step?");
    term.send("y");
    term.wait_for(prompt);
    // Typed before the step reads, a line could be flushed by a change of the terminal's mode.
    std::thread::sleep(Duration::from_millis(400));
    term
}

/// Back to the screen after the step, then out of the session.
fn return_and_quit(term: &mut Term) {
    term.wait_for("press Enter to return to the runbook");
    term.send("\r");
    term.wait_for("q ends the session");
    term.send("q");
    term.wait_exit().assert_terminal_restored();
}

#[test]
fn what_an_interactive_step_prints_is_in_the_log_masked_and_in_replay_and_exports() {
    let sb = Sandbox::new();
    let book = greet(
        &sb,
        "[ -t 0 ] && [ -t 1 ] && echo on-a-tty\n\
         read -r -p 'name? ' who; echo \"hi $who\"\necho \"token is $DB_PASSWORD\"\n\
         export API_TOKEN=set-inside-the-step-42; echo \"made $API_TOKEN\"",
    );
    let mut term = run_to_prompt(&sb, &book, "name?");
    term.send("Ana\r");
    term.wait_for("hi Ana");
    assert!(term.contents().contains("on-a-tty"), "{}", term.contents());
    return_and_quit(&mut term);

    let log = sb.only_log();
    let recorded = output_of(&records(&log), "greet", "pty");
    assert!(recorded.contains("on-a-tty\r\n"), "{recorded:?}");
    assert!(recorded.contains("hi Ana\r\n"), "{recorded:?}");
    assert!(recorded.contains("token is ***"), "{recorded:?}");
    assert!(
        recorded.contains("made ***"),
        "masked from its first byte: {recorded:?}"
    );
    let raw = std::fs::read_to_string(&log).expect("log");
    assert!(!raw.contains(SECRET), "the secret is in the log");
    assert!(!recorded.contains("set-inside"), "{recorded:?}");
    let log = log.display().to_string();
    let replay = sb.run(&["replay", &log, "--plain"]);
    assert!(
        text(&replay.stdout).contains("hi Ana"),
        "{}",
        text(&replay.stdout)
    );
    let md = sb.run(&["export", &log, "--format", "md"]);
    assert_eq!(md.status.code(), Some(0), "{}", text(&md.stderr));
    assert!(text(&md.stdout).contains("hi Ana"), "{}", text(&md.stdout));
    assert!(text(&md.stdout).contains("token is ***"));
    assert!(!text(&md.stdout).contains(SECRET));
    let verify = sb.run(&["verify", &log]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify.stdout));
}

#[test]
fn a_password_typed_with_echo_off_never_reaches_the_log() {
    let sb = Sandbox::new();
    let book = greet(
        &sb,
        "stty -echo; read -r -p 'pw? ' pw; stty echo; echo; echo \"got ${#pw} characters\"",
    );
    let mut term = run_to_prompt(&sb, &book, "pw?");
    term.send("typed-hunter2\r");
    term.wait_for("got 13 characters");
    assert!(!term.contents().contains("typed-hunter2"), "echo was off");
    return_and_quit(&mut term);

    let raw = std::fs::read_to_string(sb.only_log()).expect("log");
    assert!(
        !raw.contains("typed-hunter2"),
        "the typed password is in the log"
    );
    assert!(raw.contains("got 13 characters"), "the step's output is");
}

#[test]
fn the_window_size_reaches_the_step_and_follows_a_resize() {
    let sb = Sandbox::new();
    let book = greet(
        &sb,
        "echo \"size $(stty size)\"; read -r -p 'resized? ' _; echo \"now $(stty size)\"",
    );
    let mut term = run_to_prompt(&sb, &book, "resized?");
    assert!(
        term.contents().contains("size 40 120"),
        "{}",
        term.contents()
    );
    term.resize(30, 100);
    std::thread::sleep(Duration::from_millis(300));
    term.send("\r");
    term.wait_for("now 30 100");
    return_and_quit(&mut term);
    let recorded = output_of(&records(&sb.only_log()), "greet", "pty");
    assert!(recorded.contains("size 40 120"), "{recorded:?}");
    assert!(recorded.contains("now 30 100"), "{recorded:?}");
}

#[test]
fn ctrl_c_typed_during_an_interactive_step_stops_the_step_not_runbook() {
    let sb = Sandbox::new();
    let book = greet(
        &sb,
        "trap 'echo interrupted; exit 7' INT\necho 'waiting:'; sleep 30 & wait",
    );
    let mut term = run_to_prompt(&sb, &book, "waiting:");
    term.send("\x03");
    term.wait_for("interrupted");
    term.wait_for("press Enter to return to the runbook");
    term.send("\r");
    term.wait_for("greet failed");
    term.send("q");
    term.wait_for("l: leave");
    term.send("l");
    term.wait_exit().assert_terminal_restored();
    let records = records(&sb.only_log());
    let finished = support::events(&records, "step_finished");
    assert_eq!(finished.len(), 1, "{finished:?}");
    assert_eq!(finished[0]["data"]["exit_code"], 7, "{finished:?}");
    let recorded = output_of(&records, "greet", "pty");
    assert!(recorded.contains("interrupted"), "{recorded:?}");
}

#[test]
fn on_a_terminal_the_line_dialogue_shows_an_interactive_steps_output_once() {
    let sb = Sandbox::new();
    let book = greet(&sb, "read -r -p 'name? ' who; echo \"hi $who\"");
    let mut term = open(&sb, &["run", &book, "--plain", "--yes"]);
    term.wait_for("name?");
    std::thread::sleep(Duration::from_millis(400));
    term.send("Ana\r");
    let exit = term.wait_exit();
    let screen = exit.screen.contents();
    assert_eq!(screen.matches("hi Ana").count(), 1, "{screen}");
    exit.assert_terminal_restored();
    let recorded = output_of(&records(&sb.only_log()), "greet", "pty");
    assert!(recorded.contains("hi Ana"), "{recorded:?}");
}

#[test]
fn with_stdin_piped_the_step_reads_it_and_its_output_is_recorded() {
    let sb = Sandbox::new();
    let book = greet(
        &sb,
        "[ -t 0 ] || echo 'no terminal'\nread -r who; echo \"hi $who\"; echo \"$DB_PASSWORD\" >&2",
    );
    let mut child = sb
        .command(&["run", &book, "--plain", "--yes"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runbook starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"Ana\n")
        .expect("type a name");
    let out = child.wait_with_output().expect("runbook ends");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).matches("hi Ana").count(),
        1,
        "{}",
        text(&out.stdout)
    );
    let records = records(&sb.only_log());
    assert_eq!(
        output_of(&records, "greet", "stdout"),
        "no terminal\nhi Ana\n"
    );
    assert_eq!(output_of(&records, "greet", "stderr"), "***\n");
}

#[test]
fn sigterm_during_an_interactive_step_stops_it_and_gives_the_terminal_back() {
    let sb = Sandbox::new();
    let book = greet(&sb, "echo 'started'; read -r -p 'name? ' who");
    let mut term = run_to_prompt(&sb, &book, "name?");
    assert!(!term.modes().1, "the terminal is raw while the step has it");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(term.pid()),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("SIGTERM");
    term.wait_exit().assert_terminal_restored();
    let records = records(&sb.only_log());
    assert_eq!(support::events(&records, "step_cancelled").len(), 1);
    assert!(output_of(&records, "greet", "pty").contains("started"));
}
