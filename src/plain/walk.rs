//! The plain walk: each step shown, confirmed (or answered by `--yes`), run or
//! ticked off, until the runbook — or its rollback — is done.

use super::dialogue::{Dialogue, Reply};
use super::health::PromptOutcome;
use crate::doc::model::StepKind;
use crate::session::engine::Engine;
use crate::session::event::Outcome;
use std::time::Duration;

/// The prompt option that leaves the session resumable.
pub(super) const QUIT: &str = "[q]uit (resumable)";

/// Choices the operator makes ahead of time.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    pub yes: bool,
    pub dry_run: bool,
    pub skip_waits: bool,
    /// `--signoff ROLE=NAME`
    pub signoffs: Vec<(String, String)>,
    /// Under `--yes`, how long a sign-off gate waits for followers.
    pub signoff_timeout: Duration,
    pub pty_size: (u16, u16),
}

/// How the walk ended.
#[derive(Debug, Clone, PartialEq)]
pub enum WalkEnd {
    Ended(Outcome, String),
    /// The audit log cannot be written; nothing more may run.
    AuditFailed(String),
    /// The driver quit before the end; the session stays resumable.
    Left,
}

/// What a step handler tells the walk.
pub(super) enum Flow {
    Next,
    End(Outcome, String),
    /// The driver quits; the session stays resumable.
    Leave,
}

impl From<Reply<char>> for Flow {
    fn from(reply: Reply<char>) -> Self {
        match reply {
            Reply::Interrupted(sig) => interrupted(sig),
            _ => Flow::End(Outcome::Aborted, "no answer: standard input closed".into()),
        }
    }
}

pub(super) fn interrupted(sig: i32) -> Flow {
    Flow::End(Outcome::Interrupted, format!("interrupted by signal {sig}"))
}

/// Walks from the state's cursor to the end.
pub fn walk(engine: &mut Engine, d: &mut Dialogue, opts: &WalkOptions) -> WalkEnd {
    loop {
        if let Some(error) = engine.audit_error() {
            return WalkEnd::AuditFailed(error.to_string());
        }
        if let Some(sig) = d.input.interrupted() {
            return WalkEnd::Ended(Outcome::Interrupted, format!("interrupted by signal {sig}"));
        }
        for warning in engine.proof_news() {
            d.say(&format!("  warning: {warning}"));
        }
        super::signoffs::report(d, engine.poll_signoffs());
        super::health::poll(engine, d);
        match super::health::rollback_prompt(engine, d, opts) {
            Some(PromptOutcome::Stop(why)) => {
                d.say(&format!("\n{why}"));
                return leave(engine, d);
            }
            Some(PromptOutcome::Go(Flow::End(outcome, reason))) => {
                return WalkEnd::Ended(outcome, reason);
            }
            Some(PromptOutcome::Go(Flow::Leave)) => return leave(engine, d),
            Some(PromptOutcome::Go(Flow::Next)) => continue,
            None => {}
        }
        if engine.state.walk_finished() {
            let (outcome, reason) = engine.state.finished();
            return WalkEnd::Ended(outcome, reason);
        }
        let index = engine.state.cursor;
        show_step(engine, d, index);
        let flow = match engine.refs[index].step.kind.clone() {
            StepKind::Run(run) => super::run_step::run_step(engine, d, opts, index, &run),
            StepKind::Check(check) if check.done => {
                record(engine, |e| e.mark_done(index, "marked done in the runbook"))
            }
            StepKind::Check(_) => check_step(engine, d, opts, index),
            StepKind::Wait(wait) => super::health::wait_step(engine, d, opts, index, &wait),
            StepKind::Gate(gate) if !gate.signoffs.is_empty() => {
                super::signoffs::signoff_gate(engine, d, opts, index, &gate)
            }
            StepKind::Gate(_) => super::gates::decision_gate(engine, d, opts, index),
            StepKind::Note(_) => record(engine, |e| e.mark_done(index, "shown")),
        };
        match flow {
            Flow::Next => {}
            Flow::End(outcome, reason) => return WalkEnd::Ended(outcome, reason),
            Flow::Leave => return leave(engine, d),
        }
    }
}

/// `q`: the driver leaves; another operator can `runbook resume` the session.
fn leave(engine: &mut Engine, d: &mut Dialogue) -> WalkEnd {
    let operator = engine
        .state
        .driver
        .clone()
        .unwrap_or_else(|| engine.os_user.clone());
    match engine.leave(&operator) {
        Ok(()) => {
            d.say("  left the session; it can be resumed (runbook resume)");
            WalkEnd::Left
        }
        Err(e) => WalkEnd::AuditFailed(e.to_string()),
    }
}

/// Records an action; the walk goes on (an audit failure is caught at the top of the loop).
pub(super) fn record(
    engine: &mut Engine,
    action: impl FnOnce(&mut Engine) -> Result<(), crate::session::log::AuditError>,
) -> Flow {
    let _ = action(engine);
    Flow::Next
}

fn show_step(engine: &Engine, d: &mut Dialogue, index: usize) {
    let r = &engine.refs[index];
    let id = &engine.state.steps[index].id;
    let region = if r.rollback { " · ROLLBACK" } else { "" };
    d.say(&format!(
        "\n── {id} · {}{region} ──",
        engine.display(&r.section.title)
    ));
    for prose in r
        .section
        .prose
        .iter()
        .filter(|p| p.before_step == r.position)
    {
        for line in engine.display(&prose.markdown).lines() {
            d.say(&format!("  │ {line}"));
        }
    }
    match &r.step.kind {
        StepKind::Run(run) => {
            for line in engine.mask(&run.script).lines() {
                d.say(&format!("    {line}"));
            }
        }
        StepKind::Check(check) => d.say(&format!("  [ ] {}", engine.display(&check.text))),
        StepKind::Note(note) => d.say(&format!("  note: {}", engine.display(&note.text))),
        _ => {}
    }
}

pub(super) fn rollback_or_abort(
    engine: &mut Engine,
    d: &mut Dialogue,
    key: char,
    index: usize,
) -> Option<Flow> {
    match key {
        'a' => Some(Flow::End(
            Outcome::Aborted,
            format!("aborted by the operator at {}", engine.step_id(index)),
        )),
        'q' => Some(Flow::Leave),
        'b' if !engine.has_rollback() => {
            d.say("  this runbook has no rollback steps");
            None
        }
        'b' if engine.state.in_rollback => {
            d.say("  already in rollback");
            None
        }
        'b' => match d.ask_text("Reason for rolling back:", None) {
            Reply::Chose(reason) => Some(record(engine, |e| e.enter_rollback(&reason))),
            Reply::Interrupted(sig) => Some(interrupted(sig)),
            Reply::NoAnswer => Some(Reply::<char>::NoAnswer.into()),
        },
        'n' => {
            if let Reply::Chose(text) = d.ask_text("Note:", None) {
                let _ = engine.note(Some(index), &text);
            }
            None
        }
        _ => None,
    }
}

pub(super) fn skip(engine: &mut Engine, d: &mut Dialogue, index: usize) -> Flow {
    match d.ask_text(
        "Reason for skipping (Enter: none given):",
        Some("no reason given"),
    ) {
        Reply::Chose(reason) => record(engine, |e| e.skip(index, &reason)),
        Reply::Interrupted(sig) => interrupted(sig),
        Reply::NoAnswer => Reply::<char>::NoAnswer.into(),
    }
}

fn check_step(engine: &mut Engine, d: &mut Dialogue, opts: &WalkOptions, index: usize) -> Flow {
    if opts.yes {
        return record(engine, |e| e.confirm_check(index, true));
    }
    loop {
        match d.choose(
            "Done?",
            &[
                ('y', "[y]es"),
                ('s', "[s]kip"),
                ('n', "[n]ote"),
                ('b', "[b]ack out"),
                ('a', "[a]bort"),
                ('q', QUIT),
            ],
        ) {
            Reply::Chose('y') => return record(engine, |e| e.confirm_check(index, false)),
            Reply::Chose('s') => return skip(engine, d, index),
            Reply::Chose(key) => {
                if let Some(flow) = rollback_or_abort(engine, d, key, index) {
                    return flow;
                }
            }
            other => return other.into(),
        }
    }
}
