//! The sessions of a plan's days: what each day's session recorded when it opened
//! (`day_opened`), and how far each got — read back from the session logs.

use super::event::{Body, Outcome};
use super::log::list_sessions;
use super::setup::open_log;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The `day_opened` event: the session walks one day of a plan (PRODUCT.md §1.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayOpened {
    /// The plan's file and the SHA-256 of its bytes when the day opened.
    pub plan: String,
    pub plan_sha256: String,
    pub label: String,
    /// 1-based, of `days`.
    pub index: usize,
    pub days: usize,
    /// `6–8` when every day is `Day N` (or `Week N`, `Stage N`): how the title bar names the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<String>,
    /// The plan's preflight sections were walked with this day.
    pub preflight: bool,
    /// The day before and its latest session, as they stood when this day opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<PreviousDay>,
    /// Why the day was opened although the day before was not done (the operator's words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_order_reason: Option<String>,
    /// When the day was scheduled to start (a dated day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<DateTime<Utc>>,
    /// Why the day started before its time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_reason: Option<String>,
}

/// The day before, as a day's session found it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviousDay {
    pub label: String,
    /// Its latest session, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// `completed`, `failed`, `rolled back`, `running`, … or `not started`.
    pub status: String,
    /// Why opening this day was questioned (not completed, rolled back, the plan changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concern: Option<String>,
    /// Who drove its latest session, and when that session ended (or started).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
}

/// One recorded session of one day of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct DaySession {
    pub id: String,
    pub path: PathBuf,
    pub opened: DayOpened,
    pub operator: String,
    pub host: String,
    pub started: DateTime<Utc>,
    pub state: DayState,
}

/// How far a day's session got.
#[derive(Debug, Clone, PartialEq)]
pub enum DayState {
    /// A driver holds the session now.
    Running,
    /// Left without an end (resumable).
    Unfinished,
    Ended {
        outcome: Outcome,
        at: DateTime<Utc>,
        /// The step the session was at when it failed.
        failed_step: Option<String>,
    },
}

impl DaySession {
    /// The session ended completed.
    pub fn completed(&self) -> bool {
        matches!(
            self.state,
            DayState::Ended {
                outcome: Outcome::Completed,
                ..
            }
        )
    }

    /// `completed by ana at 2026-11-21 17:02 UTC`, `failed at step 3.2#1`, `running by ana on h1`.
    pub fn status_words(&self) -> String {
        match &self.state {
            DayState::Running => format!("running by {} on {}", self.operator, self.host),
            DayState::Unfinished => format!(
                "unfinished by {} on {} (resumable)",
                self.operator, self.host
            ),
            DayState::Ended {
                outcome,
                at,
                failed_step,
            } => {
                let when = at.format("%Y-%m-%d %H:%M UTC");
                match (outcome, failed_step) {
                    (Outcome::Failed, Some(step)) => {
                        format!("failed at step {step} by {} at {when}", self.operator)
                    }
                    _ => format!("{} by {} at {when}", outcome.word(), self.operator),
                }
            }
        }
    }

    /// When the session ended, else when it started.
    pub fn last_moment(&self) -> DateTime<Utc> {
        match &self.state {
            DayState::Ended { at, .. } => *at,
            DayState::Running | DayState::Unfinished => self.started,
        }
    }

    /// One word for the state: `completed`, `failed`, `running`….
    pub fn status_word(&self) -> &'static str {
        match &self.state {
            DayState::Running => "running",
            DayState::Unfinished => "unfinished",
            DayState::Ended { outcome, .. } => outcome.word(),
        }
    }
}

/// Every day session of the plan at `plan` (its canonical path) in `dir`, oldest first.
/// An unreadable sessions directory is an error, never "no session": a plan must not show
/// a day as not started because its record could not be read.
pub fn day_sessions(dir: &Path, plan: &Path) -> Result<Vec<DaySession>, String> {
    let plan = std::fs::canonicalize(plan).unwrap_or_else(|_| plan.to_path_buf());
    let wanted = plan.display().to_string();
    let listed = list_sessions(dir)
        .map_err(|e| format!("cannot read the sessions in {}: {e}", dir.display()))?;
    let mut out: Vec<DaySession> = listed
        .into_iter()
        .filter(|s| s.header.as_ref().is_some_and(|h| h.runbook.path == wanted))
        .filter_map(|s| day_session(&s.path, s.live, s.last_ts))
        .collect();
    out.sort_by_key(|s| s.started);
    Ok(out)
}

fn day_session(path: &Path, live: bool, last_ts: Option<DateTime<Utc>>) -> Option<DaySession> {
    // Streamed, not collected: a day whose steps printed 100 MB is read in bounded memory.
    let mut stream = open_log(path).ok()?;
    let header = stream.header.clone();
    let mut opened = None;
    let mut last_step = None;
    let mut end = None;
    let mut driver = header.operator.clone();
    let mut host = header.host.clone();
    for stamped in stream.by_ref() {
        let event = stamped.ok()?.event;
        if let Body::DayOpened(day) = &event.body {
            opened = Some(day.as_ref().clone());
        } else if let Body::SessionEnded { outcome, .. } = &event.body {
            end = Some(*outcome);
        } else if let Body::SessionResumed {
            operator, host: on, ..
        }
        | Body::DriverChanged {
            to: operator,
            host: on,
            ..
        } = &event.body
        {
            driver.clone_from(operator);
            host.clone_from(on);
        } else if event.step.is_some() {
            last_step = event.step.clone();
        }
    }
    let state = match (end, live) {
        (Some(outcome), _) => DayState::Ended {
            outcome,
            at: last_ts.unwrap_or(header.started),
            failed_step: last_step.filter(|_| outcome == Outcome::Failed),
        },
        (None, true) => DayState::Running,
        (None, false) => DayState::Unfinished,
    };
    Some(DaySession {
        id: header.session_id.clone(),
        path: path.to_path_buf(),
        opened: opened?,
        operator: driver,
        host,
        started: header.started,
        state,
    })
}

/// The latest session of the day labelled `label`.
pub fn latest<'s>(sessions: &'s [DaySession], label: &str) -> Option<&'s DaySession> {
    sessions.iter().rev().find(|s| s.opened.label == label)
}

/// `day opened: Day 7 (2 of 3) · the day before: Day 6 completed (session …)`, with the reasons given.
pub fn describe(day: &DayOpened) -> String {
    let mut line = format!("day opened: {} ({} of {})", day.label, day.index, day.days);
    if day.preflight {
        line.push_str(" with the preflight");
    }
    if let Some(previous) = &day.previous {
        let session = previous
            .session
            .as_deref()
            .map(|s| format!(" (session {s})"))
            .unwrap_or_default();
        line.push_str(&format!(
            " · the day before: {} {}{session}",
            previous.label, previous.status
        ));
        if let Some(concern) = &previous.concern {
            line.push_str(&format!(" — {concern}"));
        }
    }
    if let Some(reason) = &day.out_of_order_reason {
        line.push_str(&format!(" · opened anyway: {reason}"));
    }
    if let (Some(at), Some(reason)) = (day.not_before, &day.early_reason) {
        line.push_str(&format!(
            " · started before {}: {reason}",
            at.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    line
}

/// The title bar's strip: `Day 7 (2 of 3) · Day 6 ✓ ana 2026-11-21`.
pub fn strip(day: &DayOpened) -> String {
    let mut text = match &day.span {
        Some(span) => format!("{} of {span}", day.label),
        None => format!("{} ({} of {})", day.label, day.index, day.days),
    };
    if let Some(previous) = &day.previous {
        let mark = match previous.status.as_str() {
            "completed" if previous.concern.is_none() => "✓",
            "completed" => "✓ (plan changed)",
            "not started" => "not run",
            other => other,
        };
        text.push_str(&format!(" · {} {mark}", previous.label));
        if let Some(operator) = &previous.operator {
            text.push_str(&format!(" {operator}"));
        }
        if let Some(at) = previous.at {
            text.push_str(&format!(" {}", at.format("%Y-%m-%d")));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::event::Event;

    fn opened(previous: Option<PreviousDay>) -> DayOpened {
        DayOpened {
            plan: "/plans/p.md".into(),
            plan_sha256: "ab".into(),
            label: "Day 7".into(),
            index: 2,
            days: 3,
            span: Some("6–8".into()),
            preflight: false,
            previous,
            out_of_order_reason: None,
            not_before: None,
            early_reason: None,
        }
    }

    #[test]
    fn the_strip_names_the_day_and_how_the_day_before_went() {
        let at =
            DateTime::parse_from_rfc3339("2026-11-21T17:02:00Z").map(|t| t.with_timezone(&Utc));
        let done = PreviousDay {
            label: "Day 6".into(),
            session: Some("p-1".into()),
            status: "completed".into(),
            concern: None,
            operator: Some("ana".into()),
            at: at.ok(),
        };
        assert_eq!(
            strip(&opened(Some(done.clone()))),
            "Day 7 of 6–8 · Day 6 ✓ ana 2026-11-21"
        );
        let failed = PreviousDay {
            status: "failed".into(),
            concern: Some("Day 6 was not completed".into()),
            ..done
        };
        assert_eq!(
            strip(&opened(Some(failed))),
            "Day 7 of 6–8 · Day 6 failed ana 2026-11-21"
        );
        let first = DayOpened {
            span: None,
            ..opened(None)
        };
        assert_eq!(strip(&first), "Day 7 (2 of 3)");
        assert!(describe(&first).starts_with("day opened: Day 7 (2 of 3)"));
    }

    #[test]
    fn the_event_reads_back_as_written() {
        let event = Event::new(None, Body::DayOpened(Box::new(opened(None))));
        let (kind, data) = event.kind_and_data();
        assert_eq!(kind, "day_opened");
        assert_eq!(data["label"], "Day 7");
        assert_eq!(Event::from_record(&kind, None, &data), Some(event));
    }
}
