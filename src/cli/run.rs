//! `runbook run`: a new session set up, walked and ended. Its parts: the set-up
//! (`run_setup`), the engine (`run_engine`), the walk's end (`run_end`) and `resume`.

use super::day_open::OpenDay;
use super::fail;
use super::inspect::EXIT_INVALID;
use super::prove::ProofPlan;
use super::run_end::{audit_failure, finish};
use super::run_engine::{start_engine, start_section};
use super::run_setup::{
    Driving, Values, check_choose, dialogue, driver, inherited_env, load, resolve_params,
    walk_options,
};
use crate::doc::resolve::SearchPath;
use crate::session::engine::Engine;
use crate::session::executor::Place;
use crate::session::params;
use crate::session::setup;
use crate::session::state::SessionState;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub use super::resume::resume;

/// Exit code when the audit log cannot be written.
pub const EXIT_AUDIT: i32 = 3;

/// How long `--yes` waits at a sign-off gate for followers unless told otherwise.
pub const DEFAULT_SIGNOFF_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// The options `run` and `resume` share.
#[derive(Debug, Clone, Default)]
pub struct RunArgs {
    pub params: Vec<String>,
    pub operator: Option<String>,
    pub yes: bool,
    pub dry_run: bool,
    pub skip_waits: bool,
    /// `--run-proposed`: under `--yes`, proposed steps run too.
    pub run_proposed: bool,
    pub signoffs: Vec<String>,
    /// `--choose TITLE`: the options that apply at the runbook's choices.
    pub choose: Vec<String>,
    /// Under `--yes`, how long a sign-off gate waits for followers (`5m` when not given).
    pub signoff_timeout: Option<String>,
    pub audit_dir: Option<PathBuf>,
    pub section: Option<String>,
    /// `--day`: walk one day of the plan (`7`, `Jan 9`, `next`).
    pub day: Option<String>,
    /// `--force-day REASON`: open the day although the day before is not done, or early.
    pub force_day: Option<String>,
    /// The line dialogue even on a terminal.
    pub plain: bool,
    /// Signatures and anchors (PRODUCT.md §2.7).
    pub proof: super::prove::ProofArgs,
}

/// `error: MESSAGE` for input that cannot be used; the exit code for it.
pub(super) fn invalid(message: impl std::fmt::Display) -> i32 {
    fail(message, EXIT_INVALID)
}

/// `runbook run NAME --plain`: a new session.
pub fn run(target: &str, args: &RunArgs, search: &SearchPath) -> i32 {
    match new_session(target, args, search) {
        Ok(code) | Err(code) => code,
    }
}

/// Sets a new session up and walks it; `Err` holds the exit code of one that could not
/// start.
fn new_session(target: &str, args: &RunArgs, search: &SearchPath) -> Result<i32, i32> {
    let (runbook, source) = load(target, search).map_err(|e| invalid(e.trim_end()))?;
    check_choose(&runbook, args).map_err(invalid)?;
    let (driver, opts, mut d) = match (driver(args), walk_options(args), dialogue()) {
        (Ok(driver), Ok(opts), Ok(d)) => (driver, opts, d),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return Err(invalid(e)),
    };
    d.say(&format!("runbook {}", runbook.path.display()));
    if let Some(code) = super::resume::offer_resume(&runbook, args, &driver, &mut d) {
        return Ok(code);
    }
    let day = super::day_open::open_day(&runbook, &source, args, &driver.audit_dir, &mut d)
        .map_err(|(message, code)| fail(message, code))?;
    let runbook = day.as_ref().map_or(runbook, |day| day.walk.clone());
    let plan = ProofPlan::resolve(&args.proof, &driver.operator).map_err(invalid)?;
    let Values {
        params,
        placeholders,
    } = resolve_params(&runbook, args, &mut d, &BTreeMap::new()).map_err(invalid)?;
    let env = params::starting_env(&runbook, inherited_env(), &params).map_err(invalid)?;
    let opened =
        setup::create(&runbook, &source, &params, &driver).map_err(|e| fail(e, EXIT_AUDIT))?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let driving = Driving::for_args(args);
    let mut engine = start_engine(
        &runbook,
        opened.writer,
        SessionState::new(&runbook),
        (Place { env, cwd }, driving.inputs(), opts, &args.proof.ssh),
        params,
        Vec::new(),
        &mut d,
    )?;
    engine.attach_proof(plan.prover(&opened.session_id, &driver.host));
    d.say(&format!(
        "session {} · operator {} · audit log {}",
        opened.session_id,
        driver.operator,
        engine.log_path().display()
    ));
    if record_start(&mut engine, &driver.operator, &source, day.as_ref()).is_err() {
        return Err(audit_failure(&mut engine, &mut d));
    }
    engine.give_placeholders(&placeholders);
    if let Some(code) = start_section(&mut engine, args.section.as_deref()) {
        return Err(code);
    }
    let code = finish(&mut engine, &mut d, &driving, &driver.operator);
    drop(opened.lock);
    Ok(code)
}

/// The session's first events: its start, and the day of the plan it walks.
fn record_start(
    engine: &mut Engine,
    operator: &str,
    source: &[u8],
    day: Option<&OpenDay>,
) -> Result<(), crate::session::log::AuditError> {
    engine.start_session(operator, &String::from_utf8_lossy(source))?;
    if let Some(day) = day {
        let body = crate::session::event::Body::DayOpened(Box::new(day.opened.clone()));
        engine.record(None, body, crate::session::log::SyncPolicy::Now)?;
    }
    Ok(())
}
