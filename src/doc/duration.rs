//! Durations as runbooks write them: `500ms`, `30s`, `5m`, `1h30m`.

use std::time::Duration;

/// Parses `500ms`, `30s`, `5m`, `2h`, `1h30m`, `1d` (units may combine, largest first).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("an empty duration".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    let mut last_unit_rank = usize::MAX;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("`{text}` is not a duration"));
        }
        let (number, tail) = rest.split_at(digits);
        let value: u64 = number
            .parse()
            .map_err(|_| format!("`{text}` is too large a duration"))?;
        let unit_len = tail.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, tail) = tail.split_at(unit_len);
        let (rank, millis) = unit_millis(unit).ok_or_else(|| {
            if unit.is_empty() {
                format!("`{text}` has no unit")
            } else {
                format!("`{unit}` in `{text}` is not a unit")
            }
        })?;
        if rank >= last_unit_rank {
            return Err(format!(
                "units in `{text}` must go from largest to smallest"
            ));
        }
        last_unit_rank = rank;
        let part = value
            .checked_mul(millis)
            .ok_or_else(|| format!("`{text}` is too large a duration"))?;
        total = total
            .checked_add(Duration::from_millis(part))
            .ok_or_else(|| format!("`{text}` is too large a duration"))?;
        rest = tail.trim_start();
    }
    Ok(total)
}

/// The sentence every duration error ends with.
pub const DURATION_HELP: &str =
    "a duration is a number with a unit: 500ms, 30s, 5m, 2h, or combined largest first as 1h30m";

fn unit_millis(unit: &str) -> Option<(usize, u64)> {
    Some(match unit {
        "d" => (4, 86_400_000),
        "h" => (3, 3_600_000),
        "m" | "min" => (2, 60_000),
        "s" => (1, 1_000),
        "ms" => (0, 1),
        _ => return None,
    })
}

/// Formats a duration the way runbooks write them (`1h30m`, `45s`, `250ms`).
pub fn format_duration(duration: Duration) -> String {
    let total_ms = duration.as_millis();
    if total_ms == 0 {
        return "0s".into();
    }
    if total_ms < 1_000 {
        return format!("{total_ms}ms");
    }
    let mut secs = duration.as_secs();
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    let ms = duration.subsec_millis();
    if secs > 0 || out.is_empty() {
        if ms > 0 && out.is_empty() {
            out.push_str(&format!("{secs}.{:01}s", ms / 100));
        } else {
            out.push_str(&format!("{secs}s"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_form() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in [
            "",
            "5",
            "m",
            "5 minutes",
            "30m1h",
            "5m5m",
            "-5s",
            "1.5h",
            "99999999999999999999s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn formats_back_to_the_written_form() {
        for text in ["500ms", "30s", "5m", "1h30m", "2d"] {
            let parsed = parse_duration(text).expect("valid");
            assert_eq!(format_duration(parsed), text);
        }
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
    }
}
