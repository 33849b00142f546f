//! The session engine driven headless (`tests/harness`): inputs in — ticks, health
//! samples, run output and exits, followers' requests, the operator's lines or keys —
//! events and the projection out. Every scenario runs twice, under the line dialogue's
//! policy (`--plain --yes`) and the full screen's autopilot (`--yes`), and both must
//! record the same events: one conductor decides for both. A prompt the autopilot
//! cannot answer is answered by the operator, with a typed line on one and keys on the
//! other.

#[allow(dead_code)]
mod harness;

use crossterm::event::KeyCode;
use harness::{Driver, Harness};
use runbook::doc::model::Runbook;
use runbook::health::Status;
use runbook::session::conductor::{Next, Pace, Policy, Prompt, Until};
use runbook::session::event::{Body, Event, Outcome};
use runbook::session::input::Command;
use runbook::session::state::Status as StepStatus;
use std::time::Duration;

fn load(yaml: &str) -> Runbook {
    runbook::doc::load_str(yaml, std::path::Path::new("harness.yaml")).expect("valid runbook")
}

/// `--plain --yes`, and the full screen's `--yes`: answered by lines, and by keys.
fn both(extra: impl Fn(&mut Policy)) -> [(Policy, Driver); 2] {
    let mut lines = Policy {
        yes: true,
        pace: Pace::Continuous,
        ..Policy::default()
    };
    let mut keys = Policy {
        yes: true,
        pace: Pace::StepByStep,
        ..Policy::default()
    };
    extra(&mut lines);
    extra(&mut keys);
    [(lines, Driver::Lines), (keys, Driver::Keys)]
}

/// Runs `scenario` under both policies; the events they recorded, which must be the same.
fn same_under_both(
    runbook: &Runbook,
    extra: impl Fn(&mut Policy),
    scenario: impl Fn(&mut Harness),
) -> Vec<Event> {
    let [first, second] = both(extra).map(|(policy, driver)| {
        let mut h = Harness::start(runbook, policy, driver);
        scenario(&mut h);
        h.events
    });
    assert_eq!(
        first, second,
        "the line dialogue and the full screen recorded different events"
    );
    first
}

fn kinds(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.kind_and_data().0).collect()
}

const GATED_WAIT: &str = "title: gated\nhealth:\n  - {name: api, http: 'http://127.0.0.1:1/health'}\nsteps:\n  - wait: 30s\n    until: [api]\n    stable_for: 2s\n";

#[test]
fn a_gated_wait_ends_once_its_check_held_ok_for_stable_for_and_a_flap_restarts_the_count() {
    let rb = load(GATED_WAIT);
    let events = same_under_both(
        &rb,
        |_| {},
        |h| {
            h.health(0, "api", Status::Ok, 0);
            h.at(1000);
            h.health(0, "api", Status::Crit, 1200);
            h.at(2500);
            h.health(0, "api", Status::Ok, 1800);
            h.at(3700);
            assert!(
                h.of_kind("wait_ended").is_empty(),
                "OK for 1.9s of the 2s since the flap"
            );
            assert!(matches!(
                h.next(),
                Next::Await(Until::Wait { index: 0, .. })
            ));
            h.at(3800);
            let Some(Body::WaitEnded { early, reason, .. }) =
                h.of_kind("wait_ended").first().copied()
            else {
                panic!("the wait ended: {:?}", h.kinds());
            };
            assert!(*early);
            assert_eq!(reason, "api OK for 2s (stable_for)");
            let projection = h.engine.projection();
            assert_eq!(projection.state.steps[0].status, StepStatus::Done);
            assert_eq!(projection.health["api"].status, Status::Ok);
            assert_eq!(projection.health["api"].since_mono, 1800);
            assert_eq!(
                h.finish(),
                Next::End(Outcome::Completed, "all steps done".into())
            );
        },
    );
    let changes: Vec<(Status, Status)> = events
        .iter()
        .filter_map(|e| match &e.body {
            Body::HealthChanged { from, to, .. } => Some((*from, *to)),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        [
            (Status::Unknown, Status::Ok),
            (Status::Ok, Status::Crit),
            (Status::Crit, Status::Ok)
        ]
    );
}

#[test]
fn a_gated_wait_that_never_holds_fails_at_its_deadline_and_the_walk_stops_there() {
    let rb = load(GATED_WAIT);
    same_under_both(
        &rb,
        |_| {},
        |h| {
            h.health(0, "api", Status::Crit, 0);
            h.at(29_999);
            assert!(h.of_kind("wait_ended").is_empty());
            h.at(30_000);
            let Some(Body::WaitEnded {
                early,
                reason,
                failed,
            }) = h.of_kind("wait_ended").first().copied()
            else {
                panic!("the wait ended at its deadline");
            };
            assert!(!early);
            assert!(
                *failed,
                "a wait whose checks were not OK at its deadline failed"
            );
            assert!(
                reason
                    .starts_with("deadline reached before api stayed OK for 2s: api CRIT for 30s"),
                "{reason}"
            );
            assert!(
                matches!(h.engine.next(), Next::Ask(Prompt::Failed { .. })),
                "the walk stops at the failed wait: {:?}",
                h.engine.next()
            );
        },
    );
}

const ROLLBACK_IF: &str = "title: guarded\nhealth:\n  - {name: errors, http: 'http://127.0.0.1:1/errors', rollback_if: {crit_for: 2s}}\nsteps:\n  - run: ./deploy.sh\n    name: deploy\n  - run: ./verify.sh\n    name: verify\nrollback:\n  - run: ./undo.sh\n    name: undo\n";

#[test]
fn rollback_if_raises_exactly_one_prompt_per_critical_spell() {
    let rb = load(ROLLBACK_IF);
    let events = same_under_both(
        &rb,
        |_| {},
        |h| {
            h.health(0, "errors", Status::Ok, 0);
            // The first spell: CRIT, then DOWN (still critical), for 6 s.
            h.health(0, "errors", Status::Crit, 500);
            h.at(2499);
            assert!(h.of_kind("rollback_prompted").is_empty(), "not yet 2s");
            h.at(2500);
            assert_eq!(h.of_kind("rollback_prompted").len(), 1);
            h.health(0, "errors", Status::Down, 3000);
            h.at(4000);
            h.prints("deployed\n");
            h.exits(0, 5000);
            // The deploy ended; the open prompt holds the walk until the operator answers.
            assert_eq!(
                h.next(),
                Next::Ask(Prompt::Rollback {
                    reason: "rollback_if: errors critical for 2s".into()
                })
            );
            let mut keys = vec![KeyCode::Char('c')];
            keys.extend("known spike".chars().map(KeyCode::Char));
            keys.push(KeyCode::Enter);
            h.answer(
                Command::DeclineRollback {
                    reason: "known spike".into(),
                },
                &keys,
            );
            // Still the same spell: no second prompt, and the autopilot walks on.
            h.at(6000);
            assert_eq!(h.of_kind("rollback_prompted").len(), 1);
            assert_eq!(h.engine.state().steps[1].status, StepStatus::Running);
            // The check recovers; a second spell asks again, once.
            h.health(0, "errors", Status::Ok, 6500);
            h.health(0, "errors", Status::Crit, 7000);
            h.at(9000);
            h.at(12000);
            assert_eq!(h.of_kind("rollback_prompted").len(), 2);
            let projection = h.engine.projection();
            assert_eq!(projection.health["errors"].status, Status::Crit);
            assert_eq!(
                projection.state.rollback_prompt.as_deref(),
                Some("rollback_if: errors critical for 2s")
            );
            assert_eq!(projection.running_for(12_000), Some(Duration::from_secs(8)));
        },
    );
    let order: Vec<String> = kinds(&events)
        .into_iter()
        .filter(|k| k.starts_with("rollback") || k.starts_with("step_started"))
        .collect();
    assert_eq!(
        order,
        [
            "step_started",
            "rollback_prompted",
            "rollback_declined",
            "step_started",
            "rollback_prompted"
        ]
    );
}

const FLAKY: &str = "title: flaky\nsteps:\n  - run: ./migrate.sh\n    name: migrate\n    retries: 2\n    on_fail: rollback\n  - check: never reached\nrollback:\n  - run: ./undo.sh\n    name: undo\n";

#[test]
fn retries_come_first_then_on_fail_rolls_back() {
    let rb = load(FLAKY);
    let events = same_under_both(
        &rb,
        |_| {},
        |h| {
            for attempt in 1..=3u64 {
                h.at(attempt * 1000);
                h.prints(&format!("attempt {attempt}\n"));
                h.exits(1, 200);
            }
            assert!(h.engine.state().in_rollback);
            let migrate = &h.engine.state().steps[0];
            assert_eq!((migrate.status, migrate.attempts), (StepStatus::Failed, 3));
            assert!(migrate.tail.text().ends_with("attempt 3\n"));
            h.at(5000);
            h.exits(0, 100);
            let started = h.executor.started.lock().expect("lock").len();
            assert_eq!(started, 4, "three attempts, then the rollback step");
            assert_eq!(
            h.finish(),
            Next::End(
                Outcome::RolledBack,
                "rollback finished (entered because: step migrate failed (exit 1); on_fail=rollback)"
                    .into()
            )
        );
        },
    );
    let attempts: Vec<(Option<String>, u32, bool)> = events
        .iter()
        .filter_map(|e| match &e.body {
            Body::StepStarted { attempt, auto, .. } => Some((e.step.clone(), *attempt, *auto)),
            _ => None,
        })
        .collect();
    assert_eq!(
        attempts,
        [
            (Some("migrate".into()), 1, true),
            (Some("migrate".into()), 2, true),
            (Some("migrate".into()), 3, true),
            (Some("undo".into()), 1, true),
        ]
    );
    assert_eq!(
        kinds(&events).last().map(String::as_str),
        Some("session_ended")
    );
}

const SIGNOFF: &str = "title: approval\nsteps:\n  - run: ./build.sh\n    name: build\n  - gate: Release approval\n    name: approve\n    signoffs: [{role: SRE, distinct: true}]\n  - check: shipped\n";

#[test]
fn a_signoff_gate_under_the_autopilot_gives_up_at_the_signoff_timeout() {
    let rb = load(SIGNOFF);
    let timeout = |p: &mut Policy| p.signoff_timeout = Duration::from_secs(30);
    let events = same_under_both(&rb, timeout, |h| {
        h.at(500);
        h.exits(0, 500);
        h.at(1000);
        assert!(matches!(
            h.next(),
            Next::Await(Until::Signoffs { index: 1, .. })
        ));
        h.follower(runbook::session::signoff::Incoming {
            uid: 4242,
            os_user: "bob".into(),
            request: Err("not a sign-off request".into()),
        });
        h.at(30_499);
        assert!(
            matches!(h.next(), Next::Await(_)),
            "waits 30 s from the gate"
        );
        h.at(30_500);
        let Next::End(Outcome::Failed, reason) = h.finish() else {
            panic!("the run fails at the sign-off timeout");
        };
        assert!(
            reason.contains("still needs a signer for each role after waiting 30s: SRE"),
            "{reason}"
        );
    });
    assert_eq!(
        kinds(&events),
        [
            "session_started",
            "step_started",
            "step_finished",
            "signoff_rejected",
            "session_ended"
        ]
    );
}

const WAIT_THEN_ROLLBACK: &str =
    "title: soak\nsteps:\n  - wait: 30s\nrollback:\n  - run: ./undo.sh\n    name: undo\n";

#[test]
fn a_forward_wait_ends_when_rollback_is_entered() {
    let rb = load(WAIT_THEN_ROLLBACK);
    same_under_both(
        &rb,
        |_| {},
        |h| {
            h.at(1000);
            assert!(matches!(
                h.next(),
                Next::Await(Until::Wait { index: 0, .. })
            ));
            let mut keys = vec![KeyCode::Char('b')];
            keys.extend("error budget burnt".chars().map(KeyCode::Char));
            keys.push(KeyCode::Enter);
            h.answer(
                Command::EnterRollback {
                    reason: "error budget burnt".into(),
                },
                &keys,
            );
            h.at(1100);
            let ended: Vec<&Body> = h.of_kind("wait_ended");
            let [
                Body::WaitEnded {
                    early,
                    reason,
                    failed,
                },
            ] = ended.as_slice()
            else {
                panic!("the forward wait ended once: {:?}", h.kinds());
            };
            assert!(*early);
            assert!(!*failed);
            assert_eq!(reason, "cut short: rollback was entered");
            // Its deadline passes without a second end: it no longer counts.
            h.at(31_000);
            assert_eq!(h.of_kind("wait_ended").len(), 1, "{:?}", h.kinds());
            assert!(
                !h.kinds().contains(&"step_failed".to_string()),
                "{:?}",
                h.kinds()
            );
            assert_eq!(h.engine.state().steps[1].status, StepStatus::Running);
        },
    );
}
