//! The days of a plan as `show` lists them, with when each may start.

use crate::doc::days::{Day, Days};
use std::fmt::Write as _;

/// `days   1 Day 6 — Phase A: Infrastructure (Day 6)  :56`, one line a day; nothing without days.
pub fn days_lines(days: &Days) -> String {
    let mut out = String::new();
    for (i, day) in days.days.iter().enumerate() {
        let lead = if i == 0 { "days  " } else { "      " };
        let _ = writeln!(
            out,
            "{lead} {} {} — {}{}  :{}",
            day.index,
            day.label,
            day.title,
            schedule_words(day),
            day.line
        );
    }
    out
}

/// `  · not before 2026-01-09 09:00 UTC`, or why a written date has no time yet.
pub fn schedule_words(day: &Day) -> String {
    match day.not_before {
        Some(at) => format!("  · not before {}", at.format("%Y-%m-%d %H:%M UTC")),
        None if day.year_unknown => {
            "  · dated, but the year is unknown (add `year:` to the front matter)".into()
        }
        None => String::new(),
    }
}
