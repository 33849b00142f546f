//! The work behind the subcommands that need more than one call: the audit directory
//! resolved first, and options assembled from their flags.

use super::context::Context;
use super::run::RunArgs;
use super::{config as config_cmd, export, follow, inspect, lint, replay, sessions};
use crate::doc::resolve::SearchPath;
use crate::session::log::{resolve_session, sessions_dir};
use std::io::Write;
use std::path::PathBuf;

/// Runs `body` with the sessions directory; exit 2 when there is none.
pub fn with_dir(audit_dir: Option<PathBuf>, body: impl FnOnce(PathBuf) -> i32) -> i32 {
    match sessions_dir(audit_dir.as_deref()) {
        Ok(dir) => body(dir),
        Err(e) => super::fail(e, 2),
    }
}

/// `runbook resume [SESSION]`: the session named, or the newest unfinished one.
pub fn resume(session: Option<&str>, args: &RunArgs) -> i32 {
    with_dir(args.audit_dir.clone(), |dir| {
        let path = match session {
            Some(arg) => resolve_session(&dir, arg).map_err(|e| e.to_string()),
            None => sessions::newest_unfinished(&dir, None)
                .map(|s| s.path)
                .ok_or_else(|| format!("no unfinished session in {}", dir.display())),
        };
        match path {
            Ok(path) => super::run::resume(&path, args),
            Err(e) => super::fail(e, 2),
        }
    })
}

/// `runbook verify`: the session's log checked, with the signers and anchors given.
pub fn verify(
    audit_dir: Option<PathBuf>,
    session: &str,
    proof: &sessions::ProofFiles,
    json: bool,
    out: &mut impl Write,
) -> i32 {
    with_dir(audit_dir, |dir| {
        sessions::verify_session(&dir, session, proof, json, out)
    })
}

/// `runbook follow`, with the dialogue and the audit directory the settings say.
pub fn follow(mut args: follow::FollowArgs, cx: &Context) -> i32 {
    args.plain = cx.settings.plain.value;
    args.log.audit_dir = cx.settings.audit_dir.value.clone();
    follow::follow(&args)
}

/// `runbook replay`, with the dialogue and the audit directory the settings say.
pub fn replay(mut args: replay::ReplayArgs, cx: &Context) -> i32 {
    args.plain = cx.settings.plain.value;
    args.log.audit_dir = cx.settings.audit_dir.value.clone();
    replay::replay(&args)
}

/// `runbook export`: one session, or with `--plan` the whole plan.
pub fn export(
    audit_dir: Option<PathBuf>,
    (session, plan): (Option<String>, Option<String>),
    format: &str,
    options: export::ExportOptions,
    output: Option<PathBuf>,
    search: &SearchPath,
) -> i32 {
    with_dir(audit_dir, |dir| match (plan, session) {
        (Some(plan), _) => {
            super::plan_export::export_plan_to(&plan, format, &dir, search, output.as_deref())
        }
        (None, Some(session)) => export::export(&dir, &session, format, output.as_deref(), options),
        (None, None) => 2,
    })
}

/// `runbook check`'s options from its flags.
pub fn check_options(
    strict: bool,
    json: bool,
    ssh_config: Option<PathBuf>,
    no_shellcheck: bool,
) -> inspect::CheckOptions {
    inspect::CheckOptions {
        strict,
        json,
        ssh: crate::fleet::SshSettings::with_config(ssh_config),
        no_shellcheck,
    }
}

/// `runbook lint`'s options from its flags: `--json` is `--format json`.
pub fn lint_options(format: &str, json: bool, no_shellcheck: bool) -> lint::LintOptions {
    let format = match (json, format) {
        (true, _) | (_, "json") => lint::Format::Json,
        (_, "sarif") => lint::Format::Sarif,
        _ => lint::Format::Text,
    };
    lint::LintOptions {
        format,
        no_shellcheck,
    }
}

/// `runbook config`: the settings in effect, with where runbooks are looked up.
pub fn config(args: &config_cmd::ConfigArgs, cx: &Context, out: &mut impl Write) -> i32 {
    let extras = config_cmd::Extras {
        path: None,
        search: &cx.search.dirs,
        debug_log: cx.debug_log.as_deref(),
    };
    config_cmd::config(args, &cx.settings, extras, out)
}
