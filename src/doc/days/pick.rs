//! Which day `--day X` names: `7`, `Day 7`, `Jan 9`, `Week 2 · Day 3-4`, or its number in the plan.

use super::Days;

/// The 0-based index of the day `wanted` names, or why none (or several) match. A number
/// that is no day's label, or several days', is the day's place in the plan (`runbook plan`'s `#`).
pub fn pick(days: &Days, wanted: &str) -> Result<usize, String> {
    let want = tokens(wanted);
    if want.is_empty() {
        return Err("`--day` needs a day: its label (`7`, `Day 7`, `Jan 9`) or `next`".into());
    }
    if let Some(i) = days.days.iter().position(|d| tokens(&d.label) == want) {
        return Ok(i);
    }
    let matching: Vec<usize> = (0..days.days.len())
        .filter(|i| contains(&tokens(&days.days[*i].label), &want))
        .collect();
    match matching.as_slice() {
        [one] => Ok(*one),
        [] => by_number(days, wanted).ok_or_else(|| {
            format!(
                "no day of this plan is `{wanted}`; its days: {}",
                all_labels(days)
            )
        }),
        several => by_number(days, wanted).ok_or_else(|| {
            format!(
                "`{wanted}` names several days: {}; give more of the label",
                several
                    .iter()
                    .map(|i| days.days[*i].label.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }),
    }
}

fn by_number(days: &Days, wanted: &str) -> Option<usize> {
    let n: usize = wanted.trim().trim_start_matches('#').parse().ok()?;
    (1..=days.days.len()).contains(&n).then(|| n - 1)
}

/// The day labels, comma separated.
pub fn all_labels(days: &Days) -> String {
    days.days
        .iter()
        .map(|d| d.label.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '·' | '(' | ')'))
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn contains(haystack: &[String], needle: &[String]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::days::Day;

    fn days(labels: &[&str]) -> Days {
        Days {
            days: labels
                .iter()
                .enumerate()
                .map(|(i, l)| Day {
                    index: i + 1,
                    label: l.to_string(),
                    title: String::new(),
                    line: 1,
                    not_before: None,
                    year_unknown: false,
                })
                .collect(),
            sections: Vec::new(),
        }
    }

    #[test]
    fn days_by_label_words_or_number() {
        let plan = days(&["Day 6", "Day 7", "Day 8"]);
        assert_eq!(pick(&plan, "7"), Ok(1));
        assert_eq!(pick(&plan, "day 8"), Ok(2));
        assert!(pick(&plan, "9").is_err());
        let staged = days(&["Stage 1 · Jan 8, 09:00 UTC", "Stage 1 · Jan 9, 09:00 UTC"]);
        assert_eq!(pick(&staged, "Jan 9"), Ok(1));
        assert_eq!(pick(&staged, "2"), Ok(1));
        let weeks = days(&["Week 1 · Day 1-2", "Week 2 · Day 1-2"]);
        assert!(
            pick(&weeks, "Day 1-2")
                .expect_err("ambiguous")
                .contains("several")
        );
        assert_eq!(pick(&weeks, "week 2 day 1-2"), Ok(1));
        assert_eq!(
            pick(&weeks, "Week 1 · Day 1-2"),
            Ok(0),
            "a whole label is never ambiguous"
        );
        assert_eq!(
            pick(&weeks, "2"),
            Ok(1),
            "several labels say 2: the plan's second day"
        );
        assert!(pick(&weeks, " ").is_err());
    }
}
