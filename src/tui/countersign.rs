//! A follower signs a role of the driver's sign-off gate from the follow screen: `S` opens
//! the name prompt on the driver's current gate, Tab picks another unsigned role, Enter
//! asks the driver (through the sidecar file; the driver records it with this OS user).

use super::app::{App, Ctx};
use super::browse::Browse;
use super::dialog::Dialog;
use crate::doc::model::{GateStep, StepKind};
use crate::session::state::StepState;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Handles `S` and the keys of the open prompt; `None` leaves the key to browsing.
pub fn key(app: &mut App, key: KeyEvent, ctx: &Ctx) -> Option<Browse> {
    if let Some(Dialog::Signoff { index, role, name }) = app.dialog.take() {
        return Some(prompt_key(app, key, ctx, (index, role, name)));
    }
    let plain = !key.modifiers.contains(KeyModifiers::CONTROL);
    if key.code == KeyCode::Char('S') && plain {
        open(app, ctx);
        return Some(Browse::Shown);
    }
    None
}

fn open(app: &mut App, ctx: &Ctx) {
    let index = ctx.state.cursor;
    match gate_at(ctx, index) {
        Some((gate, step)) if step.decision.is_none() => match next_unsigned(gate, step, None) {
            Some(role) => {
                app.dialog = Some(Dialog::Signoff {
                    index,
                    role,
                    name: String::new(),
                })
            }
            None => app.message = Some("every role of this gate is signed".into()),
        },
        _ => app.message = Some("the driver is not at an open sign-off gate".into()),
    }
}

fn prompt_key(
    app: &mut App,
    key: KeyEvent,
    ctx: &Ctx,
    (index, role, mut name): (usize, usize, String),
) -> Browse {
    let Some((gate, step)) = gate_at(ctx, index) else {
        return Browse::Shown;
    };
    let mut role = role;
    match key.code {
        KeyCode::Esc => return Browse::Shown,
        KeyCode::Enter if !name.trim().is_empty() => {
            if let Some(signoff) = gate.signoffs.get(role) {
                return Browse::Sign {
                    step: step.id.clone(),
                    role: signoff.role.clone(),
                    name: name.trim().to_string(),
                };
            }
        }
        KeyCode::Tab => role = next_unsigned(gate, step, Some(role)).unwrap_or(role),
        KeyCode::Backspace => {
            name.pop();
        }
        KeyCode::Char(c) => name.push(c),
        _ => {}
    }
    app.dialog = Some(Dialog::Signoff { index, role, name });
    Browse::Shown
}

fn gate_at<'c>(ctx: &'c Ctx, index: usize) -> Option<(&'c GateStep, &'c StepState)> {
    match (
        ctx.refs.get(index).map(|r| &r.step.kind),
        ctx.state.steps.get(index),
    ) {
        (Some(StepKind::Gate(gate)), Some(step)) if !gate.signoffs.is_empty() => Some((gate, step)),
        _ => None,
    }
}

/// The first unsigned role after `after` (wrapping), or the first one at all.
fn next_unsigned(gate: &GateStep, step: &StepState, after: Option<usize>) -> Option<usize> {
    let count = gate.signoffs.len();
    let start = after.map_or(0, |a| a + 1);
    (0..count)
        .map(|offset| (start + offset) % count)
        .find(|&i| !step.signers.iter().any(|s| s.role == gate.signoffs[i].role))
}

/// Whether the driver's current step is a sign-off gate still open for signatures.
pub fn open_gate(view: &super::view::View) -> bool {
    let index = view.state.cursor;
    match (
        view.refs.get(index).map(|r| &r.step.kind),
        view.state.steps.get(index),
    ) {
        (Some(StepKind::Gate(gate)), Some(step)) => {
            !gate.signoffs.is_empty()
                && step.decision.is_none()
                && gate
                    .signoffs
                    .iter()
                    .any(|s| !step.signers.iter().any(|x| x.role == s.role))
        }
        _ => false,
    }
}
