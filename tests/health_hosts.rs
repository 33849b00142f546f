//! Health checks `on:` a host, against a real sshd on loopback (tests/sshd): a `cmd` check
//! runs on the host it names (each alias carries `RUNBOOK_TEST_HOST`), `system` checks
//! read the host's load, memory, disk and CPU, an alias at a closed port is DOWN with
//! ssh's reason, a check that outlives its timeout is DOWN at once and leaves nothing on
//! the server; in a session the samples reach the audit log; `check` and `show` know
//! the checks' hosts.

mod sshd;
mod support;

use serde_json::Value;
use sshd::Sshd;
use std::time::{Duration, Instant};
use support::{Sandbox, events, records, text};

/// `runbook health NAME --json --ssh-config <the server's config>`: the checks by name.
fn health_json(sb: &Sandbox, sshd: &Sshd, runbook: &str) -> (Option<i32>, Vec<Value>) {
    let config = sshd.config();
    let out = sb.run(&[
        "health",
        runbook,
        "--json",
        "--ssh-config",
        config.to_str().expect("utf8"),
    ]);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON ({e}): {} {}", text(&out.stdout), text(&out.stderr)));
    let checks = json["checks"].as_array().expect("checks").clone();
    (out.status.code(), checks)
}

fn by_name<'a>(checks: &'a [Value], name: &str) -> &'a Value {
    checks
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {checks:?}"))
}

#[test]
fn a_cmd_check_runs_on_the_host_it_names() {
    let sshd = Sshd::start(3);
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("value-host02"), "42\n").expect("host02's file");
    sb.runbook(
        "value.yaml",
        &format!(
            "title: T\nhosts:\n  web: [\"host[01:03]\"]\nhealth:\n  - {{name: on-02, cmd: 'cat {d}/value-$RUNBOOK_TEST_HOST', on: host02, warn: 40}}\n  - {{name: on-01, cmd: 'cat {d}/value-$RUNBOOK_TEST_HOST', on: host01}}\nsteps:\n  - run: 'true'\n",
            d = dir.path().display()
        ),
    );
    let (code, checks) = health_json(&sb, &sshd, "value.yaml");
    assert_eq!(code, Some(1), "{checks:?}");
    let on_02 = by_name(&checks, "on-02");
    assert_eq!(on_02["on"], "host02");
    assert_eq!(on_02["value"], 42.0, "{on_02}");
    assert_eq!(on_02["status"], "warn", "{on_02}");
    let on_01 = by_name(&checks, "on-01");
    assert_eq!(on_01["status"], "crit", "host01 has no such file: {on_01}");
    let reason = on_01["reason"].as_str().expect("reason");
    assert!(reason.contains("value-host01"), "{reason}");
}

#[test]
fn system_checks_read_the_hosts_load_memory_disk_and_cpu() {
    let sshd = Sshd::start(2);
    let sb = Sandbox::new();
    sb.runbook(
        "system.yaml",
        "title: T\nhosts:\n  web: [host01, host02]\nhealth:\n  - {name: load, system: load, on: host01}\n  - {name: memory, system: memory, on: host02}\n  - {name: disk, system: 'disk:/', on: host01}\n  - {name: cpu, system: cpu, on: host02}\nsteps:\n  - run: 'true'\n",
    );
    let (_, checks) = health_json(&sb, &sshd, "system.yaml");
    for name in ["load", "memory", "disk", "cpu"] {
        let check = by_name(&checks, name);
        assert_eq!(check["status"], "ok", "{check}");
        let value = check["value"].as_f64().expect("a value");
        assert!(value >= 0.0, "{check}");
        if name != "load" {
            assert!(value <= 100.0, "{check}");
            assert!(check["shown"].as_str().expect("shown").ends_with('%'));
        }
    }
}

#[test]
fn an_unreachable_host_is_down_with_ssh_s_reason_and_a_hung_check_is_cut_at_its_timeout() {
    let sshd = Sshd::start(1);
    let sb = Sandbox::new();
    let (name, value) = sshd::token();
    sb.runbook(
        "bad.yaml",
        &format!(
            "title: T\nhosts:\n  web: [host01]\n  edge: [dead]\nhealth:\n  - {{name: edge, cmd: 'true', on: dead}}\n  - {{name: hung, cmd: 'export {name}={value}; sleep 60', on: host01, timeout: 1s}}\nsteps:\n  - run: 'true'\n"
        ),
    );
    let began = Instant::now();
    let (code, checks) = health_json(&sb, &sshd, "bad.yaml");
    assert!(
        began.elapsed() < Duration::from_secs(20),
        "{:?}",
        began.elapsed()
    );
    assert_eq!(code, Some(1));
    let edge = by_name(&checks, "edge");
    assert_eq!(edge["status"], "down", "{edge}");
    let reason = edge["reason"].as_str().expect("reason");
    assert!(reason.contains("Connection refused"), "{reason}");
    let hung = by_name(&checks, "hung");
    assert_eq!(hung["status"], "down", "{hung}");
    assert_eq!(hung["reason"], "timeout after 1s");
    let left = sshd::gone(&format!("{name}={value}"), Duration::from_secs(10));
    assert!(left.is_empty(), "left on the server: {left:?}");
}

#[test]
fn a_session_records_its_host_checks_and_waits_on_them() {
    let sshd = Sshd::start(2);
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("ready-host02"), "1\n").expect("host02's file");
    sb.runbook(
        "wait.yaml",
        &format!(
            "title: T\nhosts:\n  web: [host01, host02]\nhealth:\n  - {{name: ready, cmd: 'cat {d}/ready-$RUNBOOK_TEST_HOST', on: host02, every: 200ms, timeout: 2s}}\n  - {{name: edge, system: load, on: host01, every: 200ms, timeout: 2s}}\nsteps:\n  - wait: 30s\n    until: [ready]\n    stable_for: 600ms\n",
            d = dir.path().display()
        ),
    );
    let config = sshd.config();
    let out = sb.run(&[
        "run",
        "wait.yaml",
        "--plain",
        "--yes",
        "--ssh-config",
        config.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = records(&sb.only_log());
    let ended = events(&log, "wait_ended")[0];
    assert_eq!(ended["data"]["early"], true, "{ended}");
    let changes = events(&log, "health_changed");
    for check in ["ready", "edge"] {
        assert!(
            changes
                .iter()
                .any(|c| c["data"]["check"] == check && c["data"]["to"] == "OK"),
            "{check} went OK: {changes:?}"
        );
    }
}

#[test]
fn check_and_show_know_the_checks_hosts() {
    let sb = Sandbox::new();
    sb.runbook(
        "unknown.md",
        "---\ntitle: T\nhosts:\n  web: [\"web[01:02]\"]\nhealth:\n  - {name: disk, system: disk, on: web01}\n  - {name: gone, cmd: 'true', on: web09}\n---\n# T\n\n```bash\ntrue\n```\n",
    );
    let out = sb.run(&["check", "unknown.md"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let said = text(&out.stderr);
    assert!(
        said.contains("health check `gone`: `on: web09` is not a host the runbook declares"),
        "{said}"
    );
    sb.runbook(
        "http.md",
        "---\ntitle: T\nhosts:\n  web: [web01]\nhealth:\n  - {name: api, http: 'http://localhost:1/', on: web01}\n---\n# T\n\n```bash\ntrue\n```\n",
    );
    let out = sb.run(&["check", "http.md"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let said = text(&out.stderr);
    assert!(
        said.contains("`on` applies only to cmd and system checks, not http"),
        "{said}"
    );
    sb.runbook(
        "good.md",
        "---\ntitle: T\nhosts:\n  web: [\"web[01:02]\"]\nhealth:\n  - {name: disk, system: disk, on: web02}\n---\n# T\n\n```bash\ntrue\n```\n",
    );
    let shown = sb.run(&["show", "good.md", "--json"]);
    let json: Value = serde_json::from_slice(&shown.stdout).expect("JSON");
    assert_eq!(json["health"][0]["on"], "web02", "{json}");
}
