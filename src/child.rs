//! Running a helper program for a moment (`ssh-keygen`, `ssh -G`, `ssh -O exit`,
//! `ansible-inventory`): bytes in, output back, killed (with its whole process group)
//! when it takes too long — nothing it starts outlives the call.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How often a running child is checked for an exit.
const POLL: Duration = Duration::from_millis(5);

/// What a child printed, once it exited with success.
#[derive(Debug)]
pub struct Finished {
    pub stdout: Vec<u8>,
}

/// How a child ended, whatever its status.
#[derive(Debug)]
pub struct Ended {
    pub status: std::process::ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Ended {
    /// The last lines of what it said on stderr, for an error message.
    pub fn said(&self) -> String {
        last_lines(String::from_utf8_lossy(&self.stderr).trim())
    }
}

/// Runs `command` with `input` on its stdin; `Err` says why it failed (its stderr, its
/// exit status, or the time it was given).
pub fn run(command: Command, input: &[u8], limit: Duration) -> Result<Finished, String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let ended = run_to_end(command, input, limit)?;
    if ended.status.success() {
        return Ok(Finished {
            stdout: ended.stdout,
        });
    }
    let said = ended.said();
    Err(if said.is_empty() {
        format!("{program} failed ({})", ended.status)
    } else {
        format!("{program} failed: {said}")
    })
}

/// Runs `command` with `input` on its stdin to its end; `Err` only when it could not
/// start or did not end within `limit` (then its group is killed).
pub fn run_to_end(mut command: Command, input: &[u8], limit: Duration) -> Result<Ended, String> {
    use std::os::unix::process::CommandExt;
    let program = command.get_program().to_string_lossy().into_owned();
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let group = child.id();
    let stdin = child.stdin.take();
    let input = input.to_vec();
    let writer = thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            // A child that exits without reading is reported by its status, not here.
            let _ = stdin.write_all(&input);
        }
    });
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() >= deadline => {
                kill_group(group);
                let _ = child.wait();
                break Err(format!(
                    "{program} gave no answer within {}s",
                    limit.as_secs()
                ));
            }
            Ok(None) => thread::sleep(POLL),
            Err(e) => {
                kill_group(group);
                let _ = child.wait();
                break Err(format!("waiting for {program}: {e}"));
            }
        }
    };
    let _ = writer.join();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok(Ended {
        status: status?,
        stdout,
        stderr,
    })
}

/// Reads a pipe to its end on a thread of its own.
fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

fn kill_group(leader: u32) {
    signal_group(leader, nix::sys::signal::Signal::SIGKILL);
}

/// Sends `signal` to the process group a child of ours leads.
pub fn signal_group(leader: u32, signal: nix::sys::signal::Signal) {
    if let Ok(pid) = i32::try_from(leader) {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), signal);
    }
}

/// The last line of `text` that is not blank, trimmed ("" when there is none).
pub fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

/// The last two lines of an error text, joined: what the tool said last is what went wrong.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(2);
    lines[start..].join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_comes_back_and_failures_say_why() {
        let mut cat = Command::new("cat");
        cat.arg("-");
        let done = run(cat, b"head\n", Duration::from_secs(5)).expect("cat runs");
        assert_eq!(done.stdout, b"head\n");
        let mut failing = Command::new("sh");
        failing.args(["-c", "echo 'no such key' >&2; exit 3"]);
        let error = run(failing, b"", Duration::from_secs(5)).expect_err("a failure");
        assert_eq!(error, "sh failed: no such key");
    }

    #[test]
    fn a_child_that_hangs_is_killed_with_its_group() {
        let dir = tempfile::tempdir().expect("dir");
        let marker = dir.path().join("late");
        let mut hanging = Command::new("sh");
        hanging.args([
            "-c",
            &format!("(sleep 1; touch {}) & sleep 30", marker.display()),
        ]);
        let begun = Instant::now();
        let error = run(hanging, b"", Duration::from_millis(200)).expect_err("a timeout");
        assert!(error.contains("no answer"), "{error}");
        assert!(begun.elapsed() < Duration::from_secs(5));
        thread::sleep(Duration::from_millis(1500));
        assert!(!marker.exists(), "the background child was killed too");
    }
}
