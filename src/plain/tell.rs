//! What the line dialogue prints: each step's header when the walk reaches it, output
//! lines, how each run ended, health changes, waits, sign-offs — all from the events and
//! notices the engine returns, in the order they happened.

use super::walk::Walk;
use crate::doc::duration::format_duration;
use crate::doc::model::{Signoff, StepKind};
use crate::session::conductor::WaitOver;
use crate::session::engine::{Notice, SignoffNews, origin};
use crate::session::event::{Body, Decision, Event};
use crate::session::state::Status;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// How often `--yes` says again what sign-off it waits for.
const REMIND_EVERY: Duration = Duration::from_secs(30);

/// What was printed already.
#[derive(Debug, Default)]
pub(super) struct Told {
    /// The step whose header is on screen.
    shown: Option<usize>,
    /// The sign-off gate whose roles were listed.
    roles: Option<usize>,
    reminded: Option<Instant>,
    timed_out: BTreeSet<usize>,
    cancelled: BTreeSet<usize>,
    /// The interactive step running on the operator's terminal: what it prints is shown
    /// there as it comes, so its recorded output is not printed again.
    pub relayed: Option<usize>,
    /// Its last line has not ended (a prompt, an echoed `^C`).
    relayed_open: bool,
    /// Sections without steps printed, by line ([`super::passages`]).
    pub passages: BTreeSet<u32>,
}

/// Prints `events` and `notices` (each notice after as many events as it says).
pub(super) fn tell(w: &mut Walk, events: &[Event], notices: Vec<(usize, Notice)>) {
    let mut notices = notices.into_iter().peekable();
    for (n, event) in events.iter().enumerate() {
        while let Some((_, notice)) = notices.next_if(|(at, _)| *at <= n) {
            tell_notice(w, notice);
        }
        tell_event(w, event);
    }
    for (_, notice) in notices {
        tell_notice(w, notice);
    }
}

fn tell_event(w: &mut Walk, event: &Event) {
    let index = event
        .step
        .as_deref()
        .and_then(|id| w.engine.state().position(id));
    let id = event.step.as_deref().unwrap_or_default();
    if let Some(index) = index
        && opens_step(&event.body)
    {
        header(w, index);
    }
    match &event.body {
        Body::Output { bytes, .. } if index.is_some() && index == w.told.relayed => {
            w.told.relayed_open = !bytes.as_slice().ends_with(b"\n");
        }
        Body::Output { stream, bytes } => {
            let _ = w.d.out.output(id, *stream, bytes.as_slice());
        }
        Body::HostOutput(out) => {
            let _ = w.d.out.output(&out.host, out.stream, out.bytes.as_slice());
        }
        Body::StepFinished {
            ok, duration_ms, ..
        } if index.is_some_and(|i| w.engine.state().steps[i].fleet.is_some()) => {
            let _ = w.d.out.end_open_line();
            let took = format_duration(Duration::from_millis(*duration_ms));
            let fleet = index.and_then(|i| w.engine.state().steps[i].fleet.as_ref());
            let tally = fleet.map(|f| f.tally()).unwrap_or_default();
            let mark = if *ok { '✓' } else { '✗' };
            w.d.say(&format!("  {mark} {id} on hosts: {tally} · {took}"));
        }
        Body::BatchStarted(_)
        | Body::HostFinished(_)
        | Body::BatchFinished(_)
        | Body::BatchDecided(_)
        | Body::FleetStopped(_)
        | Body::FleetPlanned(_) => {
            let _ = w.d.out.end_open_line();
            if let Some(line) = super::fleet::line(&event.body) {
                w.d.say(&line);
            }
        }
        Body::StepStarted { .. } => {
            if let Some(index) = index {
                w.told.timed_out.remove(&index);
                w.told.cancelled.remove(&index);
            }
        }
        Body::StepTimedOut { .. } => {
            w.told.timed_out.extend(index);
        }
        Body::StepCancelled { .. } => {
            w.told.cancelled.extend(index);
        }
        Body::StepFinished {
            exit_code,
            duration_ms,
            ok,
            ..
        } => {
            if index.is_some() && index == w.told.relayed {
                w.told.relayed = None;
                if std::mem::take(&mut w.told.relayed_open) {
                    w.d.say("");
                }
            }
            let _ = w.d.out.end_open_line();
            let took = format_duration(Duration::from_millis(*duration_ms));
            let dry = index.is_some_and(|i| w.engine.state().steps[i].dry_run);
            let line = match (ok, exit_code) {
                (true, _) if dry => format!("  ◌ {id} not run (dry run)"),
                (true, code) => format!("  ✓ {id} exit {} · {took}", code.unwrap_or(0)),
                _ if index.is_some_and(|i| w.told.timed_out.contains(&i)) => {
                    format!("  ✗ {id} timed out after {took} and was stopped")
                }
                _ if index.is_some_and(|i| w.told.cancelled.contains(&i)) => {
                    format!("  ✗ {id} cancelled after {took}")
                }
                (false, Some(code)) => format!("  ✗ {id} failed: exit {code} · {took}"),
                (false, None) => format!("  ✗ {id} failed: killed by a signal · {took}"),
            };
            w.d.say(&line);
        }
        Body::HealthChanged {
            check,
            from,
            to,
            value,
            reason,
            ..
        } => {
            let value = value
                .as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!(" · {v}"))
                .unwrap_or_default();
            let reason = reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            w.d.say(&format!("  health: {check} {from} → {to}{value}{reason}"));
        }
        Body::RollbackPrompted { reason, .. } => {
            w.d.say(&format!("  !! ROLLBACK SUGGESTED — {reason}"));
        }
        Body::StepSkipped { reason } => {
            let mark = index.map(|i| crate::session::truth::Mark::of(&w.engine.state().steps[i]));
            let (symbol, words) =
                mark.map_or(("↷", "skipped".into()), |m| (m.symbol(), m.words()));
            w.d.say(&format!("  {symbol} {id} {words}: {reason}"));
        }
        Body::OptionChosen {
            title,
            option,
            not_chosen,
            via,
            ..
        } => {
            let told = crate::session::choices::told(title, option.as_deref(), not_chosen, via);
            w.d.say(&format!("  ◇ {told}"));
        }
        Body::PlaceholderFilled {
            placeholder,
            env,
            value,
            via,
            ..
        } => w.d.say(&format!(
            "  {placeholder} = {value} (given to commands as ${env}, from {via})"
        )),
        Body::WarningsAcknowledged { auto: true, .. } => {
            for line in super::proposed::warning_lines(w.engine) {
                w.d.say(&line);
            }
            w.d.say("  (acknowledged automatically: --yes)");
        }
        Body::WaitStarted { ends_at, .. } => {
            if let Some(index) = index {
                announce_wait(w, index, ends_at);
            }
        }
        Body::GateDecided {
            decision: Decision::Go,
            auto: true,
            ..
        } if index.is_some_and(|i| w.engine.unsigned_roles(i).is_empty() && !is_signoff(w, i)) => {
            w.d.say("  GO (decided automatically: --yes)");
        }
        _ => {}
    }
}

/// Events that show the walk has reached their step.
fn opens_step(body: &Body) -> bool {
    !matches!(
        body,
        Body::Output { .. }
            | Body::HostOutput(_)
            | Body::HostStarted(_)
            | Body::Note { .. }
            | Body::Jumped { .. }
            | Body::SignoffRejected { .. }
    )
}

fn is_signoff(w: &Walk, index: usize) -> bool {
    matches!(&w.engine.refs[index].step.kind, StepKind::Gate(g) if !g.signoffs.is_empty())
}

fn tell_notice(w: &mut Walk, notice: Notice) {
    match notice {
        Notice::Retrying {
            attempt, retries, ..
        } => {
            w.d.say(&format!("  retrying ({attempt} of {retries} retries)"))
        }
        Notice::OnFailRollback { .. } => {
            w.d.say("  on_fail=rollback: entering the rollback procedure")
        }
        Notice::WaitOver { index, reason, why } => match why {
            WaitOver::Due => w.d.say(&format!("  wait over: {reason}")),
            WaitOver::Skipped => {
                let length = match &w.engine.refs[index].step.kind {
                    StepKind::Wait(wait) => format_duration(wait.duration),
                    _ => String::new(),
                };
                w.d.say(&format!("  wait {length} not waited ({reason})"));
            }
            WaitOver::CutShort => w.d.say(&format!("  wait ended: {reason}")),
            WaitOver::Missed => w.d.say(&format!("  ✗ wait failed: {reason}")),
        },
        Notice::Proof(warning) => w.d.say(&format!("  warning: {warning}")),
        Notice::Signoff(news) => {
            let mark = match news {
                SignoffNews::Signed { .. } => '✍',
                SignoffNews::Rejected { .. } | SignoffNews::GoRefused { .. } => '✗',
            };
            w.d.say(&format!("  {mark} {}", news.describe()));
        }
    }
}

/// The step's header, once per visit: its id and section, the prose before it, and what
/// it is (the commands, the check, the gate's criteria).
pub(super) fn header(w: &mut Walk, index: usize) {
    if w.told.shown == Some(index) {
        return;
    }
    w.told.shown = Some(index);
    let step = w.engine.refs[index].step;
    // A gate moved before the first command keeps its line far below where it is asked.
    let moved = matches!(&step.kind, StepKind::Gate(g) if g.moved_from_line.is_some());
    if !moved {
        super::passages::before(w, step.line);
    }
    let engine = &*w.engine;
    let r = &engine.refs[index];
    let id = &engine.state().steps[index].id;
    let region = if r.rollback { " · ROLLBACK" } else { "" };
    let dry = if engine.state().dry_run {
        " · DRY RUN"
    } else {
        ""
    };
    let mut lines = vec![format!(
        "\n── {id} · {}{region}{dry} ──",
        engine.display(&r.section.title)
    )];
    for prose in r
        .section
        .prose
        .iter()
        .filter(|p| p.before_step == r.position)
    {
        for line in engine.display(&prose.markdown).lines() {
            lines.push(format!("  │ {line}"));
        }
    }
    match &r.step.kind {
        StepKind::Run(run) => {
            for line in engine.mask(&run.script).lines() {
                lines.push(format!("    {line}"));
            }
            lines.extend(super::proposed::run_notes(engine, run, r.step.line));
            let step = &engine.state().steps[index];
            if let Some(fleet) = step
                .fleet
                .as_ref()
                .filter(|_| step.status == Status::Interrupted)
            {
                lines.extend(super::fleet::host_lines(fleet));
            }
        }
        StepKind::Check(check) => lines.push(format!("  [ ] {}", engine.display(&check.text))),
        StepKind::Note(note) => lines.push(format!("  note: {}", engine.display(&note.text))),
        StepKind::Gate(gate) => {
            lines.push(format!("  gate: {}", engine.display(&gate.title)));
            let mut group: Option<&str> = None;
            for c in &gate.criteria {
                if c.group.as_deref() != group {
                    group = c.group.as_deref();
                    lines.push(format!("  {}:", group.unwrap_or("criteria")));
                }
                lines.push(format!("    • {}", engine.display(&c.text)));
            }
        }
        StepKind::Wait(_) => {}
    }
    for line in lines {
        w.d.say(&line);
    }
}

/// A sign-off gate's roles, who signed and how a follower signs the rest (once per gate).
pub(super) fn roles(w: &mut Walk, index: usize) {
    if w.told.roles == Some(index) {
        return;
    }
    w.told.roles = Some(index);
    let StepKind::Gate(gate) = &w.engine.refs[index].step.kind else {
        return;
    };
    let signers = &w.engine.state().steps[index].signers;
    let mut lines: Vec<String> = gate
        .signoffs
        .iter()
        .map(|role| match signers.iter().find(|s| s.role == role.role) {
            Some(s) => format!(
                "  ✍ {}: {} ({})",
                role.role,
                s.name,
                origin(&s.os_user, &s.via)
            ),
            None => format!("  ☐ {}{}", role.role, second_person(role)),
        })
        .collect();
    if let Some(first) = w.engine.unsigned_roles(index).first() {
        lines.push(format!(
            "  a follower signs from their own terminal: {}",
            w.engine.sign_command(&first.role)
        ));
    }
    for line in lines {
        w.d.say(&line);
    }
}

pub(super) fn second_person(role: &Signoff) -> &'static str {
    if role.distinct {
        " — a second person signs, from their own terminal"
    } else {
        ""
    }
}

impl Walk<'_, '_> {
    pub(super) fn tell_roles(&mut self, index: usize) {
        header(self, index);
        roles(self, index);
    }

    /// `--yes` at a sign-off gate: what it waits for, now and every 30 s.
    pub(super) fn remind_signoffs(&mut self, missing: &[String], deadline: Instant) {
        let now = self.engine.now().mono;
        if self
            .told
            .reminded
            .is_some_and(|at| now.saturating_duration_since(at) < REMIND_EVERY)
        {
            return;
        }
        self.told.reminded = Some(now);
        let left = deadline.saturating_duration_since(now);
        let left = Duration::from_secs(left.as_secs() + u64::from(left.subsec_nanos() > 0));
        self.d.say(&format!(
            "  waiting for sign-off from a follower: {} ({} left)",
            missing.join(", "),
            format_duration(left)
        ));
    }
}

fn announce_wait(w: &mut Walk, index: usize, ends_at: &chrono::DateTime<chrono::Utc>) {
    if w.engine.policy.skips_waits().is_some() {
        return;
    }
    let StepKind::Wait(wait) = &w.engine.refs[index].step.kind else {
        return;
    };
    let gated = if wait.until.is_empty() {
        String::new()
    } else {
        format!(
            ", or once {} stay OK for {}",
            wait.until.join(", "),
            format_duration(wait.stable_for.unwrap_or_default())
        )
    };
    let line = format!(
        "  waiting {} (until {} UTC{gated}) — press Enter to end early",
        format_duration(wait.duration),
        ends_at.format("%H:%M:%S")
    );
    w.d.say(&line);
}
