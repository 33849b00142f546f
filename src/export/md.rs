//! The Markdown export: a post-mortem-ready record of a session — who ran what, where
//! and when, how it ended, every step's final state, then the timeline event by event
//! with commands, exit statuses and folded output excerpts.

use super::describe::{describe, gate_details, mode_flags};
use super::excerpt::{Excerpt, fence_for, longest_backtick_run};
use super::{Blocks, ExportError, Exported, Session, clock, date_time, millis, offset};
use crate::session::event::Body;
use crate::session::log::{VerifyReport, verify};
use crate::session::setup::Stamped;
use crate::session::state::{Kind, SessionState, StepState};
use crate::session::truth::Mark;
use chrono::{DateTime, Utc};
use std::io::Write;

pub(crate) fn write(mut session: Session, out: &mut dyn Write) -> Result<Exported, ExportError> {
    let mut timeline = Timeline::default();
    while let Some(stamped) = session.next_event()? {
        timeline.event(&session, &stamped);
    }
    timeline.flush_output();
    write_summary(out, &session, &timeline.facts)?;
    write_steps(out, &session)?;
    out.write_all(b"\n## Timeline\n\n")?;
    out.write_all(
        b"Times are UTC; T+ counts from the session's start on a monotonic clock \
          (time a session was down is not counted).\n\n",
    )?;
    out.write_all(timeline.text.as_bytes())?;
    Ok(session.exported())
}

/// What the summary needs that only the whole stream knows.
#[derive(Debug, Default)]
struct Facts {
    drivers: Vec<String>,
    mode: Option<String>,
    ended: Option<(DateTime<Utc>, u64)>,
}

impl Facts {
    fn note(&mut self, stamped: &Stamped) {
        let when = format!("{}, {}", clock(&stamped.ts), offset(stamped.mono_ms));
        match &stamped.event.body {
            Body::SessionStarted {
                yes,
                dry_run,
                skip_waits,
                ..
            } => self.mode = Some(mode_flags(*yes, *dry_run, *skip_waits)),
            Body::SessionResumed { operator, host, .. } => self
                .drivers
                .push(format!("{operator} on {host} resumed it ({when})")),
            Body::DriverLeft { operator, stopped } => self.drivers.push(match stopped {
                Some(stopped) => format!("{operator} left ({when}; {stopped})"),
                None => format!("{operator} left ({when})"),
            }),
            Body::SessionEnded { .. } => self.ended = Some((stamped.ts, stamped.mono_ms)),
            Body::LogRepaired { .. }
            | Body::StepStarted { .. }
            | Body::Output { .. }
            | Body::StepFinished { .. }
            | Body::StepProcess { .. }
            | Body::StepTimedOut { .. }
            | Body::StepCancelled { .. }
            | Body::StepInterrupted { .. }
            | Body::StepSkipped { .. }
            | Body::StepMarkedDone { .. }
            | Body::CheckConfirmed { .. }
            | Body::WaitStarted { .. }
            | Body::WaitEnded { .. }
            | Body::Signed { .. }
            | Body::GateDecided { .. }
            | Body::Note { .. }
            | Body::Jumped { .. }
            | Body::RollbackEntered { .. }
            | Body::RollbackPrompted { .. }
            | Body::RollbackDeclined { .. }
            | Body::HealthChanged { .. }
            | Body::EnvChanged { .. }
            | Body::SignoffRejected { .. }
            | Body::DriverChanged { .. }
            | Body::PlaceholderFilled { .. }
            | Body::WarningsAcknowledged { .. }
            | Body::OptionChosen { .. }
            | Body::ChainSigned { .. }
            | Body::SigningFailed { .. }
            | Body::AnchorFailed { .. }
            | Body::DayOpened(_)
            | Body::FleetPlanned(_)
            | Body::BatchStarted(_)
            | Body::HostStarted(_)
            | Body::HostOutput(_)
            | Body::HostFinished(_)
            | Body::BatchFinished(_)
            | Body::BatchDecided(_)
            | Body::FleetStopped(_) => {}
        }
    }
}

/// The timeline as it is written, event by event.
#[derive(Debug, Default)]
struct Timeline {
    text: String,
    blocks: Blocks,
    excerpt: Excerpt,
    /// The command last shown in the current block (a retry does not repeat it).
    script: Option<String>,
    facts: Facts,
}

impl Timeline {
    fn event(&mut self, session: &Session, stamped: &Stamped) {
        self.facts.note(stamped);
        let body = &stamped.event.body;
        if let Body::Output { stream, bytes } = body {
            self.excerpt.push(*stream, bytes.as_slice());
            return;
        }
        if let Body::HostOutput(out) = body {
            let text =
                super::fleet::prefixed(&out.host, &String::from_utf8_lossy(out.bytes.as_slice()));
            self.excerpt.push(out.stream, text.as_bytes());
            return;
        }
        if !matches!(body, Body::HealthChanged { .. }) {
            self.flush_output();
        }
        if let Some(step) = self.blocks.enter(stamped) {
            self.open_block(session, &step, stamped.mono_ms);
        }
        if let Some(title) = section_title(body) {
            self.heading(&format!("{} · {title}", offset(stamped.mono_ms)));
        }
        if let Some(text) = describe(body) {
            self.item(stamped, &text);
        }
        for detail in gate_details(body) {
            self.text.push_str(&format!("  - {}\n", escape(&detail)));
        }
        if let Body::StepStarted { script, .. } = body {
            self.command(script);
        }
    }

    fn open_block(&mut self, session: &Session, step: &str, mono_ms: u64) {
        self.script = None;
        self.heading(&format!(
            "{} · {}",
            offset(mono_ms),
            escape(&session.step_title(step))
        ));
        if let Some(info) = session.step(step) {
            let region = if info.rollback { " · rollback" } else { "" };
            self.text.push_str(&format!(
                "_{} step in {}{region}_\n\n",
                info.kind,
                escape(&info.section)
            ));
        }
    }

    fn heading(&mut self, title: &str) {
        self.blank_line();
        self.text.push_str(&format!("### {title}\n\n"));
    }

    fn item(&mut self, stamped: &Stamped, text: &str) {
        self.text.push_str(&format!(
            "- {} ({}) {}\n",
            offset(stamped.mono_ms),
            clock(&stamped.ts),
            escape(text)
        ));
    }

    /// Shows a step's command, unless the block already shows this one.
    fn command(&mut self, script: &str) {
        if self.script.as_deref() == Some(script) {
            return;
        }
        self.script = Some(script.to_string());
        let lines: Vec<&str> = script.trim_end().lines().collect();
        let fence = fence_for(&lines);
        self.block(&format!("{fence}bash\n{}\n{fence}\n", lines.join("\n")));
    }

    fn flush_output(&mut self) {
        if let Some(folded) = self.excerpt.take_markdown() {
            self.block(&folded);
        }
    }

    fn block(&mut self, block: &str) {
        self.blank_line();
        self.text.push_str(block);
        self.text.push('\n');
    }

    fn blank_line(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with("\n\n") {
            self.text.push('\n');
        }
    }
}

/// Session-level moments that get their own heading in the timeline.
fn section_title(body: &Body) -> Option<String> {
    Some(match body {
        Body::SessionResumed { .. } => "Session resumed".into(),
        Body::RollbackEntered { .. } => "Rollback".into(),
        Body::SessionEnded { outcome, .. } => format!("Session ended: {}", outcome.word()),
        Body::SessionStarted { .. }
        | Body::LogRepaired { .. }
        | Body::StepStarted { .. }
        | Body::Output { .. }
        | Body::StepFinished { .. }
        | Body::StepProcess { .. }
        | Body::StepTimedOut { .. }
        | Body::StepCancelled { .. }
        | Body::StepInterrupted { .. }
        | Body::StepSkipped { .. }
        | Body::StepMarkedDone { .. }
        | Body::CheckConfirmed { .. }
        | Body::WaitStarted { .. }
        | Body::WaitEnded { .. }
        | Body::Signed { .. }
        | Body::GateDecided { .. }
        | Body::Note { .. }
        | Body::Jumped { .. }
        | Body::DriverLeft { .. }
        | Body::RollbackPrompted { .. }
        | Body::RollbackDeclined { .. }
        | Body::HealthChanged { .. }
        | Body::EnvChanged { .. }
        | Body::SignoffRejected { .. }
        | Body::DriverChanged { .. }
        | Body::PlaceholderFilled { .. }
        | Body::WarningsAcknowledged { .. }
        | Body::OptionChosen { .. }
        | Body::ChainSigned { .. }
        | Body::SigningFailed { .. }
        | Body::AnchorFailed { .. }
        | Body::DayOpened(_)
        | Body::FleetPlanned(_)
        | Body::BatchStarted(_)
        | Body::HostStarted(_)
        | Body::HostOutput(_)
        | Body::HostFinished(_)
        | Body::BatchFinished(_)
        | Body::BatchDecided(_)
        | Body::FleetStopped(_) => return None,
    })
}

fn write_summary(out: &mut dyn Write, session: &Session, facts: &Facts) -> std::io::Result<()> {
    let header = &session.header;
    writeln!(out, "# Session record: {}\n", escape(&session.title))?;
    if session.state.dry_run {
        writeln!(
            out,
            "**DRY RUN** — nothing was run: steps were walked and recorded, commands were not executed, waits were not waited.\n"
        )?;
    }
    writeln!(out, "| | |\n|---|---|")?;
    let sha = header.runbook.sha256.get(..12).unwrap_or_default();
    let rows = [
        ("Session", code(&header.session_id)),
        (
            "Runbook",
            format!(
                "{} — {} (sha256 {}…)",
                escape(&session.title),
                code(&header.runbook.path),
                code(sha)
            ),
        ),
        ("Operator", operators(session, facts)),
        ("Host", escape(&header.host)),
        ("Started", date_time(&header.started)),
        ("Ended", ended(facts)),
        ("Outcome", outcome(session)),
        ("Parameters", params(session)),
        ("Mode", mode(facts)),
        ("Steps", step_counts(&session.state)),
        ("Audit log", audit(session)),
    ];
    for (name, value) in rows {
        writeln!(out, "| {name} | {value} |")?;
    }
    Ok(())
}

fn operators(session: &Session, facts: &Facts) -> String {
    let header = &session.header;
    let mut who = vec![format!("{} on {} started it", header.operator, header.host)];
    who.extend(facts.drivers.iter().cloned());
    escape(&who.join("; "))
}

fn ended(facts: &Facts) -> String {
    match facts.ended {
        Some((ts, mono_ms)) => format!("{} ({})", date_time(&ts), offset(mono_ms)),
        None => "— no session end recorded (still running, or interrupted)".into(),
    }
}

fn outcome(session: &Session) -> String {
    match (session.state.outcome, &session.state.end_reason) {
        (Some(outcome), Some(reason)) => {
            format!("**{}** — {}", outcome.word(), escape(reason))
        }
        (Some(outcome), None) => format!("**{}**", outcome.word()),
        (None, _) => "**unfinished**".into(),
    }
}

fn params(session: &Session) -> String {
    if session.header.params.is_empty() {
        return "none".into();
    }
    session
        .header
        .params
        .iter()
        .map(|(name, value)| {
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            format!("{} = {}", code(name), code(&value))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn mode(facts: &Facts) -> String {
    match facts.mode.as_deref() {
        Some("") | None => "interactive".into(),
        Some(flags) => escape(flags),
    }
}

fn step_counts(state: &SessionState) -> String {
    format!(
        "{} in the runbook: {}",
        state.steps.len(),
        crate::session::truth::counts(state)
    )
}

fn audit(session: &Session) -> String {
    let path = code(&session.path.display().to_string());
    match verify(&session.path) {
        Ok(VerifyReport::Ok {
            events, last_hash, ..
        }) => format!(
            "{path} — {events} events, hash chain intact, last hash {}",
            code(&last_hash.to_string())
        ),
        Ok(VerifyReport::Tampered {
            first_bad_seq,
            reason,
            ..
        }) => format!(
            "{path} — **TAMPERED** from seq {first_bad_seq}: {}",
            escape(&reason)
        ),
        Err(e) => format!("{path} — could not be verified: {}", escape(&e.to_string())),
    }
}

fn write_steps(out: &mut dyn Write, session: &Session) -> std::io::Result<()> {
    writeln!(out, "\n## Steps\n")?;
    writeln!(
        out,
        "| Step | Section | Kind | Status | Attempts | Exit | Duration |\n|---|---|---|---|---|---|---|"
    )?;
    for step in &session.state.steps {
        let (section, kind) = match session.step(&step.id) {
            Some(info) if info.rollback => (format!("{} (rollback)", info.section), info.kind),
            Some(info) if step.reference => (format!("{} (reference)", info.section), info.kind),
            Some(info) => (info.section.clone(), info.kind),
            None => (String::new(), step.kind.word()),
        };
        writeln!(
            out,
            "| {} | {} | {kind} | {} | {} | {} | {} |",
            escape(&session.step_title(&step.id)),
            escape(&section),
            status(step),
            attempts(step.attempts),
            exit(step),
            step.duration_ms
                .filter(|_| !step.dry_run)
                .map_or(String::new(), millis),
        )?;
    }
    for step in &session.state.steps {
        if let Some(table) = super::fleet::host_table(step, escape) {
            out.write_all(table.as_bytes())?;
        }
    }
    Ok(())
}

/// The exit code of a step that ran; nothing for one that did not (a dry run).
fn exit(step: &StepState) -> String {
    match (step.dry_run, step.exit_code, step.signal) {
        (true, ..) => String::new(),
        (false, Some(code), _) => code.to_string(),
        (false, None, Some(signal)) => format!("signal {signal}"),
        (false, None, None) => String::new(),
    }
}

fn attempts(attempts: u32) -> String {
    match attempts {
        0 => String::new(),
        n => n.to_string(),
    }
}

/// The step's mark in words, as the log shows it (never more than happened).
fn status(step: &StepState) -> String {
    let mark = Mark::of(step);
    let words = mark.words();
    let word = match mark {
        Mark::Failed | Mark::TimedOut | Mark::NoGo | Mark::Cancelled => format!("**{words}**"),
        Mark::Signed => format!("signed by {}", signers(step)),
        Mark::Pending if step.reference => "reference, not run".into(),
        Mark::Succeeded if step.kind == Kind::Note => return "read".into(),
        Mark::Succeeded if step.kind == Kind::Gate => match step.decision {
            Some(d) => format!("decided {}", d.word()),
            None => words,
        },
        Mark::Pending
        | Mark::Running
        | Mark::Succeeded
        | Mark::NotRun
        | Mark::NotSigned
        | Mark::MarkedDone { .. }
        | Mark::Skipped { .. }
        | Mark::Interrupted
        | Mark::NotChosen => words,
    };
    match &step.reason {
        Some(reason) => format!("{word}: {}", escape(reason)),
        None => word,
    }
}

/// `Ana (Release lead), Bo (SRE)`.
fn signers(step: &StepState) -> String {
    let names: Vec<String> = step
        .signers
        .iter()
        .map(|s| format!("{} ({})", escape(&s.name), escape(&s.role)))
        .collect();
    names.join(", ")
}

/// Text as Markdown shows it literally (inline, also inside a table cell).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Inline code that survives backticks and table pipes in `text`.
fn code(text: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text) + 1);
    let text = text.replace('|', "\\|").replace('\n', " ");
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_text_literal_in_tables() {
        assert_eq!(escape("a|b <x> *y*"), "a\\|b \\<x\\> \\*y\\*");
        assert_eq!(code("plain"), "`plain`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("x|y"), "`x\\|y`");
    }
}
