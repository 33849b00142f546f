//! Opening one day of a plan for `run`: which day (`--day`, asked, or the next), whether
//! the day before is done, whether the day's time has come — each answer recorded.

use super::run::RunArgs;
use crate::doc::days::walk::{Including, day_walk};
use crate::doc::days::{Day, Days, pick, plan_days};
use crate::doc::model::Runbook;
use crate::plain::dialogue::{Dialogue, Reply};
use crate::session::plan_history::{DayOpened, DaySession, PreviousDay, day_sessions, latest};
use std::path::Path;

/// The day to walk: the plan reduced to it, and what its session records when it opens.
pub struct OpenDay {
    pub walk: Runbook,
    pub opened: DayOpened,
}

/// Why the day was not opened: the message and the exit code.
pub type Refusal = (String, i32);

/// The day this run walks; `None` for a plan without days (or `--section` without `--day`).
pub fn open_day(
    runbook: &Runbook,
    source: &[u8],
    args: &RunArgs,
    audit_dir: &Path,
    d: &mut Dialogue,
) -> Result<Option<OpenDay>, Refusal> {
    let days = plan_days(runbook);
    if days.is_empty() {
        return match &args.day {
            Some(_) => Err((
                "this plan has no days (`runbook show` lists them)".into(),
                2,
            )),
            None => Ok(None),
        };
    }
    if args.day.is_none() && args.section.is_some() {
        return Ok(None);
    }
    let sessions = day_sessions(audit_dir, &runbook.path).map_err(|e| (e, 2))?;
    let index = choose(&days, &sessions, args, d)?;
    let day = &days.days[index];
    let sha = crate::session::setup::sha256_hex(source);
    let previous = index
        .checked_sub(1)
        .map(|p| previous_day(&days.days[p], &sessions, &sha));
    let out_of_order_reason = match previous.as_ref().and_then(|p| p.concern.clone()) {
        Some(concern) => Some(confirm_out_of_order(day, &concern, args, d)?),
        None => None,
    };
    let early_reason = match day.not_before {
        Some(at) => super::schedule::hold(day, at, args, d)?,
        None => None,
    };
    let preflight = !sessions.iter().any(|s| s.opened.preflight && s.completed());
    let path = std::fs::canonicalize(&runbook.path).unwrap_or_else(|_| runbook.path.clone());
    Ok(Some(OpenDay {
        walk: day_walk(runbook, &days, index, Including { preflight }),
        opened: DayOpened {
            plan: path.display().to_string(),
            plan_sha256: sha,
            label: day.label.clone(),
            index: day.index,
            days: days.days.len(),
            span: span(&days),
            preflight,
            previous,
            out_of_order_reason,
            not_before: day.not_before,
            early_reason,
        },
    }))
}

/// `6–8` for `Day 6`, `Day 7`, `Day 8`: the numbers when every label is one word and a number.
fn span(days: &Days) -> Option<String> {
    let parts: Vec<(&str, &str)> = days
        .days
        .iter()
        .map(|d| d.label.split_once(' '))
        .collect::<Option<_>>()?;
    let (unit, first) = *parts.first()?;
    let (_, last) = *parts.last()?;
    let uniform = parts
        .iter()
        .all(|(u, n)| *u == unit && n.chars().all(|c| c.is_ascii_digit() || c == '-'));
    uniform.then(|| format!("{first}–{last}"))
}

/// The first day whose latest session is not completed.
pub fn next_day(days: &Days, sessions: &[DaySession]) -> Option<usize> {
    days.days
        .iter()
        .position(|day| !latest(sessions, &day.label).is_some_and(DaySession::completed))
}

fn choose(
    days: &Days,
    sessions: &[DaySession],
    args: &RunArgs,
    d: &mut Dialogue,
) -> Result<usize, Refusal> {
    let next = next_day(days, sessions);
    let every_day_done = || {
        (
            "every day of this plan has a completed session".to_string(),
            1,
        )
    };
    match args.day.as_deref() {
        Some(word) if word.trim().eq_ignore_ascii_case("next") => next.ok_or_else(every_day_done),
        Some(word) => pick::pick(days, word).map_err(|e| (e, 2)),
        None if args.yes => {
            let index = next.ok_or_else(every_day_done)?;
            d.say(&format!(
                "no --day given: taking the next day, {} (--day next)",
                days.days[index].label
            ));
            Ok(index)
        }
        None => ask_day(days, sessions, next, d),
    }
}

fn ask_day(
    days: &Days,
    sessions: &[DaySession],
    next: Option<usize>,
    d: &mut Dialogue,
) -> Result<usize, Refusal> {
    d.say("This plan runs over days:");
    for day in &days.days {
        let status = latest(sessions, &day.label)
            .map_or_else(|| "not started".to_string(), DaySession::status_words);
        d.say(&format!("  {:>2}  {}  — {status}", day.index, day.label));
    }
    let default = next.unwrap_or(0);
    let fallback = days.days[default].label.clone();
    loop {
        let question = format!("Which day? [{}]", days.days[default].label);
        match d.ask_text(&question, Some(&fallback)) {
            Reply::Chose(answer) => match pick::pick(days, &answer) {
                Ok(index) => return Ok(index),
                Err(e) => d.say(&e),
            },
            Reply::NoAnswer => return Err(("no day chosen".into(), 1)),
            Reply::Interrupted(code) => return Err(("interrupted".into(), code)),
        }
    }
}

/// The day before as this day finds it, with what is wrong about it.
fn previous_day(day: &Day, sessions: &[DaySession], sha: &str) -> PreviousDay {
    let session = latest(sessions, &day.label);
    let concern = match session {
        None => Some(format!("{} has no completed session", day.label)),
        Some(s) if s.completed() && s.opened.plan_sha256 != sha => Some(format!(
            "the plan changed since {} was completed (session {})",
            day.label, s.id
        )),
        Some(s) if s.completed() => None,
        Some(s) => Some(format!(
            "{} was not completed: {} (session {})",
            day.label,
            s.status_words(),
            s.id
        )),
    };
    PreviousDay {
        label: day.label.clone(),
        session: session.map(|s| s.id.clone()),
        status: session
            .map_or("not started", DaySession::status_word)
            .to_string(),
        concern,
        operator: session.map(|s| s.operator.clone()),
        at: session.map(DaySession::last_moment),
    }
}

fn confirm_out_of_order(
    day: &Day,
    concern: &str,
    args: &RunArgs,
    d: &mut Dialogue,
) -> Result<String, Refusal> {
    d.say(&format!("⚠ {concern}."));
    if let Some(reason) = &args.force_day {
        d.say(&format!(
            "opening {} anyway (--force-day): {reason}",
            day.label
        ));
        return Ok(reason.clone());
    }
    let refused = format!("{} not opened: {concern}", day.label);
    if args.yes {
        return Err((
            format!("{refused}; give --force-day \"REASON\" to open it anyway"),
            1,
        ));
    }
    let question = format!("Open {} anyway? Say why (empty: do not open):", day.label);
    match d.ask_text(&question, Some("")) {
        Reply::Chose(reason) if !reason.is_empty() => Ok(reason),
        Reply::Interrupted(code) => Err(("interrupted".into(), code)),
        _ => Err((refused, 1)),
    }
}

/// A resumed day's session walks the same day again: the plan reduced as when it opened.
pub fn reopened_day(runbook: Runbook, session: &Path) -> Runbook {
    // Streamed: `day_opened` comes first, so only the log's opening is read.
    let Ok(stream) = crate::session::setup::open_log(session) else {
        return runbook;
    };
    let opened: Vec<_> = stream
        .map_while(Result::ok)
        .map(|stamped| stamped.event)
        .find(|event| matches!(event.body, crate::session::event::Body::DayOpened(_)))
        .into_iter()
        .collect();
    crate::session::recorded::the_day_walked(runbook, &opened)
}
