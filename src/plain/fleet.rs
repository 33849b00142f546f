//! How the line dialogue tells a step on many hosts: the plan, each batch as it starts,
//! each host's end (host-prefixed output comes through the printer), each batch's
//! summary, the GO/NO-GO between batches and why the step stopped early.

use crate::doc::duration::format_duration;
use crate::session::event::Body;
use crate::session::fleet_state::FleetProgress;
use std::time::Duration;

/// The line for a fleet event; `None` for the others.
pub(super) fn line(body: &Body) -> Option<String> {
    if let Body::FleetPlanned(plan) = body {
        let sizes: Vec<String> = plan.batches.iter().map(usize::to_string).collect();
        let which = if plan.remaining_only {
            let done: Vec<&str> = plan
                .hosts
                .iter()
                .filter(|h| !plan.run.contains(h))
                .map(String::as_str)
                .collect();
            format!(
                "the remaining hosts only: {} of {} ({}; already ok: {})",
                plan.run.len(),
                plan.hosts.len(),
                plan.run.join(", "),
                done.join(", ")
            )
        } else {
            format!("{} hosts", plan.run.len())
        };
        return Some(format!("  on {which} · batches of {}", sizes.join(", ")));
    }
    if let Body::BatchStarted(start) = body {
        return Some(format!(
            "  ── batch {}/{}: {}",
            start.batch,
            start.batches,
            start.hosts.join(", ")
        ));
    }
    if let Body::HostFinished(end) = body {
        let mark = if end.ok { '✓' } else { '✗' };
        let took = format_duration(Duration::from_millis(end.duration_ms));
        return Some(format!("  {mark} {} {} · {took}", end.host, end.describe()));
    }
    if let Body::BatchFinished(end) = body {
        return Some(format!("  {}", end.describe()));
    }
    if let Body::BatchDecided(decision) = body {
        let how = if decision.auto {
            " (decided automatically: --yes)"
        } else {
            ""
        };
        return Some(format!(
            "  {} after batch {}{how}",
            decision.decision.word(),
            decision.batch
        ));
    }
    if let Body::FleetStopped(stop) = body {
        return Some(format!("  ✗ {}", stop.describe()));
    }
    None
}

/// Where each host of a step stands (a step the session stopped in the middle of).
pub(super) fn host_lines(fleet: &FleetProgress) -> Vec<String> {
    let mut lines = vec![format!("  hosts: {}", fleet.tally())];
    for host in &fleet.hosts {
        let how = host
            .end
            .as_ref()
            .map(|e| format!(" · {}", e.describe()))
            .unwrap_or_default();
        lines.push(format!(
            "  {} {} {}{how}",
            host.status.mark(),
            host.name,
            host.status.word()
        ));
    }
    lines
}
