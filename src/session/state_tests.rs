//! The fold's own rules: who drives, who signed, what a rejection leaves.

use super::*;

fn runbook() -> Runbook {
    let text = "title: T\nsteps:\n  - gate: Sign-off\n    name: approve\n    signoffs: [Lead, {role: SRE, distinct: true}]\n";
    crate::doc::load_str(text, std::path::Path::new("t.yaml")).unwrap()
}

fn started(operator: &str) -> Event {
    Event::new(
        None,
        Body::SessionStarted {
            title: "T".into(),
            steps: 1,
            yes: false,
            dry_run: false,
            skip_waits: false,
            source: String::new(),
            operator: operator.into(),
        },
    )
}

#[test]
fn the_fold_keeps_the_current_driver() {
    let rb = runbook();
    let resumed = Event::new(
        None,
        Body::SessionResumed {
            operator: "bob".into(),
            host: "h".into(),
            pid: 1,
            torn_bytes_dropped: 0,
        },
    );
    let changed = Event::new(
        None,
        Body::DriverChanged {
            from: "ana".into(),
            to: "bob".into(),
            host: "h".into(),
        },
    );
    let left = Event::new(
        None,
        Body::DriverLeft {
            operator: "ana".into(),
            stopped: None,
        },
    );
    let state = SessionState::fold(&rb, [&started("ana")]);
    assert_eq!(state.driver.as_deref(), Some("ana"));
    let state = SessionState::fold(&rb, [&started("ana"), &left, &resumed, &changed]);
    assert_eq!(state.driver.as_deref(), Some("bob"));
    assert_eq!(SessionState::fold(&rb, [&started("")]).driver, None);
}

#[test]
fn signers_keep_where_they_signed_from_and_rejections_are_kept() {
    let rb = runbook();
    let signed = Event::new(
        Some("approve"),
        Body::Signed {
            role: "Lead".into(),
            name: "Bob".into(),
            os_user: "bob".into(),
            via: "follower@laptop".into(),
            request: Some("n1".into()),
        },
    );
    let rejected = Event::new(
        Some("approve"),
        Body::SignoffRejected {
            role: "SRE".into(),
            name: "Ana".into(),
            os_user: "ana".into(),
            via: "driver".into(),
            reason: "a second person signs SRE".into(),
            request: None,
        },
    );
    let state = SessionState::fold(&rb, [&signed, &rejected]);
    let step = &state.steps[0];
    assert_eq!(step.signers.len(), 1);
    assert_eq!(step.signers[0].via, "follower@laptop");
    assert_eq!(step.rejections.len(), 1);
    assert_eq!(step.rejections[0].signer.role, "SRE");
    assert_eq!(step.rejections[0].reason, "a second person signs SRE");
    assert_eq!(step.status, Status::Pending, "a rejection signs nothing");
}
