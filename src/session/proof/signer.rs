//! Signing a head with the operator's SSH key.
//!
//! Signing spawns `ssh-keygen -Y sign` rather than signing in-process: it takes the key
//! from ssh-agent or from a key file exactly as git's SSH signing does (hardware keys and
//! agent-held keys whose file is gone included), and what it writes is by construction
//! what `ssh-keygen -Y verify` accepts. A passphrase is never asked for: a protected key
//! must be loaded in ssh-agent (`ssh-add`), otherwise signing fails with a warning.

use crate::child;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Long enough for a hardware key's touch or an agent's confirmation prompt.
const SIGN_LIMIT: Duration = Duration::from_secs(30);
/// `ssh-add -L` answers at once or not at all.
const LIST_LIMIT: Duration = Duration::from_secs(10);

/// Which key signs, as the operator named it (`--sign-key` or the config file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChoice {
    /// The first key `ssh-add -L` lists (git's `defaultKeyCommand` does the same).
    Agent,
    /// A private key file, or a public key file whose private half is in ssh-agent.
    File(PathBuf),
}

impl KeyChoice {
    /// `agent`, or a path.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "" => Err("--sign-key: empty; give a key file or `agent`".into()),
            "agent" => Ok(KeyChoice::Agent),
            path => Ok(KeyChoice::File(PathBuf::from(path))),
        }
    }
}

/// A ready signer: the key file handed to `ssh-keygen`, and the principal it signs as.
#[derive(Debug)]
pub struct Signer {
    key: PathBuf,
    pub principal: String,
    /// The agent's public key written out for `ssh-keygen -f` (kept until the signer goes).
    _agent_key: Option<tempfile::TempDir>,
}

impl Signer {
    /// Resolves the key before the session starts, so a missing file or an empty agent is
    /// an error on the command line rather than a warning at the first gate.
    pub fn new(choice: &KeyChoice, principal: &str) -> Result<Self, String> {
        if principal.trim().is_empty() || principal.chars().any(char::is_control) {
            return Err(format!(
                "signing principal {principal:?} is empty or holds control characters (give --sign-principal)"
            ));
        }
        let (key, agent_key) = match choice {
            KeyChoice::File(path) => (readable(path)?, None),
            KeyChoice::Agent => {
                let (dir, key) = agent_public_key()?;
                (key, Some(dir))
            }
        };
        Ok(Signer {
            key,
            principal: principal.to_string(),
            _agent_key: agent_key,
        })
    }

    /// The armored SSHSIG over `message` and the signing key's `SHA256:` fingerprint.
    pub fn sign(&self, message: &str) -> Result<(String, String), String> {
        let mut command = Command::new("ssh-keygen");
        command
            .args(["-Y", "sign", "-n", super::NAMESPACE, "-f"])
            .arg(&self.key)
            // Never a passphrase prompt on the operator's screen: it fails instead.
            .env("SSH_ASKPASS_REQUIRE", "force")
            .env("SSH_ASKPASS", "false");
        let done = child::run(command, message.as_bytes(), SIGN_LIMIT).map_err(|e| {
            if e.contains("passphrase") {
                format!("{e} (a passphrase-protected key must be loaded in ssh-agent: ssh-add)")
            } else {
                e
            }
        })?;
        let armored = String::from_utf8(done.stdout)
            .map_err(|_| "ssh-keygen wrote a signature that is not text".to_string())?;
        let signature = ssh_key::SshSig::from_pem(armored.trim_end())
            .map_err(|e| format!("ssh-keygen wrote no SSH signature ({e})"))?;
        let fingerprint = signature
            .public_key()
            .fingerprint(ssh_key::HashAlg::Sha256)
            .to_string();
        Ok((armored.trim_end().to_string(), fingerprint))
    }
}

fn readable(path: &Path) -> Result<PathBuf, String> {
    match std::fs::File::open(path) {
        Ok(_) => Ok(path.to_path_buf()),
        Err(e) => Err(format!("--sign-key {}: {e}", path.display())),
    }
}

/// The agent's first public key, written to a private temporary file for `ssh-keygen -f`.
fn agent_public_key() -> Result<(tempfile::TempDir, PathBuf), String> {
    if std::env::var_os("SSH_AUTH_SOCK").is_none_or(|s| s.is_empty()) {
        return Err("--sign-key agent: no ssh-agent (SSH_AUTH_SOCK is not set)".into());
    }
    let mut list = Command::new("ssh-add");
    list.arg("-L");
    let listed = child::run(list, b"", LIST_LIMIT)
        .map_err(|e| format!("--sign-key agent: the agent lists no key ({e})"))?;
    let text = String::from_utf8_lossy(&listed.stdout);
    let first = text
        .lines()
        .map(str::trim)
        .find(|line| ssh_key::PublicKey::from_openssh(line).is_ok())
        .ok_or("--sign-key agent: the agent holds no key (add one with ssh-add)")?;
    let dir = tempfile::tempdir().map_err(|e| format!("--sign-key agent: {e}"))?;
    let path = dir.path().join("agent-key.pub");
    std::fs::write(&path, format!("{first}\n")).map_err(|e| format!("--sign-key agent: {e}"))?;
    Ok((dir, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_choices_and_principals_are_checked_up_front() {
        assert_eq!(KeyChoice::parse("agent"), Ok(KeyChoice::Agent));
        assert_eq!(
            KeyChoice::parse("~/.ssh/id.pub"),
            Ok(KeyChoice::File("~/.ssh/id.pub".into()))
        );
        assert!(KeyChoice::parse(" ").is_err());
        let missing = KeyChoice::File("/nonexistent/key".into());
        let error = Signer::new(&missing, "ana").expect_err("missing key");
        assert!(error.contains("/nonexistent/key"), "{error}");
        let dir = tempfile::tempdir().expect("dir");
        let key = dir.path().join("k");
        std::fs::write(&key, "x").expect("key");
        assert!(Signer::new(&KeyChoice::File(key.clone()), " ").is_err());
        assert!(Signer::new(&KeyChoice::File(key.clone()), "ana\nbo").is_err());
        assert!(Signer::new(&KeyChoice::File(key), "Ana Li").is_ok());
    }
}
