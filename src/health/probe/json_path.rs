//! Dotted paths into JSON bodies (`checks.db.0.latency`) and reading the value found.

use serde_json::Value;

/// The value at a dotted path; numeric segments index arrays. A leading `$.` is allowed.
pub fn lookup<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let path = path.strip_prefix("$.").unwrap_or(path);
    path.split('.')
        .filter(|segment| !segment.is_empty())
        .try_fold(root, |current, segment| match current {
            Value::Object(map) => map.get(segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
}

/// The value as text for `expect_value`: strings without quotes, anything else as JSON.
pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A JSON number, or a string holding one.
pub fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(text) => text.trim().parse::<f64>().ok().filter(|v| v.is_finite()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_walk_objects_and_arrays() {
        let body = json!({"status": "ok", "checks": [{"db": {"latency": 12.5}}], "up": true});
        assert_eq!(lookup(&body, "status"), Some(&json!("ok")));
        assert_eq!(lookup(&body, "checks.0.db.latency"), Some(&json!(12.5)));
        assert_eq!(lookup(&body, "$.up"), Some(&json!(true)));
        assert_eq!(lookup(&body, "checks.1.db"), None);
        assert_eq!(lookup(&body, "status.x"), None);
    }

    #[test]
    fn values_read_as_text_and_numbers() {
        assert_eq!(as_text(&json!("ok")), "ok");
        assert_eq!(as_text(&json!(true)), "true");
        assert_eq!(as_text(&json!(3)), "3");
        assert_eq!(as_number(&json!(3)), Some(3.0));
        assert_eq!(as_number(&json!(" 0.5 ")), Some(0.5));
        assert_eq!(as_number(&json!("ok")), None);
        assert_eq!(as_number(&json!(null)), None);
    }
}
