//! What each key does, checked without a terminal: keys in, effects out.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use runbook::doc::load_str;
use runbook::doc::model::Runbook;
use runbook::session::event::{Body, Decision, Event};
use runbook::session::state::SessionState;
use runbook::tui::app::{App, Ctx, Effect, handle_key};
use runbook::tui::dialog::{Dialog, Purpose};
use std::path::Path;

const RUNBOOK: &str = "---\ngates: in-place\n---\n# K\n## A\n- [ ] ready\n```bash {name=drop-table confirm=danger}\n./drop.sh\n```\n```bash\n./deploy.sh\n```\n## Go/No-Go\n- green\n## Sign-off\n- [ ] Lead\n- [ ] SRE\n## Rollback\n```bash\n./undo.sh\n```\n";

fn runbook() -> Runbook {
    load_str(RUNBOOK, Path::new("k.md")).expect("valid")
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// Presses keys in order against a state folded from `events`; returns all effects.
fn press(app: &mut App, events: &[Event], keys: &[KeyCode], running: bool) -> Vec<Effect> {
    let rb = runbook();
    let refs = rb.steps();
    let state = SessionState::fold(&rb, events);
    app.sync_selection(&state);
    let ctx = Ctx {
        runbook: &rb,
        refs: &refs,
        state: &state,
        running,
    };
    keys.iter()
        .flat_map(|k| handle_key(app, key(*k), &ctx))
        .collect()
}

fn typed(text: &str) -> Vec<KeyCode> {
    text.chars()
        .map(KeyCode::Char)
        .chain([KeyCode::Enter])
        .collect()
}

fn checked() -> Vec<Event> {
    vec![Event::new(
        Some("1#1"),
        Body::CheckConfirmed { auto: false },
    )]
}

#[test]
fn space_ticks_the_current_check() {
    let mut app = App::new(0);
    assert_eq!(
        press(&mut app, &[], &[KeyCode::Char(' ')], false),
        vec![Effect::ConfirmCheck { index: 0 }]
    );
}

#[test]
fn a_danger_step_runs_only_when_its_name_is_typed() {
    let mut app = App::new(0);
    assert!(press(&mut app, &checked(), &[KeyCode::Enter], false).is_empty());
    assert!(matches!(
        app.dialog,
        Some(Dialog::TypeName { index: 1, .. })
    ));
    assert!(
        press(&mut app, &checked(), &typed("drop-tables"), false).is_empty(),
        "a wrong name runs nothing"
    );
    assert!(
        app.message
            .as_deref()
            .is_some_and(|m| m.contains("not the step name"))
    );
    press(&mut app, &checked(), &[KeyCode::Enter], false);
    assert_eq!(
        press(&mut app, &checked(), &typed("drop-table"), false),
        vec![Effect::Run { index: 1 }]
    );
}

#[test]
fn a_normal_run_step_is_confirmed_with_y() {
    let mut events = checked();
    events.push(Event::new(
        Some("drop-table"),
        Body::StepSkipped {
            reason: "not today".into(),
        },
    ));
    let mut app = App::new(0);
    assert_eq!(
        press(
            &mut app,
            &events,
            &[KeyCode::Enter, KeyCode::Char('y')],
            false
        ),
        vec![Effect::Run { index: 2 }]
    );
    assert_eq!(
        press(
            &mut app,
            &events,
            &[KeyCode::Enter, KeyCode::Char('n')],
            false
        ),
        vec![]
    );
}

#[test]
fn skipping_asks_why() {
    let mut app = App::new(0);
    let mut keys = vec![KeyCode::Char('s')];
    keys.extend(typed("done by hand"));
    assert_eq!(
        press(&mut app, &[], &keys, false),
        vec![Effect::Skip {
            index: 0,
            reason: "done by hand".into()
        }]
    );
}

#[test]
fn gates_decide_and_no_go_offers_rollback() {
    let gate_at = SessionState::fold(&runbook(), &[])
        .position("2#1")
        .expect("gate");
    let mut events = checked();
    events.push(Event::new(Some("2#1"), Body::Jumped { to: "2#1".into() }));
    let mut app = App::new(gate_at);
    assert_eq!(
        press(
            &mut app,
            &events,
            &[KeyCode::Enter, KeyCode::Char('g')],
            false
        ),
        vec![Effect::Decide {
            index: gate_at,
            decision: Decision::Go
        }]
    );
    let mut keys = vec![KeyCode::Enter, KeyCode::Char('x')];
    keys.extend(typed("error rate 2%"));
    keys.push(KeyCode::Char('b'));
    let effects = press(&mut app, &events, &keys, false);
    assert_eq!(
        effects,
        vec![
            Effect::Decide {
                index: gate_at,
                decision: Decision::NoGo
            },
            Effect::Note {
                index: Some(gate_at),
                text: "NO-GO because: error rate 2%".into()
            }
        ],
        "a NO-GO asks why, and the reason is recorded on the gate"
    );
    assert_eq!(
        app.dialog,
        Some(Dialog::Reason {
            purpose: Purpose::Rollback,
            text: String::new()
        })
    );
    assert_eq!(
        press(&mut app, &events, &typed("error budget gone"), false),
        vec![Effect::EnterRollback {
            reason: "error budget gone".into()
        }]
    );
}

#[test]
fn signoffs_are_asked_role_by_role_then_decided() {
    let rb = runbook();
    let at = SessionState::fold(&rb, &[])
        .position("3#1")
        .expect("sign-off");
    let events = vec![Event::new(Some("3#1"), Body::Jumped { to: "3#1".into() })];
    let mut app = App::new(at);
    let mut keys = vec![KeyCode::Enter];
    keys.extend(typed("Ana"));
    keys.extend(typed("Bo"));
    let effects = press(&mut app, &events, &keys, false);
    assert_eq!(
        effects,
        vec![
            Effect::Sign {
                index: at,
                role: "Lead".into(),
                name: "Ana".into()
            },
            Effect::Sign {
                index: at,
                role: "SRE".into(),
                name: "Bo".into()
            },
            Effect::Decide {
                index: at,
                decision: Decision::Go
            },
        ]
    );
}

#[test]
fn roles_a_follower_signed_are_skipped_and_a_signed_gate_waits_for_enter() {
    let rb = runbook();
    let at = SessionState::fold(&rb, &[])
        .position("3#1")
        .expect("sign-off");
    let signed = |role: &str| {
        Event::new(
            Some("3#1"),
            Body::Signed {
                role: role.into(),
                name: "Bob".into(),
                os_user: "bob".into(),
                via: "follower@laptop".into(),
                request: Some("n".into()),
            },
        )
    };
    let mut events = vec![
        Event::new(Some("3#1"), Body::Jumped { to: "3#1".into() }),
        signed("SRE"),
    ];
    let mut app = App::new(at);
    let mut keys = vec![KeyCode::Enter];
    keys.extend(typed("Ana"));
    let effects = press(&mut app, &events, &keys, false);
    assert_eq!(
        effects,
        vec![
            Effect::Sign {
                index: at,
                role: "Lead".into(),
                name: "Ana".into()
            },
            Effect::Decide {
                index: at,
                decision: Decision::Go
            },
        ]
    );
    events.push(signed("Lead"));
    let mut app = App::new(at);
    let keys = [KeyCode::Enter, KeyCode::Char('x'), KeyCode::Enter];
    let effects = press(&mut app, &events, &keys, false);
    assert_eq!(
        effects,
        vec![Effect::Decide {
            index: at,
            decision: Decision::Go
        }],
        "only Enter records GO"
    );
}

#[test]
fn enter_on_another_step_asks_to_jump() {
    let mut app = App::new(0);
    let effects = press(
        &mut app,
        &[],
        &[
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Enter,
            KeyCode::Char('y'),
        ],
        false,
    );
    assert_eq!(effects, vec![Effect::Jump { index: 2 }]);
}

#[test]
fn quitting_while_a_step_runs_asks_first() {
    let mut app = App::new(0);
    assert!(press(&mut app, &[], &[KeyCode::Char('q')], true).is_empty());
    assert_eq!(app.dialog, Some(Dialog::Quit { running: true }));
    assert_eq!(
        press(&mut app, &[], &[KeyCode::Char('c')], true),
        vec![Effect::Cancel, Effect::Leave]
    );
    assert!(app.quit);
}

#[test]
fn quitting_between_steps_can_leave_or_abort() {
    let mut app = App::new(0);
    assert_eq!(
        press(
            &mut app,
            &[],
            &[KeyCode::Char('q'), KeyCode::Char('l')],
            false
        ),
        vec![Effect::Leave]
    );
    let mut app = App::new(0);
    let mut keys = vec![KeyCode::Char('q'), KeyCode::Char('a')];
    keys.extend(typed("window closed"));
    assert_eq!(
        press(&mut app, &[], &keys, false),
        vec![Effect::Abort {
            reason: "window closed".into()
        }]
    );
}

#[test]
fn rollback_is_refused_while_a_step_runs() {
    let mut app = App::new(0);
    assert!(press(&mut app, &[], &[KeyCode::Char('b')], true).is_empty());
    assert!(app.dialog.is_none());
    assert!(
        app.message
            .as_deref()
            .is_some_and(|m| m.contains("cancels it first"))
    );
}

#[test]
fn search_selects_the_next_matching_step() {
    let mut app = App::new(0);
    let mut keys = vec![KeyCode::Char('/')];
    keys.extend(typed("undo"));
    press(&mut app, &[], &keys, false);
    let rb = runbook();
    assert_eq!(app.selected, SessionState::fold(&rb, &[]).steps.len() - 1);
    assert!(!app.follow_walk);
}

#[test]
fn a_rollback_prompt_is_answered_with_b_or_c() {
    let mut events = checked();
    events.push(Event::new(
        None,
        Body::RollbackPrompted {
            checks: vec!["errors".into()],
            reason: "rollback_if: errors critical for 2s".into(),
        },
    ));
    let mut app = App::new(0);
    assert_eq!(
        press(&mut app, &events, &[KeyCode::Char('b')], false),
        vec![Effect::EnterRollback {
            reason: "rollback_if: errors critical for 2s (rollback prompt accepted)".into()
        }]
    );
    let mut app = App::new(0);
    assert!(press(&mut app, &events, &[KeyCode::Char('b')], true).is_empty());
    assert!(
        app.message
            .as_deref()
            .is_some_and(|m| m.contains("x cancels"))
    );
    let mut app = App::new(0);
    let mut keys = vec![KeyCode::Char('c')];
    keys.extend(typed("known spike"));
    assert_eq!(
        press(&mut app, &events, &keys, false),
        vec![Effect::DeclineRollback {
            reason: "known spike".into()
        }]
    );
}
