//! `runbook run --plain` and `runbook resume`: set a session up, walk it, end it.

use super::inspect::EXIT_INVALID;
use crate::doc::duration::parse_duration;
use crate::doc::model::Runbook;
use crate::doc::resolve::SearchPath;
use crate::plain::dialogue::{Dialogue, Reply};
use crate::plain::input::Input;
use crate::plain::printer::Printer;
use crate::plain::walk::{LineQueue, WalkEnd, walk};
use crate::session::conductor::{Pace, Policy};
use crate::session::engine::Engine;
use crate::session::event::Outcome;
use crate::session::executor::{Executors, LocalExecutor, Place, SshExecutor};
use crate::session::log::sessions_dir;
use crate::session::params::{self, Source, parse_assignment};
use crate::session::queue::Inputs;
use crate::session::setup::{self, Driver};
use crate::session::state::SessionState;
use std::collections::BTreeMap;
use std::path::PathBuf;

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

use super::fail;
use super::prove::ProofPlan;

fn driver(args: &RunArgs) -> Result<Driver, String> {
    let operator = args
        .operator
        .clone()
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(crate::session::engine::os_user);
    let audit_dir = sessions_dir(args.audit_dir.as_deref()).map_err(|e| e.to_string())?;
    Ok(Driver {
        operator,
        host: setup::host_name(),
        audit_dir,
    })
}

fn walk_options(args: &RunArgs) -> Result<Policy, String> {
    let signoffs = args
        .signoffs
        .iter()
        .map(|s| parse_assignment(s).map_err(|e| format!("--signoff: {e}")))
        .collect::<Result<_, _>>()?;
    let signoff_timeout = match &args.signoff_timeout {
        Some(text) => parse_duration(text).map_err(|e| format!("--signoff-timeout: {e}"))?,
        None => DEFAULT_SIGNOFF_TIMEOUT,
    };
    Ok(Policy {
        yes: args.yes,
        paused: false,
        dry_run: args.dry_run,
        skip_waits: args.skip_waits,
        run_proposed: args.run_proposed,
        signoffs,
        signoff_timeout,
        pace: if full_screen(args) {
            Pace::StepByStep
        } else {
            Pace::Continuous
        },
        choose: args.choose.clone(),
    })
}

/// The driver of the walk, with its queue: the line dialogue or the full screen.
enum Driving {
    Plain(LineQueue),
    Screen(crate::tui::live::KeyQueue),
}

impl Driving {
    fn for_args(args: &RunArgs) -> Driving {
        if full_screen(args) {
            Driving::Screen(crate::tui::live::KeyQueue::new())
        } else {
            Driving::Plain(LineQueue::new())
        }
    }

    fn inputs(&self) -> Inputs {
        match self {
            Driving::Plain(queue) => queue.inputs(),
            Driving::Screen(queue) => queue.inputs(),
        }
    }
}

fn load(target: &str, search: &SearchPath) -> Result<(Runbook, Vec<u8>), String> {
    let path = search.resolve(target).map_err(|e| e.to_string())?;
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let runbook = crate::doc::load_bytes(&bytes, &path).map_err(|e| e.to_string())?;
    Ok((runbook, bytes))
}

/// Every `--choose` names an option of the runbook (exit 2 with the options otherwise).
fn check_choose(runbook: &Runbook, args: &RunArgs) -> Result<(), String> {
    use crate::session::choices;
    choices::check_choose(&choices::of(runbook), &args.choose)
}

fn dialogue() -> Result<Dialogue, String> {
    let input = Input::start().map_err(|e| format!("cannot watch for signals: {e}"))?;
    Ok(Dialogue {
        out: Printer::new(std::io::stdout()),
        input,
    })
}

/// Parameter values, and the placeholder values the command line gives.
struct Values {
    params: BTreeMap<String, String>,
    placeholders: BTreeMap<String, String>,
}

/// Resolves parameters, asking on the dialogue unless `--yes`; `--param` names that are
/// placeholders of the runbook are kept for the engine to record.
fn resolve_params(
    runbook: &Runbook,
    args: &RunArgs,
    d: &mut Dialogue,
    known: &BTreeMap<String, String>,
) -> Result<Values, String> {
    let mut from_line = Vec::new();
    for arg in &args.params {
        from_line.push(parse_assignment(arg).map_err(|e| format!("--param: {e}"))?);
    }
    let (from_line, given_placeholders) =
        params::split_given(runbook, from_line).map_err(|e| e.to_string())?;
    let mut given: Vec<(String, String)> =
        known.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    given.extend(from_line);
    let resolved = if args.yes {
        params::resolve(runbook, &given, Source::Defaults)
    } else {
        let mut ask = |p: &crate::doc::model::Param, default: Option<&str>| -> Option<String> {
            let label = p.prompt.clone().unwrap_or_else(|| p.name.clone());
            let shown = default.map(|v| format!(" [{v}]")).unwrap_or_default();
            match d.ask_text(&format!("{label}{shown}:"), Some("")) {
                Reply::Chose(value) => Some(value),
                _ => None,
            }
        };
        params::resolve(runbook, &given, Source::Ask(&mut ask))
    };
    let params = resolved.map_err(|e| e.to_string())?;
    let placeholders = params::placeholder_values(runbook, &given_placeholders, &params);
    Ok(Values {
        params,
        placeholders,
    })
}

fn inherited_env() -> BTreeMap<String, String> {
    std::env::vars().collect()
}

/// `runbook run NAME --plain`: a new session.
pub fn run(target: &str, args: &RunArgs, search: &SearchPath) -> i32 {
    let (runbook, source) = match load(target, search) {
        Ok(loaded) => loaded,
        Err(e) => return fail(e.trim_end(), EXIT_INVALID),
    };
    if let Err(e) = check_choose(&runbook, args) {
        return fail(e, EXIT_INVALID);
    }
    let (driver, opts, mut d) = match (driver(args), walk_options(args), dialogue()) {
        (Ok(driver), Ok(opts), Ok(d)) => (driver, opts, d),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return fail(e, EXIT_INVALID),
    };
    d.say(&format!("runbook {}", runbook.path.display()));
    if let Some(code) = offer_resume(&runbook, args, &driver, &mut d) {
        return code;
    }
    let day = match super::day_open::open_day(&runbook, &source, args, &driver.audit_dir, &mut d) {
        Ok(day) => day,
        Err((message, code)) => return fail(message, code),
    };
    let runbook = day.as_ref().map_or(runbook, |day| day.walk.clone());
    let plan = match ProofPlan::resolve(&args.proof, &driver.operator) {
        Ok(plan) => plan,
        Err(e) => return fail(e, EXIT_INVALID),
    };
    let Values {
        params,
        placeholders,
    } = match resolve_params(&runbook, args, &mut d, &BTreeMap::new()) {
        Ok(values) => values,
        Err(e) => return fail(e, EXIT_INVALID),
    };
    let env = match params::starting_env(&runbook, inherited_env(), &params) {
        Ok(env) => env,
        Err(e) => return fail(e, EXIT_INVALID),
    };
    let opened = match setup::create(&runbook, &source, &params, &driver) {
        Ok(opened) => opened,
        Err(e) => return fail(e, EXIT_AUDIT),
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let driving = Driving::for_args(args);
    let mut engine = match start_engine(
        &runbook,
        opened.writer,
        SessionState::new(&runbook),
        (Place { env, cwd }, driving.inputs(), opts, &args.proof.ssh),
        params,
        Vec::new(),
        &mut d,
    ) {
        Ok(engine) => engine,
        Err(code) => return code,
    };
    engine.attach_proof(plan.prover(&opened.session_id, &driver.host));
    d.say(&format!(
        "session {} · operator {} · audit log {}",
        opened.session_id,
        driver.operator,
        engine.log_path().display()
    ));
    if engine
        .start_session(&driver.operator, &String::from_utf8_lossy(&source))
        .is_err()
    {
        return audit_failure(&mut engine, &mut d);
    }
    if let Some(day) = &day {
        let body = crate::session::event::Body::DayOpened(Box::new(day.opened.clone()));
        if engine
            .record(None, body, crate::session::log::SyncPolicy::Now)
            .is_err()
        {
            return audit_failure(&mut engine, &mut d);
        }
    }
    engine.give_placeholders(&placeholders);
    if let Some(code) = start_section(&mut engine, args.section.as_deref()) {
        return code;
    }
    let code = finish(&mut engine, &mut d, &driving, &driver.operator);
    drop(opened.lock);
    code
}

/// The engine for a session, introduced on the dialogue; the exit code when the log writer cannot start.
fn start_engine<'r>(
    runbook: &'r Runbook,
    writer: crate::session::log::AuditWriter,
    state: SessionState,
    (place, inputs, policy, ssh): (Place, Inputs, Policy, &crate::fleet::SshSettings),
    params: BTreeMap<String, String>,
    earlier_steps: Vec<crate::exec::leftover::Recorded>,
    d: &mut Dialogue,
) -> Result<Engine<'r>, i32> {
    let groups = session_groups(writer.path());
    groups.inherit(earlier_steps);
    let executor = Box::new(Executors {
        local: LocalExecutor::for_session(groups),
        ssh: SshExecutor::for_session(ssh.clone(), &id_of_log(writer.path())),
    });
    let mut engine = Engine::new(runbook, writer, state, place, inputs, executor).map_err(|e| {
        fail(
            format!("cannot start the audit log writer: {e}"),
            EXIT_AUDIT,
        )
    })?;
    engine.params = params;
    engine.policy = policy;
    introduce(&engine, d);
    Ok(engine)
}

/// The session's id: its log's name without `.jsonl`.
fn id_of_log(log: &std::path::Path) -> String {
    log.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Nothing a step starts may outlive the session (subreaper, and a cgroup per step), and
/// its private files live in the session's private directory, gone with the session.
fn session_groups(log: &std::path::Path) -> crate::exec::ProcessGroups {
    use crate::exec::private::PrivateDir;
    use crate::session::log::SessionLock;
    let groups = crate::exec::ProcessGroups::for_session();
    match PrivateDir::for_session(log, |log| SessionLock::probe(log) != Some(false)) {
        Ok(dir) => groups.with_private_dir(dir),
        Err(e) => {
            tracing::warn!(error = %e, "no private directory for the session: each step makes its own");
            groups
        }
    }
}

/// The title (parameters filled in) and what the runbook says before its first section.
fn introduce(engine: &Engine, d: &mut Dialogue) {
    d.say(&format!("\n{}", engine.display(&engine.runbook.title)));
    if engine.state().dry_run {
        d.say("  DRY RUN: steps are walked and recorded; no command runs, no wait is waited.");
    }
    for line in engine.display(&engine.runbook.preamble).lines() {
        d.say(&format!("  {line}"));
    }
    for contact in &engine.runbook.meta.contacts {
        let who = [&contact.name, &contact.phone, &contact.chat]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        d.say(&format!("  contact {}: {who}", contact.role));
    }
}

fn session_id(engine: &Engine) -> String {
    id_of_log(&engine.log_path())
}

/// `--section S`: start at the first step of the section titled (or numbered) S.
fn start_section(engine: &mut Engine, section: Option<&str>) -> Option<i32> {
    let wanted = section?.to_lowercase();
    let found = engine.refs.iter().position(|r| {
        let number: Vec<String> = r.section_path.iter().map(|i| (i + 1).to_string()).collect();
        number.join(".") == wanted || r.section.title.to_lowercase().contains(&wanted)
    });
    match found {
        Some(index) if engine.refs[index].reference => Some(fail(
            format!(
                "section `{wanted}` is reference material: the walk never starts there \
                 (the full screen's o runs a reference step on demand)"
            ),
            EXIT_INVALID,
        )),
        Some(index) => {
            let _ = engine.jump(index);
            None
        }
        None => Some(fail(format!("no section matches `{wanted}`"), EXIT_INVALID)),
    }
}

/// Whether the full-screen view can be used: not `--plain`, and a terminal on both ends.
fn full_screen(args: &RunArgs) -> bool {
    use std::io::IsTerminal;
    !args.plain && std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Walks to the end (full-screen or plain), records the end, prints where the log is.
fn finish(engine: &mut Engine, d: &mut Dialogue, driving: &Driving, operator: &str) -> i32 {
    engine.start_background();
    let full = matches!(driving, Driving::Screen(_));
    tracing::debug!(full_screen = full, log = %engine.log_path().display(), "walk starts");
    let end = match driving {
        Driving::Screen(queue) => {
            match crate::tui::live::run(engine, queue, operator, d.input.signals()) {
                Ok(end) => end,
                Err(e) => WalkEnd::Ended(Outcome::Failed, format!("the terminal failed: {e}")),
            }
        }
        Driving::Plain(queue) => walk(engine, d, queue),
    };
    tracing::debug!(end = ?end, "walk ends");
    conclude(engine, d, end, operator)
}

/// Records how the walk ended and says so; the exit code.
fn conclude(engine: &mut Engine, d: &mut Dialogue, end: WalkEnd, operator: &str) -> i32 {
    match end {
        WalkEnd::Left => {
            if engine.record_leave(operator).is_err() {
                return audit_failure(engine, d);
            }
            say_proof_news(engine, d);
            let _ = d.out.flush();
            super::stderr_line(&format!(
                "session left unfinished; resume it with: runbook resume {}",
                session_id(engine)
            ));
            super::stderr_line(&format!("audit log: {}", engine.log_path().display()));
            1
        }
        WalkEnd::AuditFailed(_) => audit_failure(engine, d),
        WalkEnd::Ended(outcome, reason) => {
            if engine.end(outcome, &reason).is_err() {
                return audit_failure(engine, d);
            }
            say_proof_news(engine, d);
            d.say(&format!("\nsession {}: {reason}", outcome.word()));
            summary(engine, d);
            super::stderr_line(&format!("audit log: {}", engine.log_path().display()));
            outcome.exit_code()
        }
    }
}

/// Warnings from signing and anchoring (a sink that failed) not shown yet.
fn say_proof_news(engine: &mut Engine, d: &mut Dialogue) {
    for warning in engine.proof_news() {
        d.say(&format!("  warning: {warning}"));
    }
}

fn summary(engine: &Engine, d: &mut Dialogue) {
    d.say(&engine.state().tally());
    let id = session_id(engine);
    d.say(&format!(
        "next: runbook export {id} --format md · runbook verify {id}"
    ));
}

fn audit_failure(engine: &mut Engine, d: &mut Dialogue) -> i32 {
    let error = engine.audit_error().unwrap_or("unknown error").to_string();
    engine.abandon();
    say_proof_news(engine, d);
    if let Some(anchor) = super::prove::anchor_failure(&error) {
        d.say(&format!("\nANCHOR FAILURE: {anchor}\nThe session requires its anchors (--anchor-required), so no further step will run; resume it once the anchor can be written."));
        return EXIT_AUDIT;
    }
    d.say(&format!("\nAUDIT LOG FAILURE: {error}\nThe audit log {} can no longer be written, so no further step will run.", engine.log_path().display()));
    EXIT_AUDIT
}

/// Offers to resume the newest unfinished session of this runbook (not under `--yes`).
fn offer_resume(
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
pub fn resume(session: &std::path::Path, args: &RunArgs) -> i32 {
    let (driver, mut d) = match (driver(args), dialogue()) {
        (Ok(driver), Ok(d)) => (driver, d),
        (Err(e), _) | (_, Err(e)) => return fail(e, EXIT_INVALID),
    };
    resume_with(session, args, driver, &mut d)
}

fn resume_with(session: &std::path::Path, args: &RunArgs, driver: Driver, d: &mut Dialogue) -> i32 {
    let opts = match walk_options(args) {
        Ok(opts) => opts,
        Err(e) => return fail(e, EXIT_INVALID),
    };
    let plan = match ProofPlan::resolve(&args.proof, &driver.operator) {
        Ok(plan) => plan,
        Err(e) => return fail(e, EXIT_INVALID),
    };
    // Only the log's opening is read here (the header, then `session_started`); the whole
    // log is read once, by `setup::reopen`.
    let (header, started_dry) = match setup::open_log(session) {
        Ok(mut stream) => {
            let started_dry =
                stream
                    .by_ref()
                    .map_while(Result::ok)
                    .find_map(|s| match s.event.body {
                        crate::session::event::Body::SessionStarted { dry_run, .. } => {
                            Some(dry_run)
                        }
                        _ => None,
                    });
            (stream.header, started_dry)
        }
        Err(e) => return fail(e, EXIT_INVALID),
    };
    let opts = match keep_dry_run(opts, started_dry, d) {
        Ok(opts) => opts,
        Err(e) => return fail(e, EXIT_INVALID),
    };
    let runbook_path = PathBuf::from(&header.runbook.path);
    let source = match std::fs::read(&runbook_path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return fail(
                format!(
                    "the session's runbook {} cannot be read: {e}",
                    runbook_path.display()
                ),
                EXIT_INVALID,
            );
        }
    };
    if setup::sha256_hex(&source) != header.runbook.sha256 {
        return fail(
            format!(
                "{} changed since the session started; resume needs the same runbook (start a new session instead)",
                runbook_path.display()
            ),
            EXIT_INVALID,
        );
    }
    let runbook = match crate::doc::load_bytes(&source, &runbook_path) {
        Ok(rb) => super::day_open::reopened_day(rb, session),
        Err(e) => return fail(e, EXIT_INVALID),
    };
    if let Err(e) = check_choose(&runbook, args) {
        return fail(e, EXIT_INVALID);
    }
    let reopened = match setup::reopen(session, &runbook, &driver) {
        Ok(r) => r,
        Err(e @ setup::SetupError::Locked(_)) => return fail(e, EXIT_INVALID),
        Err(e) => return fail(e, EXIT_AUDIT),
    };
    let known: BTreeMap<String, String> = reopened
        .header
        .params
        .iter()
        .filter_map(|(k, v)| {
            v.as_str()
                .filter(|v| *v != crate::session::mask::MASK)
                .map(|v| (k.clone(), v.to_string()))
        })
        .collect();
    let Values {
        params,
        placeholders,
    } = match resolve_params(&runbook, args, d, &known) {
        Ok(values) => values,
        Err(e) => return fail(e, EXIT_INVALID),
    };
    let mut env = match params::starting_env(&runbook, inherited_env(), &params) {
        Ok(env) => env,
        Err(e) => return fail(e, EXIT_INVALID),
    };
    restore_env(&mut env, &reopened.state);
    let cwd = reopened
        .state
        .cwd
        .clone()
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")));
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
    let mut engine = match start_engine(
        &runbook,
        reopened.writer,
        reopened.state,
        (Place { env, cwd }, driving.inputs(), opts, &args.proof.ssh),
        params,
        earlier_steps,
        d,
    ) {
        Ok(engine) => engine,
        Err(code) => return code,
    };
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
        return audit_failure(&mut engine, d);
    }
    engine.give_placeholders(&placeholders);
    let code = finish(&mut engine, d, &driving, &driver.operator);
    drop(reopened.lock);
    code
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
