//! `runbook follow`: a session watched live from another terminal, read-only —
//! full-screen, or line by line with `--plain` until the session ends.

use super::remote::RemoteLog;
use crate::replay::follow::Follower;
use crate::replay::plain::Printer;
use crate::replay::summary::state_json;
use crate::replay::{CATCH_UP_BUDGET, POLL};
use crate::session::event::Outcome;
use crate::session::log::{list_sessions, resolve_session, sessions_dir};
use crate::signals::Signals;
use crate::tui::viewer::Closed;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Exit code for a session or stream that cannot be found or read.
const EXIT_INVALID: i32 = 2;

#[derive(clap::Args, Debug, Clone)]
pub struct FollowArgs {
    /// A session id, a unique prefix of one, a log file's path, `-` for a log
    /// arriving on standard input, or HOST:SESSION for a session on another machine
    /// (read over ssh from `runbook follow --print-log SESSION` there).
    #[arg(
        value_name = "SESSION|-",
        required_unless_present = "latest",
        conflicts_with = "latest",
        add = clap_complete::engine::ArgValueCandidates::new(super::completions::session_ids)
    )]
    pub session: Option<String>,
    /// Follow the newest session in the sessions directory.
    #[arg(long)]
    pub latest: bool,
    /// One line per event instead of the full-screen view; exits when the
    /// session ends (or the stream does).
    #[arg(long)]
    pub plain: bool,
    /// Print the log itself to stdout as it grows, until the session ends (what
    /// HOST:SESSION runs on HOST).
    #[arg(long, conflicts_with_all = ["plain", "latest"])]
    pub print_log: bool,
    #[command(flatten)]
    pub log: LogFlags,
    #[command(flatten)]
    pub remote: super::remote::RemoteFlags,
}

/// What follow and replay share: where logs are, and the final state as JSON.
#[derive(clap::Args, Debug, Clone)]
pub struct LogFlags {
    /// Print nothing but the final folded state, as JSON, once the log is read
    /// (for follow: once the session ends).
    #[arg(long)]
    pub json_state: bool,
    /// Where session logs are (default: the user's state directory).
    #[arg(long, env = "RUNBOOK_AUDIT_DIR", value_name = "DIR")]
    pub audit_dir: Option<PathBuf>,
}

/// A `SESSION` argument as a log path.
pub fn session_path(audit_dir: Option<&Path>, arg: &str) -> Result<PathBuf, String> {
    let dir = sessions_dir(audit_dir).map_err(|e| e.to_string())?;
    resolve_session(&dir, arg).map_err(|e| e.to_string())
}

fn latest(audit_dir: Option<&Path>) -> Result<PathBuf, String> {
    let dir = sessions_dir(audit_dir).map_err(|e| e.to_string())?;
    list_sessions(&dir)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|s| {
            if let Some(problem) = &s.problem {
                super::stderr_line(&format!("warning: skipped {}: {problem}", s.path.display()));
            }
            s.problem.is_none()
        })
        .map(|s| s.path)
        .ok_or_else(|| format!("no sessions recorded in {}", dir.display()))
}

fn open(args: &FollowArgs) -> Result<(Follower, Option<RemoteLog>), String> {
    let local = |follower: Follower| (follower, None);
    match args.session.as_deref() {
        Some("-") => Follower::pipe(std::io::stdin())
            .map(local)
            .map_err(|e| format!("cannot read standard input: {e}")),
        Some(arg) => match super::remote::split_remote(arg) {
            Some((host, session)) => RemoteLog::open(&host, &session, &args.remote)
                .map(|(follower, remote)| (follower, Some(remote))),
            None => {
                session_path(args.log.audit_dir.as_deref(), arg).map(|p| local(Follower::file(&p)))
            }
        },
        None => latest(args.log.audit_dir.as_deref()).map(|p| local(Follower::file(&p))),
    }
}

/// `runbook follow`: exit with the session's own code once it ends (0 when
/// the stream ends first, 130 when interrupted).
pub fn follow(args: &FollowArgs) -> i32 {
    let signals = match Signals::catch() {
        Ok(signals) => signals,
        Err(e) => return fail(format!("cannot watch for signals: {e}")),
    };
    if args.print_log {
        let arg = args.session.as_deref().unwrap_or("-");
        return match session_path(args.log.audit_dir.as_deref(), arg) {
            Ok(path) => super::remote::print_log(&path, &signals),
            Err(e) => fail(e),
        };
    }
    let (mut follower, remote) = match open(args) {
        Ok(opened) => opened,
        Err(e) => return fail(e),
    };
    let code = watch(args, &mut follower, &signals);
    match remote.and_then(RemoteLog::close) {
        Some(why) if follower.opened().is_none() || !follower.ended() => {
            fail(format!("following over ssh: {why}"))
        }
        _ => code,
    }
}

fn watch(args: &FollowArgs, follower: &mut Follower, signals: &Signals) -> i32 {
    let stdin_free = std::io::stdin().is_terminal() || args.session.as_deref() == Some("-");
    if !args.plain && !args.log.json_state && std::io::stdout().is_terminal() && stdin_free {
        return match crate::tui::viewer::run(follower, signals) {
            Ok(closed) => closed_code(closed),
            Err(e) => fail(format!("the terminal failed: {e}")),
        };
    }
    match print_log(follower, args.log.json_state, Until::SessionEnds, signals) {
        Ok(outcome) => outcome.map_or(0, |o| o.exit_code()),
        Err(code) => code,
    }
}

/// Exit code of the read-only screen: 0 when quit, 130 when a signal ended it.
pub fn closed_code(closed: Closed) -> i32 {
    match closed {
        Closed::Quit => 0,
        Closed::Signal(_) => 130,
    }
}

fn fail(message: impl std::fmt::Display) -> i32 {
    super::fail(message, EXIT_INVALID)
}

/// When plain printing stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Follow: the session ends or the stream closes.
    SessionEnds,
    /// Replay: the end of the file as it is now.
    EndOfFile,
}

/// Prints a log line by line (or only its final state as JSON); how the
/// session ended, if it did, else the exit code to give up with.
pub fn print_log(
    follower: &mut Follower,
    json_state: bool,
    until: Until,
    signals: &Signals,
) -> Result<Option<Outcome>, i32> {
    let stdout = std::io::stdout();
    let mut printer = Printer::new(stdout.lock());
    let mut broken = false;
    loop {
        if signals.received().is_some() {
            return Err(130);
        }
        let polled = follower.poll(CATCH_UP_BUDGET, &mut |line| {
            if !json_state && !broken {
                broken = printer.line(line).is_err();
            }
        });
        let polled = match polled {
            Ok(polled) => polled,
            Err(e) => return Err(fail(format!("cannot read the log: {e}"))),
        };
        if let Some(note) = follower.note.take()
            && !json_state
        {
            broken |= printer.note(&note).is_err();
        }
        if broken {
            return Ok(None);
        }
        let ended = follower.ended() || follower.closed();
        if ended || (until == Until::EndOfFile && !polled.more) {
            break;
        }
        if !polled.more {
            let _ = printer.flush();
            std::thread::sleep(POLL);
        }
    }
    let Some(state) = follower.opened().map(|o| &o.projection().state) else {
        return Err(fail("the log holds no session"));
    };
    if json_state {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", state_json(state));
        let _ = out.flush();
    } else {
        let _ = printer.finish(Some(state));
    }
    Ok(state.outcome)
}
