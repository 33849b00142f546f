//! A step on many hosts on the full screen (ratatui's TestBackend): one row per host with
//! its state, exit, duration and last line, alike hosts grouped, the batch progress, and
//! the output of the host picked with Tab and opened with Enter.

mod screen;

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use runbook::doc::load_str;
use runbook::session::event::{
    BatchEnd, BatchStart, Body, Event, FleetPlan, HostEnd, HostOutput, HostStart, Stream,
};
use runbook::session::mask::Secrets;
use runbook::session::state::SessionState;
use runbook::tui::app::{App, Ctx, handle_key};
use runbook::tui::view::{View, draw};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

const RUNBOOK: &str = r#"---
title: Rolling restart
hosts:
  web: ["web[01:08]"]
---
# Restart

```bash {name=restart-api on=web serial=4 max_fail=1}
sudo systemctl restart api && curl -fsS localhost:8080/health
```
"#;

fn step(body: Body) -> Event {
    Event::new(Some("restart-api"), body)
}

fn names(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|n| format!("web{n:02}")).collect()
}

fn ended(host: &str, ok: bool, output: &str, exit: i32, ms: u64) -> Vec<Event> {
    vec![
        step(Body::HostOutput(HostOutput {
            host: host.into(),
            stream: if ok { Stream::Stdout } else { Stream::Stderr },
            bytes: output.into(),
        })),
        step(Body::HostFinished(HostEnd {
            host: host.into(),
            exit_code: Some(exit),
            signal: None,
            duration_ms: ms,
            ok,
            timed_out: false,
            cancelled: false,
            failure: None,
        })),
    ]
}

/// Batch 1 done (three alike, one failed), batch 2 under way.
fn events() -> Vec<Event> {
    let mut events = vec![
        step(Body::StepStarted {
            attempt: 1,
            script: "sudo systemctl restart api".into(),
            cwd: "each host's own directory".into(),
            auto: false,
            dry_run: false,
            proposed: false,
            on_demand: false,
        }),
        step(Body::FleetPlanned(FleetPlan {
            hosts: names(1..=8),
            run: names(1..=8),
            batches: vec![4, 4],
            remaining_only: false,
        })),
        step(Body::BatchStarted(BatchStart {
            batch: 1,
            batches: 2,
            hosts: names(1..=4),
        })),
    ];
    for host in names(1..=4) {
        events.push(step(Body::HostStarted(HostStart {
            address: host.clone(),
            host,
        })));
    }
    let healthy = "stopping api\nstarting api\n{\"status\":\"ok\"}\n";
    events.extend(ended("web01", true, healthy, 0, 2100));
    events.extend(ended("web02", true, healthy, 0, 2300));
    events.extend(ended(
        "web03",
        false,
        "curl: (7) Failed to connect to localhost port 8080\n",
        7,
        9800,
    ));
    events.extend(ended("web04", true, healthy, 0, 2200));
    events.push(step(Body::BatchFinished(BatchEnd {
        batch: 1,
        ok: 3,
        failed: 1,
        next_at: None,
    })));
    events.push(step(Body::BatchStarted(BatchStart {
        batch: 2,
        batches: 2,
        hosts: names(5..=8),
    })));
    events.push(step(Body::HostStarted(HostStart {
        host: "web05".into(),
        address: "web05".into(),
    })));
    events.push(step(Body::HostOutput(HostOutput {
        host: "web05".into(),
        stream: Stream::Stdout,
        bytes: "stopping api\n".into(),
    })));
    events
}

fn render(app: &App, width: u16, height: u16) -> String {
    render_after(&events(), app, width, height)
}

fn render_after(events: &[Event], app: &App, width: u16, height: u16) -> String {
    let rb = load_str(RUNBOOK, Path::new("rolling.md")).expect("runbook");
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
            .with_ymd_and_hms(2026, 12, 3, 9, 0, 0)
            .single()
            .expect("time"),
        elapsed: Duration::from_secs(42),
        operator: "ana",
        mode: runbook::tui::view::Mode::Live,
        running_for: Some(Duration::from_secs(14)),
        params: &params,
        secrets: &secrets,
        terminals: &terminals,
        autopilot: false,
        health: &[],
    };
    screen::render(width, height, |frame| draw(frame, &view))
}

/// The app after `keys`, pressed on the step.
fn app_after(keys: &[KeyCode]) -> App {
    let rb = load_str(RUNBOOK, Path::new("rolling.md")).expect("runbook");
    let refs = rb.steps();
    let state = SessionState::fold(&rb, &events());
    let ctx = Ctx {
        runbook: &rb,
        refs: &refs,
        state: &state,
        running: true,
    };
    let mut app = App::new(0);
    for code in keys {
        let effects = handle_key(&mut app, KeyEvent::new(*code, KeyModifiers::NONE), &ctx);
        assert!(
            effects.is_empty(),
            "{code:?} acted on the session: {effects:?}"
        );
    }
    app
}

#[test]
fn one_row_per_host_with_alike_hosts_grouped_and_the_batch_progress() {
    let screen = render(&App::new(0), 180, 30);
    assert!(
        screen.contains("web01, web02, web04 · identical · 3 lines"),
        "{screen}"
    );
    assert!(
        screen.contains("batch 2/2 · 3 ok · 1 failed · 1 running · 3 never started"),
        "{screen}"
    );
    insta::assert_snapshot!("hosts_rows_180x30", screen);
}

#[test]
fn tab_picks_a_host_and_enter_shows_its_output() {
    let app = app_after(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Enter]);
    assert_eq!((app.host_row, app.host_open), (Some(1), true));
    let screen = render(&app, 180, 30);
    assert!(screen.contains("web03 · output · Enter closes"), "{screen}");
    assert!(
        screen.contains("Failed to connect to localhost port 8080"),
        "{screen}"
    );
    insta::assert_snapshot!("hosts_output_180x30", screen);
    let closed = app_after(&[KeyCode::Tab, KeyCode::Enter, KeyCode::Esc]);
    assert_eq!((closed.host_row, closed.host_open), (None, false));
}

#[test]
fn the_confirmation_says_on_which_hosts_in_which_batches_the_step_runs() {
    let rb = load_str(RUNBOOK, Path::new("rolling.md")).expect("runbook");
    let refs = rb.steps();
    let state = SessionState::fold(&rb, &[]);
    let ctx = Ctx {
        runbook: &rb,
        refs: &refs,
        state: &state,
        running: false,
    };
    let mut app = App::new(0);
    let effects = handle_key(
        &mut app,
        KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
        &ctx,
    );
    assert!(effects.is_empty(), "{effects:?}");
    let screen = render_after(&[], &app, 100, 20);
    assert!(screen.contains("Run this step?"), "{screen}");
    assert!(
        screen.contains("on 8 hosts: web01–web08 · batches 4,4 · max_fail 1"),
        "{screen}"
    );
    insta::assert_snapshot!("hosts_confirm_100x20", screen);
}
