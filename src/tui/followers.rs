//! Sign-offs on the full screen: what the engine recorded (from the driver or
//! a follower's terminal) becomes the message line, an open sign-off dialog
//! moves past roles a follower signed, and a gate that waits says how to sign.

use super::app::App;
use super::dialog::Dialog;
use crate::doc::model::StepKind;
use crate::session::engine::{Engine, SignoffNews};

/// Shows what became of sign-offs (signed here or by a follower, rejected); whether the
/// screen changed.
pub fn show(engine: &Engine, app: &mut App, news: Vec<SignoffNews>) -> bool {
    let changed = !news.is_empty();
    // A refused GO only follows from what came before it: the rejection says more.
    let shown = news
        .iter()
        .rev()
        .find(|n| !matches!(n, SignoffNews::GoRefused { .. }))
        .or(news.last());
    if let Some(item) = shown {
        let mark = match item {
            SignoffNews::Signed { .. } => '✍',
            _ => '✗',
        };
        app.message = Some(format!("{mark} {}", item.describe()));
    }
    if changed {
        refresh_dialog(engine, app);
    }
    changed | hint(engine, app)
}

/// An open sign-off dialog skips to the first role still unsigned.
fn refresh_dialog(engine: &Engine, app: &mut App) {
    let Some(Dialog::Signoff { index, role, .. }) = &app.dialog else {
        return;
    };
    let index = *index;
    let (Some(StepKind::Gate(gate)), Some(step)) = (
        engine.refs.get(index).map(|r| &r.step.kind),
        engine.state().steps.get(index),
    ) else {
        return;
    };
    let signed = gate
        .signoffs
        .get(*role)
        .is_some_and(|s| step.signers.iter().any(|x| x.role == s.role));
    if signed {
        app.dialog = Some(Dialog::first_signoff(index, gate, step));
    }
}

/// At a sign-off gate that is not fully signed, with nothing else to say: how it gets signed.
fn hint(engine: &Engine, app: &mut App) -> bool {
    if app.message.is_some() || app.dialog.is_some() || app.search.is_some() {
        return false;
    }
    let index = engine.state().cursor;
    let undecided = engine
        .state()
        .steps
        .get(index)
        .is_some_and(|s| s.decision.is_none() && engine.state().running.is_none());
    let missing = engine.unsigned_roles(index);
    let Some(first) = missing.first().filter(|_| undecided) else {
        return false;
    };
    let roles: Vec<&str> = missing.iter().map(|s| s.role.as_str()).collect();
    app.message = Some(format!(
        "waiting for sign-off: {} — Enter signs here; a follower: {}",
        roles.join(", "),
        engine.sign_command(&first.role)
    ));
    true
}
