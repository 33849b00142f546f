//! The full screen without colour (`NO_COLOR`, `--color never`), on ratatui's TestBackend:
//! a failed step with health panels drawn, then stripped as the terminal does it. The
//! snapshot keeps every cell's style, so it shows that no colour is left and that what stood
//! out only by colour is reversed, while the marks (✓ ✗ ● ✖ ▌) say the rest.

use chrono::{TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use runbook::doc::load_str;
use runbook::health::{CheckState, Sample, Status};
use runbook::session::event::{Body, Event, Stream};
use runbook::session::mask::Secrets;
use runbook::session::state::SessionState;
use runbook::tui::app::App;
use runbook::tui::view::{View, draw};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

const RUNBOOK: &str = "# Deploy\n\n## Pre-flight\n\n- [ ] Change ticket approved\n\
```bash {name=deploy-api}\n./deploy.sh api\n```\n\n## Rollback\n```bash {name=undo}\n./deploy.sh --previous\n```\n";

fn check(name: &str, status: Status, shown: &str, reason: Option<&str>) -> CheckState {
    CheckState {
        name: name.into(),
        kind: "http",
        target: format!("http://127.0.0.1/{name}"),
        last: Some(Sample {
            status,
            value: Some(12.0),
            shown: shown.into(),
            reason: reason.map(String::from),
        }),
        status,
        since: Instant::now() - Duration::from_secs(65),
        history: vec![Some(10.0), Some(14.0), Some(12.0)],
        failures: 0,
        host: None,
    }
}

fn events() -> Vec<Event> {
    let step = |body| Event::new(Some("deploy-api"), body);
    vec![
        Event::new(Some("1#1"), Body::CheckConfirmed { auto: false }),
        step(Body::StepStarted {
            attempt: 1,
            script: "./deploy.sh api".into(),
            cwd: "/srv".into(),
            auto: false,
            dry_run: false,
            proposed: false,
            on_demand: false,
        }),
        step(Body::Output {
            stream: Stream::Stdout,
            bytes: "\u{1b}[32mreplica 1/3 ready\u{1b}[0m\n".into(),
        }),
        step(Body::Output {
            stream: Stream::Stderr,
            bytes: "error: connection refused\n".into(),
        }),
        step(Body::StepFinished {
            exit_code: Some(3),
            signal: None,
            duration_ms: 412,
            ok: false,
            lingering: false,
        }),
    ]
}

#[test]
fn the_screen_without_colour_keeps_its_marks_and_reverses_what_colour_set_apart() {
    let runbook = load_str(RUNBOOK, Path::new("deploy.md")).expect("valid runbook");
    let refs = runbook.steps();
    let state = SessionState::fold(&runbook, &events());
    let mut app = App::new(0);
    app.sync_selection(&state);
    let health = vec![
        check("api", Status::Ok, "12 ms", None),
        check("db", Status::Down, "", Some("connection refused")),
    ];
    let (params, secrets, terminals) = (BTreeMap::new(), Secrets::default(), HashMap::new());
    let view = View {
        runbook: &runbook,
        refs: &refs,
        state: &state,
        app: &app,
        now: Utc
            .with_ymd_and_hms(2026, 11, 22, 9, 3, 12)
            .single()
            .expect("time"),
        elapsed: Duration::from_secs(754),
        operator: "ana",
        mode: runbook::tui::view::Mode::Live,
        running_for: None,
        params: &params,
        secrets: &secrets,
        terminals: &terminals,
        autopilot: false,
        health: &health,
    };
    let mut terminal = Terminal::new(TestBackend::new(120, 20)).expect("terminal");
    terminal
        .draw(|frame| {
            draw(frame, &view);
            runbook::tui::colour::strip(frame.buffer_mut());
        })
        .expect("draw");
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "no colour is left"
    );
    insta::assert_snapshot!("no_color_failed_step_120x20", format!("{buffer:?}"));
}
