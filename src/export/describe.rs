//! Events told in plain words, one line each (plus a gate's details), shared by the
//! Markdown timeline and the asciicast so both say the same thing the same way.

use super::millis;
use crate::session::event::{Body, Decision};
use std::collections::BTreeMap;

/// One line for an event; `None` for output, which each format shows its own way, and
/// for the bookkeeping a reader does not need (a step's process group).
pub(crate) fn describe(body: &Body) -> Option<String> {
    Some(match body {
        Body::Output { .. } | Body::StepProcess { .. } => return None,
        Body::FleetPlanned(_)
        | Body::BatchStarted(_)
        | Body::HostStarted(_)
        | Body::HostOutput(_)
        | Body::HostFinished(_)
        | Body::BatchFinished(_)
        | Body::BatchDecided(_)
        | Body::FleetStopped(_) => return super::fleet::describe(body),
        Body::SessionStarted {
            title,
            steps,
            yes,
            dry_run,
            skip_waits,
            ..
        } => session_started(title, *steps, mode_flags(*yes, *dry_run, *skip_waits)),
        Body::SessionResumed {
            operator,
            host,
            pid,
            torn_bytes_dropped,
        } => resumed(operator, host, *pid, *torn_bytes_dropped),
        Body::SessionEnded { outcome, reason } => {
            format!("session ended: {} — {reason}", outcome.word())
        }
        Body::LogRepaired { dropped_bytes } => {
            format!("log repaired: a torn final line of {dropped_bytes} bytes was dropped")
        }
        Body::DriverLeft { operator, stopped } => match stopped {
            Some(stopped) => format!("{operator} left the session; it could be resumed; {stopped}"),
            None => format!("{operator} left the session; it could be resumed"),
        },
        Body::StepStarted {
            attempt,
            cwd,
            auto,
            dry_run,
            proposed,
            on_demand,
            ..
        } => {
            let how = match (*dry_run, *on_demand) {
                (true, _) => "walked, not run (--dry-run)",
                (false, true) => "started on demand (reference step, off the forward path)",
                (false, false) => "started",
            };
            let what = if *proposed { "proposed command: " } else { "" };
            let who = if *proposed && *auto {
                " automatically (--yes --run-proposed)"
            } else {
                by(*auto)
            };
            format!("{what}attempt {attempt} {how}{who} in {cwd}")
        }
        Body::StepFinished {
            exit_code,
            signal,
            duration_ms,
            ok,
            lingering,
        } => finished(*exit_code, *signal, *duration_ms, *ok, *lingering),
        Body::StepTimedOut { after_ms } => {
            format!("timed out after {} and was stopped", millis(*after_ms))
        }
        Body::StepCancelled { reason } => format!("cancelled: {reason}"),
        Body::StepInterrupted { reason } => format!("interrupted: {reason}"),
        Body::RollbackEntered { reason } => format!("ROLLBACK entered: {reason}"),
        Body::RollbackPrompted { reason, .. } => format!("ROLLBACK SUGGESTED by health: {reason}"),
        Body::RollbackDeclined { reason } => {
            format!("rollback prompt declined; stayed on the forward path: {reason}")
        }
        Body::HealthChanged {
            check,
            from,
            to,
            value,
            reason,
            ..
        } => health(check, (*from, *to), value.as_deref(), reason.as_deref()),
        Body::EnvChanged { set, unset, cwd } => env_change(set, unset, cwd.as_deref()),
        Body::StepSkipped { reason } => format!("skipped: {reason}"),
        Body::StepMarkedDone { reason } => format!("marked done: {reason}"),
        Body::CheckConfirmed { auto } => format!("check confirmed{}", by(*auto)),
        Body::WaitStarted {
            seconds,
            until,
            ends_at,
        } => wait_started(*seconds, until, ends_at),
        Body::WaitEnded {
            failed: true,
            reason,
            ..
        } => format!("wait FAILED: {reason}"),
        Body::WaitEnded {
            early: true,
            reason,
            ..
        } => format!("wait ended early: {reason}"),
        Body::WaitEnded { reason, .. } => format!("wait ended: {reason}"),
        Body::Signed {
            role,
            name,
            os_user,
            via,
            ..
        } => format!("{role} signed by {name} (OS user {os_user}, via {via})"),
        Body::GateDecided {
            decision: Decision::Go,
            auto,
            signers,
            ..
        } if !signers.is_empty() => {
            let names: Vec<String> = signers
                .iter()
                .map(|s| format!("{} ({})", s.name, s.role))
                .collect();
            format!(
                "signed off by {}{}",
                names.join(", "),
                by(*auto).replacen(' ', ", ", 1)
            )
        }
        Body::GateDecided { decision, auto, .. } => {
            format!("decision: {}{}", decision.word(), by(*auto))
        }
        Body::Note { text } => format!("note: {text}"),
        Body::SignoffRejected {
            role,
            name,
            os_user,
            via,
            reason,
            ..
        } => format!(
            "sign-off for {role} by {name} (OS user {os_user}, via {via}) rejected: {reason}"
        ),
        Body::DriverChanged { from, to, host } => {
            format!("the driver changed from {from} to {to} (on {host})")
        }
        Body::Jumped { to } => format!("the operator moved to {to}"),
        Body::PlaceholderFilled {
            placeholder,
            env,
            value,
            via,
            ..
        } => format!("placeholder {placeholder} = {value} (as ${env}, given by {via})"),
        Body::WarningsAcknowledged { warnings, auto } => format!(
            "{} of how the runbook was read acknowledged{}",
            crate::session::kinds::plural(warnings.len(), "warning"),
            by(*auto)
        ),
        Body::OptionChosen {
            title,
            option,
            not_chosen,
            via,
            ..
        } => crate::session::choices::told(title, option.as_deref(), not_chosen, via),
        Body::ChainSigned { .. } | Body::SigningFailed { .. } | Body::AnchorFailed { .. } => {
            crate::session::proof::describe(body)?
        }
        Body::DayOpened(day) => crate::session::plan_history::describe(day),
    })
}

fn resumed(operator: &str, host: &str, pid: u32, dropped: u64) -> String {
    let dropped = match dropped {
        0 => String::new(),
        n => format!("; a torn line of {n} bytes was dropped"),
    };
    format!("session resumed by {operator} on {host} (pid {pid}){dropped}")
}

fn health(
    check: &str,
    (from, to): (
        crate::session::event::HealthStatus,
        crate::session::event::HealthStatus,
    ),
    value: Option<&str>,
    reason: Option<&str>,
) -> String {
    let value = value.map_or(String::new(), |v| format!(" ({v})"));
    let reason = reason.map_or(String::new(), |r| format!(" — {r}"));
    format!("health {check}: {from} → {to}{value}{reason}")
}

fn session_started(title: &str, steps: usize, flags: String) -> String {
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!("; {flags}")
    };
    let plural = if steps == 1 { "" } else { "s" };
    format!("session started: {title} ({steps} step{plural}{flags})")
}

fn finished(
    exit_code: Option<i32>,
    signal: Option<i32>,
    duration_ms: u64,
    ok: bool,
    lingering: bool,
) -> String {
    let took = millis(duration_ms);
    let status = match (exit_code, signal) {
        (_, Some(signal)) => format!("killed by signal {signal}"),
        (Some(code), None) => format!("exit {code}"),
        (None, None) if ok => "nothing ran, so no exit status".to_string(),
        (None, None) => "no exit status".to_string(),
    };
    let verdict = if ok { "ok" } else { "FAILED" };
    let lingering = if lingering {
        "; its background processes kept running after it ended"
    } else {
        ""
    };
    format!("{verdict}: {status} after {took}{lingering}")
}

fn wait_started(seconds: f64, until: &[String], ends_at: &chrono::DateTime<chrono::Utc>) -> String {
    let length = millis((seconds * 1000.0) as u64);
    let until = if until.is_empty() {
        String::new()
    } else {
        format!(", or earlier once {} hold healthy", until.join(", "))
    };
    format!(
        "wait {length} started, to run out at {}{until}",
        super::clock(ends_at)
    )
}

fn env_change(set: &BTreeMap<String, String>, unset: &[String], cwd: Option<&str>) -> String {
    let mut parts: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.extend(unset.iter().map(|k| format!("unset {k}")));
    if let Some(cwd) = cwd {
        parts.push(format!("cwd {cwd}"));
    }
    format!("environment: {}", parts.join(", "))
}

/// A gate decision's criteria, signers and evidence, one line each.
pub(crate) fn gate_details(body: &Body) -> Vec<String> {
    let Body::GateDecided {
        criteria,
        groups,
        signers,
        evidence,
        ..
    } = body
    else {
        return Vec::new();
    };
    let criteria =
        criteria
            .iter()
            .enumerate()
            .map(|(i, c)| match groups.get(i).map(String::as_str) {
                Some(group) if !group.is_empty() => format!("{group}: {c}"),
                _ => format!("criterion: {c}"),
            });
    let signers = signers
        .iter()
        .map(|s| format!("signed: {} — {} (OS user {})", s.role, s.name, s.os_user));
    let evidence = evidence.iter().map(|(check, state)| {
        format!(
            "evidence: {}",
            crate::session::evidence::describe(check, state)
        )
    });
    criteria.chain(signers).chain(evidence).collect()
}

/// How a session was run, e.g. `--yes, --skip-waits`.
pub(crate) fn mode_flags(yes: bool, dry_run: bool, skip_waits: bool) -> String {
    [
        (yes, "--yes"),
        (dry_run, "--dry-run"),
        (skip_waits, "--skip-waits"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, flag)| *flag)
    .collect::<Vec<_>>()
    .join(", ")
}

fn by(auto: bool) -> &'static str {
    if auto {
        " automatically (--yes)"
    } else {
        " by the operator"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::event::Signer;

    #[test]
    fn a_failed_run_says_how_it_ended() {
        let body = Body::StepFinished {
            exit_code: Some(3),
            signal: None,
            duration_ms: 1200,
            ok: false,
            lingering: false,
        };
        assert_eq!(
            describe(&body).as_deref(),
            Some("FAILED: exit 3 after 1.2s")
        );
    }

    #[test]
    fn gate_details_list_criteria_then_signers() {
        let body = Body::GateDecided {
            decision: Decision::Go,
            auto: false,
            criteria: vec!["Error rate < 0.1%".into(), "Any sev-1 open".into()],
            groups: vec!["GO Criteria".into(), "NO-GO Criteria".into()],
            signers: vec![Signer {
                role: "SRE".into(),
                name: "Bo".into(),
                os_user: "bo".into(),
                via: "driver".into(),
            }],
            evidence: BTreeMap::new(),
        };
        assert_eq!(
            describe(&body).as_deref(),
            Some("signed off by Bo (SRE), by the operator")
        );
        assert_eq!(
            gate_details(&body),
            [
                "GO Criteria: Error rate < 0.1%",
                "NO-GO Criteria: Any sev-1 open",
                "signed: SRE — Bo (OS user bo)"
            ]
        );
    }

    #[test]
    fn output_is_left_to_each_format() {
        let body = Body::Output {
            stream: crate::session::event::Stream::Stdout,
            bytes: "x".into(),
        };
        assert_eq!(describe(&body), None);
    }
}
