//! Tests of the remote run's wrapper: run by the local login shells as a host's would.

use super::*;
use crate::fleet::frames::{Deframer, Frame};
use std::io::Write;
use std::process::{Command, Stdio};

/// A wrapper with no unsets, the login directory and errexit.
fn plain<'a>(script: &'a str, env: &'a BTreeMap<String, String>) -> Wrapper<'a> {
    Wrapper {
        script,
        env,
        unset: &[],
        cwd: None,
        errexit: true,
    }
}

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

/// Runs the wrapper with the local shells, as a host would: under `sh`, and in place
/// under a login bash, which must come to the same output and end.
fn run(wrapper: &Wrapper) -> (Vec<u8>, Vec<Frame>) {
    let [(stdout, frames), (in_place, in_place_frames)] =
        [("sh", Login::Unknown), ("bash", Login::Bash)].map(|(shell, login)| {
            let nonce = nonce().expect("nonce");
            let prepared = wrapper.prepare(&nonce, "s.r", login).expect("prepare");
            let output = login_shell_of(shell, &prepared, true);
            (output.stdout, frames_of(&nonce, &output.stderr))
        });
    assert_eq!(stdout, in_place, "the same output in place");
    assert_eq!(
        frames.last(),
        in_place_frames.last(),
        "the same end in place"
    );
    (stdout, frames)
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
        cwd: Some("/"),
        ..plain(
            "printf '%s' \"$TRICKY\"; read -r line || echo stdin-is-empty\n",
            &env,
        )
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
    let strict = plain(script, &env);
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
    let wrapper = plain("echo ran", &env);
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
    let wrapper = plain(
        "ps -o sid= -o pgid= -p $$; echo \"args=$#\"\n\
                 tr '\\0' '\\n' </proc/$$/environ | grep -c RUNBOOK_RUN_TAG= || true\n\
                 env | grep RUNBOOK_RUN_TAG",
        &env,
    );
    let ways = [
        (true, Login::Unknown),
        (false, Login::Unknown),
        (true, Login::Exports),
    ];
    let tried = crate::fleet::login_shells_here()
        .into_iter()
        .flat_map(|s| ways.map(|(leader, login)| (s, leader, login)))
        .chain([("bash", true, Login::Bash), ("bash", false, Login::Bash)]);
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
        // A shell run in place was started before the tag; what it starts has it.
        let own = if login == Login::Bash && leader {
            "0"
        } else {
            "1"
        };
        assert_eq!(
            ids[2..],
            ["args=0", own, "RUNBOOK_RUN_TAG=s.r"],
            "{shell} leader={leader} {login:?}"
        );
        assert_eq!(frames.last(), Some(&Frame::End { status: 0 }));
    }
}

#[test]
fn bash_runs_the_step_in_place_and_the_stop_knows_its_command_line() {
    let env = BTreeMap::new();
    let wrapper = plain("tr '\\0' ' ' </proc/$$/cmdline", &env);
    let nonce = nonce().expect("nonce");
    let prepared = wrapper
        .prepare(&nonce, "s.r", Login::Bash)
        .expect("prepare");
    let output = login_shell_of("bash", &prepared, true);
    let cmdline = String::from_utf8_lossy(&output.stdout).into_owned();
    let start = format!("bash -c {}", crate::fleet::stop::in_place_start("s.r"));
    assert!(cmdline.starts_with(&start), "{cmdline}");
    let all = format!("bash -c {}", crate::fleet::stop::in_place_start("s."));
    assert!(cmdline.starts_with(&all), "{cmdline}");
    assert!(wrapper.prepare(&nonce, "s.r'x", Login::Bash).is_err());
}

#[test]
fn what_a_bashrc_set_in_a_login_bash_does_not_reach_the_step() {
    let env = BTreeMap::new();
    let wrapper = Wrapper {
        cwd: Some("/"),
        ..plain(
            "echo \"[$NOT_SET_ANYWHERE]\" *.nothing-here-*\nls() { :; }\necho \"$-\"\n",
            &env,
        )
    };
    let nonce = nonce().expect("nonce");
    let mut prepared = wrapper
        .prepare(&nonce, "s.r", Login::Bash)
        .expect("prepare");
    prepared.command = format!(
        "set -u -f -x; shopt -s expand_aliases; alias echo=false; {}",
        prepared.command
    );
    let output = login_shell_of("bash", &prepared, true);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("[] *.nothing-here-*"), "{stdout}");
    let flags = lines.next().expect("flags");
    assert!(!flags.contains(['u', 'f', 'x']), "{flags}");
    let frames = frames_of(&nonce, &output.stderr);
    assert_eq!(frames.last(), Some(&Frame::End { status: 0 }));
}

#[test]
fn a_step_cannot_unset_its_tag() {
    let env = BTreeMap::new();
    let wrapper = plain("unset RUNBOOK_RUN_TAG\necho unreachable\n", &env);
    let (stdout, frames) = run(&wrapper);
    assert!(stdout.is_empty());
    assert!(text_of(&frames).contains("readonly variable"));
    assert_eq!(frames.last(), Some(&Frame::End { status: 1 }));
}

#[test]
fn login_shells_that_export_are_told_by_their_path() {
    assert_eq!(Login::of_shell("/bin/bash"), Login::Bash);
    assert_eq!(Login::of_shell("/bin/dash"), Login::Exports);
    assert_eq!(Login::of_shell("/usr/bin/fish"), Login::Exports);
    assert_eq!(Login::of_shell("/bin/tcsh"), Login::Unknown);
    assert_eq!(Login::of_shell("/usr/sbin/nologin"), Login::Unknown);
    assert_eq!(Login::of_shell(""), Login::Unknown);
}

#[test]
fn multibyte_text_arrives_byte_for_byte_in_any_locale() {
    let env = BTreeMap::from([("GREETING".to_string(), "héllo € 👋\n'x'".to_string())]);
    let wrapper = plain("# ünïcödé ✓\nprintf '%s|%s' \"$GREETING\" 'ß€'\n", &env);
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
    let wrapper = plain(
        "export() { :; }\nprintf() { :; }\npwd() { :; }\nexit() { :; }\n\
                 set() { :; }\nbuiltin export MADE=1\ncd /\nfalse\n",
        &env,
    );
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
    let wrapper = plain("true", &env);
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
