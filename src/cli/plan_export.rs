//! `runbook export --plan PLAN --format md|json`: the whole deployment as one timeline,
//! day by day, each day's sessions in order with every event and whether its log verifies.

use crate::doc::days::{Days, plan_days};
use crate::doc::model::Runbook;
use crate::doc::resolve::SearchPath;
use crate::export::describe;
use crate::session::event::{Body, Stream};
use crate::session::log::{VerifyReport, verify};
use crate::session::plan_history::{DaySession, day_sessions};
use crate::session::setup::open_log;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

/// One event of a day's session, in words.
struct Moment {
    ts: DateTime<Utc>,
    kind: String,
    step: Option<String>,
    text: String,
}

/// A day's session read back: its events and whether its log verifies.
struct Told<'s> {
    session: &'s DaySession,
    verified: Result<u64, String>,
    moments: Vec<Moment>,
}

/// Writes the plan's timeline; exit 0, 1 when it cannot be written, 2 bad input.
pub fn export_plan(
    target: &str,
    format: &str,
    audit_dir: &Path,
    search: &SearchPath,
    out: &mut dyn Write,
) -> i32 {
    if !matches!(format, "md" | "json") {
        return super::fail("`export --plan` writes --format md or json", 2);
    }
    let runbook = match super::plan::load(target, search) {
        Ok(runbook) => runbook,
        Err(e) => return super::fail(e.trim_end(), 2),
    };
    let days = plan_days(&runbook);
    if days.is_empty() {
        return super::fail("this plan has no days: export its sessions one by one", 2);
    }
    let sessions = match day_sessions(audit_dir, &runbook.path) {
        Ok(sessions) => sessions,
        Err(e) => return super::fail(e, 2),
    };
    let told: Vec<Told> = sessions.iter().map(tell).collect();
    let written = if format == "json" {
        let doc = timeline_json(&runbook, &days, &told);
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )
    } else {
        out.write_all(timeline_md(&runbook, &days, &told).as_bytes())
    };
    match written {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => super::fail(format!("cannot write the export: {e}"), 1),
    }
}

/// `export --plan`: to stdout, or into `--output FILE` (readable by its owner only, like the logs).
pub fn export_plan_to(
    plan: &str,
    format: &str,
    dir: &Path,
    search: &SearchPath,
    output: Option<&Path>,
) -> i32 {
    match output {
        None => export_plan(plan, format, dir, search, &mut std::io::stdout().lock()),
        Some(file) => match owner_only(file) {
            Ok(mut f) => export_plan(plan, format, dir, search, &mut f),
            Err(e) => super::fail(format!("cannot write {}: {e}", file.display()), 1),
        },
    }
}

fn owner_only(file: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(file)
}

fn tell(session: &DaySession) -> Told<'_> {
    let verified = match verify(&session.path) {
        Ok(VerifyReport::Ok { events, .. }) => Ok(events),
        Ok(VerifyReport::Tampered {
            line_no, reason, ..
        }) => Err(format!("line {line_no}: {reason}")),
        Err(e) => Err(e.to_string()),
    };
    let moments = match open_log(&session.path) {
        Ok(stream) => stream
            .filter_map(Result::ok)
            .filter_map(|stamped| {
                let text = match &stamped.event.body {
                    Body::Output { stream, bytes } => output_words(*stream, bytes.as_slice())?,
                    body => describe(body)?,
                };
                let (kind, _) = stamped.event.kind_and_data();
                Some(Moment {
                    ts: stamped.ts,
                    kind,
                    step: stamped.event.step.clone(),
                    text,
                })
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    Told {
        session,
        verified,
        moments,
    }
}

/// Output as the log holds it (masked), terminal controls left out, one line per event.
fn output_words(stream: Stream, bytes: &[u8]) -> Option<String> {
    let text = crate::sanitize::text(&String::from_utf8_lossy(bytes));
    let text = text.trim_end();
    let name = if stream == Stream::Stderr {
        "stderr"
    } else {
        "output"
    };
    (!text.is_empty()).then(|| format!("{name}: {}", text.replace('\n', " ⏎ ")))
}

fn verdict(told: &Told) -> String {
    match &told.verified {
        Ok(events) => format!("log verifies ({events} events)"),
        Err(reason) => format!("log does NOT verify: {reason}"),
    }
}

fn timeline_md(runbook: &Runbook, days: &Days, told: &[Told]) -> String {
    let mut md = format!(
        "# {} — the plan across days\n\n`{}` · {} days\n",
        super::plan::shown_title(runbook),
        runbook.path.display(),
        days.days.len()
    );
    for day in &days.days {
        md.push_str(&format!("\n## {} — {}\n\n", day.label, day.title));
        if let Some(at) = day.not_before {
            md.push_str(&format!(
                "Scheduled: not before {}\n\n",
                at.format("%Y-%m-%d %H:%M UTC")
            ));
        }
        let of_day: Vec<&Told> = told
            .iter()
            .filter(|t| t.session.opened.label == day.label)
            .collect();
        if of_day.is_empty() {
            md.push_str("No session yet.\n");
        }
        for t in of_day {
            let s = t.session;
            md.push_str(&format!(
                "### Session {} — {} on {}\n\n{} · {}\n\n",
                s.id,
                s.operator,
                s.host,
                s.status_words(),
                verdict(t)
            ));
            for m in &t.moments {
                let step = m
                    .step
                    .as_deref()
                    .map(|s| format!(" `{s}`"))
                    .unwrap_or_default();
                md.push_str(&format!(
                    "- {}{step} {}\n",
                    m.ts.format("%Y-%m-%d %H:%M:%S UTC"),
                    m.text
                ));
            }
        }
    }
    md
}

fn timeline_json(runbook: &Runbook, days: &Days, told: &[Told]) -> Value {
    super::plan::plan_document(runbook, days, |day, map| {
        let sessions: Vec<Value> = told
            .iter()
            .filter(|t| t.session.opened.label == day.label)
            .map(session_json)
            .collect();
        map.insert("sessions".into(), Value::Array(sessions));
    })
}

fn session_json(t: &Told) -> Value {
    let mut value = super::plan::session_json(t.session);
    if let Value::Object(map) = &mut value {
        map.insert("verified".into(), json!(t.verified.is_ok()));
        map.insert("verify_problem".into(), json!(t.verified.as_ref().err()));
        map.insert(
            "events".into(),
            t.moments
                .iter()
                .map(|m| json!({"ts": m.ts, "kind": m.kind, "step": m.step, "text": m.text}))
                .collect(),
        );
    }
    value
}
