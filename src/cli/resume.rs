//! `runbook resume` and the offer `run` makes to resume: taking over an unfinished
//! session with the runbook, mode, parameters and environment it was left with.

use super::fail;
use super::inspect::EXIT_INVALID;
use super::prove::ProofPlan;
use super::run::{EXIT_AUDIT, RunArgs, invalid};
use super::run_end::{audit_failure, finish};
use super::run_engine::start_engine;
use super::run_setup::{
    Driving, Values, check_choose, dialogue, driver, inherited_env, resolve_params, walk_options,
};
use crate::doc::model::Runbook;
use crate::plain::dialogue::{Dialogue, Reply};
use crate::session::conductor::Policy;
use crate::session::executor::Place;
use crate::session::log::Header;
use crate::session::params;
use crate::session::setup::{self, Driver};
use crate::session::state::SessionState;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Offers to resume the newest unfinished session of this runbook (not under `--yes`).
pub(super) fn offer_resume(
    runbook: &Runbook,
    args: &RunArgs,
    driver: &Driver,
    d: &mut Dialogue,
) -> Option<i32> {
    if args.yes {
        return None;
    }
    let found = super::sessions::newest_unfinished(&driver.audit_dir, Some(&runbook.path))?;
    let started = found
        .header
        .as_ref()
        .map(|h| h.started.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    let last = found.last_kind.clone().unwrap_or_else(|| "nothing".into());
    d.say(&format!("An unfinished session of this runbook exists: {} (started {started}, {} events, last: {last}).", found.id, found.last_seq));
    match d.choose(
        "Resume it?",
        &[('r', "[r]esume it"), ('n', "start a [n]ew session")],
    ) {
        Reply::Chose('r') => Some(resume_with(&found.path, args, driver.clone(), d)),
        Reply::Chose(_) => None,
        Reply::NoAnswer => Some(fail("no answer: standard input closed", 1)),
        Reply::Interrupted(_) => Some(130),
    }
}

/// `runbook resume [SESSION]`: takes over an unfinished session and walks on.
pub fn resume(session: &Path, args: &RunArgs) -> i32 {
    let (driver, mut d) = match (driver(args), dialogue()) {
        (Ok(driver), Ok(d)) => (driver, d),
        (Err(e), _) | (_, Err(e)) => return fail(e, EXIT_INVALID),
    };
    resume_with(session, args, driver, &mut d)
}

fn resume_with(session: &Path, args: &RunArgs, driver: Driver, d: &mut Dialogue) -> i32 {
    match take_over(session, args, driver, d) {
        Ok(code) | Err(code) => code,
    }
}

/// Reopens the session's log and walks on; `Err` holds the exit code of a session that
/// could not be taken over.
fn take_over(session: &Path, args: &RunArgs, driver: Driver, d: &mut Dialogue) -> Result<i32, i32> {
    let opts = walk_options(args).map_err(invalid)?;
    let plan = ProofPlan::resolve(&args.proof, &driver.operator).map_err(invalid)?;
    let (header, started_dry) = read_opening(session).map_err(invalid)?;
    let opts = keep_dry_run(opts, started_dry, d).map_err(invalid)?;
    let runbook = session_runbook(&header, session).map_err(invalid)?;
    check_choose(&runbook, args).map_err(invalid)?;
    let reopened = match setup::reopen(session, &runbook, &driver) {
        Ok(r) => r,
        Err(e @ setup::SetupError::Locked(_)) => return Err(invalid(e)),
        Err(e) => return Err(fail(e, EXIT_AUDIT)),
    };
    let Values {
        params,
        placeholders,
    } = resolve_params(&runbook, args, d, &known_params(&reopened.header)).map_err(invalid)?;
    let mut env = params::starting_env(&runbook, inherited_env(), &params).map_err(invalid)?;
    restore_env(&mut env, &reopened.state);
    let cwd = resumed_cwd(&reopened.state);
    let dropped = reopened.dropped_bytes;
    let earlier_steps = reopened.earlier_steps;
    let earlier_hosts = reopened.earlier_hosts;
    let session_id = reopened.header.session_id.clone();
    // Logs from before the driver was recorded in `session_started` name it only in the header.
    let previous = match &reopened.state.driver {
        Some(driver) => driver.clone(),
        None => reopened.header.operator.clone(),
    };
    let driving = Driving::for_args(args);
    let first_started = reopened.header.started;
    let mut engine = start_engine(
        &runbook,
        reopened.writer,
        reopened.state,
        (Place { env, cwd }, driving.inputs(), opts, &args.proof.ssh),
        params,
        earlier_steps,
        d,
    )?;
    engine.attach_proof(plan.prover(&session_id, &driver.host));
    engine.stop_at_close_on_earlier_hosts(&earlier_hosts);
    engine.resumed_from(first_started);
    d.say(&format!(
        "resuming {} · operator {} · audit log {}",
        runbook.title,
        driver.operator,
        engine.log_path().display()
    ));
    if engine.record_resume(&driver, &previous, dropped).is_err() {
        return Err(audit_failure(&mut engine, d));
    }
    engine.give_placeholders(&placeholders);
    let code = finish(&mut engine, d, &driving, &driver.operator);
    drop(reopened.lock);
    Ok(code)
}

/// The log's header and whether `session_started` says dry run. Only the log's opening
/// is read here; the whole log is read once, by `setup::reopen`.
fn read_opening(session: &Path) -> Result<(Header, Option<bool>), setup::SetupError> {
    let mut stream = setup::open_log(session)?;
    let started_dry = stream
        .by_ref()
        .map_while(Result::ok)
        .find_map(|s| match s.event.body {
            crate::session::event::Body::SessionStarted { dry_run, .. } => Some(dry_run),
            _ => None,
        });
    Ok((stream.header, started_dry))
}

/// The runbook the session walks, read again: it must be the very text the session
/// started with (the day it walks, for a plan).
fn session_runbook(header: &Header, session: &Path) -> Result<Runbook, String> {
    let runbook_path = PathBuf::from(&header.runbook.path);
    let source = std::fs::read(&runbook_path).map_err(|e| {
        format!(
            "the session's runbook {} cannot be read: {e}",
            runbook_path.display()
        )
    })?;
    if setup::sha256_hex(&source) != header.runbook.sha256 {
        return Err(format!(
            "{} changed since the session started; resume needs the same runbook (start a new session instead)",
            runbook_path.display()
        ));
    }
    let runbook = crate::doc::load_bytes(&source, &runbook_path).map_err(|e| e.to_string())?;
    Ok(super::day_open::reopened_day(runbook, session))
}

/// A session keeps the mode it started in: a dry run resumes as a dry run (it never turns
/// live because `--dry-run` was not repeated), and a live session is not finished as a
/// rehearsal.
fn keep_dry_run(
    mut opts: Policy,
    started_dry: Option<bool>,
    d: &mut Dialogue,
) -> Result<Policy, String> {
    match (started_dry, opts.dry_run) {
        (Some(true), false) => {
            d.say("this session is a dry run: it resumes as one (nothing runs)");
            opts.dry_run = true;
        }
        (Some(false), true) => {
            return Err(
                "this session ran live: --dry-run cannot finish it (start a new session to rehearse)"
                    .to_string(),
            );
        }
        _ => {}
    }
    Ok(opts)
}

/// The parameter values the header recorded (masked secrets are asked again).
fn known_params(header: &Header) -> BTreeMap<String, String> {
    header
        .params
        .iter()
        .filter_map(|(k, v)| {
            v.as_str()
                .filter(|v| *v != crate::session::mask::MASK)
                .map(|v| (k.clone(), v.to_string()))
        })
        .collect()
}

/// Exports recorded before the interruption carry over (masked secrets cannot be restored).
fn restore_env(env: &mut BTreeMap<String, String>, state: &SessionState) {
    for (name, value) in &state.env_set {
        if value != crate::session::mask::MASK {
            env.insert(name.clone(), value.clone());
        }
    }
    for name in &state.env_unset {
        env.remove(name);
    }
}

/// Where steps ran last (the last recorded `cd`), else here.
fn resumed_cwd(state: &SessionState) -> PathBuf {
    state
        .cwd
        .clone()
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")))
}
