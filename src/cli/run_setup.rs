//! What `run` and `resume` set a session up from: the driver, the walk's policy, the
//! runbook, the dialogue and the parameter values.

use super::run::{DEFAULT_SIGNOFF_TIMEOUT, RunArgs};
use crate::doc::duration::parse_duration;
use crate::doc::model::Runbook;
use crate::doc::resolve::SearchPath;
use crate::plain::dialogue::{Dialogue, Reply};
use crate::plain::input::Input;
use crate::plain::printer::Printer;
use crate::plain::walk::LineQueue;
use crate::session::conductor::{Pace, Policy};
use crate::session::log::sessions_dir;
use crate::session::params::{self, Source, parse_assignment};
use crate::session::queue::Inputs;
use crate::session::setup::{self, Driver};
use std::collections::BTreeMap;

pub(super) fn driver(args: &RunArgs) -> Result<Driver, String> {
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

pub(super) fn walk_options(args: &RunArgs) -> Result<Policy, String> {
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
pub(super) enum Driving {
    Plain(LineQueue),
    Screen(crate::tui::live::KeyQueue),
}

impl Driving {
    pub(super) fn for_args(args: &RunArgs) -> Driving {
        if full_screen(args) {
            Driving::Screen(crate::tui::live::KeyQueue::new())
        } else {
            Driving::Plain(LineQueue::new())
        }
    }

    pub(super) fn inputs(&self) -> Inputs {
        match self {
            Driving::Plain(queue) => queue.inputs(),
            Driving::Screen(queue) => queue.inputs(),
        }
    }
}

/// Whether the full-screen view can be used: not `--plain`, and a terminal on both ends.
pub(super) fn full_screen(args: &RunArgs) -> bool {
    use std::io::IsTerminal;
    !args.plain && std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

pub(super) fn load(target: &str, search: &SearchPath) -> Result<(Runbook, Vec<u8>), String> {
    let path = search.resolve(target).map_err(|e| e.to_string())?;
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let runbook = crate::doc::load_bytes(&bytes, &path).map_err(|e| e.to_string())?;
    Ok((runbook, bytes))
}

/// Every `--choose` names an option of the runbook (exit 2 with the options otherwise).
pub(super) fn check_choose(runbook: &Runbook, args: &RunArgs) -> Result<(), String> {
    use crate::session::choices;
    choices::check_choose(&choices::of(runbook), &args.choose)
}

pub(super) fn dialogue() -> Result<Dialogue, String> {
    let input = Input::start().map_err(|e| format!("cannot watch for signals: {e}"))?;
    Ok(Dialogue {
        out: Printer::new(std::io::stdout()),
        input,
    })
}

/// Parameter values, and the placeholder values the command line gives.
pub(super) struct Values {
    pub(super) params: BTreeMap<String, String>,
    pub(super) placeholders: BTreeMap<String, String>,
}

/// Resolves parameters, asking on the dialogue unless `--yes`; `--param` names that are
/// placeholders of the runbook are kept for the engine to record.
pub(super) fn resolve_params(
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

pub(super) fn inherited_env() -> BTreeMap<String, String> {
    std::env::vars().collect()
}
