//! The conductor's rules, step by step, without an engine: a state folded from events,
//! a policy, a time — and what the walk does next.

use super::*;
use crate::session::event::{Body, Event};
use std::time::Duration;

fn load(text: &str) -> crate::doc::model::Runbook {
    crate::doc::load_str(text, std::path::Path::new("t.yaml")).expect("valid")
}

fn next_after(text: &str, events: &[Event], policy: &Policy) -> Next {
    next_for(&load(text), events, policy)
}

fn next_for(rb: &crate::doc::model::Runbook, events: &[Event], policy: &Policy) -> Next {
    let refs = rb.steps();
    let state = SessionState::fold(rb, events);
    let health = HealthBoard::default();
    let now = Now::system();
    let here = Here {
        refs: &refs,
        state: &state,
        health: &health,
        now,
        arrived: Some(now.mono),
        sign_command: "runbook sign S --role ROLE --name NAME",
    };
    next(&here, policy)
}

fn yes() -> Policy {
    Policy {
        yes: true,
        ..Policy::default()
    }
}

fn signed(role: &str, via: &str) -> Event {
    Event::new(
        Some("approve"),
        Body::Signed {
            role: role.into(),
            name: "X".into(),
            os_user: "x".into(),
            via: via.into(),
            request: None,
        },
    )
}

fn rejected(role: &str, via: &str) -> Event {
    Event::new(
        Some("approve"),
        Body::SignoffRejected {
            role: role.into(),
            name: "Ana".into(),
            os_user: "ana".into(),
            via: via.into(),
            reason: "a second person signs SRE".into(),
            request: None,
        },
    )
}

const GATE: &str = "title: T\nsteps:\n  - gate: Approve\n    name: approve\n    signoffs: [Lead, {role: SRE, distinct: true}]\n";

#[test]
fn the_autopilot_signs_given_roles_once_and_never_signs_a_distinct_role_itself() {
    let policy = Policy {
        signoffs: vec![("Lead".into(), "Ana".into()), ("SRE".into(), "Ana".into())],
        ..yes()
    };
    let sign = |role: &str| {
        Next::Act(Act::Sign {
            index: 0,
            role: role.into(),
            name: "Ana".into(),
        })
    };
    assert_eq!(next_after(GATE, &[], &policy), sign("Lead"));
    let lead = signed("Lead", "driver");
    // The SRE role is tried from the driver's side once: the engine's judge refuses it.
    assert_eq!(
        next_after(GATE, std::slice::from_ref(&lead), &policy),
        sign("SRE")
    );
    let refused = rejected("SRE", "driver");
    let Next::Await(Until::Signoffs { missing, .. }) =
        next_after(GATE, &[lead.clone(), refused.clone()], &policy)
    else {
        panic!("waits for a follower to sign SRE");
    };
    assert_eq!(missing, ["SRE"]);
    let follower = signed("SRE", "follower@laptop");
    assert_eq!(
        next_after(GATE, &[lead, refused, follower], &policy),
        Next::Act(Act::Decide {
            index: 0,
            decision: Decision::Go,
            auto: true
        })
    );
}

#[test]
fn the_autopilot_gives_up_at_a_signoff_gate_after_the_timeout() {
    let policy = Policy {
        signoff_timeout: Duration::ZERO,
        ..yes()
    };
    let Next::End(Outcome::Failed, reason) = next_after(GATE, &[], &policy) else {
        panic!("fails at once with a zero timeout");
    };
    assert!(
        reason.contains("still needs a signer for each role after waiting 0s: Lead, SRE"),
        "{reason}"
    );
    assert!(reason.contains("--signoff 'Lead=NAME'") && !reason.contains("'SRE=NAME'"));
}

#[test]
fn failures_retry_then_follow_on_fail_then_ask() {
    let text = "title: T\nsteps:\n  - run: 'false'\n    name: flaky\n    retries: 1\n    on_fail: continue\n  - run: 'false'\n    name: stop\n";
    let failed = |step: &str, attempt: u32| {
        [
            Event::new(
                Some(step),
                Body::StepStarted {
                    attempt,
                    script: "false".into(),
                    cwd: "/".into(),
                    auto: true,
                    dry_run: false,
                    proposed: false,
                    on_demand: false,
                },
            ),
            Event::new(
                Some(step),
                Body::StepFinished {
                    exit_code: Some(1),
                    signal: None,
                    duration_ms: 1,
                    ok: false,
                    lingering: false,
                },
            ),
        ]
    };
    let once = failed("flaky", 1);
    assert_eq!(
        next_after(text, &once, &Policy::default()),
        Next::Act(Act::Run {
            index: 0,
            auto: false,
            retry: true
        })
    );
    let twice: Vec<Event> = once.iter().chain(&failed("flaky", 2)).cloned().collect();
    assert_eq!(
        next_after(text, &twice, &yes()),
        Next::Act(Act::Skip {
            index: 0,
            reason: "failed (exit 1); on_fail=continue".into()
        })
    );
    let stop = failed("stop", 1);
    let Next::Ask(prompt) = next_after(text, &stop, &yes()) else {
        panic!("the operator decides");
    };
    assert_eq!(
        prompt.unanswered("stop"),
        Stop::End(Outcome::Failed, "step stop failed (exit 1)".into())
    );
}

#[test]
fn the_pace_decides_whether_a_step_waits_for_enter() {
    let text =
        "title: T\nsteps:\n  - run: echo hi\n    name: hi\n    confirm: none\n  - note: read me\n";
    let continuous = Policy {
        pace: Pace::Continuous,
        ..Policy::default()
    };
    assert_eq!(
        next_after(text, &[], &continuous),
        Next::Act(Act::Run {
            index: 0,
            auto: false,
            retry: false
        })
    );
    assert_eq!(
        next_after(text, &[], &Policy::default()),
        Next::Ask(Prompt::Run {
            index: 0,
            confirm: crate::doc::model::Confirm::None,
            again: false
        })
    );
}

#[test]
fn an_interrupted_step_is_left_to_the_operator_even_under_the_autopilot() {
    let text = "title: T\nsteps:\n  - run: echo hi\n    name: once\n";
    assert_eq!(
        next_after(text, &[], &yes()),
        Next::Act(Act::Run {
            index: 0,
            auto: true,
            retry: false
        })
    );
    let interrupted = Event::new(
        Some("once"),
        Body::StepInterrupted {
            reason: "the disk was full".into(),
        },
    );
    let Next::Ask(prompt) = next_after(text, &[interrupted], &yes()) else {
        panic!("the operator decides");
    };
    assert!(matches!(prompt, Prompt::Run { again: true, .. }));
    let Stop::Leave(why) = prompt.unanswered("once") else {
        panic!("--yes leaves the session resumable");
    };
    assert!(why.contains("never run again automatically"), "{why}");
}

const CHOICE: &str = "# Deploy\n\n## Option 1: Compose\n\n```bash\necho one\n```\n\n\
    ## Option 2: Kubernetes\n\n```bash\necho two\n```\n\n## Verify\n\n```bash\necho verify\n```\n";

fn next_in_markdown(events: &[Event], policy: &Policy) -> Next {
    let rb = crate::doc::load_str(CHOICE, std::path::Path::new("t.md")).expect("valid");
    next_for(&rb, events, policy)
}

fn acknowledged() -> Event {
    Event::new(
        None,
        Body::WarningsAcknowledged {
            warnings: vec![],
            auto: false,
        },
    )
}

#[test]
fn a_choice_is_asked_even_under_yes_unless_choose_names_an_option() {
    let events = [acknowledged()];
    for policy in [Policy::default(), yes()] {
        let Next::Ask(Prompt::Choose {
            choice, answers, ..
        }) = next_in_markdown(&events, &policy)
        else {
            panic!("a choice is asked")
        };
        assert_eq!(choice, 0);
        assert_eq!(answers, ["Option 1: Compose", "Option 2: Kubernetes"]);
    }
    let choose = Policy {
        choose: vec!["kube".into()],
        ..yes()
    };
    assert_eq!(
        next_in_markdown(&events, &choose),
        Next::Act(Act::Choose {
            choice: 0,
            chosen: crate::session::choices::Chosen::Option(1)
        })
    );
    let prompt = Prompt::Choose {
        choice: 0,
        title: "Deploy".into(),
        answers: vec!["Option 1: Compose".into()],
    };
    assert!(matches!(prompt.unanswered(""), Stop::Leave(why) if why.contains("--choose")));
}

#[test]
fn after_the_choice_the_walk_runs_the_chosen_option() {
    let chosen = Event::new(
        None,
        Body::OptionChosen {
            choice: "1".into(),
            title: "Choose one".into(),
            option: Some("Option 2: Kubernetes".into()),
            not_chosen: vec!["Option 1: Compose".into()],
            via: "operator".into(),
        },
    );
    let next = next_in_markdown(&[acknowledged(), chosen], &yes());
    assert_eq!(
        next,
        Next::Act(Act::Run {
            index: 1,
            auto: true,
            retry: false
        })
    );
}
