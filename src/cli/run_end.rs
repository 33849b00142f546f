//! A session's walk and its end: full screen or plain, how it ended recorded and said,
//! and an audit log that can no longer be written.

use super::run::EXIT_AUDIT;
use super::run_setup::Driving;
use crate::plain::dialogue::Dialogue;
use crate::plain::walk::{WalkEnd, walk};
use crate::session::engine::Engine;
use crate::session::event::Outcome;

/// Walks to the end (full-screen or plain), records the end, prints where the log is.
pub(super) fn finish(
    engine: &mut Engine,
    d: &mut Dialogue,
    driving: &Driving,
    operator: &str,
) -> i32 {
    engine.start_background();
    let full = matches!(driving, Driving::Screen(_));
    tracing::debug!(full_screen = full, log = %engine.log_path().display(), "walk starts");
    let end = match driving {
        Driving::Screen(queue) => {
            match crate::tui::live::run(engine, queue, operator, d.input.signals()) {
                Ok(end) => end,
                Err(e) => WalkEnd::Ended(Outcome::Failed, format!("the terminal failed: {e}")),
            }
        }
        Driving::Plain(queue) => walk(engine, d, queue),
    };
    tracing::debug!(end = ?end, "walk ends");
    conclude(engine, d, end, operator)
}

/// Records how the walk ended and says so; the exit code.
fn conclude(engine: &mut Engine, d: &mut Dialogue, end: WalkEnd, operator: &str) -> i32 {
    match end {
        WalkEnd::Left => {
            if engine.record_leave(operator).is_err() {
                return audit_failure(engine, d);
            }
            say_proof_news(engine, d);
            let _ = d.out.flush();
            super::stderr_line(&format!(
                "session left unfinished; resume it with: runbook resume {}",
                session_id(engine)
            ));
            super::stderr_line(&format!("audit log: {}", engine.log_path().display()));
            1
        }
        WalkEnd::AuditFailed(_) => audit_failure(engine, d),
        WalkEnd::Ended(outcome, reason) => {
            let Ok(reason) = engine.end(outcome, &reason) else {
                return audit_failure(engine, d);
            };
            say_proof_news(engine, d);
            d.say(&format!("\nsession {}: {reason}", outcome.word()));
            summary(engine, d);
            super::stderr_line(&format!("audit log: {}", engine.log_path().display()));
            outcome.exit_code()
        }
    }
}

fn session_id(engine: &Engine) -> String {
    super::run_engine::id_of_log(&engine.log_path())
}

/// Warnings from signing and anchoring (a sink that failed) not shown yet.
fn say_proof_news(engine: &mut Engine, d: &mut Dialogue) {
    for warning in engine.proof_news() {
        d.say(&format!("  warning: {warning}"));
    }
}

fn summary(engine: &Engine, d: &mut Dialogue) {
    d.say(&engine.state().tally());
    let id = session_id(engine);
    d.say(&format!(
        "next: runbook export {id} --format md · runbook verify {id}"
    ));
}

pub(super) fn audit_failure(engine: &mut Engine, d: &mut Dialogue) -> i32 {
    let error = engine.audit_error().unwrap_or("unknown error").to_string();
    engine.abandon();
    say_proof_news(engine, d);
    if let Some(anchor) = super::prove::anchor_failure(&error) {
        d.say(&format!("\nANCHOR FAILURE: {anchor}\nThe session requires its anchors (--anchor-required), so no further step will run; resume it once the anchor can be written."));
        return EXIT_AUDIT;
    }
    d.say(&format!("\nAUDIT LOG FAILURE: {error}\nThe audit log {} can no longer be written, so no further step will run.", engine.log_path().display()));
    EXIT_AUDIT
}
