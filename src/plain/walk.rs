//! The plain walk: each step shown, confirmed (or answered by `--yes`), run or
//! ticked off, until the runbook — or its rollback — is done.

use super::dialogue::{Dialogue, Reply};
use super::health::PromptOutcome;
use crate::doc::duration::format_duration;
use crate::doc::model::{Confirm, RunStep, StepKind};
use crate::session::engine::{Begun, Engine, RunEnd};
use crate::session::event::Outcome;
use crate::session::policy::{AfterFailure, after_failure as after_failure_policy};
use crate::session::state::Status;
use std::time::Duration;

/// Choices the operator makes ahead of time.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    pub yes: bool,
    pub dry_run: bool,
    pub skip_waits: bool,
    /// `--signoff ROLE=NAME`
    pub signoffs: Vec<(String, String)>,
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
    /// The walk stopped on its own before the next step (why); the driver leaves and
    /// the session stays resumable.
    Stopped(String),
}

/// What a step handler tells the walk.
pub(super) enum Flow {
    Next,
    End(Outcome, String),
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
        super::health::poll(engine, d);
        match super::health::rollback_prompt(engine, d, opts) {
            Some(PromptOutcome::Stop(why)) => return WalkEnd::Stopped(why),
            Some(PromptOutcome::Go(Flow::End(outcome, reason))) => {
                return WalkEnd::Ended(outcome, reason);
            }
            Some(PromptOutcome::Go(Flow::Next)) => continue,
            None => {}
        }
        if engine.state.walk_finished() {
            return WalkEnd::Ended(finished_outcome(engine), finished_reason(engine));
        }
        let index = engine.state.cursor;
        show_step(engine, d, index);
        let flow = match engine.refs[index].step.kind.clone() {
            StepKind::Run(run) => run_step(engine, d, opts, index, &run),
            StepKind::Check(check) if check.done => {
                record(engine, |e| e.mark_done(index, "marked done in the runbook"))
            }
            StepKind::Check(_) => check_step(engine, d, opts, index),
            StepKind::Wait(wait) => super::health::wait_step(engine, d, opts, index, &wait),
            StepKind::Gate(gate) if !gate.signoffs.is_empty() => {
                super::gates::signoff_gate(engine, d, opts, index, &gate)
            }
            StepKind::Gate(_) => super::gates::decision_gate(engine, d, opts, index),
            StepKind::Note(_) => record(engine, |e| e.mark_done(index, "shown")),
        };
        if let Flow::End(outcome, reason) = flow {
            return WalkEnd::Ended(outcome, reason);
        }
    }
}

fn finished_outcome(engine: &Engine) -> Outcome {
    if engine.state.in_rollback {
        Outcome::RolledBack
    } else {
        Outcome::Completed
    }
}

fn finished_reason(engine: &Engine) -> String {
    match (&engine.state.in_rollback, &engine.state.rollback_reason) {
        (true, Some(reason)) => format!("rollback finished (entered because: {reason})"),
        (true, None) => "rollback finished".into(),
        _ => "all steps done".into(),
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

fn run_step(
    engine: &mut Engine,
    d: &mut Dialogue,
    opts: &WalkOptions,
    index: usize,
    run: &RunStep,
) -> Flow {
    if let Some(flow) = confirm_run(engine, d, opts, index, run) {
        return flow;
    }
    run_until_settled(engine, d, opts, index, run)
}

/// Runs the step, retrying while `retries` allow, until it succeeds or the
/// operator (or `on_fail`) decides what comes next.
fn run_until_settled(
    engine: &mut Engine,
    d: &mut Dialogue,
    opts: &WalkOptions,
    index: usize,
    run: &RunStep,
) -> Flow {
    loop {
        let end = match execute(engine, d, opts, index) {
            Ok(end) => end,
            Err(flow) => return flow,
        };
        report(engine, d, &end);
        if end.ok {
            return Flow::Next;
        }
        let attempts = engine.state.steps[index].attempts;
        let can_roll_back = engine.has_rollback() && !engine.state.in_rollback;
        let policy = after_failure_policy(run, attempts, can_roll_back);
        if policy == AfterFailure::Retry {
            d.say(&format!(
                "  retrying ({} of {} retries)",
                attempts, run.retries
            ));
            continue;
        }
        return after_failure(engine, d, opts, index, run, &end, policy);
    }
}

/// Asks before a run step starts; `Some` when the walk should not run it.
fn confirm_run(
    engine: &mut Engine,
    d: &mut Dialogue,
    opts: &WalkOptions,
    index: usize,
    run: &RunStep,
) -> Option<Flow> {
    let interrupted_before = engine.state.steps[index].status == Status::Interrupted;
    if opts.yes || (run.confirm == Confirm::None && !interrupted_before) {
        return None;
    }
    loop {
        let question = if interrupted_before {
            "This step was running when the session stopped. Run it again?"
        } else {
            "Run?"
        };
        let mut options = vec![
            ('y', "[y]es"),
            ('s', "[s]kip"),
            ('n', "[n]ote"),
            ('b', "[b]ack out"),
            ('a', "[a]bort"),
        ];
        if interrupted_before {
            options.insert(1, ('m', "[m]ark done"));
        }
        match d.choose(question, &options) {
            Reply::Chose('y') if run.confirm == Confirm::Danger => {
                let name = engine.refs[index].step.name.clone().unwrap_or_default();
                match d.ask_text(
                    &format!("Dangerous step: type its name ({name}) to run it:"),
                    Some(""),
                ) {
                    Reply::Chose(typed) if typed == name => return None,
                    Reply::Chose(_) => d.say("  the name did not match; not run"),
                    Reply::Interrupted(sig) => return Some(interrupted(sig)),
                    Reply::NoAnswer => return Some(Reply::<char>::NoAnswer.into()),
                }
            }
            Reply::Chose('y') => return None,
            Reply::Chose('s') => return Some(skip(engine, d, index)),
            Reply::Chose('m') => {
                return Some(record(engine, |e| {
                    e.mark_done(index, "marked done after the interruption")
                }));
            }
            Reply::Chose(key) => {
                if let Some(flow) = rollback_or_abort(engine, d, key, index) {
                    return Some(flow);
                }
            }
            other => return Some(other.into()),
        }
    }
}

/// Runs the step to its end, printing output; a signal cancels it and ends the walk.
fn execute(
    engine: &mut Engine,
    d: &mut Dialogue,
    opts: &WalkOptions,
    index: usize,
) -> Result<RunEnd, Flow> {
    let interactive = matches!(&engine.refs[index].step.kind, StepKind::Run(r) if r.interactive);
    if interactive && d.input.has_pending_read() {
        d.say("  press Enter to hand the terminal to the step");
        let _ = d.input.answer();
    }
    let begun = engine.begin_run(index, opts.yes, opts.dry_run, opts.pty_size);
    let mut end = match begun {
        Ok(Begun::Ended(end)) => return Ok(end),
        Ok(Begun::Running) => None,
        Err(e) => return Err(Flow::End(Outcome::Failed, format!("audit log: {e}"))),
    };
    let mut signal = None;
    while end.is_none() {
        let out = &mut d.out;
        end = engine.pump(Duration::from_millis(50), &mut |id, stream, bytes| {
            let _ = out.output(id, stream, bytes);
        });
        super::health::poll(engine, d);
        if signal.is_none()
            && let Some(sig) = d.input.interrupted()
        {
            signal = Some(sig);
            engine.cancel_running(&format!("signal {sig} received"));
        }
    }
    let _ = d.out.end_open_line();
    let _ = d.out.flush();
    match (signal, end) {
        (Some(sig), Some(end)) => {
            report(engine, d, &end);
            Err(interrupted(sig))
        }
        (_, Some(end)) => Ok(end),
        (_, None) => Err(Flow::End(Outcome::Failed, "the step's end was lost".into())),
    }
}

fn report(engine: &Engine, d: &mut Dialogue, end: &RunEnd) {
    let id = engine.step_id(end.index);
    let took = format_duration(end.duration);
    let line = if end.ok {
        format!("  ✓ {id} exit {} · {took}", end.exit_code.unwrap_or(0))
    } else if end.timed_out {
        format!("  ✗ {id} timed out after {took}; its process group was stopped")
    } else if end.cancelled {
        format!("  ✗ {id} cancelled after {took}")
    } else {
        match end.exit_code {
            Some(code) => format!("  ✗ {id} failed: exit {code} · {took}"),
            None => format!("  ✗ {id} failed: killed by a signal · {took}"),
        }
    };
    d.say(&line);
}

fn after_failure(
    engine: &mut Engine,
    d: &mut Dialogue,
    opts: &WalkOptions,
    index: usize,
    run: &RunStep,
    end: &RunEnd,
    policy: AfterFailure,
) -> Flow {
    let id = engine.step_id(index);
    let what = match end.exit_code {
        Some(code) if !end.timed_out => format!("exit {code}"),
        _ if end.timed_out => "timed out".to_string(),
        _ => "killed".to_string(),
    };
    match policy {
        AfterFailure::Continue => {
            return record(engine, |e| {
                e.skip(index, &format!("failed ({what}); on_fail=continue"))
            });
        }
        AfterFailure::Rollback => {
            d.say("  on_fail=rollback: entering the rollback procedure");
            return record(engine, |e| {
                e.enter_rollback(&format!("step {id} failed ({what}); on_fail=rollback"))
            });
        }
        AfterFailure::Retry | AfterFailure::Stop => {}
    }
    if opts.yes {
        return Flow::End(Outcome::Failed, format!("step {id} failed ({what})"));
    }
    loop {
        match d.choose(
            "The step failed.",
            &[
                ('r', "[r]etry"),
                ('s', "[s]kip"),
                ('m', "[m]ark done"),
                ('n', "[n]ote"),
                ('b', "[b]ack out"),
                ('a', "[a]bort"),
            ],
        ) {
            Reply::Chose('r') => return run_until_settled(engine, d, opts, index, run),
            Reply::Chose('s') => return skip(engine, d, index),
            Reply::Chose('m') => {
                return match d.ask_text("Why is it done?", None) {
                    Reply::Chose(reason) => record(engine, |e| e.mark_done(index, &reason)),
                    Reply::Interrupted(sig) => interrupted(sig),
                    Reply::NoAnswer => Reply::<char>::NoAnswer.into(),
                };
            }
            Reply::Chose(key) => {
                if let Some(flow) = rollback_or_abort(engine, d, key, index) {
                    return flow;
                }
            }
            other => return other.into(),
        }
    }
}
