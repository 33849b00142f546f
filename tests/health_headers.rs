//! `headers:` on http and prometheus checks, against a server on loopback that wants a
//! bearer token: the token comes from the environment, reaches the server, and never shows
//! in a reason, on the screen or in the audit log — even when the server echoes it back.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use support::{Sandbox, records, text};

const TOKEN: &str = "s3cr3t-probe-credential-42";

/// Answers `/health` with 200 only for `Authorization: Bearer TOKEN`, else 401; `/echo`
/// answers `{"status": "<the Authorization header it got>"}`; `/api/v1/query` is Prometheus.
fn start_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || serve(stream));
        }
    });
    format!("http://{addr}")
}

fn serve(mut stream: TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head.split(' ').nth(1).unwrap_or("/").to_string();
    let auth = head
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        })
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let allowed = auth == format!("Bearer {TOKEN}");
    let (status, body) = if path.starts_with("/echo") {
        (200, format!("{{\"status\": \"{auth}\"}}"))
    } else if !allowed {
        (
            401,
            "{\"status\":\"error\",\"error\":\"unauthorized\"}".to_string(),
        )
    } else if path.starts_with("/api/v1/query") {
        let vector = r#"{"resultType":"vector","result":[{"metric":{},"value":[1,"0.5"]}]}"#;
        (200, format!("{{\"status\":\"success\",\"data\":{vector}}}"))
    } else {
        (200, "ok".to_string())
    };
    let reply = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
}

fn runbook_for(base: &str) -> String {
    format!(
        "title: Headers\nhealth:\n\
         \x20 - {{name: api, http: {base}/health, headers: {{Authorization: \"Bearer ${{PROBE_AUTH}}\"}}}}\n\
         \x20 - {{name: bare, http: {base}/health}}\n\
         \x20 - {{name: prom, prometheus: {{url: {base}, query: up}}, headers: {{Authorization: \"Bearer ${{PROBE_AUTH}}\"}}}}\n\
         \x20 - {{name: echo, http: {base}/echo, json_path: status, expect_value: ok, headers: {{Authorization: \"Bearer ${{PROBE_AUTH}}\"}}}}\n\
         steps:\n  - wait: 3s\n    until: [api]\n"
    )
}

fn health_json(sb: &Sandbox, auth: Option<&str>) -> serde_json::Value {
    let mut cmd = sb.command(&["health", "h.yaml", "--json"]);
    match auth {
        Some(value) => cmd.env("PROBE_AUTH", value),
        None => cmd.env_remove("PROBE_AUTH"),
    };
    let out = cmd.output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "echo is never OK: {}",
        text(&out.stderr)
    );
    assert!(!text(&out.stdout).contains(TOKEN), "{}", text(&out.stdout));
    serde_json::from_slice(&out.stdout).expect("json")
}

fn status_and_reason(json: &serde_json::Value, name: &str) -> (String, String) {
    let check = json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == name)
        .expect("check listed");
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    (text(&check["status"]), text(&check["reason"]))
}

#[test]
fn the_bearer_header_reaches_the_server_and_its_value_is_masked() {
    let base = start_server();
    let sb = Sandbox::new();
    sb.runbook("h.yaml", &runbook_for(&base));

    let json = health_json(&sb, Some(TOKEN));
    assert_eq!(
        status_and_reason(&json, "api"),
        ("ok".into(), String::new())
    );
    assert_eq!(
        status_and_reason(&json, "prom"),
        ("ok".into(), String::new())
    );
    assert_eq!(
        status_and_reason(&json, "bare"),
        ("crit".into(), "HTTP 401".into())
    );
    let (status, reason) = status_and_reason(&json, "echo");
    assert_eq!(status, "crit");
    assert_eq!(
        reason, "status is \"***\", expected \"ok\"",
        "the echoed header is masked"
    );

    let json = health_json(&sb, Some("wrong-credential-9"));
    assert_eq!(
        status_and_reason(&json, "api"),
        ("crit".into(), "HTTP 401".into())
    );
    assert_eq!(status_and_reason(&json, "prom").0, "unknown");

    let json = health_json(&sb, None);
    let (status, reason) = status_and_reason(&json, "api");
    assert_eq!(status, "unknown");
    assert_eq!(reason, "header Authorization: $PROBE_AUTH is not set");
}

#[test]
fn a_session_never_shows_or_records_the_header_value() {
    let base = start_server();
    let sb = Sandbox::new();
    sb.runbook("h.yaml", &runbook_for(&base));
    let out = sb
        .command(&["run", "h.yaml", "--plain", "--yes"])
        .env("PROBE_AUTH", TOKEN)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("health: echo UNKNOWN → CRIT (status is \"***\""),
        "{stdout}"
    );
    assert!(!stdout.contains(TOKEN), "{stdout}");
    let log = std::fs::read_to_string(sb.only_log()).expect("log");
    assert!(!log.contains(TOKEN), "the audit log holds the token");
    let changes: Vec<serde_json::Value> = records(&sb.only_log())
        .into_iter()
        .filter(|r| r["kind"] == "health_changed" && r["data"]["check"] == "api")
        .collect();
    assert_eq!(changes[0]["data"]["to"], "OK", "{changes:?}");
}

#[test]
fn headers_are_checked_when_the_runbook_loads() {
    let sb = Sandbox::new();
    sb.runbook(
        "bad.yaml",
        "title: Bad\nhealth:\n  - {name: a, http: http://x/h, headers: {\"Bad Name\": x}}\n\
         \x20 - {name: b, http: http://x/h, headers: {X-Token: \"${UNCLOSED\"}}\n\
         \x20 - {name: c, tcp: \"x:1\", headers: {A: b}}\nsteps: [{check: x}]\n",
    );
    let out = sb.run(&["check", "bad.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("bad.yaml:3:43: error: `Bad Name` is not an HTTP header name"),
        "{stderr}"
    );
    assert!(
        stderr.contains("header `X-Token`: `${` is not closed with `}`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`headers` applies only to http and prometheus checks"),
        "{stderr}"
    );
}
