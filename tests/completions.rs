//! Shell completions as a shell uses them: the scripts for bash, zsh and fish parse, and bash
//! (through the script's own completion function, as TAB calls it) and fish (`complete -C`)
//! complete runbook names, session ids and the roles of a session's open sign-off gate.
//! The shells come from Debian in CI (`.ci/run`); elsewhere a missing shell is a note.

mod support;

use std::process::Command;
use support::{Sandbox, text};

/// Whether `shell` can be run; under CI a missing shell fails the test.
fn have(shell: &str) -> bool {
    let found = Command::new(shell)
        .args(["-c", "exit 0"])
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{shell} is not installed; .ci/run installs it"
        );
        eprintln!("note: {shell} not installed; skipping its completion test");
    }
    found
}

fn script(sb: &Sandbox, shell: &str) -> std::path::PathBuf {
    let out = sb.run(&["completions", shell]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let path = sb.path().join(format!("completion.{shell}"));
    std::fs::write(&path, &out.stdout).expect("write script");
    path
}

/// Runs `program` in `shell` after sourcing its completion script, in the sandbox's
/// environment (its own sessions, configuration and data directories).
fn in_shell(sb: &Sandbox, shell: &str, program: &str) -> String {
    let script = script(sb, shell);
    let program = format!("source {}\n{program}", script.display());
    let cmd = sb.command(&[]);
    let out = Command::new(shell)
        .args(["-c", &program])
        .current_dir(sb.path())
        .envs(
            cmd.get_envs()
                .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
        )
        .output()
        .expect("the shell runs");
    assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// What TAB offers for the words of `line` (the last one being completed), in bash.
fn bash_complete(sb: &Sandbox, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let current = words.last().copied().unwrap_or("");
    let previous = words.len().checked_sub(2).map_or("runbook", |i| words[i]);
    let body = format!(
        "COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE=\"${{COMP_WORDS[*]}}\"; COMP_POINT=${{#COMP_LINE}}\n\
         _clap_complete_runbook runbook '{current}' '{previous}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        words = quoted.join(" "),
        cword = words.len() - 1,
    );
    in_shell(sb, "bash", &body)
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// A session stopped at a sign-off gate (nobody signed within 0s), and its id.
fn session_at_signoff(sb: &Sandbox) -> String {
    sb.runbook(
        "release.yaml",
        "title: Release\nsteps:\n  - check: tests green\n  - gate: Approval\n    signoffs: [Engineering Lead, SRE on call]\n",
    );
    let out = sb.run(&[
        "run",
        "release.yaml",
        "--plain",
        "--yes",
        "--signoff-timeout",
        "0s",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let log = sb.only_log();
    log.file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn the_scripts_parse_in_their_shells() {
    let sb = Sandbox::new();
    for (shell, check) in [("bash", "-n"), ("zsh", "-n"), ("fish", "--no-execute")] {
        if !have(shell) {
            continue;
        }
        let path = script(&sb, shell);
        let out = Command::new(shell)
            .arg(check)
            .arg(&path)
            .output()
            .expect("shell runs");
        assert!(out.status.success(), "{shell} -n: {}", text(&out.stderr));
    }
}

#[test]
fn completions_is_a_subcommand_not_a_runbook_name() {
    let sb = Sandbox::new();
    let out = sb.run(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("_clap_complete_runbook"));
    let out = sb.run(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is invalid input"
    );
}

#[test]
fn bash_completes_runbook_names_and_session_ids() {
    if !have("bash") {
        return;
    }
    let sb = Sandbox::new();
    let id = session_at_signoff(&sb);
    assert_eq!(
        bash_complete(&sb, &["runbook", "dep"]),
        ["deploy-day7", "deploy-plan"]
    );
    assert_eq!(
        bash_complete(&sb, &["runbook", "show", "rel"]),
        ["release-checklist"]
    );
    let prefix = &id[..id.len() - 6];
    assert_eq!(
        bash_complete(&sb, &["runbook", "verify", prefix]),
        [id.as_str()]
    );
    assert_eq!(
        bash_complete(&sb, &["runbook", "replay", "rel"]),
        [id.as_str()]
    );
}

#[test]
fn bash_completes_the_plan_commands_and_the_day_flags() {
    if !have("bash") {
        return;
    }
    let sb = Sandbox::new();
    assert_eq!(
        bash_complete(&sb, &["runbook", "plan", "deploy-p"]),
        ["deploy-plan"]
    );
    assert_eq!(
        bash_complete(&sb, &["runbook", "run", "deploy-plan", "--da"]),
        ["--day"]
    );
    assert_eq!(
        bash_complete(&sb, &["runbook", "run", "deploy-plan", "--force-d"]),
        ["--force-day"]
    );
    assert_eq!(
        bash_complete(&sb, &["runbook", "export", "--pla"]),
        ["--plan"]
    );
    assert_eq!(
        bash_complete(&sb, &["runbook", "export", "--plan", "deploy-p"]),
        ["deploy-plan"]
    );
}

#[test]
fn bash_completes_the_roles_of_the_gate_a_session_is_at() {
    if !have("bash") {
        return;
    }
    let sb = Sandbox::new();
    let id = session_at_signoff(&sb);
    let roles = bash_complete(&sb, &["runbook", "sign", &id, "--role", ""]);
    assert_eq!(roles, ["Engineering Lead", "SRE on call"]);
    let roles = bash_complete(
        &sb,
        &["runbook", "sign", "--name", "Bo", &id, "--role", "S"],
    );
    assert_eq!(roles, ["SRE on call"]);
}

#[test]
fn fish_completes_runbook_names() {
    if !have("fish") {
        return;
    }
    let sb = Sandbox::new();
    let offered = in_shell(&sb, "fish", "complete -C 'runbook dep'");
    assert!(offered.starts_with("deploy-day7"), "{offered}");
}
