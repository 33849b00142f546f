//! The shell that runs a step, the wrapper script around it, and the private files through
//! which the wrapper reports the exported environment and working directory afterwards.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs::{self, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tempfile::TempDir;

use super::ExecError;
use super::watch::Watch;

/// Sources the step file in the wrapper's own shell and, on every way out (end of script,
/// `exit`, `set -e`), writes `env -0` and `pwd` next to it. Its arguments are the private
/// directory, the path of `env` and `1` when the step stops at its first failing command
/// (`set -e`, and `pipefail` where the shell has it); the user's text is never part of this
/// string. The `__runbook_*` names are plain shell variables, so `env` does not list them.
const WRAPPER: &str = r#"__runbook_dir=$1
__runbook_env_tool=$2
__runbook_errexit=$3
shift 3
__runbook_save() {
    [ -z "${__runbook_saved-}" ] || return 0
    __runbook_saved=1
    "$__runbook_env_tool" -0 >"$__runbook_dir/env" && pwd >"$__runbook_dir/cwd"
}
trap '__runbook_status=$?; __runbook_save; exit "$__runbook_status"' EXIT
if [ "$__runbook_errexit" = 1 ]; then
    if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi
    set -e
fi
. "$__runbook_dir/step"
__runbook_status=$?
__runbook_save
exit "$__runbook_status"
"#;

/// Variables the shell itself sets or bumps on start-up; they keep the caller's value.
const SHELL_MANAGED: &[&str] = &["SHLVL", "_"];

const FALLBACK_DIRS: &[&str] = &["/usr/local/bin", "/usr/bin", "/bin"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shell {
    pub program: PathBuf,
    /// `$0` inside the step.
    pub name: &'static str,
    env_tool: PathBuf,
}

/// Bash if it can be found, else `sh`; looked up once per process.
pub(crate) fn shell() -> &'static Shell {
    static SHELL: OnceLock<Shell> = OnceLock::new();
    SHELL.get_or_init(|| {
        let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect())
            .unwrap_or_default();
        dirs.extend(FALLBACK_DIRS.iter().map(PathBuf::from));
        find_shell(&dirs)
    })
}

pub(crate) fn find_shell(dirs: &[PathBuf]) -> Shell {
    let env_tool = find_program(dirs, "env").unwrap_or_else(|| PathBuf::from("env"));
    match find_program(dirs, "bash") {
        Some(program) => Shell {
            program,
            name: "bash",
            env_tool,
        },
        None => Shell {
            program: find_program(dirs, "sh").unwrap_or_else(|| PathBuf::from("/bin/sh")),
            name: "sh",
            env_tool,
        },
    }
}

fn find_program(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    dirs.iter()
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The step's private directory (0700): the script file (0600) and what the wrapper writes back.
#[derive(Debug)]
pub(crate) struct Scratch {
    dir: TempDir,
    watch: Option<Watch>,
}

impl Scratch {
    /// A new private directory in `base` with the script in it, and the files the wrapper
    /// writes back made ahead (0600: the shell's umask would leave them readable).
    pub fn create(script: &str, watch: Option<Watch>, base: &Path) -> Result<Self, ExecError> {
        let scratch_error = |source| ExecError::Scratch {
            dir: base.to_path_buf(),
            source,
        };
        let dir = tempfile::Builder::new()
            .prefix("step-")
            .permissions(Permissions::from_mode(0o700))
            .tempdir_in(base)
            .map_err(scratch_error)?;
        write_private(&dir.path().join("step"), script).map_err(scratch_error)?;
        for written_back in ["env", "cwd"] {
            write_private(&dir.path().join(written_back), "").map_err(scratch_error)?;
        }
        if let Some(watch) = &watch {
            write_private(&dir.path().join("watch"), &watch.file_text()).map_err(scratch_error)?;
        }
        Ok(Scratch { dir, watch })
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The secret watch this step runs with, if any.
    pub fn watch(&self) -> Option<&Watch> {
        self.watch.as_ref()
    }

    /// Arguments after the shell program: `-c WRAPPER $0 DIR ENV_TOOL ERREXIT` (the secret
    /// watch's prelude before the wrapper when there is one).
    pub fn argv(&self, shell: &Shell, errexit: bool) -> Vec<OsString> {
        let text = match &self.watch {
            Some(_) => format!("{}{WRAPPER}", Watch::prelude()),
            None => WRAPPER.to_owned(),
        };
        vec![
            OsString::from("-c"),
            OsString::from(text),
            OsString::from(shell.name),
            self.dir.path().as_os_str().to_owned(),
            shell.env_tool.as_os_str().to_owned(),
            OsString::from(if errexit { "1" } else { "0" }),
        ]
    }

    /// The exported env and cwd the wrapper recorded, if it got that far. The env dump
    /// (secrets and all) is removed as soon as it is read.
    pub fn capture(&self) -> Option<(BTreeMap<String, String>, PathBuf)> {
        let env_file = self.dir.path().join("env");
        let env = fs::read(&env_file);
        let _ = fs::remove_file(&env_file);
        let cwd = fs::read(self.dir.path().join("cwd")).ok()?;
        let cwd = cwd.strip_suffix(b"\n")?;
        Some((parse_env(&env.ok()?), PathBuf::from(OsStr::from_bytes(cwd))))
    }
}

/// Outside a session: `$XDG_RUNTIME_DIR` (per-user, in memory) when there is one, so a
/// step's env dump with its secrets does not touch disk; the system temp dir otherwise.
pub(crate) fn default_private_base() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute() && dir.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

fn write_private(path: &Path, text: &str) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// Parses `env -0` output; a value that is not UTF-8 is converted lossily.
pub(crate) fn parse_env(bytes: &[u8]) -> BTreeMap<String, String> {
    bytes
        .split(|&byte| byte == 0)
        .filter_map(|entry| {
            let eq = entry.iter().position(|&byte| byte == b'=')?;
            let (key, value) = (&entry[..eq], &entry[eq + 1..]);
            (!key.is_empty()).then(|| {
                (
                    String::from_utf8_lossy(key).into_owned(),
                    String::from_utf8_lossy(value).into_owned(),
                )
            })
        })
        .collect()
}

/// Gives variables the shell manages itself back the value they had before the step.
pub(crate) fn restore_managed(
    after: &mut BTreeMap<String, String>,
    before: &BTreeMap<String, String>,
) {
    for &key in SHELL_MANAGED {
        match before.get(key) {
            Some(value) => after.insert(key.to_owned(), value.clone()),
            None => after.remove(key),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_env_dump_with_newlines_and_equals_in_values() {
        let env = parse_env(b"A=1\0B=x=y\0C=line1\nline2\0\0=junk\0NOEQ\0");
        let expected: BTreeMap<String, String> = [("A", "1"), ("B", "x=y"), ("C", "line1\nline2")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(env, expected);
    }

    #[test]
    fn managed_variables_keep_the_callers_value() {
        let before = BTreeMap::from([("SHLVL".to_owned(), "3".to_owned())]);
        let mut after = BTreeMap::from([
            ("SHLVL".to_owned(), "4".to_owned()),
            ("_".to_owned(), "/usr/bin/env".to_owned()),
            ("SHELL".to_owned(), "/bin/bash".to_owned()),
        ]);
        restore_managed(&mut after, &before);
        assert_eq!(after.get("SHLVL").map(String::as_str), Some("3"));
        assert!(!after.contains_key("_"));
        assert!(after.contains_key("SHELL"), "the step's own");
    }

    #[test]
    fn falls_back_to_sh_when_bash_is_missing() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("sh"), "").expect("write sh");
        let shell = find_shell(&[dir.path().to_path_buf()]);
        assert_eq!(shell.name, "sh");
        assert_eq!(shell.program, dir.path().join("sh"));
        fs::write(dir.path().join("bash"), "").expect("write bash");
        assert_eq!(find_shell(&[dir.path().to_path_buf()]).name, "bash");
    }

    #[test]
    fn script_file_and_directory_are_private() {
        let base = tempfile::tempdir().expect("base");
        let scratch = Scratch::create("echo hi", None, base.path()).expect("scratch");
        let mode = |path: &Path| fs::metadata(path).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(scratch.dir.path()), 0o700);
        for file in ["step", "env", "cwd"] {
            assert_eq!(mode(&scratch.dir.path().join(file)), 0o600, "{file}");
        }
        let text = fs::read_to_string(scratch.dir.path().join("step")).expect("read");
        assert_eq!(text, "echo hi");
        assert!(scratch.capture().is_none(), "nothing written back yet");
        fs::write(scratch.dir.path().join("env"), "TOKEN=s3cr3t\0").expect("env");
        fs::write(scratch.dir.path().join("cwd"), "/srv\n").expect("cwd");
        let (env, cwd) = scratch.capture().expect("captured");
        assert_eq!(
            (env["TOKEN"].as_str(), cwd),
            ("s3cr3t", PathBuf::from("/srv"))
        );
        assert!(
            !scratch.dir.path().join("env").exists(),
            "the env dump goes once read"
        );
    }
}
