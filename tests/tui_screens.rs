//! Every screen state, rendered with ratatui's TestBackend at 80×24 and 200×50.

mod screen;

use chrono::{DateTime, TimeZone, Utc};
use runbook::doc::load_str;
use runbook::doc::model::Runbook;
use runbook::health::{CheckState, Sample, Status};
use runbook::session::event::{Body, Decision, Event, Signer, Stream};
use runbook::session::mask::Secrets;
use runbook::session::state::SessionState;
use runbook::tui::app::App;
use runbook::tui::dialog::Dialog;
use runbook::tui::view::{View, draw};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

const RUNBOOK: &str = "---
title: Day 7 — deploy {{version}}
params:
  version: {default: v1.0.0}
contacts:
  - {role: DevOps Lead, name: Ana Ruiz, phone: '+1 555 0100'}
env:
  require: [KUBECONFIG]
gates: in-place
---
# Day 7

## Pre-flight

Make sure the **window** is announced in `#deploys`.

- [ ] Change ticket approved
```bash {name=deploy-api timeout=5m}
./deploy.sh api --version \"$VERSION\"
```
```runbook
- wait: 5m
```

## Go/No-Go

### GO Criteria
- Error rate < 0.1%
### NO-GO Criteria
- Any sev-1 open

## Sign-off
- [ ] Engineering Lead
- [ ] SRE on call

## Rollback
```bash {name=undo}
./deploy.sh api --previous
```
";

fn runbook() -> Runbook {
    load_str(RUNBOOK, Path::new("day7.md")).expect("valid test runbook")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 3, 12)
        .single()
        .expect("time")
}

fn ev(step: Option<&str>, body: Body) -> Event {
    Event::new(step, body)
}

fn output(step: &str, stream: Stream, text: &str) -> Event {
    ev(
        Some(step),
        Body::Output {
            stream,
            bytes: text.into(),
        },
    )
}

fn started(step: &str) -> Event {
    ev(
        Some(step),
        Body::StepStarted {
            attempt: 1,
            script: "./deploy.sh".into(),
            cwd: "/srv".into(),
            auto: false,
            dry_run: false,
            proposed: false,
            on_demand: false,
        },
    )
}

/// Renders the screen for `events` and `app` at `width`×`height`, as text.
fn screen(
    events: &[Event],
    app: &App,
    width: u16,
    height: u16,
    running_for: Option<Duration>,
) -> String {
    screen_with_health(events, app, width, height, running_for, &[])
}

fn screen_with_health(
    events: &[Event],
    app: &App,
    width: u16,
    height: u16,
    running_for: Option<Duration>,
    health: &[CheckState],
) -> String {
    render(
        &runbook(),
        events,
        app,
        (width, height),
        running_for,
        health,
    )
}

fn render(
    rb: &Runbook,
    events: &[Event],
    app: &App,
    (width, height): (u16, u16),
    running_for: Option<Duration>,
    health: &[CheckState],
) -> String {
    let refs = rb.steps();
    let state = SessionState::fold(rb, events);
    let mut app = app.clone();
    if app.follow_walk {
        app.sync_selection(&state);
    }
    let params = BTreeMap::from([("version".to_string(), "v1.4.2".to_string())]);
    let secrets = Secrets::default();
    let terminals = HashMap::new();
    let view = View {
        runbook: rb,
        refs: &refs,
        state: &state,
        app: &app,
        now: now(),
        elapsed: Duration::from_secs(754),
        operator: "ana",
        mode: runbook::tui::view::Mode::Live,
        running_for,
        params: &params,
        secrets: &secrets,
        terminals: &terminals,
        autopilot: false,
        health,
    };
    screen::render(width, height, |frame| draw(frame, &view))
}

fn both_sizes(name: &str, events: &[Event], app: &App, running_for: Option<Duration>) {
    insta::assert_snapshot!(
        format!("{name}_80x24"),
        screen(events, app, 80, 24, running_for)
    );
    insta::assert_snapshot!(
        format!("{name}_200x50"),
        screen(events, app, 200, 50, running_for)
    );
}

fn fresh_app() -> App {
    App::new(0)
}

fn after_check() -> Vec<Event> {
    vec![ev(Some("1#1"), Body::CheckConfirmed { auto: false })]
}

#[test]
fn fresh_runbook() {
    both_sizes("fresh", &[], &fresh_app(), None);
}

#[test]
fn running_step_with_output() {
    let mut events = after_check();
    events.push(started("deploy-api"));
    events.push(output(
        "deploy-api",
        Stream::Stdout,
        "rolling out api v1.4.2\n\u{1b}[32mreplica 1/3 ready\u{1b}[0m\nreplica 2/3 ready\n",
    ));
    events.push(output(
        "deploy-api",
        Stream::Stderr,
        "warning: PodDisruptionBudget allows 1\n",
    ));
    both_sizes(
        "running",
        &events,
        &fresh_app(),
        Some(Duration::from_millis(3200)),
    );
}

#[test]
fn failed_step() {
    let mut events = after_check();
    events.push(started("deploy-api"));
    events.push(output(
        "deploy-api",
        Stream::Stderr,
        "error: connection refused (api.internal:443)\n",
    ));
    events.push(ev(
        Some("deploy-api"),
        Body::StepFinished {
            exit_code: Some(3),
            signal: None,
            duration_ms: 412,
            ok: false,
            lingering: false,
        },
    ));
    both_sizes("failed", &events, &fresh_app(), None);
}

fn at_wait() -> Vec<Event> {
    let mut events = after_check();
    events.push(started("deploy-api"));
    events.push(ev(
        Some("deploy-api"),
        Body::StepFinished {
            exit_code: Some(0),
            signal: None,
            duration_ms: 2100,
            ok: true,
            lingering: false,
        },
    ));
    events
}

#[test]
fn wait_countdown() {
    let mut events = at_wait();
    let ends_at = now() + chrono::Duration::seconds(252);
    events.push(ev(
        Some("1#3"),
        Body::WaitStarted {
            seconds: 300.0,
            until: vec![],
            ends_at,
        },
    ));
    both_sizes("wait", &events, &fresh_app(), None);
}

fn at_gate() -> Vec<Event> {
    let mut events = at_wait();
    events.push(ev(
        Some("1#3"),
        Body::WaitStarted {
            seconds: 300.0,
            until: vec![],
            ends_at: now(),
        },
    ));
    events.push(ev(
        Some("1#3"),
        Body::WaitEnded {
            early: false,
            reason: "waited 5m".into(),
            failed: false,
        },
    ));
    events
}

#[test]
fn gate_dialog() {
    let mut app = fresh_app();
    app.dialog = Some(Dialog::Gate { index: 3 });
    both_sizes("gate", &at_gate(), &app, None);
}

#[test]
fn signoff_dialog() {
    let mut events = at_gate();
    events.push(ev(
        Some("2#1"),
        Body::GateDecided {
            decision: Decision::Go,
            auto: false,
            criteria: vec![],
            groups: vec![],
            signers: vec![],
            evidence: BTreeMap::new(),
        },
    ));
    events.push(ev(
        Some("3#1"),
        Body::Signed {
            role: "Engineering Lead".into(),
            name: "Ana Ruiz".into(),
            os_user: "ana".into(),
            via: "driver".into(),
            request: None,
        },
    ));
    let mut app = fresh_app();
    app.dialog = Some(Dialog::Signoff {
        index: 4,
        role: 1,
        name: "Bo Li".into(),
    });
    both_sizes("signoff", &events, &app, None);
    let _ = Signer {
        role: String::new(),
        name: String::new(),
        os_user: String::new(),
        via: String::new(),
    };
}

#[test]
fn rollback_view() {
    let mut events = at_wait();
    events.push(ev(
        None,
        Body::RollbackEntered {
            reason: "error rate 4% after deploy".into(),
        },
    ));
    both_sizes("rollback", &events, &fresh_app(), None);
}

#[test]
fn help_page() {
    let mut app = fresh_app();
    app.help = true;
    both_sizes("help", &[], &app, None);
}

/// At 80×24 the help does not fit: its title says so and scrolling brings up the last keys.
#[test]
fn help_page_scrolls_to_its_last_line_at_80x24() {
    let mut app = fresh_app();
    app.help = true;
    app.help_scroll = u16::MAX;
    let shown = screen(&[], &app, 80, 24, None);
    assert!(shown.contains("read the whole document"), "{shown}");
    assert!(shown.contains("this help"), "{shown}");
    assert!(shown.contains("↑ more"), "{shown}");
    insta::assert_snapshot!("help_scrolled_80x24", shown);
}

#[test]
fn danger_and_quit_dialogs() {
    let mut app = fresh_app();
    app.dialog = Some(Dialog::TypeName {
        index: 1,
        typed: "deploy-a".into(),
    });
    insta::assert_snapshot!("danger_100x30", screen(&after_check(), &app, 100, 30, None));
    app.dialog = Some(Dialog::Quit { running: false });
    insta::assert_snapshot!("quit_100x30", screen(&after_check(), &app, 100, 30, None));
}

fn check(
    name: &str,
    status: Status,
    shown: &str,
    reason: Option<&str>,
    history: &[f64],
) -> CheckState {
    CheckState {
        name: name.into(),
        kind: "http",
        target: format!("http://127.0.0.1/{name}"),
        last: Some(Sample {
            status,
            value: history.last().copied(),
            shown: shown.into(),
            reason: reason.map(String::from),
        }),
        status,
        since: std::time::Instant::now() - Duration::from_secs(65),
        history: history.iter().map(|v| Some(*v)).collect(),
        failures: 0,
        host: None,
    }
}

#[test]
fn health_panel_shows_status_value_trend_and_reason() {
    let health = vec![
        check(
            "api",
            Status::Ok,
            "42 ms",
            None,
            &[40.0, 42.0, 55.0, 41.0, 42.0],
        ),
        check(
            "error-rate",
            Status::Warn,
            "0.012",
            Some("above warn 0.01"),
            &[0.002, 0.004, 0.012],
        ),
        check(
            "postgres",
            Status::Down,
            "",
            Some("connection refused"),
            &[3.0, 2.0],
        ),
    ];
    let text = screen_with_health(&after_check(), &fresh_app(), 140, 30, None, &health);
    assert!(text.contains("health: 1 OK · 1 WARN · 1 DOWN"), "{text}");
    insta::assert_snapshot!("health_140x30", text);
}

#[test]
fn health_panel_labels_checks_on_hosts_with_their_host() {
    let on = |host: &str, state: CheckState| CheckState {
        host: Some(host.to_string()),
        kind: "system",
        ..state
    };
    let health = vec![
        check("api", Status::Ok, "42 ms", None, &[40.0, 42.0]),
        on(
            "web01",
            check(
                "disk",
                Status::Warn,
                "86%",
                Some("above warn 80%"),
                &[80.0, 86.0],
            ),
        ),
        on(
            "dead",
            check(
                "load",
                Status::Down,
                "",
                Some("cannot connect: ssh: connect to host 127.0.0.1 port 1: Connection refused"),
                &[],
            ),
        ),
    ];
    let text = screen_with_health(&after_check(), &fresh_app(), 140, 30, None, &health);
    assert!(text.contains("disk@web01"), "{text}");
    assert!(text.contains("load@dead"), "{text}");
    insta::assert_snapshot!("health_on_hosts_140x30", text);
}

#[test]
fn rollback_prompt_raised_by_a_health_check() {
    let mut events = after_check();
    events.push(ev(
        None,
        Body::RollbackPrompted {
            checks: vec!["error-rate".into()],
            reason: "rollback_if: error-rate critical for 2s".into(),
        },
    ));
    let health = vec![check(
        "error-rate",
        Status::Crit,
        "0.091",
        Some("above crit 0.05"),
        &[0.002, 0.06, 0.091],
    )];
    let text = screen_with_health(&events, &fresh_app(), 120, 30, None, &health);
    assert!(text.contains("ROLL BACK?"), "{text}");
    assert!(text.contains("error-rate critical for 2s"), "{text}");
    insta::assert_snapshot!("rollback_prompt_120x30", text);
    events.push(ev(
        None,
        Body::RollbackDeclined {
            reason: "a known spike".into(),
        },
    ));
    let answered = screen_with_health(&events, &fresh_app(), 120, 30, None, &health);
    assert!(!answered.contains("ROLL BACK?"), "{answered}");
}

#[test]
fn gate_dialog_shows_the_evidence_it_will_record() {
    let rb = load_str(
        "---\ntitle: Evidence\nhealth:\n  - {name: api, http: 'http://127.0.0.1:9/health'}\n  - {name: disk, system: 'disk:/'}\n---\n# Evidence\n## Decide\n```runbook\n- gate: Go for the cutover\n  criteria: [api healthy]\n  evidence: [api, disk]\n```\n",
        Path::new("evidence.md"),
    )
    .expect("valid");
    let health = vec![
        check("api", Status::Ok, "12 ms", None, &[11.0, 12.0]),
        check(
            "disk",
            Status::Warn,
            "87%",
            Some("above warn 85%"),
            &[80.0, 87.0],
        ),
    ];
    let mut app = fresh_app();
    app.dialog = Some(Dialog::Gate { index: 0 });
    let text = render(&rb, &[], &app, (100, 30), None, &health);
    assert!(
        text.contains("Evidence (recorded with the decision)"),
        "{text}"
    );
    assert!(text.contains("api OK · 12 ms · for 1m5s"), "{text}");
    insta::assert_snapshot!("gate_evidence_100x30", text);
}
