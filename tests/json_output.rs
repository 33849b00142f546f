//! Every `--json` output this binary prints, parsed as a tool would read it: `sessions`,
//! `list`, `verify`, `health` and `config --show`, each with `"schema": 1`.

mod support;

use serde_json::Value;
use support::{Sandbox, text};

fn json(sb: &Sandbox, args: &[&str], code: i32) -> Value {
    let out = sb.run(args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}",
        text(&out.stderr)
    );
    let value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{args:?} prints JSON ({e}): {}", text(&out.stdout));
    });
    assert_eq!(value["schema"], 1, "{args:?}: {value}");
    value
}

fn recorded_session(sb: &Sandbox) -> String {
    sb.runbook("tiny.md", "# Tiny\n\n- [ ] one\n```bash\necho hi\n```\n");
    let out = sb.run(&["run", "tiny.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = sb.only_log();
    log.file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn sessions_json_lists_each_session_under_a_schema() {
    let sb = Sandbox::new();
    let id = recorded_session(&sb);
    let value = json(&sb, &["sessions", "--json"], 0);
    let sessions = value["sessions"].as_array().expect("sessions array");
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["id"], id.as_str());
    assert_eq!(sessions[0]["state"], "completed");
    assert_eq!(sessions[0]["live"], false);
    assert!(sessions[0]["events"].as_u64().expect("events") > 3);
}

#[test]
fn verify_json_says_ok_or_where_the_log_was_altered() {
    let sb = Sandbox::new();
    let id = recorded_session(&sb);
    let value = json(&sb, &["verify", &id, "--json"], 0);
    assert_eq!(value["verdict"], "ok");
    assert_eq!(value["session"], id.as_str());
    assert_eq!(value["torn_tail"], false);
    assert_eq!(value["last_hash"].as_str().map(str::len), Some(64));

    let log = sb.only_log();
    let altered = std::fs::read_to_string(&log)
        .expect("log")
        .replacen("echo hi", "echo HI", 1);
    std::fs::write(&log, altered).expect("alter");
    let value = json(&sb, &["verify", &id, "--json"], 1);
    assert_eq!(value["verdict"], "tampered");
    assert!(
        value["first_bad_seq"].is_u64() && value["line"].is_u64(),
        "{value}"
    );
    assert!(value["reason"].is_string());
}

#[test]
fn list_json_names_each_runbook_and_whether_it_loads() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.path().join("runbooks")).expect("mkdir");
    sb.runbook("runbooks/good.md", "# Good plan\n\n- [ ] one\n");
    sb.runbook("runbooks/bad.md", "# Bad\n```bash {timeot=5m}\necho\n```\n");
    let value = json(&sb, &["list", "--json"], 0);
    let runbooks = value["runbooks"].as_array().expect("runbooks");
    let find = |name: &str| runbooks.iter().find(|r| r["name"] == name).cloned();
    let good = find("good").expect("good listed");
    assert_eq!(good["title"], "Good plan");
    assert_eq!(good["valid"], true);
    let bad = find("bad").expect("bad listed");
    assert_eq!(bad["valid"], false);
    assert_eq!(bad["errors"], 1);
    assert!(
        find("deploy-day7").is_some(),
        "the built-in examples are listed last"
    );
    assert_eq!(value["searched"][0], "runbooks");
}

#[test]
fn health_json_gives_each_check_its_status_value_and_reason() {
    let sb = Sandbox::new();
    sb.runbook(
        "h.yaml",
        "title: H\nhealth:\n  - {name: ok, cmd: 'echo 42', warn: 50}\n  - {name: broken, cmd: 'exit 3'}\nsteps: [{check: x}]\n",
    );
    let value = json(&sb, &["health", "h.yaml", "--json"], 1);
    assert_eq!(value["ok"], false);
    let checks = value["checks"].as_array().expect("checks");
    assert_eq!(checks[0]["name"], "ok");
    assert_eq!(checks[0]["status"], "ok");
    assert_eq!(checks[0]["value"], 42.0);
    assert_eq!(checks[0]["kind"], "cmd");
    assert_eq!(checks[1]["status"], "crit");
    assert!(
        checks[1]["reason"]
            .as_str()
            .is_some_and(|r| r.contains('3')),
        "{value}"
    );
    let out = sb.run(&["health", "h.yaml", "--json", "--watch"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--json is one probe, not a watch"
    );
}

#[test]
fn config_json_shows_each_setting_and_its_source() {
    let sb = Sandbox::new();
    let value = json(&sb, &["config", "--show", "--json", "--operator", "ana"], 0);
    assert_eq!(value["settings"]["operator"]["value"], "ana");
    assert_eq!(value["settings"]["operator"]["source"], "flag");
    assert_eq!(value["settings"]["signoff_timeout"]["value"], "5m");
    assert_eq!(value["settings"]["signoff_timeout"]["source"], "default");
    assert_eq!(value["file"], Value::Null);
}
