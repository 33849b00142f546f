//! `runbook sign`: a second person signs a gate role from their own terminal.
//!
//! The request goes into this user's sidecar next to the session log; the
//! driver records it as `signed` (or `signoff_rejected`, with the reason),
//! and this command waits for that answer in the log.

use super::inspect::EXIT_INVALID;
use crate::doc::duration::{format_duration, parse_duration};
use crate::session::log::{ResolveError, SessionLock, resolve_session, sessions_dir};
use crate::session::signoff::{self, Answer, SignoffError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What `runbook sign` was asked.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SignArgs {
    /// A session id, a unique prefix of one, a log file's path, or HOST:SESSION to sign on
    /// another machine over ssh (as the ssh login's OS user).
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(super::completions::session_ids))]
    pub session: String,
    /// The role to sign, as the gate names it.
    #[arg(long, add = clap_complete::engine::ArgValueCandidates::new(super::completions::gate_roles))]
    pub role: String,
    /// Your name, as it should stand in the audit log.
    #[arg(long)]
    pub name: String,
    /// The gate's step id (default: the gate the driver is at).
    #[arg(long, value_name = "GATE")]
    pub step: Option<String>,
    /// Return once the request is written, without waiting for the driver.
    #[arg(long)]
    pub no_wait: bool,
    /// How long to wait for the driver's answer (default 30s).
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Where session logs are (default: the user's state directory).
    #[arg(long, env = "RUNBOOK_AUDIT_DIR", value_name = "DIR")]
    pub audit_dir: Option<PathBuf>,
    #[command(flatten)]
    pub remote: super::remote::RemoteFlags,
}

/// How long `runbook sign` waits for the driver unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Exit 0 signed (or written, with `--no-wait`), 1 rejected or no answer, 2 invalid input, 130 interrupted.
pub fn sign(args: &SignArgs, out: &mut impl Write, err: &mut impl Write) -> i32 {
    if let Some((host, session)) = super::remote::split_remote(&args.session) {
        return super::remote::sign(&host, &session, args);
    }
    let (log, timeout) = match prepare(args) {
        Ok(prepared) => prepared,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_INVALID;
        }
    };
    if SessionLock::probe(&log) == Some(false) {
        let _ = writeln!(
            err,
            "error: nobody drives {} right now; a sign-off is read only by a live driver (`runbook resume` it first)",
            session_name(&log)
        );
        return 1;
    }
    let from = std::fs::metadata(&log).map_or(0, |m| m.len());
    let request = match signoff::request(&log, args.step.as_deref(), &args.role, &args.name) {
        Ok(request) => request,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            let invalid = matches!(e, SignoffError::Empty(_) | SignoffError::TooLong(_));
            return if invalid { EXIT_INVALID } else { 1 };
        }
    };
    let gate = request.step.as_deref().unwrap_or("the current gate");
    let _ = writeln!(
        out,
        "asked the driver of {} to sign {} as {} at {gate}",
        session_name(&log),
        request.role,
        request.name
    );
    if args.no_wait {
        return 0;
    }
    let _ = writeln!(
        out,
        "waiting up to {} for the driver…",
        format_duration(timeout)
    );
    let _ = out.flush();
    await_answer(&log, &request.nonce, from, timeout, out, err)
}

fn prepare(args: &SignArgs) -> Result<(PathBuf, Duration), String> {
    let dir = sessions_dir(args.audit_dir.as_deref()).map_err(|e| e.to_string())?;
    let log = resolve_session(&dir, &args.session).map_err(|e| match &e {
        ResolveError::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied => {
            format!("{e}; to sign as another OS user than the driver, both need a shared sessions directory (README: Second-person sign-off)")
        }
        _ => e.to_string(),
    })?;
    let timeout = match &args.timeout {
        Some(text) => parse_duration(text).map_err(|e| format!("--timeout: {e}"))?,
        None => DEFAULT_TIMEOUT,
    };
    Ok((log, timeout))
}

fn await_answer(
    log: &Path,
    nonce: &str,
    from: u64,
    timeout: Duration,
    out: &mut impl Write,
    err: &mut impl Write,
) -> i32 {
    let signals = crate::signals::Signals::catch().ok();
    let stop = || signals.as_ref().is_some_and(|s| s.received().is_some());
    let answer = match signoff::wait_for_answer(log, nonce, from, timeout, &stop) {
        Ok(answer) => answer,
        Err(e) => {
            let _ = writeln!(
                err,
                "the request is written, but the session log cannot be read to see the answer: {e}"
            );
            return 1;
        }
    };
    match answer {
        Answer::Signed {
            step,
            role,
            os_user,
        } => {
            let _ = writeln!(
                out,
                "✍ {role} signed at {step}, recorded as OS user {os_user}"
            );
            0
        }
        Answer::Rejected { reason } => {
            let _ = writeln!(err, "✗ rejected: {reason}");
            1
        }
        Answer::DriverGone(why) => {
            let _ = writeln!(err, "no answer: {why}");
            1
        }
        Answer::TimedOut => {
            let _ = writeln!(
                err,
                "no answer within {}; the driver may still read the request while it holds the session",
                format_duration(timeout)
            );
            1
        }
        Answer::Stopped => 130,
    }
}

fn session_name(log: &Path) -> String {
    log.file_stem().map_or_else(
        || log.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}
