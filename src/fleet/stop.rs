//! Stopping what a session started on a host, over its master: the process groups its
//! runs led, and every process that carries the session's tag in its environment.
//!
//! A run's shell leads its own group, but a step can leave it (`setsid`, `nohup setsid`,
//! a daemon that double-forks). Each run's shell exports `RUNBOOK_RUN_TAG=SESSION.RUN`,
//! so everything it forks or execs inherits the tag, wherever it moves; the stop command
//! finds them by their environment (`/proc/PID/environ`, readable for the login user's
//! own processes). Where a host's login bash runs the step in place, the shell's own
//! environment was set before the tag: that shell, and the subshells it forks, are found
//! by their command line, `bash -c 'export RUNBOOK_RUN_TAG='SESSION.RUN'; …'`
//! ([`in_place_start`]). What it cannot reach is said in the README: a process that
//! clears its environment (`env -i`), or one running as another user.

use std::time::Duration;

/// The environment variable every remote run carries.
pub const TAG_VARIABLE: &str = "RUNBOOK_RUN_TAG";

/// The remote command that runs [`script`], given on its stdin: one line, so any login
/// shell runs it (csh takes no newline in quotes).
pub const COMMAND: &str = "exec sh -s";

/// How stopping went on a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Nothing of them was left.
    Gone,
    /// They ended on SIGTERM within the grace period.
    Terminated,
    /// They needed SIGKILL.
    Killed,
}

/// How the command of a run tagged `tag` (or of all runs of a session, given its
/// [`all_runs`]) starts where the login shell is bash and runs the step in place.
pub fn in_place_start(tag: &str) -> String {
    format!("export {TAG_VARIABLE}='{tag}")
}

/// What to stop on one host.
#[derive(Debug, Clone, Copy)]
pub struct Targets<'a> {
    /// Process groups led by the session's runs.
    pub groups: &'a [i32],
    /// `SESSION.RUN` for one run, `SESSION.` for all of the session's runs.
    pub tag: &'a str,
}

/// A session's part of the tag: letters, digits, `_` and `-` only, so it needs no quoting
/// and one session's tag is never the start of another's (`.` ends it).
pub fn session_tag(id: &str) -> String {
    let kept: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if kept.is_empty() {
        "session".into()
    } else {
        kept
    }
}

/// The tag of one run of a session.
pub fn run_tag(session: &str, run: &str) -> String {
    format!("{session}.{run}")
}

/// The tag of every run of a session.
pub fn all_runs(session: &str) -> String {
    format!("{session}.")
}

/// The `sh` script that stops `targets`: TERM to groups and tagged processes (a shell
/// run in place counts only when the login user owns it), then after
/// `grace` KILL, again and again while new ones appear (a forking loop), at most a
/// second more. It prints `gone`, `terminated` or `killed`.
pub fn script(targets: Targets<'_>, grace: Duration) -> String {
    let groups: Vec<String> = targets.groups.iter().map(i32::to_string).collect();
    let rounds = (grace.as_millis() / 100).max(1);
    format!(
        r#"g="{groups}"; t='{var}={tag}'; c="{in_place}"
tagged() {{ for f in $(grep -lF -- "$t" /proc/[0-9]*/environ 2>/dev/null); do p=${{f#/proc/}}; echo "${{p%/environ}}"; done
  for f in $(grep -lF -- "$c" /proc/[0-9]*/cmdline 2>/dev/null); do
    p=${{f%/cmdline}}; [ -O "$p" ] || continue
    case $(tr '\0' ' ' 2>/dev/null <"$f") in "bash -c $c"*) echo "${{p#/proc/}}";; esac
  done; }}
alive() {{ for p in $g; do kill -0 -$p 2>/dev/null && return 0; done; [ -n "$(tagged)" ]; }}
hit() {{ for p in $g; do kill -$1 -$p 2>/dev/null; done; for p in $(tagged); do kill -$1 $p 2>/dev/null; done; }}
alive || {{ echo gone; exit 0; }}
hit TERM; i=0
while alive; do
  i=$((i+1))
  if [ $i -ge {rounds} ]; then
    n=0; while alive && [ $n -lt 20 ]; do hit KILL; n=$((n+1)); sleep 0.05; done
    echo killed; exit 0
  fi
  sleep 0.1
done
echo terminated"#,
        groups = groups.join(" "),
        var = TAG_VARIABLE,
        tag = targets.tag,
        in_place = in_place_start(targets.tag),
    )
}

/// What the stop script printed.
pub fn outcome(said: &str) -> Result<Stopped, String> {
    match said.trim() {
        "gone" => Ok(Stopped::Gone),
        "terminated" => Ok(Stopped::Terminated),
        "killed" => Ok(Stopped::Killed),
        other => Err(format!("the stop command said {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    fn tagged_sleeper(tag: &str, shell: &str) -> std::process::Child {
        Command::new("env")
            .arg(format!("{TAG_VARIABLE}={tag}"))
            .args(["setsid", "bash", "-c", shell])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sleeper")
    }

    fn stop(tag: &str, grace: Duration) -> Stopped {
        stop_from("sh", tag, grace)
    }

    /// The stop command run by `login_shell` as a host's would, the script on its stdin.
    fn stop_from(login_shell: &str, tag: &str, grace: Duration) -> Stopped {
        use std::io::Write;
        let script = script(Targets { groups: &[], tag }, grace);
        let mut child = Command::new(login_shell)
            .args(["-c", COMMAND])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("login shell");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(script.as_bytes()).expect("script");
        drop(stdin);
        let out = child.wait_with_output().expect("output");
        outcome(&String::from_utf8_lossy(&out.stdout)).expect("a known answer")
    }

    #[test]
    fn every_login_shell_runs_the_stop_command() {
        for shell in crate::fleet::login_shells_here() {
            let session = session_tag(&format!("login-{shell}-{}", std::process::id()));
            let mut sleeper = tagged_sleeper(&run_tag(&session, "a"), "sleep 93");
            std::thread::sleep(Duration::from_millis(200));
            let said = stop_from(shell, &all_runs(&session), Duration::from_secs(1));
            assert_eq!(said, Stopped::Terminated, "{shell}");
            assert!(sleeper.wait().is_ok());
        }
    }

    #[test]
    fn session_tags_need_no_quoting_and_end_before_the_run() {
        assert_eq!(
            session_tag("deploy-day7-20261203T1200Z-3f2a"),
            "deploy-day7-20261203T1200Z-3f2a"
        );
        assert_eq!(session_tag("a.b'c d"), "a_b_c_d");
        assert_eq!(session_tag(""), "session");
        assert!(run_tag("s1", "r").starts_with(&all_runs("s1")));
        assert!(!run_tag("s10", "r").starts_with(&all_runs("s1")));
    }

    #[test]
    fn processes_that_left_their_group_are_found_by_their_tag() {
        let session = format!("t{}", std::process::id());
        let mut quiet = tagged_sleeper(&run_tag(&session, "a"), "setsid sleep 97 & wait");
        let mut stubborn = tagged_sleeper(
            &run_tag(&session, "b"),
            "trap '' TERM HUP; sleep 98 & wait; sleep 98",
        );
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(
            stop(&all_runs(&session), Duration::from_millis(500)),
            Stopped::Killed
        );
        assert_eq!(
            stop(&all_runs(&session), Duration::from_millis(500)),
            Stopped::Gone
        );
        quiet.wait().expect("reaped");
        stubborn.wait().expect("reaped");
    }

    /// A step run in place by a login bash, as OpenSSH starts it: the tag only in what
    /// it starts; its stdin held open, so `read -t` waits without a child (and ends the
    /// loop once the test is gone).
    fn in_place_step(tag: &str, script: &str) -> std::process::Child {
        let command = format!(
            "{}'; set -- 0 0 0 \"${TAG_VARIABLE}\"; {script}",
            in_place_start(tag)
        );
        Command::new("setsid")
            .args(["bash", "-c", &command])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("step")
    }

    #[test]
    fn a_step_run_in_place_and_its_subshells_are_found_by_their_command_line() {
        let session = format!("p{}", std::process::id());
        let mut alone = in_place_step(
            &run_tag(&session, "a"),
            "while :; do read -t 0.1 x; [ $? -gt 128 ] || exit; done",
        );
        let mut jobs = in_place_step(
            &run_tag(&session, "b"),
            "set -m; ( trap '' TERM; while :; do read -t 0.1 x; [ $? -gt 128 ] || exit; done ) & wait",
        );
        // What only mentions the tag is left alone.
        let mut decoy = Command::new("bash")
            .args([
                "-c",
                &format!(
                    "sleep 94; : \"{}\"",
                    in_place_start(&run_tag(&session, "c"))
                ),
            ])
            .spawn()
            .expect("decoy");
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(
            stop(&all_runs(&session), Duration::from_millis(500)),
            Stopped::Killed
        );
        assert!(alone.wait().is_ok());
        assert!(jobs.wait().is_ok());
        assert_eq!(
            stop(&all_runs(&session), Duration::from_millis(500)),
            Stopped::Gone,
            "the subshell of its own group went too"
        );
        assert!(
            decoy.try_wait().expect("status").is_none(),
            "the decoy lives"
        );
        let _ = decoy.kill();
        let _ = decoy.wait();
    }

    #[test]
    fn one_runs_tag_leaves_the_sessions_other_runs_alone() {
        let session = format!("u{}", std::process::id());
        let mut first = tagged_sleeper(&run_tag(&session, "a"), "sleep 95");
        let mut second = tagged_sleeper(&run_tag(&session, "b"), "sleep 96");
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            stop(&run_tag(&session, "a"), Duration::from_secs(2)),
            Stopped::Terminated
        );
        first.wait().expect("reaped");
        assert!(
            second.try_wait().expect("status").is_none(),
            "the other run goes on"
        );
        assert_eq!(
            stop(&all_runs(&session), Duration::from_secs(2)),
            Stopped::Terminated
        );
        second.wait().expect("reaped");
    }
}
