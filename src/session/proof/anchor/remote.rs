//! Anchors appended to a file: here (`file:`, one `write` then `fsync`) or on another
//! host over the system OpenSSH client (`ssh://`).

use crate::child;
use crate::fleet::SshSettings;
use crate::fleet::ssh::shell_quote;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Connecting, authenticating and appending one line.
const SSH_LIMIT: Duration = Duration::from_secs(20);

/// Appends `line` and a newline with one `write` on an `O_APPEND` descriptor, then syncs.
pub(super) fn append_file(path: &Path, line: &str) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| e.to_string())?;
    let record = format!("{line}\n");
    file.write_all(record.as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(|e| e.to_string())
}

/// `ssh [-F FILE] -o BatchMode=yes [-p PORT] -- DESTINATION "cat >> 'PATH'"` with the line
/// on stdin.
pub(super) fn append_ssh(
    ssh: &SshSettings,
    destination: &str,
    port: Option<u16>,
    path: &str,
    line: &str,
) -> Result<(), String> {
    let command = ssh_command(ssh, destination, port, path);
    child::run(command, format!("{line}\n").as_bytes(), SSH_LIMIT).map(|_| ())
}

fn ssh_command(ssh: &SshSettings, destination: &str, port: Option<u16>, path: &str) -> Command {
    let mut command = ssh.command();
    command.args(["-o", "ConnectTimeout=10", "-T"]);
    if let Some(port) = port {
        command.args(["-p", &port.to_string()]);
    }
    // The remote side runs this through its shell: the path goes in single quotes.
    command
        .arg("--")
        .arg(destination)
        .arg(format!("cat >> {}", shell_quote(path)));
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remote_path_is_one_quoted_word() {
        let ssh = SshSettings::with_config(Some("/srv/ssh_config".into()));
        let command = ssh_command(&ssh, "ops@vault", Some(2222), "anchors/$(x).log");
        let args: Vec<String> = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "-F",
                "/srv/ssh_config",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=10",
                "-T",
                "-p",
                "2222",
                "--",
                "ops@vault",
                "cat >> 'anchors/$(x).log'",
            ]
        );
    }

    #[test]
    fn a_file_anchor_appends_one_line_per_call() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("anchors.log");
        append_file(&path, "one").expect("first");
        append_file(&path, "two").expect("second");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "one\ntwo\n");
        let error = append_file(&dir.path().join("missing/x"), "one").expect_err("no directory");
        assert!(error.contains("No such file or directory"), "{error}");
    }
}
