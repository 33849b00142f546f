//! The year a plan's dates fall in: front matter `year:` or `date:`, else the document's
//! own "Last Updated" / "Date" / "Дата" line; a date without a year is the first such
//! date on or after the document's date (plans are written before they are carried out).

use super::marker::{PlanDate, month_number};
use crate::doc::model::{Runbook, Section};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use regex::Regex;
use std::sync::LazyLock;

/// What the document says about when it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// `year:` in the front matter: dates fall in that year.
    Year(i32),
    /// The document's date: dates fall on or after it.
    Date(NaiveDate),
}

static DATED_LINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?im)^[\s*_>-]*(?:last\s+updated|updated|date|дата)\s*[*_]*\s*:\s*[*_]*\s*(.+)$")
        .ok()
});

static YEAR: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\b((?:19|20)\d\d)\b").ok());

static WORD_OR_NUMBER: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"[\p{L}]+|\d+").ok());

const RUSSIAN_MONTHS: [&str; 12] = [
    "янв", "фев", "мар", "апр", "ма", "июн", "июл", "авг", "сен", "окт", "ноя", "дек",
];

/// The document's anchor, if it gives one.
pub fn anchor(runbook: &Runbook) -> Option<Anchor> {
    for (key, value) in &runbook.meta.foreign {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match key.as_str() {
            "year" => return text.trim().parse().ok().map(Anchor::Year),
            "date" => {
                if let Some(date) = document_date(&text) {
                    return Some(Anchor::Date(date));
                }
            }
            _ => {}
        }
    }
    std::iter::once(runbook.preamble.as_str())
        .chain(all_prose(&runbook.sections))
        .find_map(dated_line)
        .map(Anchor::Date)
}

fn all_prose(sections: &[Section]) -> Vec<&str> {
    let mut out = Vec::new();
    for section in sections {
        out.extend(section.prose.iter().map(|p| p.markdown.as_str()));
        out.extend(all_prose(&section.sections));
    }
    out
}

fn dated_line(text: &str) -> Option<NaiveDate> {
    DATED_LINE
        .as_ref()?
        .captures_iter(text)
        .find_map(|caps| document_date(caps.get(1)?.as_str()))
}

/// A full date written as people do: `2025-01-27`, `30 ноября 2025`, `November 30, 2025`.
pub fn document_date(text: &str) -> Option<NaiveDate> {
    let year: i32 = YEAR
        .as_ref()?
        .captures(text)?
        .get(1)?
        .as_str()
        .parse()
        .ok()?;
    let mut numbers = Vec::new();
    let mut month = None;
    for token in WORD_OR_NUMBER.as_ref()?.find_iter(text) {
        let word = token.as_str();
        if let Ok(n) = word.parse::<u32>() {
            if i64::from(n) != i64::from(year) {
                numbers.push(n);
            }
        } else if month.is_none() {
            month = month_number(word)
                .filter(|_| word.len() >= 3)
                .or_else(|| russian_month(word));
        }
    }
    match month {
        Some(month) => NaiveDate::from_ymd_opt(year, month, *numbers.first()?),
        None => NaiveDate::from_ymd_opt(year, *numbers.first()?, *numbers.get(1)?),
    }
}

fn russian_month(word: &str) -> Option<u32> {
    let lower = word.to_lowercase();
    let position = RUSSIAN_MONTHS.iter().position(|m| lower.starts_with(m))?;
    u32::try_from(position + 1).ok()
}

/// When a planned date begins, in UTC; `None` when its year cannot be known.
pub fn instant(date: &PlanDate, anchor: Option<Anchor>) -> Option<DateTime<Utc>> {
    let year = match (date.year, anchor) {
        (Some(year), _) => year,
        (None, Some(Anchor::Year(year))) => year,
        (None, Some(Anchor::Date(written))) => {
            match NaiveDate::from_ymd_opt(written.year(), date.month, date.day) {
                Some(d) if d >= written => written.year(),
                _ => written.year() + 1,
            }
        }
        (None, None) => return None,
    };
    let (hour, minute) = date.time.unwrap_or((0, 0));
    let day = NaiveDate::from_ymd_opt(year, date.month, date.day)?;
    let at = day.and_hms_opt(hour, minute, 0)?;
    Some(Utc.from_utc_datetime(&at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn document_dates_in_several_languages() {
        assert_eq!(document_date("2025-01-27"), Some(ymd(2025, 1, 27)));
        assert_eq!(document_date("30 ноября 2025"), Some(ymd(2025, 11, 30)));
        assert_eq!(document_date("November 30, 2025"), Some(ymd(2025, 11, 30)));
        assert_eq!(document_date("After production deployment"), None);
        assert_eq!(document_date("Jan 13, 09:00 UTC"), None);
    }

    #[test]
    fn dated_lines_in_prose() {
        assert_eq!(
            dated_line("**Last Updated:** 2025-01-27  \n"),
            Some(ymd(2025, 1, 27))
        );
        assert_eq!(
            dated_line("**Дата:** 30 ноября 2025  \n"),
            Some(ymd(2025, 11, 30))
        );
        assert_eq!(dated_line("**Completion Date:** 2025-11-12"), None);
    }

    #[test]
    fn a_date_without_year_is_the_next_one_after_the_document() {
        let jan8 = PlanDate {
            year: None,
            month: 1,
            day: 8,
            time: Some((9, 0)),
        };
        let written = Some(Anchor::Date(ymd(2025, 11, 30)));
        assert_eq!(
            instant(&jan8, written).map(|t| t.to_rfc3339()),
            Some("2026-01-08T09:00:00+00:00".into())
        );
        assert_eq!(
            instant(&jan8, Some(Anchor::Year(2027))).map(|t| t.to_rfc3339()),
            Some("2027-01-08T09:00:00+00:00".into())
        );
        assert_eq!(instant(&jan8, None), None);
    }
}
