//! Dialogs: what they hold while open and what their keys do.

use super::app::{App, Ctx, Effect};
use crate::doc::model::{GateStep, Placeholder, Signoff, StepKind};
use crate::session::event::Decision;
use crate::session::state::StepState;
use crossterm::event::{KeyCode, KeyEvent};

/// Why a line of text is being asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    Skip(usize),
    MarkDone(usize),
    EndWait(usize),
    Rollback,
    DeclineRollback,
    Note(Option<usize>),
    Abort,
    /// Why the gate at this step is NO-GO (recorded as a note on it).
    NoGo(usize),
}

impl Purpose {
    pub fn question(&self) -> &'static str {
        match self {
            Purpose::Skip(_) => "Why skip this step?",
            Purpose::MarkDone(_) => "Why is this step done?",
            Purpose::EndWait(_) => "Why end the wait early?",
            Purpose::Rollback => "Why roll back?",
            Purpose::DeclineRollback => "Why stay on the forward path?",
            Purpose::Note(_) => "Note:",
            Purpose::Abort => "Why abort the session?",
            Purpose::NoGo(_) => "NO-GO: why?",
        }
    }
}

/// An open dialog.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    ConfirmRun {
        index: usize,
    },
    /// `confirm=danger`: the step name must be typed.
    TypeName {
        index: usize,
        typed: String,
    },
    Reason {
        purpose: Purpose,
        text: String,
    },
    Gate {
        index: usize,
    },
    /// GO or NO-GO for the next batch of a step on hosts.
    Batch {
        index: usize,
        batch: usize,
        batches: usize,
    },
    NoGo {
        index: usize,
    },
    Signoff {
        index: usize,
        role: usize,
        name: String,
    },
    Jump {
        index: usize,
    },
    CancelRun,
    Quit {
        running: bool,
    },
    /// A proposed step: said what it is and shown whole; only `y` runs it.
    Proposed {
        index: usize,
    },
    /// A value for a placeholder (shown as bullets when the name says secret).
    Placeholder {
        index: usize,
        placeholder: Placeholder,
        text: String,
    },
    /// How the runbook was read, before the first step; Enter acknowledges.
    Warnings {
        scroll: u16,
    },
    /// Which option of a choice applies (`slot` in the session's choices); opens by itself.
    Choose {
        slot: usize,
        selected: usize,
    },
}

impl Dialog {
    pub fn reason(purpose: Purpose) -> Self {
        Dialog::Reason {
            purpose,
            text: String::new(),
        }
    }

    /// The sign-off dialog at the first role not yet signed.
    pub fn first_signoff(index: usize, gate: &GateStep, step: &StepState) -> Self {
        let role = gate
            .signoffs
            .iter()
            .position(|s| !step.signers.iter().any(|x| x.role == s.role))
            .unwrap_or(gate.signoffs.len());
        Dialog::Signoff {
            index,
            role,
            name: String::new(),
        }
    }
}

/// PgUp/PgDn (and ↑/↓) scroll the command of a confirmation; `true` when the key did.
pub fn scrolls_command(app: &mut App, dialog: &Dialog, key: KeyEvent, ctx: &Ctx) -> bool {
    let (Dialog::ConfirmRun { index } | Dialog::TypeName { index, .. }) = dialog else {
        return false;
    };
    let lines = match ctx.refs.get(*index).map(|r| &r.step.kind) {
        Some(StepKind::Run(run)) => run.script.lines().count(),
        _ => 0,
    };
    match key.code {
        KeyCode::PageDown => app.dialog_scroll = app.dialog_scroll.saturating_add(10),
        KeyCode::PageUp => app.dialog_scroll = app.dialog_scroll.saturating_sub(10),
        KeyCode::Down => app.dialog_scroll = app.dialog_scroll.saturating_add(1),
        KeyCode::Up => app.dialog_scroll = app.dialog_scroll.saturating_sub(1),
        _ => return false,
    }
    app.dialog_scroll = app.dialog_scroll.min(lines.saturating_sub(1));
    true
}

/// Handles a key while `dialog` is open (it was taken out of `app`; put back to stay open).
pub fn dialog_key(app: &mut App, dialog: Dialog, key: KeyEvent, ctx: &Ctx) -> Vec<Effect> {
    if key.code == KeyCode::Esc {
        // The warnings are acknowledged before the first step: Esc does not close them.
        if let Dialog::Warnings { .. } | Dialog::Choose { .. } = dialog {
            app.dialog = Some(dialog);
        }
        return Vec::new();
    }
    match dialog {
        Dialog::ConfirmRun { index } => yes_no(
            app,
            key,
            Dialog::ConfirmRun { index },
            vec![Effect::Run { index }],
        ),
        Dialog::Jump { index } => {
            let effects = yes_no(
                app,
                key,
                Dialog::Jump { index },
                vec![Effect::Jump { index }],
            );
            // The selected step is now the current one: follow the walk from here again.
            app.follow_walk |= !effects.is_empty();
            effects
        }
        Dialog::CancelRun => yes_no(app, key, Dialog::CancelRun, vec![Effect::Cancel]),
        Dialog::TypeName { index, typed } => type_name(app, key, ctx, index, typed),
        Dialog::Reason { purpose, text } => reason(app, key, purpose, text),
        Dialog::Gate { index } => gate(app, key, index),
        Dialog::Batch {
            index,
            batch,
            batches,
        } => batch_gate(app, key, (index, batch, batches)),
        Dialog::NoGo { index } => no_go(app, key, index),
        Dialog::Signoff { index, role, name } => signoff(app, key, ctx, index, role, name),
        Dialog::Quit { running } => quit(app, key, running),
        Dialog::Proposed { index } => super::proposed::proposed_key(app, key, index),
        Dialog::Placeholder {
            index,
            placeholder,
            text,
        } => super::proposed::placeholder_key(app, key, index, placeholder, text),
        Dialog::Warnings { scroll } => {
            super::proposed::warnings_key(app, key, scroll, ctx.state.warnings)
        }
        Dialog::Choose { slot, selected } => {
            super::choice_dialog::choice_key(app, key, ctx, slot, selected)
        }
    }
}

fn yes_no(app: &mut App, key: KeyEvent, keep: Dialog, effects: Vec<Effect>) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('y') | KeyCode::Enter => effects,
        KeyCode::Char('n') => Vec::new(),
        _ => {
            app.dialog = Some(keep);
            Vec::new()
        }
    }
}

/// Edits a line of text; returns the finished text on Enter.
fn edit(text: &mut String, key: KeyEvent) -> Option<String> {
    match key.code {
        KeyCode::Enter => Some(text.trim().to_string()),
        KeyCode::Backspace => {
            text.pop();
            None
        }
        KeyCode::Char(c) => {
            text.push(c);
            None
        }
        _ => None,
    }
}

fn type_name(
    app: &mut App,
    key: KeyEvent,
    ctx: &Ctx,
    index: usize,
    mut typed: String,
) -> Vec<Effect> {
    let Some(done) = edit(&mut typed, key) else {
        app.dialog = Some(Dialog::TypeName { index, typed });
        return Vec::new();
    };
    let name = ctx
        .refs
        .get(index)
        .and_then(|r| r.step.name.clone())
        .unwrap_or_default();
    if done == name {
        vec![Effect::Run { index }]
    } else {
        app.message = Some(format!("“{done}” is not the step name {name}; not run"));
        Vec::new()
    }
}

fn reason(app: &mut App, key: KeyEvent, purpose: Purpose, mut text: String) -> Vec<Effect> {
    let Some(done) = edit(&mut text, key) else {
        app.dialog = Some(Dialog::Reason { purpose, text });
        return Vec::new();
    };
    let given = if done.is_empty() {
        "no reason given".to_string()
    } else {
        done.clone()
    };
    match purpose {
        Purpose::Skip(index) => vec![Effect::Skip {
            index,
            reason: given,
        }],
        Purpose::MarkDone(index) => vec![Effect::MarkDone {
            index,
            reason: given,
        }],
        Purpose::EndWait(index) => vec![Effect::EndWait {
            index,
            reason: given,
        }],
        Purpose::Rollback => vec![Effect::EnterRollback { reason: given }],
        Purpose::DeclineRollback => vec![Effect::DeclineRollback { reason: given }],
        Purpose::Abort => {
            app.quit = true;
            vec![Effect::Abort { reason: given }]
        }
        Purpose::Note(_) if done.is_empty() => {
            app.message = Some("an empty note is not recorded".into());
            Vec::new()
        }
        Purpose::Note(index) => {
            app.message = Some(match index {
                Some(_) => "note recorded on the selected step (✎ in the tree)".into(),
                None => "note recorded".into(),
            });
            vec![Effect::Note { index, text: done }]
        }
        Purpose::NoGo(index) => {
            app.dialog = Some(Dialog::NoGo { index });
            vec![
                Effect::Decide {
                    index,
                    decision: Decision::NoGo,
                },
                Effect::Note {
                    index: Some(index),
                    text: format!("NO-GO because: {given}"),
                },
            ]
        }
    }
}

fn gate(app: &mut App, key: KeyEvent, index: usize) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('g') => vec![Effect::Decide {
            index,
            decision: Decision::Go,
        }],
        KeyCode::Char('x') => {
            app.dialog = Some(Dialog::reason(Purpose::NoGo(index)));
            Vec::new()
        }
        _ => {
            app.dialog = Some(Dialog::Gate { index });
            Vec::new()
        }
    }
}

fn batch_gate(
    app: &mut App,
    key: KeyEvent,
    (index, batch, batches): (usize, usize, usize),
) -> Vec<Effect> {
    let decision = match key.code {
        KeyCode::Char('g') => Decision::Go,
        KeyCode::Char('x') => Decision::NoGo,
        _ => {
            app.dialog = Some(Dialog::Batch {
                index,
                batch,
                batches,
            });
            return Vec::new();
        }
    };
    vec![Effect::DecideBatch { index, decision }]
}

fn no_go(app: &mut App, key: KeyEvent, index: usize) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('b') => app.dialog = Some(Dialog::reason(Purpose::Rollback)),
        KeyCode::Char('a') => app.dialog = Some(Dialog::reason(Purpose::Abort)),
        _ => app.dialog = Some(Dialog::NoGo { index }),
    }
    Vec::new()
}

fn signoff(
    app: &mut App,
    key: KeyEvent,
    ctx: &Ctx,
    index: usize,
    role: usize,
    mut name: String,
) -> Vec<Effect> {
    let Some(StepKind::Gate(gate)) = ctx.refs.get(index).map(|r| &r.step.kind) else {
        return Vec::new();
    };
    let Some(signoff) = gate.signoffs.get(role) else {
        // Every role is signed: Enter records GO.
        if key.code == KeyCode::Enter {
            return vec![Effect::Decide {
                index,
                decision: Decision::Go,
            }];
        }
        app.dialog = Some(Dialog::Signoff { index, role, name });
        return Vec::new();
    };
    // A `distinct` role typed here is recorded as rejected (the driver is not a second person).
    let Some(done) = edit(&mut name, key) else {
        app.dialog = Some(Dialog::Signoff { index, role, name });
        return Vec::new();
    };
    if done.is_empty() {
        app.message = Some(format!(
            "a sign-off needs a name: type who signs as {}",
            signoff.role
        ));
        app.dialog = Some(Dialog::Signoff {
            index,
            role,
            name: String::new(),
        });
        return Vec::new();
    }
    let mut effects = vec![Effect::Sign {
        index,
        role: signoff.role.clone(),
        name: done,
    }];
    let signed = |r: &Signoff| {
        ctx.state
            .steps
            .get(index)
            .is_some_and(|s| s.signers.iter().any(|x| x.role == r.role))
    };
    let next = (role + 1..gate.signoffs.len()).find(|&r| !signed(&gate.signoffs[r]));
    if let Some(next) = next {
        app.dialog = Some(Dialog::Signoff {
            index,
            role: next,
            name: String::new(),
        });
    } else {
        effects.push(Effect::Decide {
            index,
            decision: Decision::Go,
        });
    }
    effects
}

fn quit(app: &mut App, key: KeyEvent, running: bool) -> Vec<Effect> {
    match (key.code, running) {
        (KeyCode::Char('c'), true) => {
            app.quit = true;
            vec![Effect::Cancel, Effect::Leave]
        }
        (KeyCode::Char('l'), false) => {
            app.quit = true;
            vec![Effect::Leave]
        }
        (KeyCode::Char('a'), false) => {
            app.dialog = Some(Dialog::reason(Purpose::Abort));
            Vec::new()
        }
        (KeyCode::Char('s'), _) => Vec::new(),
        _ => {
            app.dialog = Some(Dialog::Quit { running });
            Vec::new()
        }
    }
}
