//! Rules on the document as a whole: gates without criteria (RB005), rollback sections
//! with nothing in them (RB006) and an overdue review (RB009).

use super::rules::Rule;
use super::{Finding, Scope};
use crate::doc::model::*;
use chrono::{Days, Months, NaiveDate};

/// Go/No-Go gates with no criteria (sign-offs name their roles instead).
pub fn gates_without_criteria(runbook: &Runbook, out: &mut Vec<Finding>) {
    for (index, r) in runbook.steps().iter().enumerate() {
        if let StepKind::Gate(gate) = &r.step.kind
            && gate.criteria.is_empty()
            && gate.signoffs.is_empty()
        {
            out.push(Finding::new(
                Rule::GateWithoutCriteria,
                (r.step.line, 1),
                format!("the gate \"{}\" lists no criteria: the operator decides GO or NO-GO on nothing written; list what must hold under its heading", gate.title),
                Scope::Step(index),
            ));
        }
    }
}

/// Rollback sections (where the rollback path starts) with no step at any depth.
pub fn empty_rollback(sections: &[Section], out: &mut Vec<Finding>) {
    for section in sections {
        if section.is_rollback() {
            if !has_steps(section) {
                out.push(Finding::new(
                    Rule::EmptyRollback,
                    (section.line, 1),
                    format!("the rollback section \"{}\" has nothing to run or tick: when it is needed, the walk has nothing to offer", section.title),
                    Scope::Section(section.line),
                ));
            }
            continue;
        }
        empty_rollback(&section.sections, out);
    }
}

fn has_steps(section: &Section) -> bool {
    !section.steps.is_empty() || section.sections.iter().any(has_steps)
}

/// `last_reviewed_on` + `review_in` in the past (today from the clock).
pub fn stale_review(runbook: &Runbook, text: &str, today: NaiveDate, out: &mut Vec<Finding>) {
    let meta = |key: &str| {
        runbook
            .meta
            .foreign
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    };
    let (Some(last), Some(every)) = (meta("last_reviewed_on"), meta("review_in")) else {
        return;
    };
    let line = key_line(text, "last_reviewed_on");
    let last_text = value_text(last);
    let every_text = value_text(every);
    let message = match (
        NaiveDate::parse_from_str(&last_text, "%Y-%m-%d"),
        due_after(&every_text),
    ) {
        (Err(_), _) => format!(
            "`last_reviewed_on: {last_text}` is not a date like 2025-03-31: the review cannot be checked"
        ),
        (_, None) => format!(
            "`review_in: {every_text}` is not a period like 90d, 12w, 6 months or 1y: the review cannot be checked"
        ),
        (Ok(last), Some(add)) => match add(last) {
            Some(due) if due < today => format!(
                "the review was due on {due} (last reviewed on {last}, every {every_text}): read it through, then update `last_reviewed_on`"
            ),
            _ => return,
        },
    };
    out.push(Finding::new(
        Rule::StaleReview,
        (line, 1),
        message,
        Scope::File,
    ));
}

fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    }
}

/// The line of a front-matter key (1 when not found).
fn key_line(text: &str, key: &str) -> u32 {
    text.lines()
        .position(|l| l.trim_start().starts_with(&format!("{key}:")))
        .and_then(|i| u32::try_from(i + 1).ok())
        .unwrap_or(1)
}

type AddPeriod = Box<dyn Fn(NaiveDate) -> Option<NaiveDate>>;

/// `90d`, `12w`, `6mo`, `6 months`, `1y`: what adding it to a date does.
fn due_after(period: &str) -> Option<AddPeriod> {
    let period = period.trim().to_ascii_lowercase();
    let split = period.find(|c: char| !c.is_ascii_digit())?;
    let n: u32 = period[..split].parse().ok().filter(|n| *n > 0)?;
    let unit = period[split..].trim();
    let add: AddPeriod = match unit {
        "d" | "day" | "days" => Box::new(move |d| d.checked_add_days(Days::new(u64::from(n)))),
        "w" | "week" | "weeks" => {
            Box::new(move |d| d.checked_add_days(Days::new(u64::from(n) * 7)))
        }
        "mo" | "month" | "months" => Box::new(move |d| d.checked_add_months(Months::new(n))),
        "y" | "yr" | "year" | "years" => {
            Box::new(move |d| d.checked_add_months(Months::new(n.checked_mul(12)?)))
        }
        _ => return None,
    };
    Some(add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_periods() {
        let day = NaiveDate::from_ymd_opt(2025, 1, 31).expect("date");
        let after = |p: &str| due_after(p).and_then(|add| add(day)).map(|d| d.to_string());
        assert_eq!(after("90d").as_deref(), Some("2025-05-01"));
        assert_eq!(after("2w").as_deref(), Some("2025-02-14"));
        assert_eq!(after("1 month").as_deref(), Some("2025-02-28"));
        assert_eq!(after("1y").as_deref(), Some("2026-01-31"));
        assert!(after("soon").is_none() && after("0d").is_none() && after("5m").is_none());
        assert!(
            after("999999999y").is_none(),
            "too far to add is no date, not a panic"
        );
    }
}
