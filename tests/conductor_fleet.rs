//! A step on hosts walked headless (`tests/harness`), batch after batch, under the line
//! dialogue's policy and the full screen's with the same events: the autopilot decides
//! every batch gate GO even when the operator presses Enter while the next batch waits
//! for its `batch_wait` (no host runs then, yet the step is not over), and the operator
//! at the wheel answers each batch gate — never a confirmation to run the step again.

#[allow(dead_code)]
mod harness;

use crossterm::event::KeyCode;
use harness::{Driver, Harness};
use runbook::doc::model::Runbook;
use runbook::session::conductor::{Pace, Policy};
use runbook::session::event::{BatchDecision, Body, Decision, Event};
use runbook::session::input::Command;
use runbook::session::state::Status;

fn rolling(serial: &str) -> Runbook {
    let yaml = format!(
        "title: rolling\nhosts:\n  web: [\"host[01:05]\"]\nsteps:\n  - run: ./restart\n    name: restart-api\n    on: [web]\n    serial: [{serial}]\n    max_fail: 0\n    batch_gate: true\n    batch_wait: 5s\n  - check: the API answers\n"
    );
    runbook::doc::load_str(&yaml, std::path::Path::new("harness.yaml")).expect("valid runbook")
}

fn policies(yes: bool) -> [(Policy, Driver); 2] {
    let lines = Policy {
        yes,
        pace: Pace::Continuous,
        ..Policy::default()
    };
    let keys = Policy {
        yes,
        pace: Pace::StepByStep,
        ..Policy::default()
    };
    [(lines, Driver::Lines), (keys, Driver::Keys)]
}

/// Walks every batch: its hosts end OK, the operator presses Enter while the next batch
/// waits (under the autopilot) or `answer`s the gate, and the wait runs out.
fn walk_batches(h: &mut Harness, answer: impl Fn(&mut Harness)) {
    let autopilot = h.engine.policy.yes;
    let mut ms = 0;
    while !h.hosts_running().is_empty() {
        ms += 100;
        h.at(ms);
        for host in h.hosts_running() {
            h.host_exits(&host, 0, 100);
        }
        if h.engine.state().steps[0].status != Status::Running {
            break;
        }
        if autopilot {
            h.presses(&[KeyCode::Enter]);
            assert!(
                h.dialog().is_none(),
                "a dialog opened mid-step: {:?}",
                h.dialog()
            );
        } else {
            answer(h);
        }
        ms += 5000;
        h.at(ms);
    }
}

fn same_events(yes: bool, serial: &str, answer: impl Fn(&mut Harness)) -> Vec<Event> {
    let rb = rolling(serial);
    let [first, second] = policies(yes).map(|(policy, driver)| {
        let mut h = Harness::start(&rb, policy, driver);
        if !yes {
            h.answer(
                Command::Run { index: 0 },
                &[KeyCode::Enter, KeyCode::Char('y')],
            );
        }
        walk_batches(&mut h, &answer);
        assert_eq!(
            h.engine.state().steps[0].status,
            Status::Done,
            "{:?}",
            h.kinds()
        );
        h.events
    });
    assert_eq!(
        first, second,
        "the line dialogue and the full screen recorded different events"
    );
    first
}

fn count(events: &[Event], kind: &str) -> usize {
    events
        .iter()
        .filter(|e| e.kind_and_data().0 == kind)
        .count()
}

fn decisions(events: &[Event]) -> Vec<BatchDecision> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            Body::BatchDecided(d) => Some(d.clone()),
            _ => None,
        })
        .collect()
}

fn go(batch: usize, auto: bool) -> BatchDecision {
    BatchDecision {
        batch,
        decision: Decision::Go,
        auto,
    }
}

#[test]
fn the_autopilot_decides_every_batch_gate_though_enter_was_pressed_between_batches() {
    for (serial, batches) in [("1, 2", 3), ("1, 4", 2), ("1, 1, 1, 2", 4)] {
        let events = same_events(true, serial, |_| {});
        assert_eq!(count(&events, "fleet_planned"), 1, "serial {serial}");
        assert_eq!(count(&events, "batch_started"), batches, "serial {serial}");
        assert_eq!(count(&events, "batch_finished"), batches, "serial {serial}");
        let expected: Vec<BatchDecision> = (1..batches).map(|b| go(b, true)).collect();
        assert_eq!(decisions(&events), expected, "serial {serial}");
        assert_eq!(count(&events, "step_started"), 1, "serial {serial}");
    }
}

#[test]
fn the_operator_answers_each_batch_gate_and_is_never_asked_to_run_the_step_again() {
    let answer = |h: &mut Harness| {
        let index = 0;
        h.answer(
            Command::DecideBatch {
                index,
                decision: Decision::Go,
            },
            &[KeyCode::Enter, KeyCode::Char('g')],
        );
    };
    let events = same_events(false, "1, 2", answer);
    assert_eq!(count(&events, "fleet_planned"), 1);
    assert_eq!(count(&events, "batch_started"), 3);
    assert_eq!(decisions(&events), [go(1, false), go(2, false)]);
}

#[test]
fn x_between_batches_cancels_the_step_and_the_rest_never_starts() {
    let rb = rolling("1, 2");
    let [first, second] = policies(true).map(|(policy, driver)| {
        let mut h = Harness::start(&rb, policy, driver);
        h.at(100);
        h.host_exits("host01", 0, 100);
        assert!(
            h.hosts_running().is_empty(),
            "batch 2 waits for its batch_wait"
        );
        h.answer(Command::Cancel, &[KeyCode::Char('x'), KeyCode::Char('y')]);
        h.at(10_000);
        assert!(h.hosts_running().is_empty(), "batch 2 never started");
        let step = &h.engine.state().steps[0];
        assert_eq!(step.status, Status::Cancelled, "{:?}", h.kinds());
        let stopped = h.of_kind("fleet_stopped");
        let Some(Body::FleetStopped(stop)) = stopped.first().copied() else {
            panic!("the step stopped: {:?}", h.kinds());
        };
        assert_eq!(stop.reason, "cancelled");
        assert_eq!(stop.never_started.len(), 4);
        h.events
    });
    assert_eq!(first, second);
    assert_eq!(count(&first, "batch_started"), 1);
}
