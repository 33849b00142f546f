//! Sign-off gates in the plain walk: each role signed by name at the prompt,
//! by `--signoff`, or from a follower's terminal (`runbook sign`) — the
//! followers' requests are read while the prompt waits.

use super::dialogue::{Dialogue, Reply};
use super::input::Answer;
use super::walk::{Flow, WalkOptions, interrupted, record};
use crate::doc::duration::format_duration;
use crate::doc::model::{GateStep, Signoff};
use crate::session::engine::{Engine, SignoffNews, origin};
use crate::session::event::{Decision, Outcome};
use std::time::{Duration, Instant};

/// How often followers' requests are looked for while the walk waits.
const SLICE: Duration = Duration::from_millis(200);
/// How often `--yes` says again what it is waiting for.
const NOTICE_EVERY: Duration = Duration::from_secs(30);

/// A sign-off gate: every role signed, then GO.
pub fn signoff_gate(
    engine: &mut Engine,
    d: &mut Dialogue,
    opts: &WalkOptions,
    index: usize,
    gate: &GateStep,
) -> Flow {
    super::gates::show_criteria(engine, d, index);
    sign_given(engine, d, opts, index);
    show_roles(engine, d, index, gate);
    let waited = if opts.yes {
        wait_for_followers(engine, d, opts, index, gate)
    } else {
        ask_each(engine, d, index)
    };
    if let Some(flow) = waited {
        return flow;
    }
    record(engine, |e| e.decide_gate(index, Decision::Go, opts.yes))
}

/// Prints what happened to sign-offs (signed here, from a follower, or rejected).
pub fn report(d: &mut Dialogue, news: Vec<SignoffNews>) {
    for item in news {
        let mark = match item {
            SignoffNews::Signed { .. } => '✍',
            _ => '✗',
        };
        d.say(&format!("  {mark} {}", item.describe()));
    }
}

fn show_roles(engine: &Engine, d: &mut Dialogue, index: usize, gate: &GateStep) {
    let signers = &engine.state.steps[index].signers;
    for role in &gate.signoffs {
        match signers.iter().find(|s| s.role == role.role) {
            Some(s) => d.say(&format!(
                "  ✍ {}: {} ({})",
                role.role,
                s.name,
                origin(&s.os_user, &s.via)
            )),
            None => d.say(&format!("  ☐ {}{}", role.role, second_person(role))),
        }
    }
    if let Some(first) = engine.unsigned_roles(index).first() {
        d.say(&format!(
            "  a follower signs from their own terminal: {}",
            engine.sign_command(&first.role)
        ));
    }
}

fn second_person(role: &Signoff) -> &'static str {
    if role.distinct {
        " — a second person signs, from their own terminal"
    } else {
        ""
    }
}

/// `--signoff ROLE=NAME` for the roles still unsigned (a `distinct` role is refused, and recorded).
fn sign_given(engine: &mut Engine, d: &mut Dialogue, opts: &WalkOptions, index: usize) {
    for role in engine.unsigned_roles(index) {
        if let Some((_, name)) = opts.signoffs.iter().find(|(r, _)| *r == role.role) {
            let os_user = engine.os_user.clone();
            let _ = engine.sign(index, &role.role, name, &os_user, "driver");
        }
    }
    // Who signed is listed next; only what went wrong is said here.
    let news = engine.poll_signoffs();
    report(
        d,
        news.into_iter()
            .filter(|n| !matches!(n, SignoffNews::Signed { .. }))
            .collect(),
    );
}

/// `--yes`: nobody answers prompts, so wait (up to `--signoff-timeout`) for followers.
fn wait_for_followers(
    engine: &mut Engine,
    d: &mut Dialogue,
    opts: &WalkOptions,
    index: usize,
    gate: &GateStep,
) -> Option<Flow> {
    let deadline = Instant::now() + opts.signoff_timeout;
    let mut notice = Instant::now();
    loop {
        report(d, engine.poll_signoffs());
        let missing = engine.unsigned_roles(index);
        if missing.is_empty() {
            return None;
        }
        let now = Instant::now();
        if now >= deadline {
            return Some(Flow::End(
                Outcome::Failed,
                timed_out(engine, opts, gate, &missing),
            ));
        }
        if now >= notice {
            let names: Vec<&str> = missing.iter().map(|s| s.role.as_str()).collect();
            d.say(&format!(
                "  waiting for sign-off from a follower: {} ({} left)",
                names.join(", "),
                format_duration(round_up(deadline - now))
            ));
            notice = now + NOTICE_EVERY;
        }
        if let Some(sig) = nap(d, SLICE) {
            return Some(interrupted(sig));
        }
    }
}

fn round_up(left: Duration) -> Duration {
    Duration::from_secs(left.as_secs() + u64::from(left.subsec_nanos() > 0))
}

fn timed_out(engine: &Engine, opts: &WalkOptions, gate: &GateStep, missing: &[Signoff]) -> String {
    let names: Vec<&str> = missing.iter().map(|s| s.role.as_str()).collect();
    let flags: Vec<String> = missing
        .iter()
        .filter(|s| !s.distinct)
        .map(|s| format!("--signoff '{}=NAME'", s.role))
        .collect();
    let here = if flags.is_empty() {
        String::new()
    } else {
        format!(", or give {}", flags.join(" "))
    };
    format!(
        "sign-off gate `{}` still needs a signer for each role after waiting {}: {} — sign from a follower's terminal (`{}`){here}",
        gate.title,
        format_duration(opts.signoff_timeout),
        names.join(", "),
        engine.sign_command("ROLE"),
    )
}

/// Sleeps `length` unless a terminating signal arrives first.
fn nap(d: &Dialogue, length: Duration) -> Option<i32> {
    let until = Instant::now() + length;
    while Instant::now() < until {
        if let Some(sig) = d.input.interrupted() {
            return Some(sig);
        }
        std::thread::sleep(Duration::from_millis(50).min(until - Instant::now()));
    }
    d.input.interrupted()
}

/// What a prompt that also watches for followers came back with.
enum Prompted {
    Name(String),
    /// A follower's sign-off arrived: what is missing has changed.
    Changed,
    Stop(Flow),
}

/// Asks for a name for each unsigned role in turn, taking followers' sign-offs as they come.
fn ask_each(engine: &mut Engine, d: &mut Dialogue, index: usize) -> Option<Flow> {
    loop {
        report(d, engine.poll_signoffs());
        let role = engine.unsigned_roles(index).into_iter().next()?;
        let question = format!("Name signing as {}{}:", role.role, second_person(&role));
        match prompt_watching(engine, d, &question) {
            Prompted::Name(name) => {
                let os_user = engine.os_user.clone();
                let _ = engine.sign(index, &role.role, &name, &os_user, "driver");
            }
            Prompted::Changed => {}
            Prompted::Stop(flow) => return Some(flow),
        }
    }
}

fn prompt_watching(engine: &mut Engine, d: &mut Dialogue, question: &str) -> Prompted {
    let _ = d.out.prompt(&format!("{question} "));
    loop {
        match d.input.answer_until(Instant::now() + SLICE) {
            Answer::Line(line) if line.trim().is_empty() => {
                let _ = d.out.prompt(&format!("{question} "));
            }
            Answer::Line(line) => return Prompted::Name(line.trim().to_string()),
            Answer::Interrupted(sig) => return Prompted::Stop(interrupted(sig)),
            Answer::Closed => return Prompted::Stop(Reply::<char>::NoAnswer.into()),
            Answer::TimedOut if d.input.is_closed() => {
                return Prompted::Stop(Reply::<char>::NoAnswer.into());
            }
            Answer::TimedOut => {
                let news = engine.poll_signoffs();
                if !news.is_empty() {
                    d.say("");
                    report(d, news);
                    return Prompted::Changed;
                }
            }
        }
    }
}
