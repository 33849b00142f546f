//! Events survive the trip through a log record: kinds, flat output, health words.

use super::*;

#[test]
fn events_round_trip_through_kind_and_data() {
    let events = [
        Event::new(
            Some("deploy"),
            Body::StepFinished {
                exit_code: Some(3),
                signal: None,
                duration_ms: 1200,
                ok: false,
                lingering: false,
            },
        ),
        Event::new(
            Some("2#1"),
            Body::Output {
                stream: Stream::Stderr,
                bytes: "boom\n".into(),
            },
        ),
        Event::new(
            None,
            Body::SessionEnded {
                outcome: Outcome::Completed,
                reason: "all steps done".into(),
            },
        ),
        Event::new(
            Some("gate"),
            Body::GateDecided {
                decision: Decision::NoGo,
                auto: false,
                criteria: vec!["a".into()],
                groups: vec![],
                signers: vec![],
                evidence: BTreeMap::new(),
            },
        ),
    ];
    for event in events {
        let (kind, data) = event.kind_and_data();
        assert!(!kind.is_empty());
        assert_eq!(
            Event::from_record(&kind, event.step.clone(), &data),
            Some(event)
        );
    }
}

#[test]
fn output_data_is_flat() {
    let event = Event::new(
        Some("x"),
        Body::Output {
            stream: Stream::Stdout,
            bytes: vec![0xff, 0, 1].into(),
        },
    );
    let (kind, data) = event.kind_and_data();
    assert_eq!(kind, "output");
    assert_eq!(data, serde_json::json!({"stream": "stdout", "b64": "/wAB"}));
    assert_eq!(event.clone().into_kind_and_data(), (kind, data.clone()));
    assert_eq!(
        Event::from_record("output", Some("x".into()), &data),
        Some(event)
    );
}

#[test]
fn health_statuses_are_written_as_people_say_them() {
    let event = Event::new(
        None,
        Body::HealthChanged {
            check: "api".into(),
            from: HealthStatus::Ok,
            to: HealthStatus::Crit,
            value: None,
            reason: None,
            observed: None,
        },
    );
    let (_, data) = event.kind_and_data();
    assert_eq!(data["from"], "OK");
    assert_eq!(data["to"], "CRIT");
    assert_eq!(
        Event::from_record("health_changed", None, &data),
        Some(event)
    );
    let odd = serde_json::json!({"check": "x", "from": "MAYBE", "to": "DOWN", "value": null, "reason": null});
    let Some(Event {
        body: Body::HealthChanged { from, to, .. },
        ..
    }) = Event::from_record("health_changed", None, &odd)
    else {
        panic!("an unknown status word still reads")
    };
    assert_eq!((from, to), (HealthStatus::Unknown, HealthStatus::Down));
}

#[test]
fn unknown_kinds_are_skipped_not_fatal() {
    assert_eq!(
        Event::from_record("from_the_future", None, &Value::Null),
        None
    );
}
