//! How a runbook was read, in the walk (tests/harness: the real engine and conductor, fed
//! by hand): a proposed step runs only on the operator's own word — `--yes` never confirms
//! it, `--plain --yes` skips it (recorded), the full screen's autopilot stops at it,
//! `--run-proposed` runs it —; a placeholder is asked once per session and reaches the
//! command only through its environment; the loader's warnings are acknowledged before
//! the first step, automatically only under `--plain --yes`.

// Shared with tests/conductor.rs, which uses the rest of it.
#[allow(dead_code)]
mod harness;

use crossterm::event::KeyCode;
use harness::{Driver, Harness};
use runbook::doc::model::Runbook;
use runbook::session::conductor::{Next, Pace, Policy, Prompt, Stop};
use runbook::session::event::{Body, Event};
use runbook::session::input::Command;
use runbook::session::kinds::NOT_CONFIRMED;
use std::collections::BTreeMap;

/// An unlabeled fence (proposed), a shell fence with a placeholder used twice, the same
/// placeholder again in a later step, and a check.
const RESTART: &str = "# Restart the billing workers

## Look

```
kubectl -n billing get pods -l app=worker
```

## Restart

```bash
kubectl -n billing rollout restart deployment/<worker-deployment>
echo restarted <worker-deployment>
```

```bash
kubectl -n billing rollout status deployment/<worker-deployment>
```

- [ ] Queue depth falls
";

fn load(markdown: &str) -> Runbook {
    runbook::doc::load_str(markdown, std::path::Path::new("restart.md")).expect("valid runbook")
}

fn plain_yes() -> Policy {
    Policy {
        yes: true,
        pace: Pace::Continuous,
        ..Policy::default()
    }
}

fn screen_yes() -> Policy {
    Policy {
        yes: true,
        pace: Pace::StepByStep,
        ..Policy::default()
    }
}

fn kinds(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.kind_and_data().0).collect()
}

/// Types `text` into an open dialog, then Enter.
fn typed(text: &str) -> Vec<KeyCode> {
    let mut keys: Vec<KeyCode> = text.chars().map(KeyCode::Char).collect();
    keys.push(KeyCode::Enter);
    keys
}

/// Acknowledges the warnings the way the driver does (under `--plain --yes` they already are).
fn acknowledge(h: &mut Harness) {
    if h.next() == Next::Ask(Prompt::Warnings) {
        h.answer(
            Command::AcknowledgeWarnings,
            &[KeyCode::Enter, KeyCode::Enter],
        );
    }
}

fn scripts_started(h: &Harness) -> Vec<(String, BTreeMap<String, String>)> {
    h.executor
        .started
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, spec)| (spec.script.clone(), spec.env.clone()))
        .collect()
}

#[test]
fn plain_yes_skips_a_proposed_step_with_its_reason_and_runs_nothing_of_it() {
    let rb = load(RESTART);
    let h = Harness::start(&rb, plain_yes(), Driver::Lines);
    let skipped = h.of_kind("step_skipped");
    assert_eq!(
        skipped,
        [&Body::StepSkipped {
            reason: NOT_CONFIRMED.into()
        }]
    );
    let skip = h
        .events
        .iter()
        .find(|e| matches!(e.body, Body::StepSkipped { .. }))
        .expect("skipped");
    assert_eq!(skip.step.as_deref(), Some("1#1"));
    assert!(
        scripts_started(&h).is_empty(),
        "nothing ran: the proposed step was skipped and the next one waits for a value"
    );
    assert!(h.of_kind("step_started").is_empty());
}

#[test]
fn the_full_screen_autopilot_stops_at_a_proposed_step_until_the_operator_says_y() {
    let rb = load(RESTART);
    let mut h = Harness::start(&rb, screen_yes(), Driver::Keys);
    assert_eq!(h.next(), Next::Ask(Prompt::Warnings), "warnings come first");
    acknowledge(&mut h);
    let next = h.next();
    assert_eq!(next, Next::Ask(Prompt::Proposed { index: 0 }));
    let Next::Ask(prompt) = next else {
        unreachable!()
    };
    let said = prompt.hand_over("1#1").expect("the autopilot hands over");
    assert!(said.contains("proposed"), "{said}");
    for _ in 0..3 {
        h.at(1000);
    }
    assert!(scripts_started(&h).is_empty(), "--yes never confirms it");
    // Enter opens the dialog; Enter again is not a yes.
    h.answer(Command::Run { index: 0 }, &[KeyCode::Enter, KeyCode::Enter]);
    assert!(
        scripts_started(&h).is_empty(),
        "Enter never runs a proposed step"
    );
    h.answer(
        Command::Run { index: 0 },
        &[KeyCode::Enter, KeyCode::Char('y')],
    );
    let started = h.of_kind("step_started");
    let Some(Body::StepStarted { auto, proposed, .. }) = started.first() else {
        panic!("the operator's y ran it: {:?}", h.kinds());
    };
    assert!(!*auto, "recorded as the operator's");
    assert!(*proposed, "recorded as a proposed command");
}

#[test]
fn the_operator_is_asked_about_a_proposed_step_even_without_yes_on_both_drivers() {
    let rb = load(RESTART);
    for (pace, driver) in [
        (Pace::Continuous, Driver::Lines),
        (Pace::StepByStep, Driver::Keys),
    ] {
        let policy = Policy {
            pace,
            ..Policy::default()
        };
        let mut h = Harness::start(&rb, policy, driver);
        acknowledge(&mut h);
        assert_eq!(h.next(), Next::Ask(Prompt::Proposed { index: 0 }));
    }
}

#[test]
fn run_proposed_lets_the_autopilot_run_it_recorded_as_proposed() {
    let rb = load(RESTART);
    for (mut policy, driver) in [(plain_yes(), Driver::Lines), (screen_yes(), Driver::Keys)] {
        policy.run_proposed = true;
        let mut h = Harness::start(&rb, policy, driver);
        acknowledge(&mut h);
        let started = scripts_started(&h);
        assert_eq!(
            started.len(),
            1,
            "{driver:?}: the proposed step runs: {:?}",
            h.kinds()
        );
        assert!(started[0].0.contains("kubectl -n billing get pods"));
        let Some(Body::StepStarted { auto, proposed, .. }) =
            h.of_kind("step_started").first().copied()
        else {
            panic!("started")
        };
        assert!(*auto && *proposed);
    }
}

#[test]
fn a_placeholder_without_a_value_stops_the_autopilot_and_plain_yes_leaves_resumable() {
    let rb = load(RESTART);
    for (policy, driver) in [(plain_yes(), Driver::Lines), (screen_yes(), Driver::Keys)] {
        let mut h = Harness::start(&rb, policy, driver);
        acknowledge(&mut h);
        h.answer(
            Command::Skip {
                index: 0,
                reason: "not now".into(),
            },
            &[KeyCode::Char('s'), KeyCode::Enter],
        );
        let next = h.next();
        let Next::Ask(Prompt::Placeholder { index, placeholder }) = &next else {
            panic!("{driver:?}: asked for a value: {next:?}");
        };
        assert_eq!((*index, placeholder.env.as_str()), (1, "WORKER_DEPLOYMENT"));
        let Next::Ask(prompt) = &next else {
            unreachable!()
        };
        let Stop::Leave(why) = prompt.unanswered("2#1") else {
            panic!("nobody answers: the session stays resumable")
        };
        assert!(why.contains("--param worker-deployment=VALUE"), "{why}");
        assert!(prompt.hand_over("2#1").is_some());
        h.at(2000);
        assert!(
            scripts_started(&h).is_empty(),
            "{driver:?}: nothing runs without a value"
        );
    }
}

#[test]
fn a_placeholder_is_asked_once_and_its_value_reaches_commands_only_through_the_environment() {
    let payload = "$(touch pwned); rm -rf x";
    let rb = load(RESTART);
    let [lines, keys] = [Driver::Lines, Driver::Keys].map(|driver| {
        let policy = Policy {
            pace: if driver == Driver::Lines {
                Pace::Continuous
            } else {
                Pace::StepByStep
            },
            ..Policy::default()
        };
        let mut h = Harness::start(&rb, policy, driver);
        acknowledge(&mut h);
        h.answer(
            Command::Skip {
                index: 0,
                reason: "no reason given".into(),
            },
            &[KeyCode::Char('s'), KeyCode::Enter],
        );
        let mut keys = vec![KeyCode::Enter];
        keys.extend(typed(payload));
        h.answer(
            Command::FillPlaceholder {
                index: 1,
                env: "WORKER_DEPLOYMENT".into(),
                value: payload.into(),
            },
            &keys,
        );
        h.answer(
            Command::Run { index: 1 },
            &[KeyCode::Enter, KeyCode::Char('y')],
        );
        assert!(
            h.engine.running(),
            "{driver:?}: {:?} {:?}",
            h.kinds(),
            h.next()
        );
        h.exits(0, 10);
        // The next step reads the same placeholder: not asked again.
        assert_eq!(
            h.next(),
            Next::Ask(Prompt::Run {
                index: 2,
                confirm: runbook::doc::model::Confirm::Normal,
                again: false
            })
        );
        h.answer(
            Command::Run { index: 2 },
            &[KeyCode::Enter, KeyCode::Char('y')],
        );
        let started = scripts_started(&h);
        assert_eq!(started.len(), 2);
        for (script, env) in &started {
            assert!(!script.contains("touch"), "never spliced: {script}");
            assert!(script.contains("\"${WORKER_DEPLOYMENT:?placeholder without a value}\""));
            assert_eq!(env["WORKER_DEPLOYMENT"], payload);
        }
        let filled = h.of_kind("placeholder_filled");
        assert_eq!(
            filled,
            [&Body::PlaceholderFilled {
                placeholder: "<worker-deployment>".into(),
                env: "WORKER_DEPLOYMENT".into(),
                value: payload.into(),
                secret: false,
                via: "operator".into(),
            }]
        );
        h.events
    });
    assert_eq!(kinds(&lines), kinds(&keys), "both drivers record the same");
}

#[test]
fn a_value_given_on_the_command_line_is_recorded_once_and_never_asked() {
    let rb = load(RESTART);
    let mut h = Harness::start(&rb, plain_yes(), Driver::Lines);
    let given = BTreeMap::from([(
        "worker-deployment".to_string(),
        "billing-worker".to_string(),
    )]);
    h.engine.give_placeholders(&given);
    h.events.extend(
        h.engine
            .handle(runbook::session::input::Input::Command(Command::Note {
                index: None,
                text: "go on".into(),
            })),
    );
    let filled = h.of_kind("placeholder_filled");
    assert_eq!(filled.len(), 1, "{:?}", h.kinds());
    let Body::PlaceholderFilled { via, value, .. } = filled[0] else {
        unreachable!()
    };
    assert_eq!(
        (via.as_str(), value.as_str()),
        ("--param", "billing-worker")
    );
    let started = scripts_started(&h);
    assert_eq!(
        started.len(),
        1,
        "the step with the placeholder runs under --yes"
    );
    assert_eq!(started[0].1["WORKER_DEPLOYMENT"], "billing-worker");
    // Given again (a resume with the same --param): nothing new is recorded.
    h.engine.give_placeholders(&given);
    assert_eq!(h.of_kind("placeholder_filled").len(), 1);
}

#[test]
fn a_secret_placeholder_is_masked_in_the_log_and_in_output() {
    let rb = load("# Db\n\n```bash\npsql -c \"ALTER USER app PASSWORD '<db_password>'\"\n```\n");
    let mut h = Harness::start(&rb, Policy::default(), Driver::Lines);
    acknowledge(&mut h);
    h.answer(
        Command::FillPlaceholder {
            index: 0,
            env: "DB_PASSWORD".into(),
            value: "hunter2".into(),
        },
        &[],
    );
    let Some(Body::PlaceholderFilled { value, secret, .. }) =
        h.of_kind("placeholder_filled").first().copied()
    else {
        panic!("recorded: {:?}", h.kinds())
    };
    assert_eq!((value.as_str(), *secret), ("***", true));
    h.answer(Command::Run { index: 0 }, &[]);
    h.prints("password is hunter2\n");
    h.exits(0, 5);
    let output: Vec<String> = h
        .events
        .iter()
        .filter_map(|e| match &e.body {
            Body::Output { bytes, .. } => Some(String::from_utf8_lossy(bytes.as_slice()).into()),
            _ => None,
        })
        .collect();
    assert_eq!(output, ["password is ***\n"]);
}

#[test]
fn plain_yes_acknowledges_the_warnings_automatically_before_the_first_step() {
    let rb = load(RESTART);
    let h = Harness::start(&rb, plain_yes(), Driver::Lines);
    assert_eq!(
        &kinds(&h.events)[..2],
        ["session_started", "warnings_acknowledged"]
    );
    let Body::WarningsAcknowledged { warnings, auto } = &h.events[1].body else {
        unreachable!()
    };
    assert!(*auto);
    assert_eq!(warnings.len(), rb.warnings.len());
    assert!(warnings[0].starts_with("5:1: "), "{warnings:?}");
}

#[test]
fn the_full_screen_waits_for_the_operator_to_acknowledge_the_warnings_even_under_yes() {
    let rb = load("# Plain\n\n```\necho hello\n```\n\n```bash\necho two\n```\n");
    for policy in [screen_yes(), Policy::default()] {
        let mut h = Harness::start(&rb, policy, Driver::Keys);
        h.at(5000);
        assert_eq!(h.next(), Next::Ask(Prompt::Warnings));
        assert_eq!(
            kinds(&h.events),
            ["session_started"],
            "nothing before the answer"
        );
        h.answer(
            Command::AcknowledgeWarnings,
            &[KeyCode::Enter, KeyCode::Esc, KeyCode::Enter],
        );
        let acknowledged = h.of_kind("warnings_acknowledged");
        assert_eq!(
            acknowledged.len(),
            1,
            "Esc does not close the list; Enter answers"
        );
        assert!(matches!(
            acknowledged[0],
            Body::WarningsAcknowledged { auto: false, .. }
        ));
        assert_ne!(h.next(), Next::Ask(Prompt::Warnings), "asked once");
    }
}

#[test]
fn a_runbook_read_without_warnings_asks_nothing_more() {
    let rb = load("# Clean\n\n```bash\necho hello\n```\n");
    assert!(rb.warnings.is_empty());
    let h = Harness::start(&rb, plain_yes(), Driver::Lines);
    assert!(h.of_kind("warnings_acknowledged").is_empty());
    assert_eq!(scripts_started(&h).len(), 1);
}

#[test]
fn a_resumed_session_keeps_plain_values_and_asks_again_for_secrets() {
    let rb = load("# Two\n\n```bash\nssh <host> 'echo <api_token>'\n```\n");
    let filled = |placeholder: &str, env: &str, value: &str, secret: bool| {
        Event::new(
            Some("1#1"),
            Body::PlaceholderFilled {
                placeholder: placeholder.into(),
                env: env.into(),
                value: value.into(),
                secret,
                via: "operator".into(),
            },
        )
    };
    let events = [
        filled("<host>", "HOST", "db1", false),
        filled("<api_token>", "API_TOKEN", "***", true),
    ];
    let before = runbook::session::state::SessionState::fold(&rb, &events);
    assert!(before.filled("HOST") && before.filled("API_TOKEN"));
    let resumed = Event::new(
        None,
        Body::SessionResumed {
            operator: "bo".into(),
            host: "h".into(),
            pid: 1,
            torn_bytes_dropped: 0,
        },
    );
    let after = runbook::session::state::SessionState::fold(&rb, events.iter().chain([&resumed]));
    assert!(after.filled("HOST"), "a plain value survives the resume");
    assert!(!after.filled("API_TOKEN"), "a masked secret is asked again");
}
