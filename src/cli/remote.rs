//! Pairing across machines over the same OpenSSH: `runbook follow HOST:SESSION` reads the
//! log as `runbook follow --print-log SESSION` prints it on HOST, and `runbook sign
//! HOST:SESSION` runs `runbook sign` there — so the signer's OS user is the ssh login.
//! `--print-log` is the other end: the raw log as it grows, until the session ends or
//! whoever reads it goes away.

use crate::fleet::SshSettings;
use crate::fleet::ssh::shell_quote;
use crate::replay::follow::Follower;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How runbook reaches another machine (`follow` and `sign`).
#[derive(clap::Args, Debug, Clone)]
pub struct RemoteFlags {
    /// For HOST:SESSION: ssh reads FILE instead of ~/.ssh/config (`ssh -F FILE`).
    #[arg(long, env = "RUNBOOK_SSH_CONFIG", value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
    /// For HOST:SESSION: the runbook program on HOST (default: `runbook` on its PATH).
    #[arg(
        long,
        env = "RUNBOOK_REMOTE_BIN",
        value_name = "PATH",
        default_value = "runbook"
    )]
    pub remote_runbook: String,
}

impl Default for RemoteFlags {
    fn default() -> Self {
        RemoteFlags {
            ssh_config: None,
            remote_runbook: "runbook".into(),
        }
    }
}

/// `HOST:SESSION` split, when `arg` names a session on another machine: a `:` before any
/// `/`, and no local file of that name (`[v6]:SESSION` for an IPv6 address).
pub fn split_remote(arg: &str) -> Option<(String, String)> {
    if Path::new(arg).exists() {
        return None;
    }
    let (host, session) = match arg.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest.split_once(']')?;
            (host, after.strip_prefix(':')?)
        }
        None => arg.split_once(':')?,
    };
    let fine =
        !host.is_empty() && !host.starts_with('-') && !host.contains('/') && !session.is_empty();
    fine.then(|| (host.to_string(), session.to_string()))
}

/// The remote command line: each word quoted for the remote shell.
fn remote_command(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A log arriving over ssh: the client, and what it said on stderr.
pub struct RemoteLog {
    child: Child,
    said: std::thread::JoinHandle<String>,
    /// Held open: the remote `--print-log` ends when it closes.
    _stdin: Option<std::process::ChildStdin>,
}

impl RemoteLog {
    /// Starts `runbook follow --print-log SESSION` on `host`; the follower reads its output.
    pub fn open(
        host: &str,
        session: &str,
        flags: &RemoteFlags,
    ) -> Result<(Follower, RemoteLog), String> {
        let ssh = SshSettings::with_config(flags.ssh_config.clone());
        let mut command = ssh.command();
        command
            .args(["-T", "--", host])
            .arg(remote_command(&[
                &flags.remote_runbook,
                "follow",
                "--print-log",
                session,
            ]))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start ssh: {e}"))?;
        let stdout = child.stdout.take().ok_or("ssh has no output")?;
        let mut stderr = child.stderr.take().ok_or("ssh has no error output")?;
        let said = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let stdin = child.stdin.take();
        let follower = Follower::pipe(stdout).map_err(|e| format!("cannot read from ssh: {e}"))?;
        Ok((
            follower,
            RemoteLog {
                child,
                said,
                _stdin: stdin,
            },
        ))
    }

    /// Stops the client; what went wrong, if it failed.
    pub fn close(mut self) -> Option<String> {
        let status = match self.child.try_wait() {
            Ok(Some(status)) => Some(status),
            _ => {
                crate::child::signal_group(self.child.id(), nix::sys::signal::Signal::SIGTERM);
                let _ = self.child.wait();
                None
            }
        };
        let said = self.said.join().unwrap_or_default();
        let said = crate::child::last_line(&said).to_string();
        match status {
            Some(status) if !status.success() => Some(if said.is_empty() {
                format!("ssh ended with {status}")
            } else {
                said
            }),
            _ => None,
        }
    }
}

/// `runbook sign HOST:SESSION …`: the same command on `host`, its answer and exit code.
pub fn sign(host: &str, session: &str, args: &super::sign::SignArgs) -> i32 {
    let ssh = SshSettings::with_config(args.remote.ssh_config.clone());
    let mut words: Vec<&str> = vec![
        &args.remote.remote_runbook,
        "sign",
        session,
        "--role",
        &args.role,
        "--name",
        &args.name,
    ];
    if let Some(step) = &args.step {
        words.extend(["--step", step]);
    }
    if args.no_wait {
        words.push("--no-wait");
    }
    if let Some(timeout) = &args.timeout {
        words.extend(["--timeout", timeout]);
    }
    let mut command = ssh.command();
    command
        .args(["-T", "--", host])
        .arg(remote_command(&words))
        .stdin(Stdio::null());
    match command.status() {
        Ok(status) => match status.code() {
            Some(255) => super::fail(format!("cannot sign on {host}: ssh failed (above)"), 1),
            Some(code) => code,
            None => 130,
        },
        Err(e) => super::fail(format!("cannot start ssh: {e}"), 1),
    }
}

/// `runbook follow --print-log SESSION`: the log's bytes on stdout from the start, as it
/// grows, until the session has ended (and its last lines are written), whoever reads
/// stops reading, or a signal. A log cut shorter or replaced is printed again from the
/// start (the reader folds anew at the header).
pub fn print_log(path: &Path, signals: &crate::signals::Signals) -> i32 {
    let reader_gone = watch_stdin();
    let mut follower = Follower::file(path);
    let mut copier = Copier {
        path: path.to_path_buf(),
        file: None,
        offset: 0,
    };
    let mut out = std::io::stdout().lock();
    let mut ended_at: Option<Instant> = None;
    loop {
        if signals.received().is_some() {
            return 130;
        }
        if reader_gone.load(Ordering::SeqCst) {
            return 0;
        }
        let _ = follower.poll(crate::replay::CATCH_UP_BUDGET, &mut |_| {});
        let grew = match copier.copy(&mut out) {
            Ok(grew) => grew,
            Err(_) => return 0,
        };
        if follower.ended() {
            let since = *ended_at.get_or_insert_with(Instant::now);
            // The end is followed by its signature and anchor records: a moment for them.
            if !grew && since.elapsed() >= Duration::from_secs(1) {
                return 0;
            }
        }
        std::thread::sleep(crate::replay::POLL);
    }
}

/// Copies what a file grew by.
struct Copier {
    path: PathBuf,
    file: Option<std::fs::File>,
    offset: u64,
}

impl Copier {
    fn copy(&mut self, out: &mut impl Write) -> std::io::Result<bool> {
        let len = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        if len < self.offset || self.file.is_none() {
            self.file = std::fs::File::open(&self.path).ok();
            self.offset = 0;
        }
        let Some(file) = &mut self.file else {
            return Ok(false);
        };
        file.seek(SeekFrom::Start(self.offset))?;
        let copied = std::io::copy(&mut file.take(len - self.offset), out)?;
        out.flush()?;
        self.offset += copied;
        Ok(copied > 0)
    }
}

/// When stdin is a pipe or socket (an ssh channel), a flag raised once it ends: the
/// reader on the other side went away.
fn watch_stdin() -> Arc<AtomicBool> {
    use nix::sys::stat::{SFlag, fstat};
    let gone = Arc::new(AtomicBool::new(false));
    let stdin = std::io::stdin();
    let channel = fstat(&stdin).is_ok_and(|st| {
        let kind = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
        kind == SFlag::S_IFIFO || kind == SFlag::S_IFSOCK
    });
    if channel {
        let flag = Arc::clone(&gone);
        let _ = std::thread::Builder::new()
            .name("stdin-watch".into())
            .spawn(move || {
                let mut sink = [0u8; 1024];
                let mut stdin = std::io::stdin();
                while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
                flag.store(true, Ordering::SeqCst);
            });
    }
    gone
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_colon_session_is_told_from_local_names() {
        let split = |arg: &str| split_remote(arg);
        assert_eq!(
            split("bastion:deploy-day7-2026"),
            Some(("bastion".into(), "deploy-day7-2026".into()))
        );
        assert_eq!(
            split("ops@bastion:/srv/x.jsonl"),
            Some(("ops@bastion".into(), "/srv/x.jsonl".into()))
        );
        assert_eq!(split("[::1]:abc"), Some(("::1".into(), "abc".into())));
        for local in [
            "deploy-day7-2026",
            "./a:b",
            "/tmp/x:y",
            "-",
            ":abc",
            "host:",
            "-oProxy:x",
        ] {
            assert_eq!(split(local), None, "{local}");
        }
    }

    #[test]
    fn remote_words_stay_words() {
        assert_eq!(
            remote_command(&["runbook", "sign", "s", "--name", "Bob O'Neil; rm -rf /"]),
            r"'runbook' 'sign' 's' '--name' 'Bob O'\''Neil; rm -rf /'"
        );
    }
}
