//! A dated day is held until its time: the countdown, and the reason to start early.

use super::day_open::Refusal;
use super::run::RunArgs;
use crate::doc::days::Day;
use crate::plain::dialogue::{Dialogue, Reply};
use chrono::{DateTime, Local, Utc};
use std::time::Duration;

/// The schedule's clock: the system clock, moved by `RUNBOOK_NOW` (RFC 3339) for
/// rehearsals and tests, so a countdown can be seen without waiting for the day.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleClock {
    skew: chrono::Duration,
}

impl ScheduleClock {
    pub fn from_env() -> ScheduleClock {
        let skew = std::env::var("RUNBOOK_NOW")
            .ok()
            .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
            .map_or_else(chrono::Duration::zero, |t| {
                t.with_timezone(&Utc) - Utc::now()
            });
        ScheduleClock { skew }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.skew
    }
}

/// `not before Jan 9 09:00 UTC (in 3h12m; 10:00 local time, UTC+01:00)`.
pub fn countdown_words(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Local);
    let left = (at - now).to_std().unwrap_or_default();
    format!(
        "not before {} (in {}; {} local time, UTC{})",
        at.format("%b %-d %H:%M UTC"),
        span(left),
        local.format("%b %-d %H:%M"),
        local.format("%:z")
    )
}

/// `2d3h`, `3h12m`, `45m`, `under a minute`: minutes rounded up, as a countdown counts.
pub fn span(left: Duration) -> String {
    if left.as_secs() < 60 {
        return "under a minute".into();
    }
    let minutes = left.as_secs().div_ceil(60);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours, mins) {
        (0, 0, 0) => "under a minute".into(),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h{m:02}m"),
        (d, h, _) => format!("{d}d{h}h"),
    }
}

/// Holds `day` until `at`: the early start's reason, or `None` when the time has come (or was waited for).
pub fn hold(
    day: &Day,
    at: DateTime<Utc>,
    args: &RunArgs,
    d: &mut Dialogue,
) -> Result<Option<String>, Refusal> {
    let clock = ScheduleClock::from_env();
    if clock.now() >= at {
        return Ok(None);
    }
    d.say(&format!(
        "⏳ {} is held: {}",
        day.label,
        countdown_words(at, clock.now())
    ));
    if let Some(reason) = &args.force_day {
        d.say(&format!(
            "starting {} early (--force-day): {reason}",
            day.label
        ));
        return Ok(Some(reason.clone()));
    }
    if args.yes {
        return Err((
            format!(
                "{} is not due yet; give --force-day \"REASON\" to start it early",
                day.label
            ),
            1,
        ));
    }
    let question = "Start now, before its time? Say why (empty: wait until then):";
    match d.ask_text(question, Some("")) {
        Reply::Chose(reason) if !reason.is_empty() => Ok(Some(reason)),
        Reply::Chose(_) => {
            wait_until(at, clock, d);
            Ok(None)
        }
        Reply::NoAnswer => Err((format!("{} not started: no answer", day.label), 1)),
        Reply::Interrupted(code) => Err(("interrupted".into(), code)),
    }
}

/// Counts down on the dialogue, a line a minute, until `at`.
fn wait_until(at: DateTime<Utc>, clock: ScheduleClock, d: &mut Dialogue) {
    let mut last_said = None;
    while clock.now() < at {
        let minutes_left = (at - clock.now()).num_minutes();
        if last_said != Some(minutes_left) {
            d.say(&format!("  waiting: {}", countdown_words(at, clock.now())));
            last_said = Some(minutes_left);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    d.say("  the time has come");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdowns_in_words() {
        assert_eq!(span(Duration::from_secs(3 * 3600 + 12 * 60)), "3h12m");
        assert_eq!(span(Duration::from_secs(3 * 3600 + 11 * 60 + 59)), "3h12m");
        assert_eq!(span(Duration::from_secs(45 * 60)), "45m");
        assert_eq!(span(Duration::from_secs(30)), "under a minute");
        assert_eq!(span(Duration::from_secs(2 * 86400 + 3 * 3600)), "2d3h");
        let at =
            DateTime::parse_from_rfc3339("2026-01-09T09:00:00Z").map(|t| t.with_timezone(&Utc));
        let now =
            DateTime::parse_from_rfc3339("2026-01-09T05:48:00Z").map(|t| t.with_timezone(&Utc));
        let words = countdown_words(at.expect("a time"), now.expect("a time"));
        assert!(
            words.starts_with("not before Jan 9 09:00 UTC (in 3h12m; "),
            "{words}"
        );
    }
}
