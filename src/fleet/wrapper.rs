//! What a remote run sends. The command (what the host's login shell gets) is one line —
//! `exec env RUNBOOK_RUN_TAG=… bash -c 'read the wrapper; eval it' bash W S C TAG`, which
//! any login shell runs; once a host's environment said its login shell is one of the sh
//! family or fish, `export RUNBOOK_RUN_TAG=…; exec bash …` (one program fewer to start);
//! and where it is bash itself, the login shell runs the step in place:
//! `export RUNBOOK_RUN_TAG=…; set -- W S C TAG; read the wrapper; eval it` (one fewer
//! again). The tag is in the environment of whatever the step's shell forks or execs
//! ([`super::stop`]), wherever it moves; in the first two forms also in the shell's own,
//! where bash starts again under `env` with it should it be missing; a shell run in place
//! is found by its command line. Its stdin holds three parts of known length,
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

/// Reads the wrapper, `$1` bytes, whole, and runs it.
macro_rules! read_and_run {
    () => {
        r#"IFS= LC_ALL=C read -r -N "$1" __rb_w || exit 125; eval "$__rb_w""#
    };
}

/// What bash started by the login shell runs: makes sure the tag (`$4`) is in the shell's
/// environment, then reads and runs the wrapper.
const BOOT: &str = concat!(
    r#"[ "${RUNBOOK_RUN_TAG-}" = "$4" ] || "#,
    r#"exec env RUNBOOK_RUN_TAG="$4" bash -c "$BASH_EXECUTION_STRING" bash "$@"; "#,
    read_and_run!()
);

/// How a host's login shell is asked to start bash with the tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// Not known: `exec env TAG=… bash`, which every shell runs.
    Unknown,
    /// The sh family or fish: `export TAG=…; exec bash`.
    Exports,
    /// bash: it runs the step in place.
    Bash,
}

impl Login {
    /// What a login shell (`SHELL`, a path) understands.
    pub fn of_shell(shell: &str) -> Login {
        let name = shell.rsplit('/').next().unwrap_or(shell);
        match name {
            "bash" => Login::Bash,
            "sh" | "dash" | "ash" | "zsh" | "ksh" | "mksh" | "yash" | "fish" => Login::Exports,
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
    /// `_`, `-` and `.` only).
    pub fn prepare(&self, nonce: &str, tag: &str, login: Login) -> Result<Prepared, String> {
        if self.script.contains('\0') {
            return Err("the script holds a NUL byte".into());
        }
        let wrapper = self.wrapper(nonce);
        let setup = self.setup()?;
        if !tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err(format!("the run's tag {tag:?} holds more than a tag may"));
        }
        let lengths = format!("{} {} {}", wrapper.len(), setup.len(), self.script.len());
        let (var, raw_tag, tag) = (super::stop::TAG_VARIABLE, tag, shell_quote(tag));
        let command = match login {
            Login::Unknown => format!(
                "exec env {var}={tag} bash -c {} bash {lengths} {tag}",
                shell_quote(BOOT)
            ),
            Login::Exports => format!(
                "export {var}={tag}; exec bash -c {} bash {lengths} {tag}",
                shell_quote(BOOT)
            ),
            Login::Bash => format!(
                "{}'; set -- {lengths} \"${var}\"; {}",
                super::stop::in_place_start(raw_tag),
                read_and_run!()
            ),
        };
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
/// reports the group, reads setup and script, gives the script `/dev/null` as stdin, puts
/// back the options a `~/.bashrc` may have set in a login bash running the step in place
/// (so the first step on a host, which a fresh bash runs, and the rest behave alike), and
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
builtin set +a +f +u +v +x +C
builtin shopt -u expand_aliases
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
#[path = "wrapper_tests.rs"]
mod tests;
