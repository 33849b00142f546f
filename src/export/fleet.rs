//! Steps on many hosts in the exports: one line per fleet event (shared by the Markdown
//! timeline and the asciicast), host-prefixed output, and the per-host table the
//! Markdown export writes under its steps.

use super::millis;
use crate::session::event::Body;
use crate::session::state::StepState;
use std::fmt::Write;

/// One line for a fleet event; `None` for host output (each format shows it its way)
/// and for any other event.
pub(crate) fn describe(body: &Body) -> Option<String> {
    if let Body::FleetPlanned(plan) = body {
        let sizes: Vec<String> = plan.batches.iter().map(usize::to_string).collect();
        let which = if plan.remaining_only {
            format!("{} remaining of {} hosts", plan.run.len(), plan.hosts.len())
        } else {
            format!("{} hosts", plan.run.len())
        };
        return Some(format!(
            "runs on {which} in batches of {}",
            sizes.join(", ")
        ));
    }
    if let Body::BatchStarted(start) = body {
        return Some(format!(
            "batch {}/{} started: {}",
            start.batch,
            start.batches,
            start.hosts.join(", ")
        ));
    }
    if let Body::HostStarted(start) = body {
        return Some(format!("{}: started", start.host));
    }
    if let Body::HostFinished(end) = body {
        let verdict = if end.ok { "ok" } else { "FAILED" };
        return Some(format!(
            "{}: {verdict} {} · {}",
            end.host,
            end.describe(),
            millis(end.duration_ms)
        ));
    }
    if let Body::BatchFinished(end) = body {
        return Some(end.describe());
    }
    if let Body::BatchDecided(decision) = body {
        let auto = if decision.auto { " (auto)" } else { "" };
        return Some(format!(
            "after batch {}: {}{auto}",
            decision.batch,
            decision.decision.word()
        ));
    }
    if let Body::FleetStopped(stop) = body {
        return Some(stop.describe());
    }
    None
}

/// `text` with `host | ` before each line (a line cut by the chunk ends unterminated).
pub(crate) fn prefixed(host: &str, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let _ = write!(out, "{host} | {line}");
    }
    out
}

/// The Markdown table of a step's hosts: state, exit, duration, last line.
pub(crate) fn host_table(step: &StepState, escape: impl Fn(&str) -> String) -> Option<String> {
    let fleet = step.fleet.as_ref()?;
    let mut table = format!(
        "\n**{}** on hosts: {}\n\n| Host | State | Exit | Duration | Last line |\n|---|---|---|---|---|\n",
        escape(&step.id),
        fleet.tally()
    );
    for host in &fleet.hosts {
        let (exit, took) = match &host.end {
            Some(end) => (end.describe(), millis(end.duration_ms)),
            None => (String::new(), String::new()),
        };
        let _ = writeln!(
            table,
            "| {} | {} {} | {} | {} | {} |",
            escape(&host.name),
            host.status.mark(),
            host.status.word(),
            escape(&exit),
            took,
            escape(&host.last_line())
        );
    }
    Some(table)
}
