//! The `runbook` binary as a user runs it: check, show, list, resolution, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn runbook(args: &[&str], cwd: &Path, runbook_path: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runbook"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("RUNBOOK_PATH")
        .env("XDG_DATA_HOME", scratch_data_home());
    if let Some(path) = runbook_path {
        cmd.env("RUNBOOK_PATH", path);
    }
    cmd.output().expect("runbook runs")
}

/// Where the binary may write its data: never inside the checkout, even when a test runs it there.
fn scratch_data_home() -> PathBuf {
    std::env::temp_dir().join(format!("runbook-cli-data-{}", std::process::id()))
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_accepts_every_seed_and_prints_a_summary_per_file() {
    let seeds: Vec<String> = std::fs::read_dir(crate_dir().join("tests/fixtures/seeds"))
        .expect("seeds")
        .filter_map(|e| e.ok().map(|e| e.path().display().to_string()))
        .collect();
    let mut args = vec!["check"];
    args.extend(seeds.iter().map(String::as_str));
    let out = runbook(&args, &crate_dir(), None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok  ")).count(),
        5,
        "{stdout}"
    );
    assert!(
        stdout.contains("4 run, 37 check, 1 wait, 2 gate"),
        "{stdout}"
    );
}

#[test]
fn check_exits_2_with_located_errors_for_a_broken_runbook() {
    let out = runbook(
        &["check", "tests/fixtures/invalid/unknown-attribute.md"],
        &crate_dir(),
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "tests/fixtures/invalid/unknown-attribute.md:3:27: error: unknown attribute `timeot`"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("^^^^^^"), "{stderr}");
    assert!(
        text(&out.stdout).starts_with("invalid  "),
        "one line per file on stdout too"
    );
}

#[test]
fn check_prints_each_decision_as_a_located_warning_and_strict_makes_them_fail() {
    let file = "tests/fixtures/warnings/front-matter-of-another-tool.md";
    let out = runbook(&["check", file], &crate_dir(), None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{file}:4:1: warning: `parms` is not a runbook key and is kept as meta, unused; did you mean `params`? [near-miss-key]")),
        "{stderr}"
    );
    assert!(text(&out.stdout).starts_with(&format!("ok  {file}")));
    let strict = runbook(&["check", "--strict", file], &crate_dir(), None);
    assert_eq!(strict.status.code(), Some(2));
    assert!(
        text(&strict.stdout).starts_with("invalid  "),
        "{}",
        text(&strict.stdout)
    );
    let json = runbook(
        &[
            "check",
            "--json",
            file,
            "tests/fixtures/invalid/unknown-attribute.md",
        ],
        &crate_dir(),
        None,
    );
    assert_eq!(json.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["files"][0]["status"], "ok");
    assert_eq!(doc["files"][0]["warnings"][1]["code"], "near-miss-key");
    assert_eq!(doc["files"][1]["status"], "invalid");
    assert_eq!(doc["files"][1]["errors"][0]["line"], 3);
    assert!(
        json.stderr.is_empty(),
        "json mode prints everything on stdout"
    );
}

#[test]
fn check_of_several_files_fails_if_any_fails() {
    let out = runbook(
        &[
            "check",
            "tests/fixtures/seeds/000_ebdede70e6c1452d.txt",
            "tests/fixtures/invalid/unknown-attribute.md",
        ],
        &crate_dir(),
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).contains("ok  tests/fixtures/seeds/000"));
}

fn show_json_of_seed_000() -> serde_json::Value {
    let out = runbook(
        &[
            "show",
            "--json",
            "tests/fixtures/seeds/000_ebdede70e6c1452d.txt",
        ],
        &crate_dir(),
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn show_json_follows_the_documented_contract() {
    let json = show_json_of_seed_000();
    assert_eq!(json["title"], "Phase 4: Production Deployment");
    assert!(
        json["path"]
            .as_str()
            .expect("path")
            .ends_with("000_ebdede70e6c1452d.txt")
    );
    let sections = json["sections"].as_array().expect("sections");
    let rollback = sections
        .iter()
        .find(|s| s["rollback"] == true)
        .expect("a rollback section");
    assert_eq!(rollback["title"], "Rollback Procedure");
    let phase_b = &sections[2]["sections"][1];
    assert_eq!(phase_b["title"], "Phase B: Services (Day 7)");
    let step = &phase_b["steps"][0];
    assert_eq!(
        (
            step["kind"].as_str(),
            step["lang"].as_str(),
            step["line"].as_u64()
        ),
        (Some("run"), Some("bash"), Some(69))
    );
    assert!(step["name"].is_null());
    assert!(
        step["script"]
            .as_str()
            .expect("script")
            .contains("up -d trading-service")
    );
    let check = &sections[1]["sections"][0]["steps"][0];
    assert_eq!(
        (
            check["kind"].as_str(),
            check["text"].as_str(),
            check["done"].as_bool()
        ),
        (
            Some("check"),
            Some("Production `.env` files created"),
            Some(false)
        )
    );
    // Placed after every forward command, the gate and the sign-off are asked before the first.
    let phase_a = &sections[2]["sections"][0];
    assert_eq!(phase_a["title"], "Phase A: Infrastructure (Day 6)");
    let gate = &phase_a["steps"][0];
    assert_eq!(gate["kind"], "gate");
    assert_eq!(gate["moved_from_line"], 147);
    assert_eq!(gate["criteria"].as_array().expect("criteria").len(), 10);
    assert_eq!(gate["signoffs"].as_array().expect("signoffs").len(), 0);
    let signoff = &phase_a["steps"][1];
    assert_eq!(signoff["moved_from_line"], 164);
    assert_eq!(signoff["signoffs"].as_array().expect("roles").len(), 5);
    assert_eq!(phase_a["steps"][2]["kind"], "run");
    assert!(
        sections
            .iter()
            .any(|s| s["title"] == "Go/No-Go Decision Points"
                && s["steps"].as_array().is_some_and(Vec::is_empty)),
        "the gate's section stays, with its prose"
    );
}

#[test]
fn show_json_says_how_each_step_was_read() {
    let json = show_json_of_seed_000();
    assert_eq!(json["schema"], 1);
    assert!(json["meta"].as_object().is_some_and(|m| m.is_empty()));
    let phase_a = &json["sections"][2]["sections"][0]["steps"][2];
    assert_eq!(
        (
            &phase_a["origin"],
            &phase_a["proposed"],
            &phase_a["errexit"],
            &phase_a["interactive"]
        ),
        (
            &serde_json::json!("fence"),
            &serde_json::json!(false),
            &serde_json::json!(true),
            &serde_json::json!(false)
        )
    );
    assert_eq!(phase_a["placeholders"], serde_json::json!([]));
    let phase_c = &json["sections"][2]["sections"][2];
    let origins: Vec<&str> = phase_c["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            s["origin"]
                .as_str()
                .unwrap_or(s["kind"].as_str().unwrap_or(""))
        })
        .collect();
    assert_eq!(origins, ["comment", "wait", "comment"]);
    assert_eq!(
        json["sections"][1]["sections"][1]["steps"][0]["origin"],
        "fence"
    );
    assert_eq!(json["sections"][0]["role"], "forward");
    let warnings = json["warnings"].as_array().expect("warnings");
    assert!(warnings.iter().all(|w| w["line"].is_u64()
        && w["col"].is_u64()
        && w["code"].is_string()
        && w["message"].is_string()));
    assert!(
        warnings
            .iter()
            .any(|w| w["code"] == "gate-moved" && w["line"] == 147)
    );
}

#[test]
fn show_json_never_prints_a_secret_param_default() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("s.md");
    std::fs::write(
        &file,
        "---\nparams:\n  db_password: {default: hunter2-long-value}\n  region: {default: eu-west-1}\napi_token: abc123secret\n---\n# S\n- [ ] ok\n",
    )
    .expect("write");
    let out = runbook(
        &["show", "--json", file.to_str().expect("utf8")],
        dir.path(),
        None,
    );
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("hunter2"), "{stdout}");
    assert!(!stdout.contains("abc123secret"), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(json["params"][0]["default"], "***");
    assert_eq!(json["params"][1]["default"], "eu-west-1");
    assert_eq!(json["meta"]["api_token"], "***");
    let outline = text(&runbook(&["show", file.to_str().expect("utf8")], dir.path(), None).stdout);
    assert!(
        !outline.contains("hunter2") && !outline.contains("abc123secret"),
        "{outline}"
    );
}

#[test]
fn show_json_reports_wait_seconds() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("w.yaml");
    std::fs::write(&file, "title: W\nsteps:\n  - wait: 1m30s\n").expect("write");
    let out = runbook(
        &["show", "--json", file.to_str().expect("utf8")],
        dir.path(),
        None,
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["sections"][0]["steps"][0]["seconds"], 90.0);
}

#[test]
fn names_resolve_through_runbooks_dir_and_runbook_path() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("runbooks")).expect("mkdir");
    std::fs::write(
        dir.path().join("runbooks/local.md"),
        "# Local plan\n\n- [ ] one\n",
    )
    .expect("write");
    let extra = dir.path().join("extra");
    std::fs::create_dir_all(&extra).expect("mkdir");
    std::fs::write(
        extra.join("remote.yaml"),
        "title: Remote plan\nsteps: [{check: two}]\n",
    )
    .expect("write");

    let out = runbook(&["list"], dir.path(), Some(&extra));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("local") && stdout.contains("Local plan"),
        "{stdout}"
    );
    assert!(
        stdout.contains("remote") && stdout.contains("Remote plan"),
        "{stdout}"
    );

    let out = runbook(&["show", "remote"], dir.path(), Some(&extra));
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("Remote plan"));

    let out = runbook(&["check", "locl"], dir.path(), Some(&extra));
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no runbook named `locl` — did you mean `local`?"),
        "{stderr}"
    );
    assert!(stderr.contains("remote"), "lists what exists: {stderr}");
}

#[test]
fn bundled_runbooks_are_valid() {
    let out = runbook(
        &[
            "check",
            "deploy-day7",
            "canary-rollout",
            "release-checklist",
        ],
        &crate_dir(),
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn a_missing_file_is_invalid_input() {
    let out = runbook(&["check", "./nope.md"], &crate_dir(), None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nope.md does not exist"));
}
