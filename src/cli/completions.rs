//! Shell completions: `runbook completions bash|zsh|fish` prints the script that registers
//! them, and the binary answers each TAB itself (clap_complete's dynamic engine, started by
//! `COMPLETE=<shell>` in `main`), so runbook names, session ids and the roles of a session's
//! open sign-off gate are completed from what exists at that moment.

use crate::cli::examples::EXAMPLES;
use crate::config::{self, Overrides, Settings};
use crate::doc::model::StepKind;
use crate::doc::resolve::SearchPath;
use crate::session::log::{list_sessions, resolve_session, sessions_dir};
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{Bash, EnvCompleter, Fish, Zsh};
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

/// The variable that turns a run of the binary into a completion request.
pub const COMPLETE_VAR: &str = "COMPLETE";

/// The shells `runbook completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Prints the registration script for `shell`; it calls this binary back on each TAB.
pub fn completions(shell: Shell, out: &mut impl Write) -> i32 {
    let completer: &dyn EnvCompleter = match shell {
        Shell::Bash => &Bash,
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
    };
    let mut script = Vec::new();
    let written = completer
        .write_registration(
            COMPLETE_VAR,
            "runbook",
            "runbook",
            &completer_path(),
            &mut script,
        )
        .and_then(|()| out.write_all(&script));
    match written {
        Ok(()) => 0,
        Err(e) => super::fail(format!("cannot write the completion script: {e}"), 1),
    }
}

/// How the script calls the binary back: as it was called now — an absolute path when it
/// was started through one, else its name looked up in `$PATH`.
fn completer_path() -> String {
    let argv0 = std::env::args_os().next().map(PathBuf::from);
    match argv0 {
        Some(path) if path.components().count() > 1 => std::path::absolute(&path)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned(),
        _ => "runbook".into(),
    }
}

/// The settings a completion works with: the configuration file when it is valid, the
/// environment, and `--audit-dir` if the command line being completed has one.
fn settings() -> Settings {
    let env = config::process_env;
    let file = config::load(&env).unwrap_or_default();
    let flags = Overrides {
        audit_dir: option_value("--audit-dir").map(PathBuf::from),
        ..Overrides::default()
    };
    Settings::resolve(&flags, &file, &env)
}

/// Runbook NAMEs: every runbook in the search path, then the built-in examples.
pub fn runbook_names() -> Vec<CompletionCandidate> {
    let settings = settings();
    let search = SearchPath {
        dirs: settings.search_dirs(None),
    };
    let mut names: Vec<CompletionCandidate> = search
        .available()
        .into_iter()
        .map(|found| {
            CompletionCandidate::new(found.name).help(Some(found.path.display().to_string().into()))
        })
        .collect();
    for example in EXAMPLES {
        if !names.iter().any(|c| c.get_value() == example.name) {
            names
                .push(CompletionCandidate::new(example.name).help(Some("built-in example".into())));
        }
    }
    names
}

/// Session ids in the sessions directory, newest first, with their state and runbook.
pub fn session_ids() -> Vec<CompletionCandidate> {
    let settings = settings();
    let Ok(dir) = sessions_dir(settings.audit_dir.value.as_deref()) else {
        return Vec::new();
    };
    list_sessions(&dir)
        .unwrap_or_default()
        .into_iter()
        .map(|s| {
            let help = format!(
                "{} · {}",
                super::sessions::state_word(&s),
                s.header.as_ref().map_or("?", |h| h.runbook.path.as_str())
            );
            CompletionCandidate::new(s.id).help(Some(help.into()))
        })
        .collect()
}

/// For `runbook sign SESSION --role`: the unsigned roles of the gate the session is at.
pub fn gate_roles() -> Vec<CompletionCandidate> {
    let Some(session) = sign_session() else {
        return Vec::new();
    };
    let settings = settings();
    let Ok(dir) = sessions_dir(settings.audit_dir.value.as_deref()) else {
        return Vec::new();
    };
    let Ok(path) = resolve_session(&dir, &session) else {
        return Vec::new();
    };
    open_roles(&path)
        .into_iter()
        .map(CompletionCandidate::new)
        .collect()
}

/// The unsigned roles of the sign-off gate a recorded session is at (none elsewhere).
pub fn open_roles(log: &std::path::Path) -> Vec<String> {
    let Ok(recorded) = crate::session::setup::read_log(log) else {
        return Vec::new();
    };
    let Ok(runbook) = crate::session::recorded::runbook_of(&recorded.header, &recorded.events)
    else {
        return Vec::new();
    };
    let state = crate::session::state::SessionState::fold(&runbook, &recorded.events);
    let refs = runbook.steps();
    let (Some(step_ref), Some(step)) = (refs.get(state.cursor), state.steps.get(state.cursor))
    else {
        return Vec::new();
    };
    match &step_ref.step.kind {
        StepKind::Gate(gate) if step.decision.is_none() => gate
            .signoffs
            .iter()
            .filter(|s| !step.signers.iter().any(|signer| signer.role == s.role))
            .map(|s| s.role.clone())
            .collect(),
        _ => Vec::new(),
    }
}

/// The words of the command line being completed (after the `--` the script passes).
fn completed_words() -> Vec<OsString> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let start = args
        .iter()
        .position(|a| a == "--")
        .map_or(args.len(), |i| i + 1);
    args[start..].to_vec()
}

/// The value after `flag` (`--flag VALUE` or `--flag=VALUE`) on the line being completed.
fn option_value(flag: &str) -> Option<String> {
    let words: Vec<String> = completed_words()
        .iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    let prefix = format!("{flag}=");
    words
        .iter()
        .enumerate()
        .find_map(|(i, word)| match word.strip_prefix(&prefix) {
            Some(value) => Some(value.to_string()),
            None if word == flag => words.get(i + 1).cloned(),
            None => None,
        })
}

/// The SESSION of `runbook sign SESSION ...` on the line being completed.
fn sign_session() -> Option<String> {
    let words: Vec<String> = completed_words()
        .iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    first_positional_after(
        &words,
        "sign",
        &[
            "--role",
            "--name",
            "--step",
            "--timeout",
            "--audit-dir",
            "--color",
        ],
    )
}

/// The first word after `subcommand` that is neither a flag nor a flag's value.
fn first_positional_after(
    words: &[String],
    subcommand: &str,
    takes_value: &[&str],
) -> Option<String> {
    let start = words.iter().position(|w| w == subcommand)? + 1;
    let mut rest = words[start..].iter();
    while let Some(word) = rest.next() {
        if takes_value.contains(&word.as_str()) {
            rest.next();
        } else if !word.starts_with('-') && !word.is_empty() {
            return Some(word.clone());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split(' ').map(String::from).collect()
    }

    #[test]
    fn the_session_of_sign_is_found_among_its_flags() {
        let flags = ["--role", "--name", "--audit-dir"];
        let found = |line: &str| first_positional_after(&words(line), "sign", &flags);
        assert_eq!(
            found("runbook sign day7-2026 --role ").as_deref(),
            Some("day7-2026")
        );
        assert_eq!(
            found("runbook sign --audit-dir /x --name Bob day7 --role ").as_deref(),
            Some("day7")
        );
        assert_eq!(found("runbook sign --role "), None);
        assert_eq!(found("runbook list"), None);
    }

    #[test]
    fn each_shell_gets_a_script_that_calls_the_binary_back() {
        for (shell, marker) in [
            (Shell::Bash, "complete -o nospace"),
            (Shell::Zsh, "compdef"),
            (Shell::Fish, "complete --keep-order"),
        ] {
            let mut out = Vec::new();
            assert_eq!(completions(shell, &mut out), 0);
            let script = String::from_utf8(out).expect("utf8");
            assert!(script.contains(marker), "{shell:?}: {script}");
            assert!(script.contains("COMPLETE="), "{shell:?}: {script}");
        }
    }
}
