//! What a remote run sends. The command (what the host's login shell gets) is one line —
//! `exec env RUNBOOK_RUN_TAG=… bash -c 'read the wrapper; eval it' bash W S C TAG`, which
//! any login shell runs; once a host's environment said its login shell is one of the sh
//! family or fish, `export RUNBOOK_RUN_TAG=…; exec bash …` (one program fewer to start).
//! Either way the tag is in the step shell's own environment from its start, so whatever
//! it forks or execs carries it ([`super::stop`]) wherever it moves; should it be missing,
//! bash starts again under `env` with it. Its stdin holds three parts of known length,
//! each read whole with one `read -N` (bash would read a script from a pipe byte by
//! byte): the wrapper (W bytes), the host's setup (S) and the step's script (C).
//!
//! The wrapper makes sure the step's shell leads its own session and process group —
//! OpenSSH's server already starts it so; otherwise it starts again under `setsid` — so
//! one `kill` reaches everything that stays in the group. It reports the group, reads the
//! setup and the script (a part that did not arrive whole: nothing runs), gives the
//! script `/dev/null` as stdin, runs the setup — the session's and the host's variables as
//! quoted `export` lines, values never script text — reports the exported variables,
//! says `go`, changes directory (a failure fails the step), and `eval`s the script under
//! `set -e -o pipefail` unless the step opts out. On every way out an `EXIT` trap reports
//! the variables, the directory and the status ([`super::frames`]). Only bash builtins
//! run besides the script: a host pays for no process of runbook's own.

use super::ssh::shell_quote;
use std::collections::BTreeMap;

/// What the login shell runs: makes sure the tag (`$4`) is in the shell's environment,
/// reads the wrapper, `$1` bytes, whole, and runs it.
const BOOT: &str = concat!(
    r#"[ "${RUNBOOK_RUN_TAG-}" = "$4" ] || "#,
    r#"exec env RUNBOOK_RUN_TAG="$4" bash -c "$BASH_EXECUTION_STRING" bash "$@"; "#,
    r#"IFS= LC_ALL=C read -r -N "$1" __rb_w || exit 125; eval "$__rb_w""#
);

/// How a host's login shell is asked to start bash with the tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// Not known: `exec env TAG=… bash`, which every shell runs.
    Unknown,
    /// The sh family or fish: `export TAG=…; exec bash`.
    Exports,
}

impl Login {
    /// What a login shell (`SHELL`, a path) understands.
    pub fn of_shell(shell: &str) -> Login {
        let name = shell.rsplit('/').next().unwrap_or(shell);
        match name {
            "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh" | "mksh" | "yash" | "fish" => {
                Login::Exports
            }
            _ => Login::Unknown,
        }
    }
}

/// What goes to a host for one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The remote command, for the login shell.
    pub command: String,
    /// Its stdin: wrapper, setup, script.
    pub input: Vec<u8>,
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
    /// The command and stdin of a run with this nonce, tagged `tag` (letters, digits,
    /// `_`, `-` and `.`; quoted all the same).
    pub fn prepare(&self, nonce: &str, tag: &str, login: Login) -> Result<Prepared, String> {
        if self.script.contains('\0') {
            return Err("the script holds a NUL byte".into());
        }
        let wrapper = self.wrapper(nonce);
        let setup = self.setup()?;
        let start = match login {
            Login::Unknown => "exec env {var}={tag} bash",
            Login::Exports => "export {var}={tag}; exec bash",
        };
        let command = format!(
            "{} -c {boot} bash {} {} {} {tag}",
            start
                .replace("{var}", super::stop::TAG_VARIABLE)
                .replace("{tag}", &shell_quote(tag)),
            wrapper.len(),
            setup.len(),
            self.script.len(),
            tag = shell_quote(tag),
            boot = shell_quote(BOOT),
        );
        let mut input = Vec::with_capacity(wrapper.len() + setup.len() + self.script.len());
        input.extend_from_slice(wrapper.as_bytes());
        input.extend_from_slice(setup.as_bytes());
        input.extend_from_slice(self.script.as_bytes());
        Ok(Prepared { command, input })
    }

    fn wrapper(&self, nonce: &str) -> String {
        let mut text = String::with_capacity(2048);
        text.push_str(&format!("__rb_mark=$'\\036'RB{nonce}:\n"));
        text.push_str(LEAD_AND_READ);
        text.push_str(REPORT);
        text.push_str(if self.errexit {
            "set -e -o pipefail\n"
        } else {
            "set +e +o pipefail\n"
        });
        text.push_str("eval \"$__rb_script\"\nbuiltin exit\n");
        text
    }

    /// The host's variables and directory, as quoted shell text.
    fn setup(&self) -> Result<String, String> {
        let mut text = String::new();
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
        if let Some(cwd) = self.cwd {
            if cwd.contains('\0') {
                return Err("the directory holds a NUL byte".into());
            }
            text.push_str(&format!("__rb_cwd={}\n", shell_quote(cwd)));
        }
        Ok(text)
    }
}

/// A name the shell can `export`.
fn is_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Leads a session (field 6 of `/proc/$$/stat` is its id; without /proc, `setsid` it is),
/// reports the group, reads setup and script, gives the script `/dev/null` as stdin, and
/// makes the tag read-only: a step that tries to `unset` it fails, and says why.
/// Reports go to a copy of stderr the script does not know about.
const LEAD_AND_READ: &str = r#"__rb_stat=
{ read -r __rb_stat </proc/$$/stat; } 2>/dev/null
__rb_ids=(${__rb_stat##*) })
if [[ ${__rb_ids[3]-} != "$$" && ${5-} != again ]]; then
    exec setsid -w bash -c "$__rb_w" bash "$1" "$2" "$3" "$4" again
fi
exec {__rb_ctl}>&2
__rb_say() { builtin printf '%s%s\n' "$__rb_mark" "$1" >&"$__rb_ctl"; }
__rb_say "start $$"
if IFS= LC_ALL=C read -r -N "$2" __rb_setup && IFS= LC_ALL=C read -r -N "$3" __rb_script; then
    :
else
    __rb_say torn
    exit 125
fi
exec </dev/null
set --
unset -v __rb_w __rb_stat __rb_ids
readonly RUNBOOK_RUN_TAG
eval "$__rb_setup"
unset -v __rb_setup
"#;

/// The exported variables before the script, the traps that report the end — also when
/// the group is stopped (bash would otherwise report the last status it saw, not the
/// signal) — and the directory.
const REPORT: &str = r#"__rb_say before
builtin export -p >&"$__rb_ctl"
__rb_end() {
    builtin set +e
    __rb_say env
    builtin export -p >&"$__rb_ctl"
    __rb_say pwd
    builtin pwd >&"$__rb_ctl"
    __rb_say "end $__rb_status"
}
trap '__rb_status=$?; __rb_end; builtin exit "$__rb_status"' EXIT
trap 'builtin exit 129' HUP
trap 'builtin exit 130' INT
trap 'builtin exit 143' TERM
__rb_say go
if [[ -n ${__rb_cwd+set} ]]; then
    cd -- "$__rb_cwd" || builtin exit 1
fi
unset -v __rb_cwd
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::frames::{Deframer, Frame};
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// Runs `prepared` as a host's login shell (`sh` unless said) would; `leader`: as
    /// OpenSSH starts it, leading its own session.
    fn login_shell(prepared: &Prepared, leader: bool) -> std::process::Output {
        login_shell_of("sh", prepared, leader)
    }

    fn login_shell_of(shell: &str, prepared: &Prepared, leader: bool) -> std::process::Output {
        let mut command = if leader {
            let mut c = Command::new("setsid");
            c.args(["-w", shell, "-c", &prepared.command]);
            c
        } else {
            let mut c = Command::new(shell);
            c.args(["-c", &prepared.command]);
            c
        };
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect(shell);
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(&prepared.input)
            .expect("write");
        child.wait_with_output().expect("output")
    }

    fn frames_of(nonce: &str, stderr: &[u8]) -> Vec<Frame> {
        let mut deframer = Deframer::new(&mark(nonce));
        let mut frames = Vec::new();
        deframer.push(stderr, &mut frames);
        deframer.finish(&mut frames);
        frames
    }

    /// Runs the wrapper with the local shells, as a host would.
    fn run(wrapper: &Wrapper) -> (Vec<u8>, Vec<Frame>) {
        let nonce = nonce().expect("nonce");
        let prepared = wrapper
            .prepare(&nonce, "s.r", Login::Unknown)
            .expect("prepare");
        let output = login_shell(&prepared, true);
        (output.stdout, frames_of(&nonce, &output.stderr))
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
        let mut prepared = wrapper
            .prepare("00", "s.r", Login::Unknown)
            .expect("prepare");
        prepared.input.pop();
        let output = login_shell(&prepared, true);
        assert!(String::from_utf8_lossy(&output.stdout).is_empty());
        assert_eq!(output.status.code(), Some(125));
        assert_eq!(frames_of("00", &output.stderr).last(), Some(&Frame::Torn));
        prepared.input.truncate(100);
        let output = login_shell(&prepared, true);
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

    fn start_of(frames: &[Frame]) -> i32 {
        frames
            .iter()
            .find_map(|f| match f {
                Frame::Start { pgid } => Some(*pgid),
                _ => None,
            })
            .expect("start")
    }

    #[test]
    fn the_step_leads_its_own_session_whether_the_login_shell_did_or_not() {
        let env = BTreeMap::new();
        let wrapper = Wrapper {
            script: "ps -o sid= -o pgid= -p $$; echo \"args=$#\"; tr '\\0' '\\n' </proc/$$/environ | grep RUNBOOK_RUN_TAG",
            env: &env,
            unset: &[],
            cwd: None,
            errexit: true,
        };
        let shells = crate::fleet::login_shells_here();
        let ways = [
            (true, Login::Unknown),
            (false, Login::Unknown),
            (true, Login::Exports),
        ];
        let tried = shells
            .iter()
            .flat_map(|s| ways.map(|(leader, login)| (*s, leader, login)));
        for (shell, leader, login) in tried {
            let nonce = nonce().expect("nonce");
            let prepared = wrapper.prepare(&nonce, "s.r", login).expect("prepare");
            let output = login_shell_of(shell, &prepared, leader);
            let frames = frames_of(&nonce, &output.stderr);
            let pgid = start_of(&frames);
            let stdout = String::from_utf8_lossy(&output.stdout);
            let ids: Vec<&str> = stdout.split_whitespace().collect();
            assert_eq!(
                ids[..2],
                [pgid.to_string(), pgid.to_string()],
                "{shell} leader={leader} {login:?}: {stdout}"
            );
            assert_ne!(pgid, nix::unistd::getpgrp().as_raw());
            assert_eq!(
                ids[2..],
                ["args=0", "RUNBOOK_RUN_TAG=s.r"],
                "{shell} {login:?}"
            );
            assert_eq!(frames.last(), Some(&Frame::End { status: 0 }));
        }
    }

    #[test]
    fn a_step_cannot_unset_its_tag() {
        let env = BTreeMap::new();
        let wrapper = Wrapper {
            script: "unset RUNBOOK_RUN_TAG\necho unreachable\n",
            env: &env,
            unset: &[],
            cwd: None,
            errexit: true,
        };
        let (stdout, frames) = run(&wrapper);
        assert!(stdout.is_empty());
        assert!(text_of(&frames).contains("readonly variable"));
        assert_eq!(frames.last(), Some(&Frame::End { status: 1 }));
    }

    #[test]
    fn login_shells_that_export_are_told_by_their_path() {
        assert_eq!(Login::of_shell("/bin/bash"), Login::Exports);
        assert_eq!(Login::of_shell("/usr/bin/fish"), Login::Exports);
        assert_eq!(Login::of_shell("/bin/tcsh"), Login::Unknown);
        assert_eq!(Login::of_shell("/usr/sbin/nologin"), Login::Unknown);
        assert_eq!(Login::of_shell(""), Login::Unknown);
    }

    #[test]
    fn multibyte_text_arrives_byte_for_byte_in_any_locale() {
        let env = BTreeMap::from([("GREETING".to_string(), "héllo € 👋\n'x'".to_string())]);
        let wrapper = Wrapper {
            script: "# ünïcödé ✓\nprintf '%s|%s' \"$GREETING\" 'ß€'\n",
            env: &env,
            unset: &[],
            cwd: None,
            errexit: true,
        };
        for locale in ["C.UTF-8", "C"] {
            let nonce = nonce().expect("nonce");
            let mut prepared = wrapper
                .prepare(&nonce, "s.r", Login::Unknown)
                .expect("prepare");
            prepared.command = format!("LC_ALL={locale}; export LC_ALL; {}", prepared.command);
            let output = login_shell(&prepared, true);
            assert_eq!(
                String::from_utf8_lossy(&output.stdout),
                "héllo € 👋\n'x'|ß€",
                "{locale}"
            );
        }
    }

    #[test]
    fn a_script_that_shadows_builtins_still_reports_its_end() {
        let env = BTreeMap::new();
        let wrapper = Wrapper {
            script: "export() { :; }\nprintf() { :; }\npwd() { :; }\nexit() { :; }\n\
                     set() { :; }\nbuiltin export MADE=1\ncd /\nfalse\n",
            env: &env,
            unset: &[],
            cwd: None,
            errexit: true,
        };
        let (_, frames) = run(&wrapper);
        let after = frames.iter().find_map(|f| match f {
            Frame::After(listing) => Some(crate::fleet::exports::parse_exports(listing)),
            _ => None,
        });
        assert_eq!(
            after.expect("after").get("MADE").map(String::as_str),
            Some("1")
        );
        assert!(frames.contains(&Frame::Pwd(b"/\n".to_vec())));
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
                .prepare("00", "s.r", Login::Unknown)
                .expect_err("nul")
                .contains("A holds a NUL")
        );
        let empty = BTreeMap::new();
        let nul_script = Wrapper {
            script: "a\0b",
            env: &empty,
            ..wrapper
        };
        assert!(nul_script.prepare("00", "s.r", Login::Unknown).is_err());
    }
}
