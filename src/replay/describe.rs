//! Events in words, one short line each, for `--plain` follow and replay.

use crate::session::event::{Body, Decision, Outcome};
use std::time::Duration;

/// `1h02m`, `3m07s`, `12.4s`.
pub fn span(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

pub fn outcome_word(outcome: Outcome) -> &'static str {
    outcome.word()
}

fn decision_word(decision: Decision) -> &'static str {
    match decision {
        Decision::Go => "GO",
        Decision::NoGo => "NO-GO",
    }
}

fn auto(flag: bool) -> &'static str {
    if flag { " (automatic)" } else { "" }
}

fn first_line(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim();
    if lines.next().is_some() {
        format!("{first} …")
    } else {
        first.to_string()
    }
}

/// What an event says, in a few words (output is printed as its own lines).
pub fn payload(body: &Body) -> String {
    match body {
        Body::SessionStarted {
            title,
            steps,
            yes,
            dry_run,
            skip_waits,
            ..
        } => {
            let flags: Vec<&str> = [
                (*yes, "--yes"),
                (*dry_run, "--dry-run"),
                (*skip_waits, "--skip-waits"),
            ]
            .into_iter()
            .filter_map(|(on, flag)| on.then_some(flag))
            .collect();
            format!("{title} · {steps} steps {}", flags.join(" "))
                .trim_end()
                .to_string()
        }
        Body::SessionResumed {
            operator,
            host,
            pid,
            torn_bytes_dropped,
        } => {
            let torn = if *torn_bytes_dropped > 0 {
                format!(" · torn line of {torn_bytes_dropped} bytes dropped")
            } else {
                String::new()
            };
            format!("by {operator}@{host} (pid {pid}){torn}")
        }
        Body::SessionEnded { outcome, reason } => format!("{} — {reason}", outcome.word()),
        Body::LogRepaired { dropped_bytes } => {
            format!("dropped a torn line of {dropped_bytes} bytes")
        }
        Body::StepStarted {
            attempt,
            script,
            auto: automatic,
            dry_run,
            ..
        } => {
            let dry = if *dry_run { " (dry run)" } else { "" };
            format!(
                "attempt {attempt}{}{dry}: $ {}",
                auto(*automatic),
                first_line(script)
            )
        }
        Body::Output { .. } => String::new(),
        Body::StepFinished {
            exit_code,
            signal,
            duration_ms,
            ok,
            lingering,
        } => {
            let how = match (exit_code, signal) {
                (Some(code), _) => format!("exit {code}"),
                (None, Some(sig)) => format!("killed by signal {sig}"),
                (None, None) => "no exit status".into(),
            };
            let verdict = if *ok { "ok" } else { "FAILED" };
            let lingering = if *lingering {
                " · left processes running"
            } else {
                ""
            };
            format!(
                "{how} after {} · {verdict}{lingering}",
                span(Duration::from_millis(*duration_ms))
            )
        }
        Body::StepTimedOut { after_ms } => {
            format!("after {}", span(Duration::from_millis(*after_ms)))
        }
        Body::StepCancelled { reason }
        | Body::StepInterrupted { reason }
        | Body::StepSkipped { reason }
        | Body::StepMarkedDone { reason }
        | Body::RollbackEntered { reason } => reason.clone(),
        Body::CheckConfirmed { auto: automatic } => format!("done{}", auto(*automatic)),
        Body::WaitStarted {
            seconds,
            until,
            ends_at,
        } => {
            let until = if until.is_empty() {
                String::new()
            } else {
                format!(" or once {} stay OK", until.join(", "))
            };
            format!(
                "{} until {} UTC{until}",
                span(Duration::from_secs_f64(seconds.max(0.0))),
                ends_at.format("%H:%M:%S")
            )
        }
        Body::WaitEnded { early, reason } => {
            format!(
                "{}: {reason}",
                if *early { "ended early" } else { "ran out" }
            )
        }
        Body::Signed {
            role,
            name,
            os_user,
            via,
        } => format!("{role}: {name} ({os_user}, via {via})"),
        Body::GateDecided {
            decision,
            auto: automatic,
            signers,
            ..
        } => {
            let names: Vec<String> = signers
                .iter()
                .map(|s| format!("{}: {}", s.role, s.name))
                .collect();
            let signed = if names.is_empty() {
                String::new()
            } else {
                format!(" · signed {}", names.join(", "))
            };
            format!("{}{}{signed}", decision_word(*decision), auto(*automatic))
        }
        Body::Note { text } => text.clone(),
        Body::Jumped { to } => format!("to {to}"),
        Body::DriverLeft { operator } => format!("{operator} left; the session can be resumed"),
        Body::HealthChanged {
            check,
            from,
            to,
            value,
            reason,
        } => {
            let value = value
                .as_deref()
                .map(|v| format!(" ({v})"))
                .unwrap_or_default();
            let reason = reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            format!("{check} {from} → {to}{value}{reason}")
        }
        Body::EnvChanged { set, unset, cwd } => {
            let mut parts: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
            parts.extend(unset.iter().map(|k| format!("unset {k}")));
            if let Some(cwd) = cwd {
                parts.push(format!("cd {cwd}"));
            }
            parts.join(" ")
        }
    }
}

/// The record kind of a body (`step_started`, …).
pub fn kind(body: &Body) -> String {
    crate::session::event::Event::new(None, body.clone())
        .kind_and_data()
        .0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(Duration::from_millis(1234)), "1.2s");
        assert_eq!(span(Duration::from_secs(187)), "3m07s");
        assert_eq!(span(Duration::from_secs(3720)), "1h02m");
    }

    #[test]
    fn payloads_are_short() {
        let body = Body::StepFinished {
            exit_code: Some(3),
            signal: None,
            duration_ms: 1500,
            ok: false,
            lingering: false,
        };
        assert_eq!(payload(&body), "exit 3 after 1.5s · FAILED");
        assert_eq!(kind(&body), "step_finished");
        let started = Body::StepStarted {
            attempt: 2,
            script: "echo a\necho b".into(),
            cwd: "/".into(),
            auto: true,
            dry_run: false,
        };
        assert_eq!(payload(&started), "attempt 2 (automatic): $ echo a …");
    }
}
