//! A real OpenSSH server on 127.0.0.1 for one test, made by `loopback-sshd.sh` (host and
//! client keys, an `ssh_config` of aliases `host01`… with `HostKeyAlias` and `SetEnv
//! RUNBOOK_TEST_HOST`, and `dead`, a closed port) on a free port, stopped when dropped.
//! Tests reach it only through that `ssh_config` (`-F`), never `~/.ssh`. Plus a look at
//! the server's side: which processes carry a token in their environment.
#![allow(dead_code)]

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Sshd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl Sshd {
    /// A server with `aliases` aliases; panics with sshd's own words when it cannot start.
    pub fn start(aliases: usize) -> Sshd {
        let mut last = String::new();
        for _ in 0..3 {
            match Sshd::try_start(aliases) {
                Ok(sshd) => return sshd,
                Err(why) => last = why,
            }
        }
        panic!("the loopback sshd did not start (openssh-server is installed by .ci/run): {last}");
    }

    fn try_start(aliases: usize) -> Result<Sshd, String> {
        let dir = tempfile::Builder::new()
            .prefix("rb-sshd-")
            .tempdir_in("/tmp")
            .map_err(|e| e.to_string())?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let log = std::fs::File::create(dir.path().join("sshd.log")).map_err(|e| e.to_string())?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sshd/loopback-sshd.sh");
        let child = Command::new("bash")
            .arg(script)
            .arg(dir.path().join("srv"))
            .arg(port.to_string())
            .arg(aliases.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| e.to_string())?;
        let mut sshd = Sshd { dir, port, child };
        sshd.wait_ready()?;
        Ok(sshd)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("{status}: {}", self.log()));
            }
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut banner = [0u8; 8];
                if stream.read_exact(&mut banner).is_ok() && &banner == b"SSH-2.0-" {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!(
            "no SSH banner on port {}: {}",
            self.port,
            self.log()
        ))
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// The client configuration naming the aliases.
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("srv/ssh_config")
    }

    /// `host01`, `host02`, …
    pub fn alias(n: usize) -> String {
        format!("host{n:02}")
    }

    /// `ssh -F <config> -o BatchMode=yes ALIAS COMMAND`, run to its end.
    pub fn ssh(&self, alias: &str, command: &str) -> Output {
        Command::new("ssh")
            .arg("-F")
            .arg(self.config())
            .args(["-o", "BatchMode=yes", alias, command])
            .stdin(Stdio::null())
            .output()
            .expect("ssh runs")
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let _ = self.child.wait();
    }
}

/// A process on this machine, as /proc shows it.
pub struct Process {
    pub pid: i32,
    pub pgid: i32,
    pub cmd: String,
    environ: Vec<u8>,
}

/// Every live (not zombie) process we may look at.
pub fn live_processes() -> Vec<Process> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split(' ').collect();
            let (state, pgid) = (*fields.first()?, fields.get(2)?.parse::<i32>().ok()?);
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            (state != "Z").then_some(Process {
                pid,
                pgid,
                cmd,
                environ,
            })
        })
        .collect()
}

fn matching(keep: impl Fn(&Process) -> bool) -> Vec<(i32, String)> {
    live_processes()
        .into_iter()
        .filter(keep)
        .map(|p| (p.pid, p.cmd))
        .collect()
}

/// Live processes whose environment holds `NAME=value` `token`, by pid.
pub fn processes_with(token: &str) -> Vec<(i32, String)> {
    matching(|p| {
        p.environ
            .split(|b| *b == 0)
            .any(|entry| entry == token.as_bytes())
    })
}

/// Live members of process group `pgid`, by pid.
pub fn group_members(pgid: i32) -> Vec<(i32, String)> {
    matching(|p| p.pgid == pgid)
}

/// Live processes whose command line contains `text`, by pid.
pub fn processes_with_arg(text: &str) -> Vec<(i32, String)> {
    matching(|p| p.cmd.contains(text))
}

/// Waits until no live process carries `token` (they may take a moment to go).
pub fn gone(token: &str, within: Duration) -> Vec<(i32, String)> {
    let deadline = Instant::now() + within;
    loop {
        let left = processes_with(token);
        if left.is_empty() || Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A fresh token, unique to one test: `RUNBOOK_TOKEN=<random>`.
pub fn token() -> (String, String) {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random");
    let value: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    ("RUNBOOK_TOKEN".to_string(), value)
}
