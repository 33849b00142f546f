//! Walking a runbook that was read with decisions, end to end through `--plain`: a proposed
//! step (an unlabeled fence) is skipped by `--yes` with its reason and run by
//! `--run-proposed`; a step with a placeholder stops `--yes` (exit 1, resumable) and runs
//! once `--param` gives the value — which reaches the command only through the
//! environment, so an injection payload runs nothing; a value typed once survives the
//! resume; the warnings are printed once and their acknowledgement is recorded.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use support::{Sandbox, events, records, text};

/// An unlabeled fence that would create `marker`, then a shell step that says it ran.
fn proposed_runbook(sb: &Sandbox, marker: &Path) {
    sb.runbook(
        "proposed.md",
        &format!(
            "# Proposed\n\n## Guess\n\n```\ntouch {}\n```\n\n## Sure\n\n```bash\necho after\n```\n",
            marker.display()
        ),
    );
}

/// Runs `args` with `answers` typed on its standard input.
fn answered(sb: &Sandbox, args: &[&str], answers: &[u8]) -> Output {
    let mut child = sb
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(answers)
        .expect("answers");
    child.wait_with_output().expect("finish")
}

fn both(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[test]
fn plain_yes_skips_a_proposed_step_and_records_why() {
    let sb = Sandbox::new();
    let marker = sb.path().join("proposed-ran");
    proposed_runbook(&sb, &marker);
    let out = sb.run(&["run", "proposed.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(!marker.exists(), "--yes ran a proposed command");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "?$ PROPOSED command, read as shell from a fence without a language at line 5"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("1#1 skipped: proposed command, not confirmed; --run-proposed runs it"),
        "{stdout}"
    );
    let log = records(&sb.only_log());
    let skipped = events(&log, "step_skipped");
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["step"], "1#1");
    assert_eq!(
        skipped[0]["data"]["reason"],
        "proposed command, not confirmed; --run-proposed runs it"
    );
    let started = events(&log, "step_started");
    assert_eq!(started.len(), 1, "only the shell step ran");
    assert_eq!(started[0]["step"], "2#1");
}

#[test]
fn run_proposed_lets_plain_yes_run_it_recorded_as_proposed() {
    let sb = Sandbox::new();
    let marker = sb.path().join("proposed-ran");
    proposed_runbook(&sb, &marker);
    let out = sb.run(&["run", "proposed.md", "--plain", "--yes", "--run-proposed"]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(marker.exists(), "--run-proposed runs it");
    let log = records(&sb.only_log());
    let started = events(&log, "step_started");
    assert_eq!(started[0]["step"], "1#1");
    assert_eq!(started[0]["data"]["proposed"], true);
    assert_eq!(started[0]["data"]["auto"], true);
    assert_eq!(
        started[1]["data"].get("proposed"),
        None,
        "said only when true"
    );
}

#[test]
fn the_operator_confirms_a_proposed_step_with_y_on_the_line_dialogue() {
    let sb = Sandbox::new();
    let marker = sb.path().join("proposed-ran");
    proposed_runbook(&sb, &marker);
    // Enter acknowledges the warnings, y runs the proposed step, y the shell step.
    let out = answered(&sb, &["run", "proposed.md", "--plain"], b"\ny\ny\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(marker.exists());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Run this proposed command?"), "{stdout}");
    let log = records(&sb.only_log());
    let acknowledged = events(&log, "warnings_acknowledged");
    assert_eq!(acknowledged.len(), 1);
    assert_eq!(acknowledged[0]["data"]["auto"], false);
    let started = events(&log, "step_started");
    assert_eq!(
        (&started[0]["data"]["proposed"], &started[0]["data"]["auto"]),
        (&serde_json::json!(true), &serde_json::json!(false))
    );
}

/// A step that writes its placeholder's value to `out`, next to a directory `x` that an
/// injected `rm -rf x` would remove.
fn placeholder_runbook(sb: &Sandbox) -> (std::path::PathBuf, std::path::PathBuf) {
    let out = sb.path().join("written");
    std::fs::create_dir(sb.path().join("x")).expect("x");
    std::fs::write(sb.path().join("x/keep"), "kept").expect("x/keep");
    sb.runbook(
        "placeholder.md",
        &format!(
            "# Target\n\n```bash\nprintf '%s\\n' <target-name> > {}\n```\n",
            out.display()
        ),
    );
    (out, sb.path().join("pwned"))
}

fn session_id(log: &Path) -> String {
    log.file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn an_unfilled_placeholder_stops_plain_yes_resumably_and_a_param_fills_it_through_the_environment()
{
    let payload = "$(touch pwned); rm -rf x; `touch pwned`";
    let sb = Sandbox::new();
    let (written, pwned) = placeholder_runbook(&sb);
    let out = sb.run(&["run", "placeholder.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(!written.exists(), "nothing ran without a value");
    assert!(
        text(&out.stdout).contains("it needs a value for <target-name> ($TARGET_NAME)"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("runbook resume"),
        "{}",
        both(&out)
    );
    let log = sb.only_log();
    assert!(events(&records(&log), "step_started").is_empty());
    assert_eq!(events(&records(&log), "driver_left").len(), 1);

    let param = format!("target-name={payload}");
    let out = sb.run(&[
        "resume",
        &session_id(&log),
        "--plain",
        "--yes",
        "--param",
        &param,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert_eq!(
        std::fs::read_to_string(&written).expect("written"),
        format!("{payload}\n"),
        "the value arrives as it was given"
    );
    assert!(!pwned.exists(), "the payload ran");
    assert!(sb.path().join("x/keep").exists(), "the payload ran");
    let recs = records(&log);
    let filled = events(&recs, "placeholder_filled");
    assert_eq!(filled.len(), 1);
    assert_eq!(filled[0]["data"]["via"], "--param");
    assert_eq!(filled[0]["data"]["env"], "TARGET_NAME");
    let script = events(&recs, "step_started")[0]["data"]["script"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        script.contains("\"${TARGET_NAME:?placeholder without a value}\"")
            && !script.contains("touch"),
        "{script}"
    );
    assert_eq!(
        events(&recs, "warnings_acknowledged").len(),
        1,
        "the warnings are acknowledged once per session"
    );
}

#[test]
fn a_param_naming_neither_a_parameter_nor_a_placeholder_is_refused() {
    let sb = Sandbox::new();
    placeholder_runbook(&sb);
    let out = sb.run(&[
        "run",
        "placeholder.md",
        "--plain",
        "--yes",
        "--param",
        "colour=x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("it takes: target-name (placeholder)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_value_typed_once_survives_the_resume_and_is_not_asked_again() {
    let sb = Sandbox::new();
    let first = sb.path().join("first");
    let second = sb.path().join("second");
    sb.runbook(
        "twice.md",
        &format!(
            "# Twice\n\n```bash\nprintf '%s\\n' <region> > {}\n```\n\n- [ ] Dashboards green\n\n```bash\nprintf '%s\\n' <region> > {}\n```\n",
            first.display(),
            second.display()
        ),
    );
    // Enter for the warnings, the value, y to run, then quit at the check.
    let out = answered(&sb, &["run", "twice.md", "--plain"], b"\neu-west-1\ny\nq\n");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("Value for <region>"));
    assert_eq!(
        std::fs::read_to_string(&first).expect("first"),
        "eu-west-1\n"
    );
    let log = sb.only_log();

    let out = sb.run(&["resume", &session_id(&log), "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert_eq!(
        std::fs::read_to_string(&second).expect("second"),
        "eu-west-1\n",
        "the value came from the log"
    );
    let recs = records(&log);
    let filled = events(&recs, "placeholder_filled");
    assert_eq!(filled.len(), 1, "asked once per session");
    assert_eq!(filled[0]["data"]["via"], "operator");
    assert_eq!(filled[0]["data"]["value"], "eu-west-1");
}

#[test]
fn plain_yes_prints_the_warnings_once_and_records_them_acknowledged() {
    let sb = Sandbox::new();
    let marker = sb.path().join("proposed-ran");
    proposed_runbook(&sb, &marker);
    let out = sb.run(&["run", "proposed.md", "--plain", "--yes"]);
    let stdout = text(&out.stdout);
    assert_eq!(stdout.matches("⚠ how ").count(), 1, "{stdout}");
    assert!(
        stdout.contains("proposed.md:5:1: warning: commands in a fence without a language"),
        "{stdout}"
    );
    assert!(stdout.contains("(acknowledged automatically: --yes)"));
    let recs = records(&sb.only_log());
    assert_eq!(
        recs[2]["kind"], "warnings_acknowledged",
        "before the first step"
    );
    assert_eq!(recs[2]["data"]["auto"], true);
    assert!(
        recs[2]["data"]["warnings"][0]
            .as_str()
            .is_some_and(|w| w.starts_with("5:1: ") && w.ends_with("[proposed]")),
        "{}",
        recs[2]["data"]
    );
}
