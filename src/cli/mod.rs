//! The subcommands' work, callable from `main.rs` and from tests.

pub mod args;
pub mod commands;
pub mod completions;
pub mod config;
pub mod context;
pub mod day_open;
pub mod days_list;
pub mod diagnostics;
pub mod doctor;
pub mod examples;
pub mod export;
pub mod follow;
pub mod health;
mod health_hosts;
pub mod hosts;
pub mod init;
pub mod inspect;
pub mod lint;
pub mod man;
pub mod outline;
pub mod outline_step;
pub mod plan;
pub mod plan_export;
pub mod prove;
pub mod remote;
pub mod replay;
mod resume;
pub mod run;
mod run_end;
mod run_engine;
pub mod run_flags;
mod run_setup;
pub mod schedule;
pub mod sessions;
pub mod sign;

/// One line on stderr. Unlike `eprintln!` it never panics: after a hang-up the terminal is
/// gone, and a message nobody can read must not turn a clean end into a crash.
pub fn stderr_line(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{}", crate::sanitize::text(text));
}

/// `error: MESSAGE` on stderr (a diagnostic that says `error:` already is not prefixed
/// again); returns the exit code to end with.
pub fn fail(message: impl std::fmt::Display, code: i32) -> i32 {
    let message = message.to_string();
    stderr_line(&error_line(&message));
    code
}

/// `error: MESSAGE`, unless the message's first line already says `error:`.
fn error_line(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    if first.starts_with("error:") || first.contains(": error: ") {
        message.to_string()
    } else {
        format!("error: {message}")
    }
}

#[cfg(test)]
mod error_line_tests {
    #[test]
    fn a_diagnostic_that_says_error_is_not_prefixed_twice() {
        let diag = "bad.yaml:3:10: error: invalid YAML\n  |";
        assert_eq!(super::error_line(diag), diag);
        assert_eq!(
            super::error_line("nope.md does not exist"),
            "error: nope.md does not exist"
        );
    }
}
