//! `runbook lint`: a fixture per rule with its exact output, shellcheck's findings on the
//! document's own lines, the SARIF log's required fields, exit codes, and the same findings
//! as warnings in `runbook check`.

use runbook::doc::load_path;
use runbook::lint::{Document, Options, lint};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn runbook(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_runbook"))
        .args(args)
        .current_dir(crate_dir())
        .output()
        .expect("run runbook")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const RULE_FIXTURES: &[&str] = &[
    "rb002-destructive-without-rollback",
    "rb003-destructive-without-gate",
    "rb004-unbounded-wait",
    "rb005-gate-without-criteria",
    "rb006-empty-rollback",
    "rb007-never-ending",
    "rb008-literal-secret",
    "rb009-stale-review",
    "allowed",
];

#[test]
fn each_rule_has_a_fixture_with_its_exact_output() {
    for name in RULE_FIXTURES {
        let path = format!("tests/fixtures/lint/{name}.md");
        let out = runbook(&["lint", "--no-shellcheck", &path]);
        let shown = format!(
            "exit {}\n{}",
            out.status.code().unwrap_or(-1),
            text(&out.stdout)
        );
        insta::assert_snapshot!(format!("lint_{name}"), shown);
        assert_eq!(out.status.code(), Some(1), "{name} has findings");
    }
}

fn shellcheck_on_path() {
    let found = std::process::Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "shellcheck must be on PATH for this test (.ci/run installs it)"
    );
}

#[test]
fn shellcheck_findings_land_on_the_document_lines_they_are_about() {
    shellcheck_on_path();
    let path = "tests/fixtures/lint/rb001-shellcheck.md";
    let out = runbook(&["lint", "--json", path]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["shellcheck"], "ran");
    let source = std::fs::read_to_string(crate_dir().join(path)).expect("fixture");
    let at = |f: &Value| {
        let line = source
            .lines()
            .nth(f["line"].as_u64().expect("line") as usize - 1)
            .expect("a line of the document");
        let col = f["col"].as_u64().expect("col") as usize - 1;
        line.chars().skip(col).collect::<String>()
    };
    let findings: Vec<(String, u64, String)> = report["files"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["shellcheck"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
                at(f),
            )
        })
        .collect();
    let expect = [
        ("SC2046", 7, "$(date +%F).tgz *.log"),
        ("SC2035", 7, "*.log"),
        ("SC2086", 8, "$OLD_ARCHIVE"),
        ("SC2086", 14, "$f s3://"),
        ("SC3010", 18, "[[ -n"),
    ];
    assert_eq!(findings.len(), expect.len(), "{findings:#?}");
    for ((code, line, there), (want_code, want_line, starts)) in findings.iter().zip(expect) {
        assert_eq!((code.as_str(), *line), (want_code, want_line));
        assert!(
            there.starts_with(starts),
            "{code} at line {line} points at `{there}`"
        );
    }
    let out = runbook(&["lint", path]);
    insta::assert_snapshot!("lint_rb001-shellcheck", text(&out.stdout));
}

#[test]
fn sarif_log_has_every_required_field() {
    let mut args = vec!["lint", "--no-shellcheck", "--format", "sarif"];
    let paths: Vec<String> = RULE_FIXTURES
        .iter()
        .map(|n| format!("tests/fixtures/lint/{n}.md"))
        .collect();
    args.extend(paths.iter().map(String::as_str));
    let out = runbook(&args);
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(log["version"], "2.1.0");
    assert!(
        log["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("sarif-schema-2.1.0"))
    );
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "runbook");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 9);
    for rule in rules {
        assert!(rule["id"].as_str().is_some_and(|id| id.starts_with("RB0")));
        assert!(
            rule["shortDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
    }
    let results = run["results"].as_array().expect("results");
    assert!(results.len() >= 15, "{}", results.len());
    for result in results {
        let id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], id);
        assert!(matches!(
            result["level"].as_str(),
            Some("error" | "warning" | "note")
        ));
        assert!(
            result["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(paths.iter().any(|p| p == uri), "{uri}");
        assert!(
            location["region"]["startLine"]
                .as_u64()
                .is_some_and(|l| l >= 1)
        );
        assert!(
            location["region"]["startColumn"]
                .as_u64()
                .is_some_and(|c| c >= 1)
        );
    }
    for rule in [
        "RB002", "RB003", "RB004", "RB005", "RB006", "RB007", "RB008", "RB009",
    ] {
        assert!(
            results.iter().any(|r| r["ruleId"] == rule),
            "{rule} has a result"
        );
    }
}

#[test]
fn exit_codes_say_clean_findings_or_invalid_input() {
    let clean = runbook(&[
        "lint",
        "--no-shellcheck",
        "tests/fixtures/real/obsidian-oncall-notes.md",
    ]);
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(text(&clean.stdout), "no findings in 1 file\n");
    let found = runbook(&[
        "lint",
        "--no-shellcheck",
        "tests/fixtures/lint/rb005-gate-without-criteria.md",
    ]);
    assert_eq!(found.status.code(), Some(1));
    let missing = runbook(&[
        "lint",
        "--no-shellcheck",
        "tests/fixtures/lint/no-such-file.md",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    let invalid = runbook(&[
        "lint",
        "--no-shellcheck",
        "tests/fixtures/invalid/unknown-attribute.md",
        "tests/fixtures/lint/rb005-gate-without-criteria.md",
    ]);
    assert_eq!(
        invalid.status.code(),
        Some(2),
        "invalid input wins over findings"
    );
    assert!(text(&invalid.stderr).contains("unknown attribute"));
    assert!(
        text(&invalid.stdout).contains("[RB005]"),
        "the valid file is still linted"
    );
}

#[test]
fn check_prints_the_findings_as_warnings_and_strict_fails_on_them() {
    let file = "tests/fixtures/lint/rb003-destructive-without-gate.md";
    let out = runbook(&["check", "--no-shellcheck", file]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{file}:12:1: warning: `sudo systemctl stop redis-server` stops a service, and nothing asks before it")),
        "{stderr}"
    );
    assert!(
        text(&out.stdout).contains("· 2 warnings"),
        "{}",
        text(&out.stdout)
    );
    let strict = runbook(&["check", "--strict", "--no-shellcheck", file]);
    assert_eq!(strict.status.code(), Some(2));
    let json = runbook(&["check", "--json", "--no-shellcheck", file]);
    let doc: Value = serde_json::from_slice(&json.stdout).expect("json");
    let codes: Vec<&str> = doc["files"][0]["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w["code"].as_str())
        .collect();
    assert_eq!(codes, ["RB003", "RB003"]);
}

#[test]
fn a_review_not_yet_due_is_no_finding() {
    let path = crate_dir().join("tests/fixtures/lint/rb009-stale-review.md");
    let rb = load_path(&path).expect("loads");
    let text = std::fs::read_to_string(&path).expect("text");
    let on = |y, m, d| {
        let options = Options {
            shellcheck: false,
            today: chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date"),
        };
        lint(
            &[Document {
                runbook: &rb,
                text: &text,
            }],
            &options,
        )
        .files[0]
            .len()
    };
    assert_eq!(on(2020, 4, 14), 0, "due that day, not yet overdue");
    assert_eq!(on(2020, 4, 15), 1);
}

#[test]
fn the_seeds_bundled_runbooks_and_corpus_lint_without_shellcheck() {
    let mut targets: Vec<String> = Vec::new();
    for dir in ["tests/fixtures/seeds", "runbooks", "tests/fixtures/real"] {
        for entry in std::fs::read_dir(crate_dir().join(dir))
            .expect("dir")
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != "SOURCES.md" {
                targets.push(format!("{dir}/{name}"));
            }
        }
    }
    let args: Vec<&str> = ["lint", "--no-shellcheck"]
        .into_iter()
        .chain(targets.iter().map(String::as_str))
        .collect();
    let out = runbook(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout
            .contains("004_7067a63b44cad426.txt:522:1: error: `logs -f` follows the logs for ever"),
        "seed 004's Commands Reference starts a never-ending command: {stdout}"
    );
    assert!(
        stdout.ends_with(&format!("in {} files\n", targets.len())),
        "{stdout}"
    );
    assert!(Path::new(&crate_dir()).join("tests/fixtures/lint").is_dir());
}
