//! The folded state as data (`--json-state`) and as a closing summary for
//! `--plain`: what a follower, a replay and the driver must agree on.

use crate::session::state::{SessionState, Status};
use serde_json::{Value, json};

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Pending => "pending",
        Status::Running => "running",
        Status::Done => "done",
        Status::Failed => "failed",
        Status::Skipped => "skipped",
        Status::TimedOut => "timed_out",
        Status::Cancelled => "cancelled",
        Status::Interrupted => "interrupted",
        Status::NoGo => "no_go",
        Status::NotChosen => "not_chosen",
    }
}

/// The last non-empty line of a step's output tail.
fn last_output_line(text: &str) -> Option<&str> {
    text.lines().rev().find(|l| !l.trim().is_empty())
}

/// A step's hosts: each one's state, how it ended, its last line of output.
fn hosts_json(fleet: &crate::session::fleet_state::FleetProgress) -> Value {
    fleet
        .hosts
        .iter()
        .map(|h| {
            json!({
                "host": h.name,
                "state": h.status.word(),
                "exit_code": h.end.as_ref().and_then(|e| e.exit_code),
                "signal": h.end.as_ref().and_then(|e| e.signal),
                "duration_ms": h.end.as_ref().map(|e| e.duration_ms),
                "failure": h.end.as_ref().and_then(|e| e.failure.clone()),
                "last_line": h.last_line(),
            })
        })
        .collect()
}

/// Everything the fold decided, as one JSON object.
pub fn state_json(state: &SessionState) -> Value {
    let steps: Vec<Value> = state
        .steps
        .iter()
        .map(|s| {
            let tail = s.tail.text();
            let mut step = json!({
                "id": s.id,
                "kind": s.kind.word(),
                "rollback": s.rollback,
                "reference": s.reference,
                "status": status_word(s.status),
                "attempts": s.attempts,
                "exit_code": s.exit_code,
                "duration_ms": s.duration_ms,
                "reason": s.reason,
                "decision": s.decision,
                "signers": s.signers.iter().map(|x| json!({"role": x.role, "name": x.name})).collect::<Vec<_>>(),
                "notes": s.notes,
                "output_bytes": s.tail.total,
                "output_last_line": last_output_line(&tail),
            });
            if let (Some(fleet), Some(fields)) = (&s.fleet, step.as_object_mut()) {
                fields.insert("hosts".into(), hosts_json(fleet));
            }
            step
        })
        .collect();
    json!({
        "title": state.title,
        "outcome": state.outcome,
        "end_reason": state.end_reason,
        "in_rollback": state.in_rollback,
        "rollback_reason": state.rollback_reason,
        "current": state.current().map(|s| s.id.clone()),
        "running": state.running.and_then(|i| state.steps.get(i)).map(|s| s.id.clone()),
        "events": state.events,
        "health": state
            .health
            .iter()
            .map(|(check, status)| (check.clone(), status.as_str()))
            .collect::<std::collections::BTreeMap<_, _>>(),
        "env_set": state.env_set,
        "env_unset": state.env_unset,
        "cwd": state.cwd,
        "notes": state.session_notes,
        "choices": choices_json(state),
        "steps": steps,
    })
}

/// Each choice with its options and what was chosen (`null` until answered, `"none of
/// these"` for a condition that did not apply).
fn choices_json(state: &SessionState) -> Value {
    use crate::session::choices::Chosen;
    let choices: Vec<Value> = state
        .choices
        .iter()
        .zip(&state.chosen)
        .map(|(choice, chosen)| {
            let chosen = chosen.map(|c| match c {
                Chosen::Option(n) => choice.options.get(n).map_or("", |o| o.title.as_str()),
                Chosen::NoneOfThese => "none of these",
            });
            json!({
                "id": choice.id,
                "title": choice.title,
                "options": choice.options.iter().map(|o| o.title.as_str()).collect::<Vec<_>>(),
                "chosen": chosen,
            })
        })
        .collect();
    Value::Array(choices)
}

/// Closing lines for `--plain`: how it ended and how each step stands.
pub fn closing_lines(state: &SessionState) -> Vec<String> {
    let mut lines = Vec::new();
    lines.push(match state.outcome {
        Some(outcome) => format!(
            "session {}: {}",
            outcome.word(),
            state.end_reason.as_deref().unwrap_or("")
        ),
        None => "session not ended".to_string(),
    });
    lines.push(state.tally());
    lines
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::session::event::{Body, Event, HealthStatus};

    #[test]
    fn health_statuses_read_as_the_log_writes_them() {
        let rb = crate::doc::load_str(
            "title: T\nhealth:\n  - {name: api, tcp: '127.0.0.1:1'}\nsteps:\n  - note: hi\n",
            std::path::Path::new("t.yaml"),
        )
        .unwrap();
        let changed = Event::new(
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
        let state = SessionState::fold(&rb, [&changed]);
        assert_eq!(state_json(&state)["health"]["api"], "CRIT");
    }
}
