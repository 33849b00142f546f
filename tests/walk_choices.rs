//! Choices and reference sections walked by the real binary: the operator picks one
//! option (full screen, line dialogue, or `--choose`), only its commands run, the others
//! are recorded as not chosen; reference steps never run on the forward walk.

mod pty;
mod support;

use pty::Term;
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{Sandbox, events, records, text};

/// Three numbered options between a common first and last step, and a troubleshooting
/// section: each step leaves a marker file named after it in `marks`.
fn pick_runbook(marks: &Path) -> String {
    let step = |name: &str| format!("```bash\ntouch '{}/{name}'\n```\n\n", marks.display());
    format!(
        "# Deploy the app\n\n## Prepare\n\n{}## Option 1: Docker Compose\n\n{}\
         ## Option 2: Kubernetes\n\n{}{}## Option 3: Cloud\n\n{}## Verify\n\n{}\
         ## Troubleshooting\n\n{}",
        step("prepare"),
        step("one"),
        step("two"),
        step("two-b"),
        step("three"),
        step("verify"),
        step("troubleshoot"),
    )
}

fn marks_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn setup() -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    let marks = sb.path().join("marks");
    std::fs::create_dir(&marks).expect("marks dir");
    sb.runbook("pick.md", &pick_runbook(&marks));
    (sb, marks)
}

fn chosen_event(log: &[Value]) -> Value {
    let chosen = events(log, "option_chosen");
    assert_eq!(chosen.len(), 1, "one choice recorded: {chosen:?}");
    chosen[0]["data"].clone()
}

fn assert_verifies(sb: &Sandbox, log: &Path) {
    let out = sb.run(&["verify", &log.display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn the_operator_picks_option_two_on_the_full_screen_and_only_its_commands_run() {
    let (sb, marks) = setup();
    let audit = sb.audit_dir();
    let mut term = Term::spawn(
        &["run", "pick.md", "--yes"],
        sb.path(),
        &[("RUNBOOK_AUDIT_DIR", audit.as_os_str())],
    );
    term.wait_for("How");
    term.send("\r");
    term.wait_for("Which one applies?");
    term.wait_for("2) Option 2: Kubernetes");
    term.send("2");
    term.wait_for("walk finished");
    assert_eq!(marks_in(&marks), ["prepare", "two", "two-b", "verify"]);
    // The troubleshooting step, last in the tree, runs only when asked for.
    term.send("G");
    term.wait_for("run on demand (reference)");
    term.send("o");
    term.wait_for("Run this step?");
    term.send("y");
    term.wait_for("✓ 4#1 · Troubleshooting");
    term.send("q");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(0));
    exit.assert_terminal_restored();
    assert_eq!(
        marks_in(&marks),
        ["prepare", "troubleshoot", "two", "two-b", "verify"]
    );
    let log = sb.only_log();
    let recs = records(&log);
    let chosen = chosen_event(&recs);
    assert_eq!(chosen["option"], "Option 2: Kubernetes");
    assert_eq!(chosen["via"], "operator");
    assert_eq!(
        chosen["not_chosen"],
        serde_json::json!(["Option 1: Docker Compose", "Option 3: Cloud"])
    );
    let on_demand: Vec<&Value> = events(&recs, "step_started")
        .into_iter()
        .filter(|r| r["data"]["on_demand"] == true)
        .collect();
    assert_eq!(on_demand.len(), 1, "{on_demand:?}");
    assert_eq!(on_demand[0]["step"], "4#1");
    assert_verifies(&sb, &log);
}

#[test]
fn the_line_dialogue_asks_which_option_applies() {
    let (sb, marks) = setup();
    let mut cmd = sb.command(&["run", "pick.md", "--plain"]);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"\ny\nkube\ny\ny\ny\n").expect("answers");
    }
    let out = child.wait_with_output().expect("wait");
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("2) Option 2: Kubernetes"), "{shown}");
    assert!(
        shown.contains("not chosen: \"Option 1: Docker Compose\", \"Option 3: Cloud\""),
        "{shown}"
    );
    assert!(shown.contains("2 not chosen"), "{shown}");
    assert_eq!(marks_in(&marks), ["prepare", "two", "two-b", "verify"]);
}

#[test]
fn yes_stops_at_a_choice_and_resume_with_choose_goes_on() {
    let (sb, marks) = setup();
    let out = sb.run(&["run", "pick.md", "--plain", "--yes"]);
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("--yes never picks an option for the operator"),
        "{shown}"
    );
    assert!(shown.contains("'Option 2: Kubernetes'"), "{shown}");
    assert_eq!(marks_in(&marks), ["prepare"]);
    let log = sb.only_log();
    assert!(events(&records(&log), "option_chosen").is_empty());

    let session = log
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let unknown = sb.run(&["resume", &session, "--plain", "--yes", "--choose", "nomad"]);
    assert_eq!(unknown.status.code(), Some(2));
    let said = text(&unknown.stderr);
    assert!(said.contains("names no option"), "{said}");
    assert!(said.contains("Option 3: Cloud"), "{said}");

    let out = sb.run(&[
        "resume", &session, "--plain", "--yes", "--choose", "option 2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(marks_in(&marks), ["prepare", "two", "two-b", "verify"]);
    let recs = records(&log);
    let chosen = chosen_event(&recs);
    assert_eq!(chosen["option"], "Option 2: Kubernetes");
    assert_eq!(chosen["via"], "--choose");
    assert_verifies(&sb, &log);

    let md = sb.run(&["export", "--format", "md", &session]);
    let md = text(&md.stdout);
    assert!(md.contains("| run | not chosen |"), "{md}");
    assert!(md.contains("Troubleshooting (reference)"), "{md}");
    assert!(md.contains("reference, not run"), "{md}");
    let jsonl = text(&sb.run(&["export", "--format", "jsonl", &session]).stdout);
    assert!(jsonl.contains("\"option_chosen\""), "{jsonl}");
    let cast = text(&sb.run(&["export", "--format", "cast", &session]).stdout);
    assert!(
        cast.contains("not chosen: \\\"Option 1: Docker Compose"),
        "{cast}"
    );
    let replay = text(&sb.run(&["replay", &session, "--plain"]).stdout);
    let state = sb.run(&["replay", &session, "--json-state"]);
    let state: Value = serde_json::from_slice(&state.stdout).expect("state JSON");
    assert_eq!(state["choices"][0]["chosen"], "Option 2: Kubernetes");
    assert_eq!(state["steps"][1]["status"], "not_chosen");
    assert_eq!(state["steps"][6]["reference"], true);
    assert!(
        replay.contains("not chosen: \"Option 1: Docker Compose\""),
        "{replay}"
    );
}

#[test]
fn an_ambiguous_or_unknown_choose_is_refused_before_anything_runs() {
    let (sb, marks) = setup();
    let out = sb.run(&["run", "pick.md", "--plain", "--yes", "--choose", "option"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("more than one option"));
    let out = sb.run(&[
        "run", "pick.md", "--plain", "--yes", "--choose", "docker", "--choose", "cloud",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("two options"));
    assert!(marks_in(&marks).is_empty());
    assert!(sb.logs().is_empty());
}

#[test]
fn a_condition_can_be_answered_none_of_these() {
    let sb = Sandbox::new();
    let marks = sb.path().join("marks");
    std::fs::create_dir(&marks).expect("marks dir");
    let step = |name: &str| format!("```bash\ntouch '{}/{name}'\n```\n\n", marks.display());
    sb.runbook(
        "failover.md",
        &format!(
            "# Failover\n\n## Stop\n\n{}## If you use Patroni\n\n{}## Start\n\n{}",
            step("stop"),
            step("patroni"),
            step("start")
        ),
    );
    let out = sb.run(&["run", "failover.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("'none'"),
        "{}",
        text(&out.stdout)
    );
    let first = sb.only_log();
    let out = sb.run(&["run", "failover.md", "--plain", "--yes", "--choose", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let log = sb
        .logs()
        .into_iter()
        .find(|l| *l != first)
        .expect("the second session's log");
    let chosen = chosen_event(&records(&log));
    assert_eq!(chosen["option"], Value::Null);
    assert_eq!(marks_in(&marks), ["start", "stop"]);
}

fn seed(prefix: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    std::fs::read_dir(&dir)
        .expect("seeds")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .expect("seed file")
}

/// Copies a seed into the sandbox as Markdown.
fn seed_runbook(sb: &Sandbox, prefix: &str) -> String {
    let name = format!("seed{prefix}.md");
    let body = std::fs::read_to_string(seed(prefix)).expect("read seed");
    sb.runbook(&name, &body);
    name
}

/// The ids of the steps the log started.
fn started_ids(recs: &[Value]) -> Vec<String> {
    events(recs, "step_started")
        .iter()
        .filter_map(|r| r["step"].as_str().map(String::from))
        .collect()
}

fn load(sb: &Sandbox, name: &str) -> runbook::doc::model::Runbook {
    let path = sb.path().join(name);
    let bytes = std::fs::read(&path).expect("read");
    runbook::doc::load_bytes(&bytes, &path).expect("loads")
}

#[test]
fn seed_001_options_are_a_choice_and_its_recovery_is_off_the_walk() {
    let sb = Sandbox::new();
    let name = seed_runbook(&sb, "001");
    let rb = load(&sb, &name);
    let choices = runbook::session::choices::of(&rb);
    let deployment = choices
        .iter()
        .find(|c| c.title == "Deployment Methods")
        .expect("a choice of deployment methods");
    let titles: Vec<&str> = deployment
        .options
        .iter()
        .map(|o| o.title.as_str())
        .collect();
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(titles[1].starts_with("Option 2: Kubernetes"), "{titles:?}");
    let refs = rb.steps();
    let off_path: Vec<String> = refs
        .iter()
        .filter(|r| {
            let t = r.section.title.to_lowercase();
            t.contains("recovery") || t.contains("related documentation")
        })
        .map(|r| {
            assert!(r.reference, "{} is reference", r.id());
            r.id()
        })
        .collect();
    assert!(!off_path.is_empty(), "seed 001 has recovery steps");

    let params = [
        "--param",
        "strong_password=x",
        "--param",
        "google_oauth_client_id=x",
    ];
    // The choice comes after the plan's days: it is part of its last day, Week 4.
    let mut args = vec![
        "run",
        &name,
        "--day",
        "Week 4",
        "--force-day",
        "rehearsing the deployment methods alone",
        "--plain",
        "--yes",
        "--dry-run",
    ];
    args.extend(params);
    let out = sb.run(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("stopped at the choice \"Deployment Methods\""));
    let session = sb.only_session();
    let mut args = vec![
        "resume",
        &session,
        "--plain",
        "--yes",
        "--dry-run",
        "--choose",
        "kubernetes",
    ];
    args.extend(params);
    let out = sb.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let recs = records(&sb.only_log());
    let started = started_ids(&recs);
    let option = |n: usize| -> Vec<String> {
        deployment.options[n]
            .steps
            .clone()
            .map(|i| refs[i].id())
            .collect()
    };
    assert!(
        option(1).iter().all(|id| started.contains(id)),
        "option 2 walked"
    );
    for id in option(0).iter().chain(&option(2)).chain(&off_path) {
        assert!(!started.contains(id), "{id} never starts");
    }
}

#[test]
fn seed_004_commands_reference_never_runs() {
    let sb = Sandbox::new();
    let name = seed_runbook(&sb, "004");
    let rb = load(&sb, &name);
    let follow: Vec<String> = rb
        .steps()
        .iter()
        .filter(|r| match &r.step.kind {
            runbook::doc::model::StepKind::Run(run) => run.script.contains("logs -f"),
            _ => false,
        })
        .map(|r| {
            assert!(r.reference, "{} ({}) is reference", r.id(), r.section.title);
            r.id()
        })
        .collect();
    assert!(!follow.is_empty(), "seed 004 has a `logs -f` step");
    let out = sb.run(&["run", &name, "--plain", "--yes", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let started = started_ids(&records(&sb.only_log()));
    assert!(!started.is_empty());
    for id in &follow {
        assert!(!started.contains(id), "{id} never starts");
    }
    assert!(!text(&out.stdout).contains("logs -f"));
}

#[test]
fn a_reference_step_never_runs_in_a_real_walk() {
    let (sb, marks) = setup();
    let out = sb.run(&["run", "pick.md", "--plain", "--yes", "--choose", "cloud"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(marks_in(&marks), ["prepare", "three", "verify"]);
    assert!(text(&out.stdout).contains("1 reference, not run"));
    let out = sb.run(&[
        "run",
        "pick.md",
        "--plain",
        "--yes",
        "--section",
        "troubleshooting",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("reference material"));
    assert!(!marks_in(&marks).contains(&"troubleshoot".to_string()));
}
