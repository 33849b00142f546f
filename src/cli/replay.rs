//! `runbook replay`: a recorded session played back with its real timing —
//! full-screen with a timeline, or printed at once with `--plain`.

use super::follow::{LogFlags, Until, print_log, session_path};
use crate::replay::follow::Follower;
use crate::replay::player::{MAX_SPEED, MIN_SPEED, Player};
use crate::signals::Signals;
use std::io::IsTerminal;

#[derive(clap::Args, Debug, Clone)]
pub struct ReplayArgs {
    /// A session id, a unique prefix of one, or a log file's path.
    #[arg(
        value_name = "SESSION",
        add = clap_complete::engine::ArgValueCandidates::new(super::completions::session_ids)
    )]
    pub session: String,
    /// Playback speed, 0.25 to 64 (`+`/`-` double or halve it while playing).
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub speed: f64,
    /// Print the timeline (one line per event, with its times) at once and exit.
    #[arg(long)]
    pub plain: bool,
    #[command(flatten)]
    pub log: LogFlags,
}

fn fail(message: impl std::fmt::Display) -> i32 {
    super::fail(message, 2)
}

/// `runbook replay`: exit 0 once played (2 when the log cannot be read).
pub fn replay(args: &ReplayArgs) -> i32 {
    if !(MIN_SPEED..=MAX_SPEED).contains(&args.speed) {
        return fail(format!(
            "--speed {} is out of range: {MIN_SPEED} to {MAX_SPEED}",
            args.speed
        ));
    }
    let path = match session_path(args.log.audit_dir.as_deref(), &args.session) {
        Ok(path) => path,
        Err(e) => return fail(e),
    };
    let signals = match Signals::catch() {
        Ok(signals) => signals,
        Err(e) => return fail(format!("cannot watch for signals: {e}")),
    };
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if args.plain || args.log.json_state || !terminal {
        let mut follower = Follower::file(&path);
        return match print_log(
            &mut follower,
            args.log.json_state,
            Until::EndOfFile,
            &signals,
        ) {
            Ok(_) => warn_if_altered(&path, !args.log.json_state),
            Err(code) => code,
        };
    }
    let mut player = match Player::open(&path, args.speed) {
        Ok(player) => player,
        Err(e) => return fail(e),
    };
    match crate::tui::viewer::run(&mut player, &signals) {
        Ok(closed) => super::follow::closed_code(closed),
        Err(e) => fail(format!("the terminal failed: {e}")),
    }
}

/// A replay shows what the log says; when the log does not verify, says so where the
/// reader looks (after the closing lines, and on stderr) and exits 1.
fn warn_if_altered(path: &std::path::Path, on_stdout: bool) -> i32 {
    let problem = match crate::session::log::verify(path) {
        Ok(crate::session::log::VerifyReport::Ok { .. }) => return 0,
        Ok(crate::session::log::VerifyReport::Tampered {
            first_bad_seq,
            line_no,
            reason,
        }) => format!("first bad seq {first_bad_seq} (line {line_no}): {reason}"),
        Err(e) => e.to_string(),
    };
    let warning = format!(
        "WARNING: this log does not verify — {problem}; what was shown may not be what happened (runbook verify {})",
        path.display()
    );
    if on_stdout {
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), "{}", crate::sanitize::text(&warning));
    }
    super::stderr_line(&warning);
    1
}
