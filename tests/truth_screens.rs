//! The screen claims only what happened: a dry run says so on every screen and in its
//! dialogs, a cancelled step marked done keeps its cancellation, a wait that missed its
//! deadline is a failed step — drawn with ratatui's TestBackend.

mod screen;

use chrono::{TimeZone, Utc};
use runbook::doc::load_str;
use runbook::doc::model::Runbook;
use runbook::session::event::{Body, Event};
use runbook::session::mask::Secrets;
use runbook::session::state::SessionState;
use runbook::tui::app::App;
use runbook::tui::dialog::Dialog;
use runbook::tui::view::{Mode, View, draw};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

const RUNBOOK: &str = "# Truth

## Deploy

```bash {name=deploy}
./deploy.sh
```

```bash {name=migrate}
./migrate.sh
```

```runbook
- wait: 30s
  until: [api]
```

```bash {name=verify}
./verify.sh
```
";

fn runbook() -> Runbook {
    let text = format!("---\nhealth:\n  - {{name: api, tcp: 'localhost:1'}}\n---\n{RUNBOOK}");
    load_str(&text, Path::new("truth.md")).expect("valid runbook")
}

fn ev(step: Option<&str>, body: Body) -> Event {
    Event::new(step, body)
}

fn session_started(dry_run: bool) -> Event {
    ev(
        None,
        Body::SessionStarted {
            title: "Truth".into(),
            steps: 4,
            yes: false,
            dry_run,
            skip_waits: false,
            source: String::new(),
            operator: "ana".into(),
        },
    )
}

fn started(step: &str, dry_run: bool) -> Event {
    ev(
        Some(step),
        Body::StepStarted {
            attempt: 1,
            script: "./x.sh".into(),
            cwd: "/srv".into(),
            auto: false,
            dry_run,
            proposed: false,
            on_demand: false,
        },
    )
}

fn finished(step: &str, exit_code: Option<i32>, signal: Option<i32>, ok: bool) -> Event {
    ev(
        Some(step),
        Body::StepFinished {
            exit_code,
            signal,
            duration_ms: 9_900,
            ok,
            lingering: false,
        },
    )
}

fn render(events: &[Event], app: &App, mode: Mode, size: (u16, u16)) -> String {
    render_of(&runbook(), events, app, mode, size)
}

fn render_of(
    rb: &Runbook,
    events: &[Event],
    app: &App,
    mode: Mode,
    (width, height): (u16, u16),
) -> String {
    let refs = rb.steps();
    let state = SessionState::fold(rb, events);
    let params = BTreeMap::new();
    let secrets = Secrets::default();
    let terminals = HashMap::new();
    let view = View {
        runbook: rb,
        refs: &refs,
        state: &state,
        app,
        now: Utc
            .with_ymd_and_hms(2026, 11, 22, 9, 3, 12)
            .single()
            .expect("time"),
        elapsed: Duration::from_secs(75),
        operator: "ana",
        mode,
        running_for: None,
        params: &params,
        secrets: &secrets,
        terminals: &terminals,
        autopilot: false,
        health: &[],
    };
    screen::render(width, height, |frame| draw(frame, &view))
}

fn app_at(selected: usize) -> App {
    let mut app = App::new(selected);
    app.selected = selected;
    app
}

#[test]
fn a_dry_run_says_dry_run_on_every_screen_and_never_shows_an_exit_code() {
    let events = [
        session_started(true),
        started("deploy", true),
        finished("deploy", None, None, true),
    ];
    for size in [(80, 24), (120, 40), (200, 50)] {
        for mode in [Mode::Live, Mode::Follow, Mode::Replay] {
            let screen = render(&events, &app_at(0), mode, size);
            let title = screen.lines().next().unwrap_or_default();
            assert!(title.contains("DRY RUN"), "{mode:?} {size:?}:\n{screen}");
            assert!(!title.contains("LIVE"), "{screen}");
            assert!(screen.contains("not run (dry run)"), "{screen}");
            assert!(!screen.contains("exit 0"), "{screen}");
        }
    }
    insta::assert_snapshot!(
        "dry_run_step_80x24",
        render(&events, &app_at(0), Mode::Live, (80, 24))
    );
}

#[test]
fn the_dry_run_confirmation_says_the_command_does_not_run() {
    let events = [session_started(true)];
    let mut app = app_at(0);
    app.dialog = Some(Dialog::ConfirmRun { index: 0 });
    let screen = render(&events, &app, Mode::Live, (120, 40));
    assert!(screen.contains("does NOT run"), "{screen}");
    assert!(!screen.contains("y runs it"), "{screen}");
    let live = render(&[session_started(false)], &app, Mode::Live, (120, 40));
    assert!(live.contains("y runs it"), "{live}");
    assert!(live.lines().next().unwrap_or_default().contains("LIVE"));
}

#[test]
fn a_cancelled_step_marked_done_shows_the_cancellation_not_exit_0() {
    let events = [
        session_started(false),
        started("deploy", false),
        finished("deploy", Some(0), None, true),
        started("migrate", false),
        ev(
            Some("migrate"),
            Body::StepCancelled {
                reason: "cancelled by the operator".into(),
            },
        ),
        finished("migrate", None, Some(15), false),
        ev(
            Some("migrate"),
            Body::StepMarkedDone {
                reason: "finished it by hand".into(),
            },
        ),
    ];
    let screen = render(&events, &app_at(1), Mode::Live, (120, 40));
    assert!(
        screen.contains("cancelled (signal 15), then marked done"),
        "{screen}"
    );
    assert!(!screen.contains("✓ exit 0"), "{screen}");
    insta::assert_snapshot!("cancelled_then_marked_done_120x40", screen);
}

#[test]
fn a_wait_that_missed_its_deadline_is_shown_failed() {
    let wait = ev(
        Some("1#3"),
        Body::WaitStarted {
            seconds: 30.0,
            until: vec!["api".into()],
            ends_at: Utc
                .with_ymd_and_hms(2026, 11, 22, 9, 3, 0)
                .single()
                .expect("time"),
        },
    );
    let ended = ev(
        Some("1#3"),
        Body::WaitEnded {
            early: false,
            reason: "deadline reached before api stayed OK for 0s: api CRIT for 40.6s".into(),
            failed: true,
        },
    );
    let events = [
        session_started(false),
        started("deploy", false),
        finished("deploy", Some(0), None, true),
        started("migrate", false),
        finished("migrate", Some(0), None, true),
        wait,
        ended,
    ];
    let screen = render(&events, &app_at(2), Mode::Live, (120, 40));
    assert!(!screen.contains("✓ wait"), "{screen}");
    assert!(screen.contains("✗"), "{screen}");
    insta::assert_snapshot!("failed_wait_120x40", screen);
}

#[test]
fn a_failed_step_offers_its_keys_first_and_no_rollback_without_a_path() {
    let events = [
        session_started(false),
        started("deploy", false),
        finished("deploy", Some(3), None, false),
    ];
    let mut app = app_at(0);
    app.hold = true;
    let screen = render(&events, &app, Mode::Live, (120, 40));
    let keys = screen.lines().last().unwrap_or_default().trim_start();
    assert!(keys.starts_with("r  retry"), "{keys}");
    assert!(!keys.contains("Enter  continue"), "{keys}");
    assert!(
        !screen.contains("b  roll back"),
        "no rollback path here: {keys}"
    );
}

#[test]
fn the_whole_command_can_be_read_in_the_confirmation_before_it_runs() {
    let script: Vec<String> = (1..=36).map(|n| format!("echo line-{n:02}")).collect();
    let text = format!(
        "# Long\n\n## Deploy\n\n```bash {{name=long}}\n{}\n```\n",
        script.join("\n")
    );
    let rb = load_str(&text, Path::new("long.md")).expect("valid");
    let refs = rb.steps();
    let state = SessionState::new(&rb);
    let ctx = runbook::tui::app::Ctx {
        runbook: &rb,
        refs: &refs,
        state: &state,
        running: false,
    };
    let mut app = app_at(0);
    app.dialog = Some(Dialog::ConfirmRun { index: 0 });
    let mut seen = String::new();
    for _ in 0..5 {
        let screen = render_of(&rb, &[], &app, Mode::Live, (120, 40));
        seen.push_str(&screen);
        let key = crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::PageDown,
            crossterm::event::KeyModifiers::NONE,
        );
        runbook::tui::app::handle_key(&mut app, key, &ctx);
        assert!(app.dialog.is_some(), "PgDn scrolls, the box stays open");
    }
    let first = render_of(&rb, &[], &app_with_dialog(), Mode::Live, (120, 40));
    assert!(first.contains("more lines — PgDn"), "{first}");
    for n in 1..=36 {
        assert!(
            seen.contains(&format!("$ echo line-{n:02}")),
            "line {n} never shown:\n{seen}"
        );
    }
}

fn app_with_dialog() -> App {
    let mut app = app_at(0);
    app.dialog = Some(Dialog::ConfirmRun { index: 0 });
    app
}

#[test]
fn a_long_output_line_can_be_wrapped_or_scrolled_sideways() {
    let wide = format!("verdict: {} END-OF-LINE\n", "x".repeat(150));
    let events = [
        session_started(false),
        started("deploy", false),
        ev(
            Some("deploy"),
            Body::Output {
                stream: runbook::session::event::Stream::Stdout,
                bytes: wide.as_str().into(),
            },
        ),
        finished("deploy", Some(0), None, true),
    ];
    let cut = render(&events, &app_at(0), Mode::Live, (120, 40));
    assert!(!cut.contains("END-OF-LINE"), "{cut}");
    let mut app = app_at(0);
    app.wrap = true;
    let wrapped = render(&events, &app, Mode::Live, (120, 40));
    let joined: String = wrapped
        .lines()
        .map(|l| l.split('│').nth(1).unwrap_or_default().trim())
        .collect();
    assert!(joined.contains("END-OF-LINE"), "{wrapped}");
    let mut app = app_at(0);
    app.sideways = 120;
    let sideways = render(&events, &app, Mode::Live, (120, 40));
    assert!(sideways.contains("END-OF-LINE"), "{sideways}");
}
