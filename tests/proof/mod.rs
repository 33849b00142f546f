//! Helpers for the signature and anchor tests: SSH keys made by `ssh-keygen`, an
//! `ssh-agent` of the test's own, a drill runbook with every moment worth proving, and
//! log surgery that recomputes the hash chain (what someone who can write the file can do).
#![allow(dead_code)]

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Deploy, a GO/NO-GO gate, a sign-off, a failing step that rolls back, the rollback.
pub const DRILL: &str = "# Proof drill\n\
## Deploy\n\
```bash {name=deploy}\necho deploying v2\n```\n\
## Go/No-Go\n\
- Deploy printed its version\n\
## Sign-off\n\
- [ ] SRE\n\
## Ship\n\
```bash {name=ship on_fail=rollback}\necho shipping; exit 4\n```\n\
## Rollback\n\
```bash {name=undo}\necho undoing\n```\n";

/// A new Ed25519 key without a passphrase: (private key file, public key line).
pub fn keygen(dir: &Path, name: &str, comment: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen runs (openssh-client is installed by .ci/run)");
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("public key");
    (key, public.trim().to_string())
}

/// An `ssh-agent` in the foreground on a socket of its own, stopped when dropped.
pub struct Agent {
    pub socket: PathBuf,
    child: Child,
}

impl Agent {
    pub fn start(dir: &Path) -> Agent {
        let socket = dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "the agent's socket appears");
            std::thread::sleep(Duration::from_millis(20));
        }
        Agent { socket, child }
    }

    /// `ssh-add KEY` into this agent.
    pub fn add(&self, key: &Path) {
        let status = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.socket)
            .stderr(Stdio::null())
            .status()
            .expect("ssh-add runs");
        assert!(status.success());
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The log's lines, each with its `\n`.
pub fn lines(path: &Path) -> Vec<Vec<u8>> {
    std::fs::read(path)
        .expect("read log")
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

pub fn write_lines(path: &Path, lines: &[Vec<u8>]) {
    std::fs::write(path, lines.concat()).expect("write log");
}

const HASH_KEY: &[u8] = b",\"hash\":\"";
const PREV_KEY: &[u8] = b"\"prev\":\"";

fn last_find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Recomputes every `prev` and `hash`, as someone rewriting the file would: the chain
/// holds again, whatever was changed.
pub fn rechain(lines: &mut [Vec<u8>]) {
    let mut prev = "0".repeat(64);
    for (index, line) in lines.iter_mut().enumerate() {
        let hash_at = last_find(line, HASH_KEY).expect("a hash");
        let mut body = line[..hash_at].to_vec();
        if index > 0 {
            let at = last_find(&body, PREV_KEY).expect("a prev") + PREV_KEY.len();
            body[at..at + 64].copy_from_slice(prev.as_bytes());
        }
        let mut digest = Sha256::new();
        digest.update(prev.as_bytes());
        digest.update(&body);
        let hash = hex(&digest.finalize());
        let mut rebuilt = body;
        rebuilt.extend_from_slice(HASH_KEY);
        rebuilt.extend_from_slice(hash.as_bytes());
        rebuilt.extend_from_slice(b"\"}\n");
        *line = rebuilt;
        prev = hash;
    }
}

/// The auditor's commands from README.md ("Checking with plain `ssh-keygen`"), verbatim.
pub fn readme_check_script() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let start = readme
        .find("<!-- auditor-check:start -->")
        .expect("the README marks the auditor's commands");
    let block = &readme[start..];
    let open = block.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let close = block[open..].find("```").expect("the block ends") + open;
    block[open..close].to_string()
}
