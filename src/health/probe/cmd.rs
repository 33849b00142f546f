//! `cmd` checks: a shell command in its own process group, killed with its children on timeout.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::OnceLock;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use regex::Regex;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use crate::doc::health::{HealthCheck, Unit};

use super::super::error::ProbeError;
use super::super::verdict::{Reading, has_value_limits};

/// Output kept from each stream; the rest is read and dropped.
pub(super) const STDOUT_LIMIT: usize = 64 * 1024;
pub(super) const STDERR_LIMIT: usize = 4 * 1024;
const SHOWN_CHARS: usize = 40;

pub struct CmdRun<'a> {
    pub command: &'a str,
    pub env: &'a BTreeMap<String, String>,
    pub cwd: &'a Path,
}

/// Runs the command; exit 0 is required. With thresholds, the first number in stdout is the value.
pub async fn probe(run: &CmdRun<'_>, check: &HealthCheck) -> Result<Reading, ProbeError> {
    let (status, stdout, stderr) = execute(run).await?;
    reading(status, &stdout, &stderr, check)
}

/// What a finished command says: exit 0 is required; with thresholds, the first number in
/// stdout is the value, else its first line is shown.
pub(super) fn reading(
    status: ExitStatus,
    stdout: &str,
    stderr: &str,
    check: &HealthCheck,
) -> Result<Reading, ProbeError> {
    if !status.success() {
        return Err(ProbeError::Exit(exit_reason(status, stderr)));
    }
    let number = first_number(stdout);
    match number {
        Some(value) => Ok(Reading::number(value, Unit::Plain)),
        None if has_value_limits(check) => Err(ProbeError::NoNumber),
        None => Ok(Reading {
            value: None,
            latency_ms: None,
            shown: first_line(stdout),
        }),
    }
}

/// Kills the command's whole process group when dropped, unless it finished on its own.
struct GroupGuard {
    pgid: Option<i32>,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.pgid {
            let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
        }
    }
}

async fn execute(run: &CmdRun<'_>) -> Result<(ExitStatus, String, String), ProbeError> {
    // The same shell as the steps, so a check sees what a step would.
    let shell = &crate::exec::shell().program;
    let spawn_error = |e: std::io::Error| ProbeError::Spawn {
        shell: shell.display().to_string(),
        message: e.to_string(),
    };
    let mut child = Command::new(shell)
        .arg("-c")
        .arg(run.command)
        .env_clear()
        .envs(run.env)
        .current_dir(run.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(spawn_error)?;
    let mut guard = GroupGuard {
        pgid: child.id().and_then(|id| i32::try_from(id).ok()),
    };
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let (status, out, err) = tokio::join!(
        child.wait(),
        read_capped(stdout, STDOUT_LIMIT),
        read_capped(stderr, STDERR_LIMIT)
    );
    let status = status.map_err(spawn_error)?;
    guard.pgid = None;
    Ok((status, out, err))
}

pub(super) async fn read_capped(stream: Option<impl AsyncRead + Unpin>, limit: usize) -> String {
    let Some(mut stream) = stream else {
        return String::new();
    };
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
        let room = limit.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
    String::from_utf8_lossy(&kept).into_owned()
}

pub(super) fn exit_reason(status: ExitStatus, stderr: &str) -> String {
    use std::os::unix::process::ExitStatusExt;
    let head = match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "failed".to_string(),
    };
    let detail = stderr.lines().rev().find(|l| !l.trim().is_empty());
    match detail {
        Some(line) => format!("{head}: {}", truncate(line.trim())),
        None => head,
    }
}

/// The first number in the text (`5`, `-2.5`, `ready 3/3` → 3).
pub fn first_number(text: &str) -> Option<f64> {
    static NUMBER: OnceLock<Option<Regex>> = OnceLock::new();
    let re = NUMBER
        .get_or_init(|| Regex::new(r"-?\d+(?:\.\d+)?").ok())
        .as_ref()?;
    re.find(text)?.as_str().parse().ok()
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(truncate)
        .unwrap_or_default()
}

fn truncate(text: &str) -> String {
    if text.chars().count() <= SHOWN_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(SHOWN_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_number_finds_the_value() {
        assert_eq!(first_number("5\n"), Some(5.0));
        assert_eq!(first_number("ready: 3/3"), Some(3.0));
        assert_eq!(first_number("lag -0.25s"), Some(-0.25));
        assert_eq!(first_number("none"), None);
    }

    #[test]
    fn exit_reasons_name_the_code_and_last_stderr_line() {
        use std::os::unix::process::ExitStatusExt;
        let status = ExitStatus::from_raw(2 << 8);
        assert_eq!(
            exit_reason(status, "warning\nno such deploy\n"),
            "exit 2: no such deploy"
        );
        assert_eq!(
            exit_reason(ExitStatus::from_raw(9), ""),
            "killed by signal 9"
        );
    }
}
