//! Choices and reference steps on the full screen, rendered with ratatui's TestBackend:
//! the choice dialog, the options not chosen in the tree and the step view, and a
//! reference step with the key that runs it on demand.

mod screen;

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use runbook::doc::load_str;
use runbook::doc::model::Runbook;
use runbook::session::choices::Chosen;
use runbook::session::event::{Body, Event};
use runbook::session::mask::Secrets;
use runbook::session::state::SessionState;
use runbook::tui::app::{App, Ctx, Effect, handle_key};
use runbook::tui::dialog::Dialog;
use runbook::tui::view::{View, draw};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

const RUNBOOK: &str = "# Deploy the app

## Prepare

```bash
echo prepare
```

## Option 1: Docker Compose

```bash
docker compose up -d
```

## Option 2: Kubernetes

```bash
kubectl apply -f k8s/
```

```bash
kubectl rollout status deploy/app
```

## Option 3: Cloud

```bash
./cloud-deploy.sh
```

## Verify

```bash
curl -fsS localhost/health
```

## Troubleshooting

```bash
kubectl logs deploy/app --tail=100
```
";

fn runbook() -> Runbook {
    load_str(RUNBOOK, Path::new("pick.md")).expect("valid test runbook")
}

fn prepared() -> Vec<Event> {
    vec![
        Event::new(
            None,
            Body::WarningsAcknowledged {
                warnings: vec![],
                auto: false,
            },
        ),
        Event::new(
            Some("1#1"),
            Body::StepFinished {
                exit_code: Some(0),
                signal: None,
                duration_ms: 20,
                ok: true,
                lingering: false,
            },
        ),
    ]
}

fn chose_kubernetes() -> Event {
    Event::new(
        None,
        Body::OptionChosen {
            choice: "2".into(),
            title: "Choose one: Option 1: Docker Compose / Option 2: Kubernetes / Option 3: Cloud"
                .into(),
            option: Some("Option 2: Kubernetes".into()),
            not_chosen: vec!["Option 1: Docker Compose".into(), "Option 3: Cloud".into()],
            via: "operator".into(),
        },
    )
}

fn render(events: &[Event], app: &App, (width, height): (u16, u16)) -> String {
    let rb = runbook();
    let refs = rb.steps();
    let state = SessionState::fold(&rb, events);
    let params = BTreeMap::new();
    let secrets = Secrets::default();
    let terminals = HashMap::new();
    let view = View {
        runbook: &rb,
        refs: &refs,
        state: &state,
        app,
        now: Utc
            .with_ymd_and_hms(2026, 11, 22, 9, 3, 12)
            .single()
            .expect("time"),
        elapsed: Duration::from_secs(75),
        operator: "ana",
        mode: runbook::tui::view::Mode::Live,
        running_for: None,
        params: &params,
        secrets: &secrets,
        terminals: &terminals,
        autopilot: false,
        health: &[],
    };
    screen::render(width, height, |frame| draw(frame, &view))
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn the_choice_dialog_lists_each_option() {
    let mut app = App::new(1);
    app.dialog = Some(Dialog::Choose {
        slot: 0,
        selected: 1,
    });
    let shown = render(&prepared(), &app, (100, 30));
    assert!(
        shown.contains("2) Option 2: Kubernetes  (2 steps)"),
        "{shown}"
    );
    insta::assert_snapshot!("choice_dialog_100x30", shown);
}

#[test]
fn the_choice_dialog_holds_every_key_until_it_is_answered() {
    let rb = runbook();
    let refs = rb.steps();
    let state = SessionState::fold(&rb, &prepared());
    let ctx = Ctx {
        runbook: &rb,
        refs: &refs,
        state: &state,
        running: false,
    };
    let mut app = App::new(1);
    app.dialog = Some(Dialog::Choose {
        slot: 0,
        selected: 0,
    });
    for held in [KeyCode::Esc, KeyCode::Char('s'), KeyCode::Char('b')] {
        assert!(handle_key(&mut app, key(held), &ctx).is_empty());
        assert!(
            matches!(app.dialog, Some(Dialog::Choose { .. })),
            "{held:?}"
        );
    }
    assert!(handle_key(&mut app, key(KeyCode::Down), &ctx).is_empty());
    assert_eq!(
        handle_key(&mut app, key(KeyCode::Enter), &ctx),
        vec![Effect::Choose {
            choice: 0,
            chosen: Chosen::Option(1)
        }]
    );
    app.dialog = Some(Dialog::Choose {
        slot: 0,
        selected: 0,
    });
    assert_eq!(
        handle_key(&mut app, key(KeyCode::Char('3')), &ctx),
        vec![Effect::Choose {
            choice: 0,
            chosen: Chosen::Option(2)
        }]
    );
}

#[test]
fn options_not_chosen_show_as_not_chosen() {
    let mut events = prepared();
    events.push(chose_kubernetes());
    let mut app = App::new(1);
    app.follow_walk = false;
    let shown = render(&events, &app, (120, 30));
    assert!(
        shown.contains("not chosen: \"Option 2: Kubernetes\" was chosen"),
        "{shown}"
    );
    insta::assert_snapshot!("not_chosen_120x30", shown);
}

#[test]
fn a_reference_step_is_off_the_walk_and_runs_on_demand() {
    let mut events = prepared();
    events.push(chose_kubernetes());
    let rb = runbook();
    let refs = rb.steps();
    let state = SessionState::fold(&rb, &events);
    let reference = refs.len() - 1;
    assert_eq!(state.cursor, 2, "the walk is at the chosen option");
    let mut app = App::new(reference);
    app.follow_walk = false;
    let shown = render(&events, &app, (120, 30));
    assert!(shown.contains("the walk never runs it"), "{shown}");
    assert!(shown.contains("run on demand"), "{shown}");
    insta::assert_snapshot!("reference_step_120x30", shown);
    let ctx = Ctx {
        runbook: &rb,
        refs: &refs,
        state: &state,
        running: false,
    };
    assert!(handle_key(&mut app, key(KeyCode::Enter), &ctx).is_empty());
    assert!(
        app.message
            .as_deref()
            .unwrap_or("")
            .contains("o runs it on demand"),
        "Enter does not move the walk there: {:?}",
        app.message
    );
    assert!(handle_key(&mut app, key(KeyCode::Char('o')), &ctx).is_empty());
    assert_eq!(app.dialog, Some(Dialog::ConfirmRun { index: reference }));
    assert_eq!(
        handle_key(&mut app, key(KeyCode::Char('y')), &ctx),
        vec![Effect::Run { index: reference }]
    );
}
