//! Days in `show --json`: the top-level `"days"` list and each section's `"day"`.

use super::{Day, Days};
use serde_json::{Value, json};

/// `{"label", "index", "not_before"}` (`not_before`: RFC 3339 UTC, or null).
pub fn day_json(day: &Day) -> Value {
    json!({
        "label": day.label,
        "index": day.index,
        "not_before": day.not_before.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    })
}

/// Every day, with the heading that names it.
pub fn days_json(days: &Days) -> Value {
    days.days
        .iter()
        .map(|day| {
            let mut value = day_json(day);
            if let Value::Object(map) = &mut value {
                map.insert("title".into(), json!(day.title));
                map.insert("line".into(), json!(day.line));
            }
            value
        })
        .collect()
}

/// The day a section's own steps belong to; null for the preflight, rollback and reference.
pub fn section_day(days: &Days, path: &[usize]) -> Value {
    days.day_of(path).map_or(Value::Null, day_json)
}
