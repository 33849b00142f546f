//! `runbook export`: sessions recorded by the real binary, exported as a Markdown
//! timeline, an asciicast and JSON, and read back the way their users read them.

mod pty;
mod support;

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use support::{Sandbox, text};

/// Every kind of step `--plain --yes` can walk: output on both streams, a failure that
/// walks on, a check, a wait, a note, a Go/No-Go gate, a sign-off, and a failure that
/// enters the rollback procedure.
const DEPLOY: &str = r#"---
params:
  version: {default: v1.0.0}
---
# Deploy {{version}}

## Prepare
```bash {name=build}
echo "building $VERSION"
sleep 0.2
echo "warning: cache cold" >&2
```

```bash {name=flaky on_fail=continue}
echo trying; exit 3
```

- [ ] Dashboard is green

```runbook
- wait: 5m
- note: Traffic shift happens tomorrow.
```

## Go/No-Go
- All tests passing
- Error rate < 0.1%

## Sign-off
- [ ] Engineering Lead

## Release
```bash {name=release on_fail=rollback}
echo releasing; exit 4
```

## Rollback
```bash {name=undo}
echo undoing
```
"#;

/// The steps of [`DEPLOY`], with what each printed.
const DEPLOY_STEPS: &[(&str, &str)] = &[
    ("build", "building v1.0.0"),
    ("flaky", "trying"),
    ("1#3", ""),
    ("1#4", ""),
    ("1#5", ""),
    ("2#1", ""),
    ("3#1", ""),
    ("release", "releasing"),
    ("undo", "undoing"),
];

fn record_deploy(sb: &Sandbox) -> std::path::PathBuf {
    sb.runbook("deploy.md", DEPLOY);
    let out = sb.run(&[
        "run",
        "deploy.md",
        "--plain",
        "--yes",
        "--skip-waits",
        "--signoff",
        "Engineering Lead=Ana",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    sb.only_log()
}

fn export(sb: &Sandbox, session: &str, format: &str) -> String {
    let out = sb.run(&["export", session, "--format", format]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

fn session_id(log: &Path) -> String {
    log.file_stem()
        .and_then(|s| s.to_str())
        .expect("session id")
        .to_string()
}

#[test]
fn markdown_tells_the_whole_session() {
    let sb = Sandbox::new();
    let log = record_deploy(&sb);
    let md = export(&sb, &session_id(&log), "md");
    for wanted in [
        "# Session record: Deploy v1.0.0",
        "| Outcome | **rolled back** — rollback finished",
        "`version` = `v1.0.0`",
        "| Mode | --yes, --skip-waits |",
        "hash chain intact",
        "echo \"building $VERSION\"\nsleep 0.2\necho \"warning: cache cold\" >&2\n```",
        "  building v1.0.0\n! warning: cache cold\n",
        "ok: exit 0 after",
        "echo trying; exit 3\n```",
        "FAILED: exit 3 after",
        "skipped: failed (exit 3); on_fail=continue",
        "check confirmed automatically (--yes)",
        "wait ended early: --skip-waits",
        "decision: GO automatically (--yes)",
        "  - criterion: All tests passing\n  - criterion: Error rate \\< 0.1%",
        "Engineering Lead signed by Ana (OS user",
        "  - signed: Engineering Lead — Ana",
        " · Rollback\n\n- T+",
        "ROLLBACK entered: step release failed (exit 4); on_fail=rollback",
        " · undo\n\n_run step in Rollback · rollback_",
        "session ended: rolled back",
    ] {
        assert!(md.contains(wanted), "missing {wanted:?} in\n{md}");
    }
    insta::assert_snapshot!("deploy_md", redact(&md, &sb));
}

#[test]
fn json_is_every_record_in_order() {
    let sb = Sandbox::new();
    let log = record_deploy(&sb);
    let json: Value = serde_json::from_str(&export(&sb, &session_id(&log), "json")).expect("json");
    let records = json.as_array().expect("an array");
    let lines = std::fs::read_to_string(&log).expect("log").lines().count();
    assert_eq!(records.len(), lines, "the header and every event");
    assert_eq!(records[0]["kind"], "header");
    assert_eq!(records[0]["data"]["session_id"], session_id(&log));
    for (i, record) in records.iter().enumerate() {
        assert_eq!(record["seq"], i as u64);
        let keys: Vec<&str> = record
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["data", "kind", "mono_ms", "seq", "step", "ts"]);
    }
    let output = records
        .iter()
        .find(|r| r["kind"] == "output" && r["step"] == "build")
        .expect("build output");
    assert_eq!(output["data"]["text"], "building v1.0.0\n");
}

/// The cast's header and events, checked against asciicast v2.
fn parse_cast(cast: &str) -> (Value, Vec<(f64, String, String)>) {
    let mut lines = cast.lines();
    let header: Value = serde_json::from_str(lines.next().expect("header")).expect("header json");
    let events = lines
        .map(|line| {
            let event: Value = serde_json::from_str(line).expect("event json");
            let parts = event.as_array().expect("an array");
            assert_eq!(parts.len(), 3, "{line}");
            let time = parts[0].as_f64().expect("time");
            let code = parts[1].as_str().expect("code").to_string();
            let data = parts[2].as_str().expect("data").to_string();
            (time, code, data)
        })
        .collect();
    (header, events)
}

#[test]
fn the_cast_is_asciicast_v2_with_a_marker_per_step() {
    let sb = Sandbox::new();
    let log = record_deploy(&sb);
    let (header, events) = parse_cast(&export(&sb, &session_id(&log), "cast"));
    assert_eq!(header["version"], 2);
    assert!(header["width"].as_u64().is_some() && header["height"].as_u64().is_some());
    assert!(header["timestamp"].as_i64().is_some());
    assert!(
        header["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("Deploy v1.0.0"))
    );
    assert!(
        events.windows(2).all(|w| w[0].0 <= w[1].0),
        "times never go back"
    );
    assert!(events.iter().all(|(_, code, _)| code == "o" || code == "m"));
    let markers: Vec<&str> = events
        .iter()
        .filter(|(_, code, _)| code == "m")
        .map(|(_, _, label)| label.as_str())
        .collect();
    for (step, _) in DEPLOY_STEPS {
        assert!(
            markers.iter().any(|m| m.starts_with(step)),
            "no marker for {step}: {markers:?}"
        );
    }
    assert!(
        markers
            .iter()
            .any(|m| m.starts_with("ROLLBACK: step release failed"))
    );
    assert!(markers.contains(&"end: rolled back"), "{markers:?}");
    let screen: String = events
        .iter()
        .filter(|(_, code, _)| code == "o")
        .map(|(_, _, data)| data.as_str())
        .collect();
    assert!(screen.contains("$ echo \"building $VERSION\""), "{screen}");
    assert!(
        screen.contains("building v1.0.0\r\n"),
        "pipe output gets CR LF"
    );
    assert!(
        screen.contains("\x1b[31mwarning: cache cold\r\n"),
        "stderr in red"
    );
    assert!(screen.contains("✘ FAILED: exit 3"));
    assert!(!screen.contains("\n\n") && !screen.replace("\r\n", "").contains('\n'));
}

#[test]
fn a_secret_printed_by_a_command_is_masked_in_every_format() {
    let sb = Sandbox::new();
    let secret = "tok-abcdefgh-42xyz";
    sb.runbook(
        "secret.md",
        "# Secret\n```bash {name=leak}\necho \"token is $API_TOKEN\"\nprintf '%s' \"$API_TOKEN\" | base64\nprintf 'tok-abcd'; sleep 0.2; printf 'efgh-42xyz\\n'\n```\n",
    );
    let out = sb
        .command(&["run", "secret.md", "--plain", "--yes"])
        .env("API_TOKEN", secret)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let id = session_id(&sb.only_log());
    for format in ["md", "cast", "json"] {
        let exported = export(&sb, &id, format);
        assert!(!exported.contains(secret), "{format} leaks the secret");
        assert!(exported.contains("token is ***"), "{format}: {exported}");
    }
}

#[test]
fn what_the_operator_did_by_hand_is_in_the_timeline() {
    let sb = Sandbox::new();
    sb.runbook(
        "hand.md",
        "# Hand\n## Checks\n- [ ] Dashboards green\n- [ ] Pager quiet\n## Go/No-Go\n- Error rate < 0.1%\n## Rollback\n```bash {confirm=none}\necho rolling back\n```\n",
    );
    let mut child = sb
        .command(&["run", "hand.md", "--plain", "--operator", "ana"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let answers = "n\nlooked at grafana\ny\ns\npager is down for maintenance\nx\nerrors over budget\nb\nerror rate 2%\n";
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(answers.as_bytes())
        .expect("answer");
    assert_eq!(child.wait().expect("finish").code(), Some(1));
    let md = export(&sb, &session_id(&sb.only_log()), "md");
    for wanted in [
        "ana on ",
        "| Mode | interactive |",
        "note: looked at grafana",
        "check confirmed by the operator",
        "skipped: pager is down for maintenance",
        "decision: NO-GO by the operator",
        "NO-GO because: errors over budget",
        "  - criterion: Error rate \\< 0.1%",
        "ROLLBACK entered: error rate 2%",
        "echo rolling back\n```",
        "  rolling back\n",
        "| 2#1 · gate: Go/No-Go | Go/No-Go | gate | **NO-GO** |",
    ] {
        assert!(md.contains(wanted), "missing {wanted:?} in\n{md}");
    }
}

#[test]
fn a_handover_names_every_operator() {
    let sb = Sandbox::new();
    sb.runbook(
        "handover.md",
        "# Handover\n```bash {name=first confirm=none}\necho one\n```\n- [ ] Dashboards green\n",
    );
    let first = sb.run(&["run", "handover.md", "--plain", "--operator", "ana"]);
    assert_eq!(first.status.code(), Some(1), "no answer aborts");
    let id = session_id(&sb.only_log());
    let second = sb.run(&["resume", &id, "--plain", "--yes", "--operator", "bo"]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    let md = export(&sb, &id, "md");
    let operator = md
        .lines()
        .find(|l| l.starts_with("| Operator |"))
        .expect("operator row");
    assert!(operator.contains("ana on "), "{operator}");
    assert!(operator.contains("; bo on "), "{operator}");
    assert!(operator.contains(" resumed it ("), "{operator}");
    assert!(md.contains("session ended: aborted — no answer"), "{md}");
    assert!(md.contains(" · Session resumed\n\n- T+"), "{md}");
    assert!(
        md.contains("| Outcome | **completed** — all steps done |"),
        "{md}"
    );
}

#[test]
fn export_writes_a_file_and_names_what_it_cannot_find() {
    let sb = Sandbox::new();
    let log = record_deploy(&sb);
    let id = session_id(&log);
    let file = sb.path().join("out.cast");
    let out = sb.run(&[
        "export",
        &id[..8],
        "--format",
        "cast",
        "--output",
        "out.cast",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let cast = std::fs::read_to_string(&file).expect("written");
    assert!(cast.starts_with("{\"version\":2,"));
    let by_path = sb.run(&["export", log.to_str().expect("utf8"), "--format", "json"]);
    assert_eq!(by_path.status.code(), Some(0));
    let missing = sb.run(&["export", "nope", "--format", "md"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("no session \"nope\""));
    let bad = sb.run(&["export", &id, "--format", "html"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// asciinema 3 reads the cast: `convert` to text shows each step's command and output.
#[test]
fn asciinema_converts_the_cast_to_text_with_every_step() {
    if !asciinema_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "asciinema is required in CI (cargo install --locked asciinema)"
        );
        eprintln!("note: asciinema is not installed; skipping the asciinema check");
        return;
    }
    let sb = Sandbox::new();
    let log = record_deploy(&sb);
    let cast = sb.path().join("deploy.cast");
    let txt = sb.path().join("deploy.txt");
    std::fs::write(&cast, export(&sb, &session_id(&log), "cast")).expect("write cast");
    let out = std::process::Command::new("asciinema")
        .arg("convert")
        .arg(&cast)
        .arg(&txt)
        .output()
        .expect("asciinema runs");
    assert!(
        out.status.success(),
        "asciinema convert: {}",
        text(&out.stderr)
    );
    let screen = std::fs::read_to_string(&txt).expect("converted text");
    for (step, printed) in DEPLOY_STEPS {
        assert!(
            screen.contains(&format!("── {step}")),
            "{step} in\n{screen}"
        );
        assert!(screen.contains(printed), "{printed:?} in\n{screen}");
    }
    assert!(screen.contains("$ echo \"building $VERSION\""), "{screen}");
    assert!(screen.contains("warning: cache cold"), "{screen}");
}

/// `asciinema play -m` stops at each step marker; `]` seeks to the next one.
#[test]
fn asciinema_play_seeks_from_step_to_step_by_its_markers() {
    if !asciinema_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "asciinema is required in CI (cargo install --locked asciinema)"
        );
        return;
    }
    let sb = Sandbox::new();
    let log = record_deploy(&sb);
    let cast = sb.path().join("deploy.cast");
    std::fs::write(&cast, export(&sb, &session_id(&log), "cast")).expect("write cast");
    let cast = cast.display().to_string();
    let mut player = pty::Term::spawn_program("asciinema", &["play", "-m", &cast], sb.path(), &[]);
    // Paused at the first marker; each `]` seeks to the next one, so the step banners
    // come into view one by one, in order, never two at a time.
    player.wait_for("# session deploy-");
    let banners: Vec<String> = ["build", "flaky", "1#3", "1#4", "1#5"]
        .iter()
        .map(|step| format!("── {step} "))
        .collect();
    let shown = |screen: &str| {
        banners
            .iter()
            .filter(|b| screen.contains(b.as_str()))
            .count()
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut seen = shown(&player.contents());
    assert!(seen <= 1, "paused at the first marker");
    while seen < banners.len() {
        player.send("]");
        player.wait_until("the next step after a seek", |s| shown(s) > seen);
        std::thread::sleep(std::time::Duration::from_millis(200));
        let now = shown(&player.contents());
        assert_eq!(now, seen + 1, "one seek, one more step");
        seen = now;
    }
    player.send("\x03");
}

fn asciinema_available() -> bool {
    std::process::Command::new("asciinema")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The export with what changes from run to run replaced by placeholders.
fn redact(md: &str, sb: &Sandbox) -> String {
    let sandbox = sb.path().display().to_string();
    let host = text(
        &std::process::Command::new("hostname")
            .output()
            .expect("hostname")
            .stdout,
    );
    let rules = [
        (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC", "<date>"),
        (r"\d\d:\d\d:\d\dZ", "<time>"),
        (r"T\+\d\d:\d\d", "T+mm:ss"),
        (r"deploy-\d{8}T\d{4}Z-[0-9a-f]{4}", "<session>"),
        (r"[0-9a-f]{64}", "<hash>"),
        (r"`[0-9a-f]{12}`", "`<sha>`"),
        (r"\b\d+(\.\d)?(ms|s)\b", "<dur>"),
        (r"OS user [^,)]+", "OS user <user>"),
        (
            r"\| [^|]+ on [^|]+ started it",
            "| <operator> on <host> started it",
        ),
    ];
    let mut out = md.replace(&sandbox, "<sandbox>");
    out = out.replace(&format!("| Host | {} |", host.trim()), "| Host | <host> |");
    for (pattern, with) in rules {
        out = regex::Regex::new(pattern)
            .expect("pattern")
            .replace_all(&out, with)
            .into_owned();
    }
    out
}
