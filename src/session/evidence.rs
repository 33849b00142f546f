//! Gate evidence: the state of a health check as recorded with a gate decision, and the
//! one line that tells it to people (screen, exports, replay).

use crate::doc::duration::format_duration;
use crate::health::CheckState;
use serde_json::{Value, json};
use std::time::Instant;

/// `{"status","value","reason","for_s"}` for a running check; `reason` already masked.
pub fn of_check(check: &CheckState, reason: Option<String>, now: Instant) -> Value {
    json!({
        "status": check.status.as_str(),
        "value": check.last.as_ref().map(|s| s.shown.clone()).filter(|v| !v.is_empty()),
        "reason": reason,
        "for_s": now.saturating_duration_since(check.since).as_secs(),
    })
}

/// For a name no running check has.
pub fn missing() -> Value {
    json!({"status": "UNKNOWN", "reason": "the check is not running"})
}

/// `api OK · 12 ms · for 1m05s` or `db DOWN · for 30s — connection refused`.
pub fn describe(check: &str, state: &Value) -> String {
    let Some(status) = state.get("status").and_then(Value::as_str) else {
        return format!("{check} {state}");
    };
    let mut line = format!("{check} {status}");
    if let Some(value) = state.get("value").and_then(Value::as_str) {
        line.push_str(&format!(" · {value}"));
    }
    if let Some(secs) = state.get("for_s").and_then(Value::as_u64) {
        let held = format_duration(std::time::Duration::from_secs(secs));
        line.push_str(&format!(" · for {held}"));
    }
    if let Some(reason) = state.get("reason").and_then(Value::as_str) {
        line.push_str(&format!(" — {reason}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_reads_as_one_line() {
        let ok = json!({"status": "OK", "value": "83%", "reason": null, "for_s": 65});
        assert_eq!(describe("disk", &ok), "disk OK · 83% · for 1m5s");
        let down =
            json!({"status": "DOWN", "value": null, "reason": "connection refused", "for_s": 30});
        assert_eq!(
            describe("db", &down),
            "db DOWN · for 30s — connection refused"
        );
        assert_eq!(
            describe("x", &missing()),
            "x UNKNOWN — the check is not running"
        );
    }
}
