//! Keys act on the step on screen, or say exactly which step they would act on; an open
//! ROLL BACK? box holds the keys that would act beneath it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use runbook::doc::load_str;
use runbook::doc::model::Runbook;
use runbook::session::event::{Body, Event, Stream};
use runbook::session::state::SessionState;
use runbook::tui::app::{App, Ctx, Effect, handle_key};
use std::path::Path;

const RUNBOOK: &str = "# K\n## A\n- [ ] ready\n- [ ] dashboards green\n```runbook\n- wait: 30s\n```\n## Rollback\n```bash\n./undo.sh\n```\n";

fn press(app: &mut App, events: &[Event], keys: &[KeyCode]) -> Vec<Effect> {
    let rb: Runbook = load_str(RUNBOOK, Path::new("k.md")).expect("valid");
    let refs = rb.steps();
    let state = SessionState::fold(&rb, events);
    let ctx = Ctx {
        runbook: &rb,
        refs: &refs,
        state: &state,
        running: false,
    };
    keys.iter()
        .flat_map(|k| handle_key(app, KeyEvent::new(*k, KeyModifiers::NONE), &ctx))
        .collect()
}

#[test]
fn space_on_another_step_shown_does_not_tick_the_current_one_and_says_which() {
    let mut app = App::new(0);
    let effects = press(&mut app, &[], &[KeyCode::Char('j'), KeyCode::Char(' ')]);
    assert!(effects.is_empty(), "nothing is ticked: {effects:?}");
    let message = app.message.clone().unwrap_or_default();
    assert!(message.contains("current step 1#1"), "{message}");
    assert!(message.contains("not on 1#2"), "{message}");
    for k in ['s', 'm'] {
        let mut app = App::new(0);
        press(&mut app, &[], &[KeyCode::Char('j'), KeyCode::Char(k)]);
        assert!(
            app.dialog.is_none(),
            "{k} opens nothing about a step not shown"
        );
    }
    let mut app = App::new(0);
    let effects = press(
        &mut app,
        &[],
        &[KeyCode::Char('j'), KeyCode::Char('.'), KeyCode::Char(' ')],
    );
    assert_eq!(
        effects,
        vec![Effect::ConfirmCheck { index: 0 }],
        "back on it, Space ticks it"
    );
}

#[test]
fn the_rollback_box_holds_enter_so_nothing_starts_beneath_it() {
    let events = [
        Event::new(Some("1#1"), Body::CheckConfirmed { auto: false }),
        Event::new(Some("1#2"), Body::CheckConfirmed { auto: false }),
        Event::new(
            None,
            Body::RollbackPrompted {
                checks: vec!["errors".into()],
                reason: "rollback_if: errors critical for 2s".into(),
            },
        ),
    ];
    let mut app = App::new(2);
    let effects = press(&mut app, &events, &[KeyCode::Enter, KeyCode::Char(' ')]);
    assert!(
        effects.is_empty(),
        "Enter must not start the wait: {effects:?}"
    );
    assert!(
        app.message
            .as_deref()
            .is_some_and(|m| m.contains("ROLL BACK? is open")),
        "{:?}",
        app.message
    );
}

#[test]
fn an_empty_note_is_refused_with_a_word_and_a_note_is_confirmed() {
    let mut app = App::new(0);
    press(&mut app, &[], &[KeyCode::Char('n'), KeyCode::Enter]);
    assert_eq!(
        app.message.as_deref(),
        Some("an empty note is not recorded")
    );
    let mut app = App::new(0);
    let mut keys = vec![KeyCode::Char('n')];
    keys.extend("checked by Bo".chars().map(KeyCode::Char));
    keys.push(KeyCode::Enter);
    let effects = press(&mut app, &[], &keys);
    assert_eq!(
        effects,
        vec![Effect::Note {
            index: Some(0),
            text: "checked by Bo".into()
        }]
    );
    assert!(
        app.message
            .as_deref()
            .is_some_and(|m| m.contains("note recorded"))
    );
}

/// Calls `f` with the context of a fresh session of the runbook `text`.
fn with_fresh(text: &str, f: impl FnOnce(&Ctx)) {
    let rb: Runbook = load_str(text, Path::new("k.md")).expect("valid");
    let refs = rb.steps();
    let state = SessionState::fold(&rb, &[]);
    f(&Ctx {
        runbook: &rb,
        refs: &refs,
        state: &state,
        running: false,
    });
}

#[test]
fn c_copies_the_command_of_the_step_on_screen() {
    let text =
        "# C\n## A\n```bash {name=first}\necho one\n```\n```bash {name=second}\necho two\n```\n";
    let mut app = App::new(0);
    with_fresh(text, |ctx| {
        for code in [KeyCode::Char('j'), KeyCode::Char('c')] {
            handle_key(&mut app, KeyEvent::new(code, KeyModifiers::NONE), ctx);
        }
    });
    assert_eq!(app.clipboard.as_deref(), Some("echo two"));
    assert!(app.message.as_deref().is_some_and(|m| m.contains("second")));
}

#[test]
fn home_and_end_move_to_the_output_ends_and_leave_the_selection() {
    let lines: String = (1..=30).map(|n| format!("line {n}\n")).collect();
    let events = [Event::new(
        Some("1#1"),
        Body::Output {
            stream: Stream::Stdout,
            bytes: lines.as_str().into(),
        },
    )];
    let mut app = App::new(0);
    press(&mut app, &events, &[KeyCode::Home]);
    assert_eq!(app.selected, 0, "Home does not select another step");
    assert!(
        app.scroll >= 30,
        "Home shows the first line: {}",
        app.scroll
    );
    press(&mut app, &events, &[KeyCode::PageDown]);
    assert_eq!(app.scroll, 20, "a page down from the first line");
    press(&mut app, &events, &[KeyCode::End]);
    assert_eq!(app.scroll, 0, "End follows the tail");
    assert_eq!(app.selected, 0, "End does not select the last step");
}

const SIGNOFF: &str = "---\ngates: in-place\n---\n# S\n## Sign-off\n- [ ] SRE\n";

#[test]
fn an_empty_sign_off_name_is_refused_with_a_word_on_the_walk_and_the_follow_screen() {
    with_fresh(SIGNOFF, empty_names_are_refused);
}

fn empty_names_are_refused(ctx: &Ctx) {
    let key = |code| KeyEvent::new(code, KeyModifiers::NONE);
    let refused = Some("a sign-off needs a name: type who signs as SRE");
    let mut app = App::new(0);
    let mut effects = handle_key(&mut app, key(KeyCode::Enter), ctx);
    effects.extend(handle_key(&mut app, key(KeyCode::Enter), ctx));
    assert!(effects.is_empty(), "nothing signed: {effects:?}");
    assert_eq!(app.message.as_deref(), refused, "the walk says why");
    assert!(app.dialog.is_some(), "the prompt stays open");
    let mut app = App::new(0);
    for code in [KeyCode::Char('S'), KeyCode::Char(' '), KeyCode::Enter] {
        let browse = runbook::tui::browse::key(&mut app, key(code), ctx, false);
        assert_eq!(browse, runbook::tui::browse::Browse::Shown, "nothing sent");
    }
    assert_eq!(
        app.message.as_deref(),
        refused,
        "the follow screen says why"
    );
    assert!(app.dialog.is_some(), "the prompt stays open");
}
