//! `runbook plan PLAN [--json]`: the plan's days, each with its schedule and the status
//! its recorded sessions give it, and the next day to run.

use super::day_open::next_day;
use crate::doc::days::{Day, Days, plan_days};
use crate::doc::model::Runbook;
use crate::doc::resolve::SearchPath;
use crate::session::plan_history::{DayOpened, DaySession, DayState, day_sessions, latest};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

/// Prints the plan's days; exit 0, or 2 when the plan cannot be read.
pub fn plan(
    target: &str,
    json: bool,
    audit_dir: &Path,
    search: &SearchPath,
    out: &mut dyn Write,
) -> i32 {
    let runbook = match load(target, search) {
        Ok(runbook) => runbook,
        Err(e) => return super::fail(e.trim_end(), super::inspect::EXIT_INVALID),
    };
    let days = plan_days(&runbook);
    let sessions = match day_sessions(audit_dir, &runbook.path) {
        Ok(sessions) => sessions,
        Err(e) => return super::fail(e, super::inspect::EXIT_INVALID),
    };
    let written = if json {
        let doc = plan_json(&runbook, &days, &sessions);
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )
    } else {
        write!(out, "{}", plan_table(&runbook, &days, &sessions))
    };
    match written {
        Ok(()) => 0,
        Err(e) => super::fail(format!("cannot write: {e}"), 1),
    }
}

pub fn load(target: &str, search: &SearchPath) -> Result<Runbook, String> {
    let path = search.resolve(target).map_err(|e| e.to_string())?;
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    crate::doc::load_bytes(&bytes, &path).map_err(|e| e.to_string())
}

/// The plan's title with its parameters' defaults filled in (secret ones left as written).
pub fn shown_title(runbook: &Runbook) -> String {
    let defaults = runbook
        .meta
        .params
        .iter()
        .filter(|p| !runbook.meta.param_is_secret(p))
        .filter_map(|p| Some((p.name.clone(), p.default.clone()?)))
        .collect();
    crate::session::params::interpolate(&runbook.title, &defaults)
}

/// The table `runbook plan` prints.
pub fn plan_table(runbook: &Runbook, days: &Days, sessions: &[DaySession]) -> String {
    let mut out = format!("{}\n{}\n", shown_title(runbook), runbook.path.display());
    if days.is_empty() {
        out.push_str("this plan has no days: `runbook run` walks it in one session\n");
        return out;
    }
    let rows: Vec<[String; 4]> = days
        .days
        .iter()
        .map(|day| {
            [
                day.index.to_string(),
                day.label.clone(),
                scheduled(day),
                status_of(day, sessions),
            ]
        })
        .collect();
    let header = ["#", "DAY", "SCHEDULED", "STATUS"].map(String::from);
    let widths: Vec<usize> = (0..3)
        .map(|c| {
            std::iter::once(&header)
                .chain(&rows)
                .map(|r| unicode_width::UnicodeWidthStr::width(r[c].as_str()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (c, width) in widths.iter().enumerate() {
            let cell = &row[c];
            let pad = width - unicode_width::UnicodeWidthStr::width(cell.as_str());
            line.push_str(&format!("{cell}{}  ", " ".repeat(pad)));
        }
        line.push_str(&row[3]);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    match next_day(days, sessions) {
        Some(i) => out.push_str(&format!(
            "next: {} — runbook run {} --day {}\n",
            days.days[i].label,
            runbook.path.display(),
            shell_word(&days.days[i].label)
        )),
        None => out.push_str("every day is completed\n"),
    }
    out
}

fn shell_word(label: &str) -> String {
    if label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        label.to_string()
    } else {
        format!("'{}'", label.replace('\'', "'\\''"))
    }
}

fn scheduled(day: &Day) -> String {
    match day.not_before {
        Some(at) => at.format("%Y-%m-%d %H:%M UTC").to_string(),
        None if day.year_unknown => "dated, year unknown".into(),
        None => "—".into(),
    }
}

/// `not started`, or the latest session's state with who and when.
pub fn status_of(day: &Day, sessions: &[DaySession]) -> String {
    latest(sessions, &day.label).map_or_else(
        || "not started".to_string(),
        |s| format!("{} · {}", s.status_words(), s.id),
    )
}

/// `runbook plan --json`.
pub fn plan_json(runbook: &Runbook, days: &Days, sessions: &[DaySession]) -> Value {
    let mut doc = plan_document(runbook, days, |day, map| {
        let latest = latest(sessions, &day.label);
        map.insert(
            "status".into(),
            json!(latest.map_or("not started", DaySession::status_word)),
        );
        let of_day = sessions.iter().filter(|s| s.opened.label == day.label);
        map.insert("sessions".into(), of_day.map(session_json).collect());
    });
    let next = next_day(days, sessions).map(|i| days.days[i].label.clone());
    if let Value::Object(map) = &mut doc {
        map.insert("next".into(), json!(next));
    }
    doc
}

/// `{"schema", "title", "path", "days": [{"label", "index", "not_before", "title", …}]}`,
/// each day's further fields added by `more`.
pub fn plan_document(
    runbook: &Runbook,
    days: &Days,
    more: impl Fn(&Day, &mut serde_json::Map<String, Value>),
) -> Value {
    let days: Vec<Value> = days
        .days
        .iter()
        .map(|day| {
            let mut value = crate::doc::days::json::day_json(day);
            if let Value::Object(map) = &mut value {
                map.insert("title".into(), json!(day.title));
                more(day, map);
            }
            value
        })
        .collect();
    json!({
        "schema": crate::doc::json::SCHEMA,
        "title": shown_title(runbook),
        "path": runbook.path.display().to_string(),
        "days": days,
    })
}

/// One day session: who, where, when, how it went.
pub fn session_json(s: &DaySession) -> Value {
    let (outcome, ended, failed_step) = match &s.state {
        DayState::Ended {
            outcome,
            at,
            failed_step,
        } => (json!(outcome), json!(at), json!(failed_step)),
        DayState::Running => (json!("running"), Value::Null, Value::Null),
        DayState::Unfinished => (json!("unfinished"), Value::Null, Value::Null),
    };
    let DayOpened {
        out_of_order_reason,
        early_reason,
        ..
    } = &s.opened;
    json!({
        "id": s.id, "operator": s.operator, "host": s.host, "started": s.started,
        "outcome": outcome, "ended": ended, "failed_step": failed_step,
        "plan_sha256": s.opened.plan_sha256,
        "out_of_order_reason": out_of_order_reason, "early_reason": early_reason,
    })
}
