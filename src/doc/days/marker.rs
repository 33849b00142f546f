//! Reading a day out of a heading: `Day 6`, `Day 1-2`, `Week 2`, `Stage 1`, a date
//! (`Jan 8`, `Jan 10-11`, `2025-01-20`) or a date-time (`Jan 8, 09:00 UTC`).

use regex::Regex;
use std::sync::LazyLock;

/// What a heading says about the day it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// The words as written: `Day 6`, `Week 2-3`, `Jan 8, 09:00 UTC`.
    pub label: String,
    /// When the heading names a calendar date.
    pub date: Option<PlanDate>,
}

/// A calendar date (its year perhaps left to the document) with an optional time of day, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanDate {
    pub year: Option<i32>,
    pub month: u32,
    pub day: u32,
    /// Hour and minute (UTC); midnight when the heading gives none.
    pub time: Option<(u32, u32)>,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

static COUNTED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(day|week|stage)\s+(\d{1,3})(?:\s*[-–]\s*(\d{1,3}))?\b").ok()
});

static MONTH_DAY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?",
        r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+(\d{1,2})\b",
        r"(?:\s*[-–]\s*\d{1,2}\b)?(?:,?\s+(\d{4})\b)?",
        r"(?:,?\s+(\d{1,2}):(\d{2})(?:\s*(utc|gmt|z)\b)?)?"
    ))
    .ok()
});

static ISO_DATE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2})?\s*(?:Z|UTC)?)?\b").ok()
});

/// The first day marker in `title`; words in parentheses are preferred (`Phase A (Day 6)`).
pub fn marker(title: &str) -> Option<Marker> {
    parenthesised(title)
        .into_iter()
        .find_map(marker_in)
        .or_else(|| marker_in(title))
}

fn parenthesised(title: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = title;
    while let Some(open) = rest.find('(') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(')') else { break };
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    out
}

/// The earliest marker in `text`, whichever kind it is.
fn marker_in(text: &str) -> Option<Marker> {
    [counted(text), month_day(text), iso_date(text)]
        .into_iter()
        .flatten()
        .min_by_key(|(start, _)| *start)
        .map(|(_, marker)| marker)
}

/// The `Day N` / `Week N` / `Stage N` a title names, wherever it stands.
pub fn counted_label(title: &str) -> Option<String> {
    counted(title).map(|(_, m)| m.label)
}

fn counted(text: &str) -> Option<(usize, Marker)> {
    let caps = COUNTED.as_ref()?.captures(text)?;
    let whole = caps.get(0)?;
    let unit = capitalised(caps.get(1)?.as_str());
    let first = caps.get(2)?.as_str();
    let label = match caps.get(3) {
        Some(last) => format!("{unit} {first}-{}", last.as_str()),
        None => format!("{unit} {first}"),
    };
    Some((whole.start(), Marker { label, date: None }))
}

fn capitalised(word: &str) -> String {
    let lower = word.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => lower,
    }
}

fn month_day(text: &str) -> Option<(usize, Marker)> {
    let caps = MONTH_DAY.as_ref()?.captures(text)?;
    let whole = caps.get(0)?;
    let month = month_number(caps.get(1)?.as_str())?;
    let day: u32 = caps.get(2)?.as_str().parse().ok()?;
    let year = caps.get(3).and_then(|y| y.as_str().parse().ok());
    let time = hour_minute(caps.get(4), caps.get(5))?;
    let date = PlanDate {
        year,
        month,
        day,
        time,
    };
    valid(&date).then(|| {
        let label = whole.as_str().trim().to_string();
        (
            whole.start(),
            Marker {
                label,
                date: Some(date),
            },
        )
    })
}

fn iso_date(text: &str) -> Option<(usize, Marker)> {
    let caps = ISO_DATE.as_ref()?.captures(text)?;
    let whole = caps.get(0)?;
    let number = |i: usize| caps.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let date = PlanDate {
        year: caps.get(1).and_then(|m| m.as_str().parse().ok()),
        month: number(2)?,
        day: number(3)?,
        time: hour_minute(caps.get(4), caps.get(5))?,
    };
    valid(&date).then(|| {
        (
            whole.start(),
            Marker {
                label: whole.as_str().trim().to_string(),
                date: Some(date),
            },
        )
    })
}

/// `Some(None)` without a time, `None` when the time is out of range.
fn hour_minute(
    hour: Option<regex::Match>,
    minute: Option<regex::Match>,
) -> Option<Option<(u32, u32)>> {
    let (Some(hour), Some(minute)) = (hour, minute) else {
        return Some(None);
    };
    let hour: u32 = hour.as_str().parse().ok()?;
    let minute: u32 = minute.as_str().parse().ok()?;
    (hour < 24 && minute < 60).then_some(Some((hour, minute)))
}

/// The month (1–12) an English month name or abbreviation names.
pub fn month_number(name: &str) -> Option<u32> {
    let lower = name.to_lowercase();
    let position = MONTHS.iter().position(|m| lower.starts_with(m))?;
    u32::try_from(position + 1).ok()
}

fn valid(date: &PlanDate) -> bool {
    let year = date.year.unwrap_or(2000);
    chrono::NaiveDate::from_ymd_opt(year, date.month, date.day).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(title: &str) -> Option<String> {
        marker(title).map(|m| m.label)
    }

    #[test]
    fn counted_days_weeks_and_stages() {
        assert_eq!(
            label("Phase A: Infrastructure (Day 6)").as_deref(),
            Some("Day 6")
        );
        assert_eq!(
            label("Day 1-2: Cloud Infrastructure").as_deref(),
            Some("Day 1-2")
        );
        assert_eq!(
            label("Phase 3: Database Migration (Week 2-3)").as_deref(),
            Some("Week 2-3")
        );
        assert_eq!(
            label("Stage 1: Canary Deployment (Jan 8-9)").as_deref(),
            Some("Jan 8-9")
        );
        assert_eq!(label("stage 2 — rollout").as_deref(), Some("Stage 2"));
    }

    #[test]
    fn dates_and_date_times() {
        let m = marker("5% Traffic (Jan 8, 09:00 UTC)").expect("a date");
        assert_eq!(m.label, "Jan 8, 09:00 UTC");
        assert_eq!(
            m.date,
            Some(PlanDate {
                year: None,
                month: 1,
                day: 8,
                time: Some((9, 0))
            })
        );
        let iso = marker("Cutover 2025-01-20")
            .and_then(|m| m.date)
            .expect("a date");
        assert_eq!(
            (iso.year, iso.month, iso.day, iso.time),
            (Some(2025), 1, 20, None)
        );
        let range = marker("Stage 2: Gradual Rollout (Jan 10-11)").and_then(|m| m.date);
        assert_eq!(range.map(|d| (d.month, d.day)), Some((1, 10)));
    }

    #[test]
    fn words_that_are_not_days() {
        for title in [
            "Phase 0 — Preparation (T-7 days)",
            "First day",
            "Long-term (First Week)",
            "Hour 1",
            "Maybe 12",
            "Feb 30",
            "Jan 8, 25:00 UTC",
            "2025-13-01",
        ] {
            assert_eq!(marker(title), None, "{title}");
        }
    }
}
