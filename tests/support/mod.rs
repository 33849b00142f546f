//! Helpers for tests that drive the `runbook` binary: a sandbox with its own
//! audit directory, runbook files, and the audit log read back as JSON.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn audit_dir(&self) -> PathBuf {
        self.path().join("audit")
    }

    /// Writes a runbook file and returns its path.
    pub fn runbook(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, text).expect("write runbook");
        path
    }

    /// A `runbook` command in this sandbox, with its own audit directory and no stdin;
    /// the user's configuration file and data directory are left out.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_runbook"));
        cmd.args(args)
            .current_dir(self.path())
            .env("RUNBOOK_AUDIT_DIR", self.audit_dir())
            .env("XDG_CONFIG_HOME", self.path().join("xdg-config"))
            .env("XDG_DATA_HOME", self.path().join("xdg-data"))
            .env("XDG_STATE_HOME", self.path().join("xdg-state"))
            .env_remove("RUNBOOK_PATH")
            .env_remove("RUNBOOK_CONFIG")
            .env_remove("RUNBOOK_OPERATOR")
            .env_remove("RUNBOOK_LOG")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("runbook runs")
    }

    /// The session logs written so far, oldest first by name.
    pub fn logs(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.audit_dir()) else {
            return Vec::new();
        };
        let mut logs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        logs.sort();
        logs
    }

    pub fn only_log(&self) -> PathBuf {
        let logs = self.logs();
        assert_eq!(logs.len(), 1, "exactly one session log: {logs:?}");
        logs[0].clone()
    }

    /// The id of its only session (the log's name without `.jsonl`).
    pub fn only_session(&self) -> String {
        let log = self.only_log();
        log.file_stem()
            .expect("a log has a name")
            .to_string_lossy()
            .into_owned()
    }
}

/// Every complete line of a log as JSON (line 1 is the header).
pub fn records(log: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(log).expect("read log");
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Events of one kind.
pub fn events<'a>(records: &'a [Value], kind: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["kind"] == kind).collect()
}

/// All output text of a step, per stream, in log order.
pub fn output_of(records: &[Value], step: &str, stream: &str) -> String {
    records
        .iter()
        .filter(|r| r["kind"] == "output" && r["step"] == step && r["data"]["stream"] == stream)
        .filter_map(|r| r["data"]["text"].as_str())
        .collect()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An unprivileged OS user for tests that need a second person: created with `useradd`
/// when the tests run as root; `None` (and a note) otherwise.
pub fn os_user(name: &str) -> Option<(u32, u32)> {
    use nix::unistd::{Uid, User};
    if !Uid::effective().is_root() {
        eprintln!("note: skipped — creating the test user {name} needs root");
        return None;
    }
    let lookup = || User::from_name(name).ok().flatten();
    if lookup().is_none() {
        // Two tests may race to create the same user; the loser finds it made.
        let _ = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                name,
            ])
            .output();
    }
    let user = lookup()?;
    Some((user.uid.as_raw(), user.gid.as_raw()))
}

impl Sandbox {
    /// Lets `user` read and write the sandbox (the audit directory included).
    pub fn share_with(&self, (uid, gid): (u32, u32)) {
        let status = Command::new("chown")
            .args(["-R", &format!("{uid}:{gid}")])
            .arg(self.path())
            .status()
            .expect("chown");
        assert!(status.success(), "chown the sandbox");
    }

    /// A `runbook` command run as `user` (its own uid and gid, no supplementary groups).
    pub fn command_as(&self, (uid, gid): (u32, u32), args: &[&str]) -> Command {
        let mut cmd = Command::new("setpriv");
        cmd.args([
            "--reuid",
            &uid.to_string(),
            "--regid",
            &gid.to_string(),
            "--clear-groups",
            "--",
            env!("CARGO_BIN_EXE_runbook"),
        ])
        .args(args)
        .current_dir(self.path())
        // That user's own home: the tester's may not be readable to them.
        .env("HOME", self.path())
        .env_remove("XDG_CONFIG_HOME")
        .env("RUNBOOK_AUDIT_DIR", self.audit_dir())
        .env_remove("RUNBOOK_PATH")
        .stdin(Stdio::null());
        cmd
    }
}
