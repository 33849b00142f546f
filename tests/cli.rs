//! The `runbook` binary as a user runs it: check, show, list, resolution, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn runbook(args: &[&str], cwd: &Path, runbook_path: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runbook"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("RUNBOOK_PATH")
        .env("XDG_DATA_HOME", cwd.join("xdg-data"));
    if let Some(path) = runbook_path {
        cmd.env("RUNBOOK_PATH", path);
    }
    cmd.output().expect("runbook runs")
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
    assert!(stdout.contains("5 run, 29 check, 2 gate"), "{stdout}");
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
fn check_of_several_files_fails_if_any_fails() {
    let out = runbook(
        &[
            "check",
            "tests/fixtures/seeds/000_ebdede70e6c1452d.txt",
            "tests/fixtures/invalid/empty.md",
        ],
        &crate_dir(),
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).contains("ok  tests/fixtures/seeds/000"));
}

#[test]
fn show_json_follows_the_documented_contract() {
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
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
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
    let gate = sections
        .iter()
        .find(|s| s["title"] == "Go/No-Go Decision Points")
        .expect("gate section");
    assert_eq!(gate["steps"][0]["kind"], "gate");
    assert_eq!(
        gate["steps"][0]["criteria"]
            .as_array()
            .expect("criteria")
            .len(),
        10
    );
    assert_eq!(
        gate["steps"][0]["signoffs"]
            .as_array()
            .expect("signoffs")
            .len(),
        0
    );
    let signoff = sections
        .iter()
        .find(|s| s["title"] == "Sign-offs Required")
        .expect("sign-off section");
    assert_eq!(
        signoff["steps"][0]["signoffs"]
            .as_array()
            .expect("roles")
            .len(),
        5
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
