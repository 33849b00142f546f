//! What a remote run sends: the command `exec env RUNBOOK_RUN_TAG=… setsid -w bash -s`
//! (the step's shell leads its own process group and session, so one `kill` reaches
//! everything that stays in it, and the tag finds what leaves), and on its stdin a wrapper, then the step's script and a NUL.
//!
//! The wrapper is one `{ … }` group, parsed whole before it runs. It reports the shell's
//! process group first, reads the script up to the NUL (bash reads a pipe byte by byte,
//! so nothing is read ahead), gives the script `/dev/null` as stdin, sets the session's
//! and the host's variables as quoted `export` lines — values never become script text —
//! reports the environment, says `go`, changes directory (a failure fails the step), and
//! `eval`s the script under `set -e -o pipefail` unless the step opts out. On every way out an `EXIT` trap reports the
//! environment, the directory and the status ([`super::frames`]). A script that did not
//! arrive whole is not run.

use super::ssh::shell_quote;
use std::collections::BTreeMap;

/// The remote command of a run tagged `tag` ([`super::stop`]): the tag is in the shell's
/// own environment, so whatever it forks or execs carries it. The tag holds only
/// letters, digits, `_`, `-` and `.`; it is quoted all the same.
pub fn remote_command(tag: &str) -> String {
    format!(
        "exec env {}={} setsid -w bash -s",
        super::stop::TAG_VARIABLE,
        shell_quote(tag)
    )
}

/// One run's wrapper settings.
#[derive(Debug, Clone)]
pub struct Wrapper<'a> {
    pub script: &'a str,
    pub env: &'a BTreeMap<String, String>,
    pub unset: &'a [String],
    pub cwd: Option<&'a str>,
    pub errexit: bool,
}

/// The mark that opens every report of a run with this nonce.
pub fn mark(nonce: &str) -> Vec<u8> {
    format!("\x1eRB{nonce}:").into_bytes()
}

/// A fresh nonce: 128 random bits in hex.
pub fn nonce() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for the run's nonce: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Wrapper<'_> {
    /// The bytes for the remote shell's stdin.
    pub fn stdin(&self, nonce: &str) -> Result<Vec<u8>, String> {
        if self.script.contains('\0') {
            return Err("the script holds a NUL byte".into());
        }
        let mut text = String::with_capacity(2048 + self.script.len());
        text.push_str("{\n");
        text.push_str(&format!("__rb_mark=$'\\036'RB{nonce}:\n"));
        text.push_str(PROLOGUE);
        for (name, value) in self.env {
            if !is_name(name) {
                continue;
            }
            if value.contains('\0') {
                return Err(format!("the variable {name} holds a NUL byte"));
            }
            text.push_str(&format!("export {name}={}\n", shell_quote(value)));
        }
        for name in self.unset.iter().filter(|n| is_name(n)) {
            text.push_str(&format!("unset -v {name}\n"));
        }
        text.push_str(REPORT_BEFORE);
        text.push_str("__rb_say go\n");
        if let Some(cwd) = self.cwd {
            text.push_str(&format!("cd -- {} || exit 1\n", shell_quote(cwd)));
        }
        text.push_str(if self.errexit {
            "set -e -o pipefail\n"
        } else {
            "set +e +o pipefail\n"
        });
        text.push_str("eval \"$__rb_script\"\nexit\n}\n");
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(self.script.as_bytes());
        bytes.push(0);
        Ok(bytes)
    }
}

/// A name the shell can `export`.
fn is_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reports go to a copy of stderr the script does not know about; the script is read,
/// then stdin is `/dev/null`.
const PROLOGUE: &str = r#"exec {__rb_ctl}>&2
__rb_say() { printf '%s%s\n' "$__rb_mark" "$1" >&"$__rb_ctl"; }
__rb_say "start $$"
if ! IFS= read -r -d '' __rb_script; then __rb_say torn; exit 125; fi
exec </dev/null
"#;

/// The environment before the script, and the traps that report the end — also when the
/// group is stopped (bash would otherwise report the last status it saw, not the signal).
const REPORT_BEFORE: &str = r#"__rb_say before
command -p env -0 >&"$__rb_ctl"
__rb_end() {
    set +e
    __rb_say env
    command -p env -0 >&"$__rb_ctl"
    __rb_say pwd
    pwd >&"$__rb_ctl"
    __rb_say "end $__rb_status"
}
trap '__rb_status=$?; __rb_end; exit "$__rb_status"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::frames::{Deframer, Frame};
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// `input` to the local `bash -s`, as a host's shell would get it.
    fn bash_s(input: &[u8]) -> std::process::Output {
        let mut child = Command::new("bash")
            .arg("-s")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bash");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write");
        child.wait_with_output().expect("output")
    }

    /// Runs the wrapper with the local bash, as `bash -s` on a host would.
    fn run(wrapper: &Wrapper) -> (Vec<u8>, Vec<Frame>) {
        let nonce = nonce().expect("nonce");
        let output = bash_s(&wrapper.stdin(&nonce).expect("stdin"));
        let mut deframer = Deframer::new(&mark(&nonce));
        let mut frames = Vec::new();
        deframer.push(&output.stderr, &mut frames);
        deframer.finish(&mut frames);
        (output.stdout, frames)
    }

    fn text_of(frames: &[Frame]) -> String {
        frames
            .iter()
            .filter_map(|f| match f {
                Frame::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn values_arrive_as_variables_never_as_script() {
        let env = BTreeMap::from([
            (
                "TRICKY".to_string(),
                "$(touch /tmp/x) 'quoted' \"double\" `tick`\nline2".to_string(),
            ),
            ("bad-name".to_string(), "skipped".to_string()),
        ]);
        let wrapper = Wrapper {
            script: "printf '%s' \"$TRICKY\"; read -r line || echo stdin-is-empty\n",
            env: &env,
            unset: &[],
            cwd: Some("/"),
            errexit: true,
        };
        let (stdout, frames) = run(&wrapper);
        assert_eq!(
            String::from_utf8_lossy(&stdout),
            "$(touch /tmp/x) 'quoted' \"double\" `tick`\nline2stdin-is-empty\n"
        );
        assert!(matches!(frames[0], Frame::Start { .. }));
        assert!(frames.contains(&Frame::Go));
        assert!(frames.contains(&Frame::Pwd(b"/\n".to_vec())));
        assert_eq!(frames.last(), Some(&Frame::End { status: 0 }));
    }

    #[test]
    fn errexit_stops_at_the_first_failure_unless_the_step_opts_out() {
        let env = BTreeMap::new();
        let script = "echo one\nfalse | true\necho two\nexit 7\n";
        let strict = Wrapper {
            script,
            env: &env,
            unset: &[],
            cwd: None,
            errexit: true,
        };
        let (stdout, frames) = run(&strict);
        assert_eq!(String::from_utf8_lossy(&stdout), "one\n");
        assert_eq!(frames.last(), Some(&Frame::End { status: 1 }));
        let lenient = Wrapper {
            errexit: false,
            ..strict
        };
        let (stdout, frames) = run(&lenient);
        assert_eq!(String::from_utf8_lossy(&stdout), "one\ntwo\n");
        assert_eq!(frames.last(), Some(&Frame::End { status: 7 }));
    }

    #[test]
    fn a_torn_script_never_runs_and_a_bad_directory_fails_the_step() {
        let env = BTreeMap::new();
        let wrapper = Wrapper {
            script: "echo ran",
            env: &env,
            unset: &[],
            cwd: None,
            errexit: true,
        };
        let mut input = wrapper.stdin("00").expect("stdin");
        input.pop();
        let output = bash_s(&input);
        assert!(String::from_utf8_lossy(&output.stdout).is_empty());
        assert_eq!(output.status.code(), Some(125));
        let lost = Wrapper {
            cwd: Some("/nonexistent/dir"),
            ..wrapper
        };
        let (stdout, frames) = run(&lost);
        assert!(stdout.is_empty());
        let said = text_of(&frames);
        assert!(
            said.contains("cd: /nonexistent/dir: No such file"),
            "{said}"
        );
        assert_eq!(frames.last(), Some(&Frame::End { status: 1 }));
    }

    #[test]
    fn nul_bytes_are_refused() {
        let env = BTreeMap::from([("A".to_string(), "x\0y".to_string())]);
        let wrapper = Wrapper {
            script: "true",
            env: &env,
            unset: &[],
            cwd: None,
            errexit: true,
        };
        assert!(
            wrapper
                .stdin("00")
                .expect_err("nul")
                .contains("A holds a NUL")
        );
        let empty = BTreeMap::new();
        let nul_script = Wrapper {
            script: "a\0b",
            env: &empty,
            ..wrapper
        };
        assert!(nul_script.stdin("00").is_err());
    }
}
