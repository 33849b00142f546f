//! Health in the plain walk: status changes printed as lines, health-gated waits, and the
//! `rollback_if` prompt (asked, or under `--yes` the run stops before its next step).

use super::dialogue::{Dialogue, Reply};
use super::input::Answer;
use super::walk::{Flow, WalkOptions, interrupted, record};
use crate::doc::duration::format_duration;
use crate::health::Change;
use crate::session::engine::Engine;
use std::time::{Duration, Instant};

/// How often a wait looks at the health checks.
const WAIT_SLICE: Duration = Duration::from_millis(200);

/// Records health changes and prints each as a line.
pub fn poll(engine: &mut Engine, d: &mut Dialogue) {
    let prompt_before = engine.state.rollback_prompt.is_some();
    for change in engine.poll_health() {
        d.say(&change_line(&change));
    }
    if !prompt_before && let Some(reason) = engine.state.rollback_prompt.clone() {
        d.say(&format!("  !! ROLLBACK SUGGESTED — {reason}"));
    }
}

/// `  health: api OK → CRIT (HTTP 503)`
pub fn change_line(change: &Change) -> String {
    let value = change
        .value
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(|v| format!(" · {v}"))
        .unwrap_or_default();
    let reason = change
        .reason
        .as_deref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    format!(
        "  health: {} {} → {}{value}{reason}",
        change.check, change.from, change.to
    )
}

/// What to do about an open rollback prompt before the next step; `None` when there is none.
pub enum PromptOutcome {
    Go(Flow),
    /// `--yes`: stop here, leaving the session resumable.
    Stop(String),
}

pub fn rollback_prompt(
    engine: &mut Engine,
    d: &mut Dialogue,
    opts: &WalkOptions,
) -> Option<PromptOutcome> {
    let reason = engine.state.rollback_prompt.clone()?;
    if opts.yes {
        return Some(PromptOutcome::Stop(format!(
            "stopped before the next step: {reason}. --yes never rolls back on its own; \
             resume to decide (roll back or continue)"
        )));
    }
    d.say(&format!(
        "\n!! A health check asks for a rollback: {reason}"
    ));
    loop {
        let flow = match d.choose(
            "Roll back?",
            &[('b', "[b]ack out (rollback)"), ('c', "[c]ontinue")],
        ) {
            Reply::Chose('b') if !engine.has_rollback() || engine.state.in_rollback => {
                d.say("  there is no rollback to enter; continuing");
                record(engine, |e| {
                    e.decline_rollback("no rollback procedure to enter")
                })
            }
            Reply::Chose('b') => record(engine, |e| {
                e.enter_rollback(&format!("{reason} (rollback prompt accepted)"))
            }),
            Reply::Chose('c') => match d.ask_text("Why stay on the forward path?", None) {
                Reply::Chose(why) => record(engine, |e| e.decline_rollback(&why)),
                Reply::Interrupted(sig) => interrupted(sig),
                Reply::NoAnswer => Reply::<char>::NoAnswer.into(),
            },
            Reply::Chose(_) => continue,
            other => other.into(),
        };
        return Some(PromptOutcome::Go(flow));
    }
}

/// A wait: a countdown the operator can end early (Enter), ended early by its `until`
/// checks once stable, or cut short by a rollback prompt.
pub fn wait_step(
    engine: &mut Engine,
    d: &mut Dialogue,
    opts: &WalkOptions,
    index: usize,
    wait: &crate::doc::model::WaitStep,
) -> Flow {
    let _ = engine.start_wait(index, wait.duration.as_secs_f64(), wait.until.clone());
    if opts.skip_waits || opts.dry_run {
        let why = if opts.dry_run {
            "--dry-run"
        } else {
            "--skip-waits"
        };
        d.say(&format!(
            "  wait {} not waited ({why})",
            format_duration(wait.duration)
        ));
        return record(engine, |e| e.end_wait(index, true, why));
    }
    announce_wait(d, wait);
    let deadline = Instant::now() + wait.duration + WAIT_SLICE;
    loop {
        match d
            .input
            .answer_until(deadline.min(Instant::now() + WAIT_SLICE))
        {
            Answer::Line(_) => return ended_by_operator(engine, d, index),
            Answer::Interrupted(sig) => return interrupted(sig),
            Answer::Closed | Answer::TimedOut => {}
        }
        poll(engine, d);
        if let Some(end) = engine.due_wait_end() {
            d.say(&format!("  wait over: {}", end.reason));
            return record(engine, |e| e.end_wait(index, end.early, &end.reason));
        }
        if let Some(reason) = engine.state.rollback_prompt.clone() {
            return record(engine, |e| {
                e.end_wait(index, true, &format!("cut short: {reason}"))
            });
        }
    }
}

fn announce_wait(d: &mut Dialogue, wait: &crate::doc::model::WaitStep) {
    let until_utc =
        chrono::Utc::now() + chrono::Duration::from_std(wait.duration).unwrap_or_default();
    let gated = if wait.until.is_empty() {
        String::new()
    } else {
        format!(
            ", or once {} stay OK for {}",
            wait.until.join(", "),
            format_duration(wait.stable_for.unwrap_or_default())
        )
    };
    d.say(&format!(
        "  waiting {} (until {} UTC{gated}) — press Enter to end early",
        format_duration(wait.duration),
        until_utc.format("%H:%M:%S")
    ));
}

fn ended_by_operator(engine: &mut Engine, d: &mut Dialogue, index: usize) -> Flow {
    match d.ask_text("Why end the wait early?", None) {
        Reply::Chose(reason) => record(engine, |e| e.end_wait(index, true, &reason)),
        Reply::Interrupted(sig) => interrupted(sig),
        Reply::NoAnswer => record(engine, |e| {
            e.end_wait(index, true, "ended early, no reason given")
        }),
    }
}
