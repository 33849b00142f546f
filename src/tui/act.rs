//! What the keys that act do: each answers what the conductor asks at the current step
//! (run, tick, decide, sign, wait), or opens the dialog for it; rolling back, jumping and
//! quitting ask first. Nothing here does IO.

use super::app::{App, Ctx, Effect};
use super::dialog::{Dialog, Purpose};
use crate::doc::model::{Confirm, StepKind};
use crate::session::conductor::{Next, Prompt};
use crate::session::state::{Kind, Status};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub(super) fn quit(app: &mut App, ctx: &Ctx) -> Vec<Effect> {
    if ctx.state.walk_finished() && !ctx.step_running() {
        app.quit = true;
        return vec![Effect::Finish];
    }
    app.dialog = Some(Dialog::Quit {
        running: ctx.step_running(),
    });
    Vec::new()
}

pub(super) fn rollback(app: &mut App, ctx: &Ctx) -> Vec<Effect> {
    if ctx.state.in_rollback {
        app.message = Some("already in the rollback procedure".into());
    } else if !ctx.state.steps.iter().any(|s| s.rollback) {
        app.message = Some("this runbook has no rollback steps".into());
    } else if ctx.step_running() {
        app.message = Some("a step is running: x cancels it first".into());
    } else {
        app.dialog = Some(Dialog::reason(Purpose::Rollback));
    }
    Vec::new()
}

/// Keys of the `rollback_if` prompt; `None` lets other keys (moving, quitting, cancelling) through.
pub(super) fn rollback_prompt_key(
    app: &mut App,
    key: KeyEvent,
    ctx: &Ctx,
    prompt: &str,
) -> Option<Vec<Effect>> {
    match key.code {
        KeyCode::Char('b') if ctx.step_running() => {
            app.message = Some("a step is running: x cancels it, then b rolls back".into());
            Some(Vec::new())
        }
        KeyCode::Char('b') => Some(vec![Effect::EnterRollback {
            reason: format!("{prompt} (rollback prompt accepted)"),
        }]),
        KeyCode::Char('c') if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            app.dialog = Some(Dialog::reason(Purpose::DeclineRollback));
            Some(Vec::new())
        }
        // Looking around, cancelling the running step and quitting stay possible.
        KeyCode::Up
        | KeyCode::Down
        | KeyCode::PageUp
        | KeyCode::PageDown
        | KeyCode::Home
        | KeyCode::End => None,
        KeyCode::Char('j' | 'k' | 'g' | 'G' | '.' | '?' | 'q' | 'x' | 'f') => None,
        KeyCode::Char('c') => None,
        _ => {
            // The box holds every other key: nothing beneath it starts while it is open.
            app.message = Some("ROLL BACK? is open: b rolls back, c continues (asks why)".into());
            Some(Vec::new())
        }
    }
}

pub(super) fn jump(app: &mut App, ctx: &Ctx) {
    if ctx.step_running() {
        app.message = Some("a step is running; jump when it has finished".into());
    } else if let Some(why) = super::reference::off_the_walk(ctx, app.selected) {
        app.message = Some(why);
    } else if ctx
        .state
        .steps
        .get(app.selected)
        .is_some_and(|s| s.rollback != ctx.state.in_rollback)
    {
        app.message = Some(if ctx.state.in_rollback {
            "that step is on the forward path".into()
        } else {
            "that step is in the rollback procedure: b enters rollback".into()
        });
    } else {
        app.dialog = Some(Dialog::Jump {
            index: app.selected,
        });
    }
}

/// Opens a dialog about the current step, when no step is running.
pub(super) fn with_current(app: &mut App, ctx: &Ctx, dialog: impl FnOnce(usize) -> Dialog) {
    if ctx.step_running() {
        app.message = Some("a step is running: x cancels it".into());
    } else if ctx.state.walk_finished() {
        app.message = Some("the walk is over: q ends the session".into());
    } else {
        app.dialog = Some(dialog(ctx.state.cursor));
    }
}

/// Enter on the current step: the answer to what its kind asks, or the dialog for it.
pub(super) fn act(app: &mut App, ctx: &Ctx) -> Vec<Effect> {
    if ctx.state.warnings_pending() {
        app.dialog = Some(Dialog::Warnings { scroll: 0 });
        return Vec::new();
    }
    let index = ctx.state.cursor;
    let (Some(step), Some(next)) = (ctx.state.steps.get(index), ctx.step_prompt()) else {
        app.message = Some("the walk is over: q ends the session".into());
        return Vec::new();
    };
    // Between the batches of a step on hosts no host runs: the step's own rules answer.
    if ctx.running {
        app.message = Some("a step is running: x cancels it".into());
        return Vec::new();
    }
    let Next::Ask(prompt) = next else {
        if step.kind == Kind::Wait && step.status == Status::Running {
            app.message = Some("waiting: e ends the wait early".into());
        } else if ctx.step_running() {
            app.message = Some("between batches: x cancels the step".into());
        }
        return Vec::new();
    };
    match prompt {
        Prompt::Run {
            confirm: Confirm::None,
            again: false,
            ..
        } if step.status == Status::Pending => return vec![Effect::Run { index }],
        Prompt::Run {
            confirm: Confirm::Danger,
            ..
        } => {
            app.dialog = Some(Dialog::TypeName {
                index,
                typed: String::new(),
            })
        }
        Prompt::Failed { .. } if step.kind == Kind::Wait => {
            app.message = Some(format!(
                "the wait {} failed: r waits again, s skips it (with a reason), b rolls back",
                step.id
            ));
        }
        Prompt::Run { .. } | Prompt::Failed { .. } => {
            app.dialog = Some(Dialog::ConfirmRun { index })
        }
        Prompt::Check { .. } => return vec![Effect::ConfirmCheck { index }],
        Prompt::Wait { .. } => return vec![Effect::StartWait { index }],
        Prompt::Note { .. } => {
            return vec![Effect::MarkDone {
                index,
                reason: "read".into(),
            }];
        }
        Prompt::Gate { .. } => app.dialog = Some(Dialog::Gate { index }),
        Prompt::Batch { batch, batches, .. } => {
            app.dialog = Some(Dialog::Batch {
                index,
                batch,
                batches,
            })
        }
        Prompt::NoGo { .. } => app.dialog = Some(Dialog::NoGo { index }),
        Prompt::Signoff { .. } => {
            if let Some(StepKind::Gate(gate)) = ctx.refs.get(index).map(|r| &r.step.kind) {
                app.dialog = Some(Dialog::first_signoff(index, gate, step));
            }
        }
        Prompt::Proposed { .. } => app.dialog = Some(Dialog::Proposed { index }),
        Prompt::Placeholder { placeholder, .. } => {
            app.dialog = Some(Dialog::Placeholder {
                index,
                placeholder,
                text: String::new(),
            })
        }
        Prompt::Choose { choice, .. } => {
            app.dialog = Some(Dialog::Choose {
                slot: choice,
                selected: 0,
            })
        }
        Prompt::Rollback { .. } | Prompt::Warnings => {}
    }
    Vec::new()
}

pub(super) fn tick_check(app: &mut App, ctx: &Ctx) -> Vec<Effect> {
    let index = ctx.state.cursor;
    match ctx.refs.get(index).map(|r| &r.step.kind) {
        Some(StepKind::Check(_)) if !ctx.step_running() => vec![Effect::ConfirmCheck { index }],
        _ => {
            app.message = Some("space ticks the current check".into());
            Vec::new()
        }
    }
}

pub(super) fn retry(app: &mut App, ctx: &Ctx) -> Vec<Effect> {
    let index = ctx.state.cursor;
    let retryable = matches!(
        ctx.state.steps.get(index).map(|s| s.status),
        Some(Status::Failed | Status::TimedOut | Status::Cancelled | Status::Interrupted)
    );
    match ctx.refs.get(index).map(|r| &r.step.kind) {
        Some(StepKind::Run(_)) if retryable && !ctx.step_running() => vec![Effect::Run { index }],
        Some(StepKind::Wait(_)) if retryable && !ctx.step_running() => {
            vec![Effect::StartWait { index }]
        }
        _ => {
            app.message = Some("r retries a failed step".into());
            Vec::new()
        }
    }
}

pub(super) fn end_wait(app: &mut App, ctx: &Ctx) -> Vec<Effect> {
    let index = ctx.state.cursor;
    let waiting = ctx
        .state
        .steps
        .get(index)
        .is_some_and(|s| s.kind == Kind::Wait && s.status == Status::Running);
    if waiting {
        app.dialog = Some(Dialog::reason(Purpose::EndWait(index)));
    } else {
        app.message = Some("e ends a running wait early".into());
    }
    Vec::new()
}
