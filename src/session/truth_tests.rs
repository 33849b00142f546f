//! Marks and summaries claim only what the events show.

use super::*;
use crate::doc::model::Runbook;
use crate::session::event::{Body, Event};

fn runbook() -> Runbook {
    let text = "title: T\nsteps:\n  - run: 'true'\n    name: a\n  - run: 'sleep 9'\n    name: b\n  - wait: 30s\n    name: c\n    until: [api]\n  - run: 'false'\n    name: d\nhealth:\n  - {name: api, tcp: 'localhost:1'}\n";
    crate::doc::load_str(text, std::path::Path::new("t.yaml")).unwrap()
}

fn started(dry_run: bool) -> Event {
    Event::new(
        None,
        Body::SessionStarted {
            title: "T".into(),
            steps: 4,
            yes: false,
            dry_run,
            skip_waits: false,
            source: String::new(),
            operator: "ana".into(),
        },
    )
}

fn run(step: &str, dry_run: bool) -> Event {
    Event::new(
        Some(step),
        Body::StepStarted {
            attempt: 1,
            script: "x".into(),
            cwd: "/".into(),
            auto: false,
            dry_run,
            proposed: false,
            on_demand: false,
        },
    )
}

fn finished(step: &str, exit_code: Option<i32>, signal: Option<i32>, ok: bool) -> Event {
    Event::new(
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

fn body(step: &str, body: Body) -> Event {
    Event::new(Some(step), body)
}

#[test]
fn a_cancelled_step_marked_done_still_says_it_was_cancelled() {
    let rb = runbook();
    let events = [
        started(false),
        run("a", false),
        finished("a", Some(0), None, true),
        run("b", false),
        body(
            "b",
            Body::StepCancelled {
                reason: "cancelled by the operator".into(),
            },
        ),
        finished("b", None, Some(15), false),
        body(
            "b",
            Body::StepMarkedDone {
                reason: "did it by hand".into(),
            },
        ),
    ];
    let state = SessionState::fold(&rb, &events);
    let b = &state.steps[1];
    assert_eq!(
        Mark::of(b),
        Mark::MarkedDone {
            after: Some(Status::Cancelled)
        }
    );
    let words = status_words(b, "9.9s");
    assert_eq!(words, "☑ cancelled (signal 15), then marked done · 9.9s");
    assert!(!words.contains("exit 0"));
    assert_eq!(status_words(&state.steps[0], "9.9s"), "✓ exit 0 · 9.9s");
}

#[test]
fn a_dry_run_step_was_not_run_and_has_no_exit_code() {
    let rb = runbook();
    let events = [
        started(true),
        run("a", true),
        finished("a", None, None, true),
    ];
    let state = SessionState::fold(&rb, &events);
    assert!(state.dry_run);
    assert_eq!(Mark::of(&state.steps[0]), Mark::NotRun);
    assert_eq!(status_words(&state.steps[0], "0.0s"), "◌ not run (dry run)");
}

#[test]
fn a_wait_whose_checks_missed_the_deadline_failed_and_the_walk_stays_there() {
    let rb = runbook();
    let wait = Body::WaitStarted {
        seconds: 30.0,
        until: vec!["api".into()],
        ends_at: chrono::Utc::now(),
    };
    let ended = Body::WaitEnded {
        early: false,
        reason: "deadline reached before api stayed OK".into(),
        failed: true,
    };
    let events = [
        started(false),
        run("a", false),
        finished("a", Some(0), None, true),
        body("b", Body::StepSkipped { reason: "x".into() }),
        body("c", wait),
        body("c", ended),
    ];
    let state = SessionState::fold(&rb, &events);
    assert_eq!(state.steps[2].status, Status::Failed);
    assert_eq!(state.cursor, 2, "the walk stops at the failed wait");
}

#[test]
fn the_end_summary_counts_each_way_a_step_ended() {
    let rb = runbook();
    let events = [
        started(false),
        run("a", false),
        finished("a", Some(0), None, true),
        run("b", false),
        body("b", Body::StepCancelled { reason: "x".into() }),
        finished("b", None, Some(15), false),
        body("b", Body::StepSkipped { reason: "y".into() }),
        body("c", Body::StepSkipped { reason: "z".into() }),
        run("d", false),
        finished("d", Some(1), None, false),
        body("d", Body::StepSkipped { reason: "w".into() }),
    ];
    let state = SessionState::fold(&rb, &events);
    assert_eq!(
        counts(&state),
        "1 done, 1 cancelled and skipped, 1 skipped, 1 failed and skipped"
    );
    let (_, reason) = state.finished();
    assert!(!reason.contains("all steps done"), "{reason}");
    assert_eq!(reason, counts(&state));
}

#[test]
fn only_a_walk_where_every_step_succeeded_is_all_done() {
    let rb = runbook();
    let mut events = vec![started(false)];
    for id in ["a", "b", "d"] {
        events.push(run(id, false));
        events.push(finished(id, Some(0), None, true));
    }
    let state = SessionState::fold(&rb, &events);
    assert!(!all_succeeded(&state), "the wait was never walked");
}
