//! Short commands on a host over the session's ControlMaster, for health checks `on:` a
//! host: [`HostSampler`] opens the host's master when needed and hands back the `ssh`
//! command line for one sample ([`sample_command`] on the host).
//!
//! A sample that overruns its timeout loses its local `ssh` (killed with its process
//! group). The remote side notices: the sample's shell keeps ssh's stdin open in a
//! watcher, and when it reads end-of-file — the client is gone — it kills the sample's
//! whole process group there, so a hung check leaves nothing behind on the host.

use super::control::{Connections, Inner};
use super::ssh::shell_quote;
use crate::doc::hosts::HostEntry;
use crate::fleet::Inventory;
use std::collections::BTreeSet;
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Runs on the host: the sample's script (the first `$1` bytes of stdin) in the
/// background with `/dev/null` as stdin, a watcher on the rest of ssh's stdin that kills
/// the whole group at end-of-file, and the script's status as the shell's. `setsid -w`
/// makes the group the sample's own.
const WATCHED: &str = concat!(
    r#"IFS= LC_ALL=C read -r -N "$1" s || exit 125; exec 3<&0 0</dev/null; "#,
    r#"bash -c "$s" 3<&- & c=$!; "#,
    r#"{ read -r -u 3 _; kill -KILL 0; } >/dev/null 2>&1 & w=$!; "#,
    r#"wait "$c"; r=$?; kill "$w" 2>/dev/null; exit "$r""#
);

/// The remote command of a sample of `len` bytes of script: one line any login shell
/// runs (csh takes no newline in quotes). The script comes first on its stdin.
pub fn sample_command(len: usize) -> String {
    format!(
        "exec setsid -w bash -c {} rb-sample {len}",
        shell_quote(WATCHED)
    )
}

/// A handle on a session's connections for health samples. It does not own them: once
/// the session's [`Connections`] close, samples fail with that reason.
#[derive(Clone)]
pub struct HostSampler {
    inner: Arc<Inner>,
    /// Hosts whose master a sample is opening.
    connecting: Arc<Mutex<BTreeSet<String>>>,
}

impl std::fmt::Debug for HostSampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostSampler").finish_non_exhaustive()
    }
}

impl Connections {
    /// A handle for health samples over these connections.
    pub fn sampler(&self) -> HostSampler {
        HostSampler {
            inner: Arc::clone(&self.inner),
            connecting: Arc::default(),
        }
    }
}

impl HostSampler {
    /// Opens `host`'s master unless it is open (blocking: up to ssh's connect limit);
    /// `Err` is ssh's reason.
    pub fn ensure(&self, host: &HostEntry) -> Result<(), String> {
        let slot = self.inner.slot(host);
        if slot.is_open() {
            return Ok(());
        }
        let first = lock(&self.connecting).insert(host.name.clone());
        let opened = self.inner.ensure_master(&slot);
        if first {
            lock(&self.connecting).remove(&host.name);
        }
        opened
    }

    /// Whether a sample is opening `host`'s master now: a caller waits for it (without
    /// holding a thread) rather than queue behind it, so a host that hangs while
    /// connecting holds one thread, not one per sample.
    pub fn connecting(&self, host: &HostEntry) -> bool {
        lock(&self.connecting).contains(&host.name)
    }

    /// `ssh … -- HOST <sample command>` over `host`'s master, for `script`, and what to
    /// write first on its stdin; stdin must then stay open until the sample ends.
    pub fn command(&self, host: &HostEntry, script: &str) -> (Command, Vec<u8>) {
        let slot = self.inner.slot(host);
        let mut command = self
            .inner
            .settings
            .to_host(&slot.host, &slot.client_options());
        command.arg(sample_command(script.len()));
        (command, script.as_bytes().to_vec())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The one host a health check's `on` names in `inventory` (a group of one host counts).
pub fn one_host(inventory: &Inventory, on: &str) -> Result<HostEntry, String> {
    let found = inventory
        .resolve(&[on.to_string()])
        .map_err(|e| e.to_string())?;
    match found.as_slice() {
        [host] => Ok(host.clone()),
        many => Err(format!(
            "`on: {on}` names {} hosts; a health check watches one",
            many.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_login_shell_runs_the_sample_command() {
        use std::io::Write;
        let script = "echo \"it's\" $((6 * 7))\nexit 4";
        for shell in crate::fleet::login_shells_here() {
            let mut child = std::process::Command::new(shell)
                .args(["-c", &sample_command(script.len())])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect(shell);
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(script.as_bytes()).expect("script");
            let out = child.wait_with_output().expect("output");
            drop(stdin);
            assert_eq!(String::from_utf8_lossy(&out.stdout), "it's 42\n", "{shell}");
            assert_eq!(out.status.code(), Some(4), "{shell}");
        }
    }

    #[test]
    fn the_command_is_one_line_and_the_script_goes_on_stdin() {
        let command = sample_command(42);
        assert!(command.starts_with("exec setsid -w bash -c '"), "{command}");
        assert!(command.ends_with("' rb-sample 42"), "{command}");
        assert!(!command.contains('\n'));
    }

    /// The watched script run by a local bash in its own group, as on a host, the script
    /// written first on its stdin; with `hold`, stdin then stays open until the script ends.
    fn watched(script: &str, hold: bool) -> (String, Option<i32>, std::time::Duration) {
        use std::io::{Read, Write};
        use std::os::unix::process::CommandExt;
        let began = std::time::Instant::now();
        let mut child = std::process::Command::new("bash")
            .args(["-c", WATCHED, "rb-sample", &script.len().to_string()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("bash");
        let mut stdin = child.stdin.take();
        if let Some(input) = stdin.as_mut() {
            input.write_all(script.as_bytes()).expect("script");
        }
        if !hold {
            stdin = None;
        }
        let mut out = String::new();
        let _ = child
            .stdout
            .take()
            .expect("stdout")
            .read_to_string(&mut out);
        let status = child.wait().expect("wait");
        drop(stdin);
        (out, status.code(), began.elapsed())
    }

    #[test]
    fn the_watched_script_keeps_its_output_and_status() {
        let (out, code, _) = watched("echo 'it''s' hére\necho two; exit 3", true);
        assert_eq!(out, "its hére\ntwo\n");
        assert_eq!(code, Some(3));
    }

    #[test]
    fn the_end_of_stdin_kills_the_whole_sample() {
        let (_, code, took) = watched("sleep 30 & sleep 30", false);
        assert_eq!(code, None, "killed by a signal");
        assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    }
}
