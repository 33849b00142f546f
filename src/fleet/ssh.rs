//! How runbook calls the system OpenSSH client: every call gets `BatchMode=yes` (nobody
//! is there to type a password or accept a host key) and, when the operator gave one,
//! `-F FILE` instead of `~/.ssh/config`; a host is reached as `[-l USER] [-p PORT] --
//! ADDRESS`, so an alias, ProxyJump, certificates and the agent work as they do for `ssh`.

use crate::doc::hosts::HostEntry;
use std::path::PathBuf;
use std::process::Command;

/// The operator's ssh settings for a session (`--ssh-config FILE`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshSettings {
    /// Read instead of `~/.ssh/config` (`-F FILE`) by every ssh call.
    pub config: Option<PathBuf>,
}

impl SshSettings {
    pub fn with_config(config: Option<PathBuf>) -> Self {
        SshSettings { config }
    }

    /// `ssh [-F FILE] -o BatchMode=yes`, ready for more options.
    pub fn command(&self) -> Command {
        let mut command = Command::new("ssh");
        if let Some(config) = &self.config {
            command.arg("-F").arg(config);
        }
        command.args(["-o", "BatchMode=yes"]);
        command
    }

    /// `ssh … [-l USER] [-p PORT] -- ADDRESS` with `options` (`-o K=V` pairs, flags)
    /// before the destination; the remote command, if any, goes after.
    pub fn to_host(&self, host: &HostEntry, options: &[&str]) -> Command {
        let mut command = self.command();
        command.args(options);
        if let Some(user) = &host.user {
            command.args(["-l", user]);
        }
        if let Some(port) = host.port {
            command.args(["-p", &port.to_string()]);
        }
        command.arg("--").arg(&host.address);
        command
    }
}

/// `text` as one POSIX shell word: inside single quotes nothing is special but `'` itself.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(command: &Command) -> Vec<String> {
        command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn every_call_is_batch_mode_with_the_operators_config() {
        let settings = SshSettings::with_config(Some("/etc/runbook/ssh_config".into()));
        let host = HostEntry {
            name: "deploy@web01:2222".into(),
            address: "web01".into(),
            user: Some("deploy".into()),
            port: Some(2222),
        };
        let command = settings.to_host(&host, &["-T"]);
        assert_eq!(
            args(&command),
            [
                "-F",
                "/etc/runbook/ssh_config",
                "-o",
                "BatchMode=yes",
                "-T",
                "-l",
                "deploy",
                "-p",
                "2222",
                "--",
                "web01"
            ]
        );
        let plain = SshSettings::default().to_host(&HostEntry::plain("db"), &[]);
        assert_eq!(args(&plain), ["-o", "BatchMode=yes", "--", "db"]);
    }

    #[test]
    fn quoting_makes_one_word() {
        assert_eq!(shell_quote("/var/log/a b"), "'/var/log/a b'");
        assert_eq!(shell_quote("it's;rm -rf"), r"'it'\''s;rm -rf'");
        assert_eq!(shell_quote(""), "''");
    }
}
