//! Health checks inside a session, against a real HTTP server on loopback: waits that end
//! once checks are stable (and not before), gate evidence, and `rollback_if` stopping a
//! `--plain --yes` run — every case read back from the audit log.

mod loopback;
mod support;

use loopback::Server;
use serde_json::Value;
use std::time::Duration;
use support::{Sandbox, events, records};

fn runbook_with(server: &Server, extra_check: &str, steps: &str) -> String {
    format!(
        "title: health in a session\nhealth:\n  - {{name: api, http: '{}', every: 200ms, timeout: 300ms}}\n{extra_check}sections:\n  - title: main\n    steps:\n{steps}",
        server.url("/health")
    )
}

fn wall_ms(stamp: &Value) -> i64 {
    let text = stamp.as_str().expect("a timestamp");
    chrono::DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339")
        .timestamp_millis()
}

fn ms_between(a: &Value, b: &Value) -> i64 {
    b["mono_ms"].as_i64().expect("mono_ms") - a["mono_ms"].as_i64().expect("mono_ms")
}

#[test]
fn a_gated_wait_ends_early_only_once_the_check_is_stable() {
    let server = Server::start();
    server.answer("/health", 200, "ok");
    let sandbox = Sandbox::new();
    let steps = "      - wait: 30s\n        until: [api]\n        stable_for: 1500ms\n";
    let path = sandbox.runbook("gated.yaml", &runbook_with(&server, "", steps));
    let out = sandbox.run(&["run", path.to_str().expect("path"), "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", support::text(&out.stderr));
    let log = records(&sandbox.only_log());
    let started = events(&log, "wait_started")[0];
    let ended = events(&log, "wait_ended")[0];
    assert_eq!(ended["data"]["early"], true);
    let reason = ended["data"]["reason"].as_str().expect("reason");
    assert!(reason.contains("api OK for 1.5s"), "{reason}");
    assert!(
        ms_between(started, ended) >= 1500,
        "ended before stable_for"
    );
    assert!(ms_between(started, ended) < 30_000, "waited the full time");
}

#[test]
fn a_flapping_check_restarts_the_stable_period() {
    let server = Server::start();
    server.answer("/health", 200, "ok");
    let sandbox = Sandbox::new();
    let steps = "      - wait: 30s\n        until: [api]\n        stable_for: 2s\n";
    let path = sandbox.runbook("flap.yaml", &runbook_with(&server, "", steps));
    let mut child = sandbox
        .command(&["run", path.to_str().expect("path"), "--plain", "--yes"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(1200));
    server.answer("/health", 503, "down");
    std::thread::sleep(Duration::from_millis(600));
    server.answer("/health", 200, "ok");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    let log = records(&sandbox.only_log());
    let back_ok = events(&log, "health_changed")
        .into_iter()
        .rfind(|e| e["data"]["to"] == "OK" && e["data"]["from"] != "UNKNOWN")
        .expect("the check came back to OK during the wait");
    assert!(
        back_ok["data"]["observed"].is_string(),
        "a status change says when the probe saw it: {back_ok}"
    );
    let ended = events(&log, "wait_ended")[0];
    assert_eq!(ended["data"]["early"], true);
    // stable_for counts from when the probe saw OK, which a busy machine may write later.
    let seen_ok = wall_ms(&back_ok["data"]["observed"]);
    let wait_over = wall_ms(&ended["ts"]);
    assert!(
        wait_over - seen_ok >= 2000,
        "the wait ended {} ms after the check came back, before stable_for",
        wait_over - seen_ok
    );
}

#[test]
fn a_gated_wait_that_never_stabilises_fails_at_its_deadline_and_yes_stops_there() {
    let server = Server::start();
    server.answer("/health", 503, "down");
    let sandbox = Sandbox::new();
    let steps = "      - wait: 1s\n        until: [api]\n        stable_for: 5s\n";
    let path = sandbox.runbook("deadline.yaml", &runbook_with(&server, "", steps));
    let out = sandbox.run(&["run", path.to_str().expect("path"), "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "a failed wait stops --yes");
    let log = records(&sandbox.only_log());
    let ended = events(&log, "wait_ended")[0];
    assert_eq!(ended["data"]["early"], false);
    assert_eq!(ended["data"]["failed"], true);
    let reason = ended["data"]["reason"].as_str().expect("reason");
    assert!(reason.starts_with("deadline reached"), "{reason}");
    assert!(reason.contains("api CRIT"), "{reason}");
    assert!(support::text(&out.stdout).contains("✗ wait failed: deadline reached"));
}

#[test]
fn a_gate_records_its_evidence_checks_with_the_decision() {
    let server = Server::start();
    server.answer("/health", 200, "ok");
    let sandbox = Sandbox::new();
    let steps = "      - wait: 10s\n        until: [api]\n      - gate: Go for the rest\n        criteria: [api healthy]\n        evidence: [api]\n";
    let path = sandbox.runbook("evidence.yaml", &runbook_with(&server, "", steps));
    let out = sandbox.run(&["run", path.to_str().expect("path"), "--plain", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        support::text(&out.stdout),
        support::text(&out.stderr)
    );
    let log = records(&sandbox.only_log());
    let decided = events(&log, "gate_decided")[0];
    let evidence = &decided["data"]["evidence"];
    assert_eq!(evidence["api"]["status"], "OK", "{evidence}");
}

#[test]
fn rollback_if_stops_a_plain_yes_run_before_its_next_step() {
    let server = Server::start();
    server.answer("/health", 200, "ok");
    server.answer("/errors", 200, "ok");
    let sandbox = Sandbox::new();
    let errors = format!(
        "  - {{name: errors, http: '{}', every: 200ms, timeout: 300ms, rollback_if: {{crit_for: 2s}}}}\n",
        server.url("/errors")
    );
    let steps = "      - run: sleep 4\n        name: slow\n      - run: echo never\n        name: after\n    \nrollback:\n  - run: echo rolling back\n    name: undo\n";
    let path = sandbox.runbook("trigger.yaml", &runbook_with(&server, &errors, steps));
    let child = sandbox
        .command(&["run", path.to_str().expect("path"), "--plain", "--yes"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(500));
    server.answer("/errors", 503, "errors");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1), "{}", support::text(&out.stdout));
    assert!(support::text(&out.stdout).contains("ROLLBACK SUGGESTED"));
    let log = records(&sandbox.only_log());
    let prompted = events(&log, "rollback_prompted");
    assert_eq!(prompted.len(), 1, "one prompt per critical spell");
    assert_eq!(prompted[0]["data"]["checks"][0], "errors");
    let started: Vec<&str> = events(&log, "step_started")
        .iter()
        .filter_map(|e| e["step"].as_str())
        .collect();
    assert_eq!(started, ["slow"], "no step started after the prompt");
    assert_eq!(events(&log, "driver_left").len(), 1, "resumable, not ended");
    let verify = sandbox.run(&["verify", sandbox.only_log().to_str().expect("path")]);
    assert_eq!(verify.status.code(), Some(0));
}
