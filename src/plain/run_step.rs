//! Run steps in the plain walk: confirmed, run with live output, retried, and
//! after a failure what `on_fail` or the operator decides.

use super::dialogue::{Dialogue, Reply};
use super::walk::{Flow, QUIT, WalkOptions, interrupted, record, rollback_or_abort, skip};
use crate::doc::duration::format_duration;
use crate::doc::model::{Confirm, RunStep, StepKind};
use crate::session::engine::{Begun, Engine, RunEnd};
use crate::session::event::Outcome;
use crate::session::policy::AfterFailure;
use crate::session::state::Status;
use std::time::Duration;

pub(super) fn run_step(
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
        match engine.after_failure(&end) {
            AfterFailure::Retry => {
                let attempts = engine.state.steps[index].attempts;
                d.say(&format!(
                    "  retrying ({attempts} of {} retries)",
                    run.retries
                ));
            }
            AfterFailure::Continue => return Flow::Next,
            AfterFailure::Rollback => {
                d.say("  on_fail=rollback: entering the rollback procedure");
                return Flow::Next;
            }
            AfterFailure::Stop => {
                if let Some(flow) = operator_decides(engine, d, opts, index, &end) {
                    return flow;
                }
            }
        }
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
    let status = engine.state.steps[index].status;
    let interrupted_before = status == Status::Interrupted;
    if opts.yes
        && let Some(why) = crate::session::policy::autopilot_must_ask(status)
    {
        d.say(&format!("  stopped at {}: {why}", engine.step_id(index)));
        return Some(Flow::Leave);
    }
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
            ('q', QUIT),
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
        super::signoffs::report(d, engine.poll_signoffs());
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
        format!("  ✗ {id} timed out after {took} and was stopped")
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

/// A failure `on_fail` leaves to the operator (under `--yes` it ends the walk); `None`
/// when the operator asks to run it again.
fn operator_decides(
    engine: &mut Engine,
    d: &mut Dialogue,
    opts: &WalkOptions,
    index: usize,
    end: &RunEnd,
) -> Option<Flow> {
    let id = engine.step_id(index);
    if opts.yes {
        return Some(Flow::End(
            Outcome::Failed,
            format!("step {id} failed ({})", end.failure()),
        ));
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
                ('q', QUIT),
            ],
        ) {
            Reply::Chose('r') => return None,
            Reply::Chose('s') => return Some(skip(engine, d, index)),
            Reply::Chose('m') => {
                return Some(match d.ask_text("Why is it done?", None) {
                    Reply::Chose(reason) => record(engine, |e| e.mark_done(index, &reason)),
                    Reply::Interrupted(sig) => interrupted(sig),
                    Reply::NoAnswer => Reply::<char>::NoAnswer.into(),
                });
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
