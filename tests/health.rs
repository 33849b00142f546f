//! The health monitor against real servers on loopback: status transitions, fail_after,
//! thresholds, prometheus, cmd, json_path, isolation of hung probes, rollback and ok timers.

mod loopback;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use loopback::{
    Reply, Server, TRANSITION, above, below, check, http, http_json, reason, start, state,
    until_status, wait_for,
};
use runbook::doc::health::{Probe, RollbackIf};
use runbook::health::{Status, probe_once};

/// One interval (200 ms) + timeout (300 ms) is the target; a loaded machine gets slack.
const EVERY_PLUS_TIMEOUT: Duration = Duration::from_millis(500);

#[test]
fn http_check_goes_ok_then_crit_on_503_then_down_when_the_server_stops_answering() {
    let server = Server::start();
    server.answer("/health", 200, "ok");
    let monitor = start(vec![check("api", http(server.url("/health")))]);
    assert_eq!(
        state(&monitor, "api").status,
        Status::Unknown,
        "before the first sample"
    );
    let (ok, _) = until_status(&monitor, "api", Status::Ok);
    assert!(ok.last.as_ref().expect("sample").shown.ends_with(" ms"));

    server.answer("/health", 503, "down");
    let (crit, took) = until_status(&monitor, "api", Status::Crit);
    assert_eq!(reason(&crit).as_deref(), Some("HTTP 503"));
    assert_eq!(crit.last.as_ref().expect("sample").shown, "503");
    assert!(
        took < EVERY_PLUS_TIMEOUT + Duration::from_millis(1500),
        "{took:?}"
    );

    server.set("/health", Reply::Hang);
    let (down, took) = until_status(&monitor, "api", Status::Down);
    assert_eq!(reason(&down).as_deref(), Some("timeout after 300ms"));
    assert!(
        took < EVERY_PLUS_TIMEOUT + Duration::from_millis(1500),
        "{took:?}"
    );

    let changes: Vec<(Status, Status)> = monitor
        .take_changes()
        .iter()
        .map(|c| (c.from, c.to))
        .collect();
    assert_eq!(
        changes,
        [
            (Status::Unknown, Status::Ok),
            (Status::Ok, Status::Crit),
            (Status::Crit, Status::Down)
        ]
    );
    assert!(
        monitor.take_changes().is_empty(),
        "changes are handed out once"
    );
    monitor.stop();
}

#[test]
fn tcp_check_goes_down_with_connection_refused_when_the_listener_closes() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("addr").to_string();
    let monitor = start(vec![check("db", Probe::Tcp { address })]);
    let (ok, _) = until_status(&monitor, "db", Status::Ok);
    assert!(
        ok.last.expect("sample").value.is_some(),
        "connect time is the value"
    );
    drop(listener);
    let (down, _) = until_status(&monitor, "db", Status::Down);
    assert_eq!(reason(&down).as_deref(), Some("connection refused"));
    monitor.stop();
}

#[test]
fn prometheus_values_cross_warn_and_crit_and_errors_are_unknown() {
    let server = Server::start();
    let value = |v: &str| {
        format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[1700000000.1,"{v}"]}}]}}}}"#
        )
    };
    server.answer("/api/v1/query", 200, &value("0.001"));
    let query = r#"sum(rate(http_errors{job="api"}[5m]))"#;
    let mut c = check(
        "errors",
        Probe::Prometheus {
            url: server.url(""),
            query: query.into(),
            headers: Vec::new(),
        },
    );
    (c.warn, c.crit) = (above(0.01), above(0.05));
    let monitor = start(vec![c]);
    let (ok, _) = until_status(&monitor, "errors", Status::Ok);
    assert_eq!(ok.last.expect("sample").shown, "0.001");
    assert!(
        server.queries()[0]
            .starts_with("query=sum%28rate%28http_errors%7Bjob%3D%22api%22%7D%5B5m%5D%29%29"),
        "{:?}",
        server.queries()
    );
    server.answer("/api/v1/query", 200, &value("0.02"));
    let (warn, _) = until_status(&monitor, "errors", Status::Warn);
    assert_eq!(reason(&warn).as_deref(), Some("above warn 0.01"));
    server.answer("/api/v1/query", 200, &value("0.07"));
    until_status(&monitor, "errors", Status::Crit);

    let error = r#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#;
    server.answer("/api/v1/query", 400, error);
    let (unknown, _) = until_status(&monitor, "errors", Status::Unknown);
    assert_eq!(
        reason(&unknown).as_deref(),
        Some("query error: parse error at char 5")
    );
    server.answer(
        "/api/v1/query",
        200,
        r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
    );
    wait_for(TRANSITION, "no data", || {
        Some(()).filter(|()| reason(&state(&monitor, "errors")).as_deref() == Some("no data"))
    });
    assert_eq!(state(&monitor, "errors").status, Status::Unknown);
    monitor.stop();
}

#[test]
fn cmd_checks_use_exit_status_first_number_env_and_timeout() {
    let cmd = |name: &str, command: &str| {
        check(
            name,
            Probe::Cmd {
                command: command.into(),
            },
        )
    };
    let mut five = cmd("five", "echo 5");
    five.warn = below(3.0);
    let mut two = cmd("two", "echo replicas: 2/3");
    (two.warn, two.crit) = (below(3.0), below(1.0));
    let mut zero = cmd("zero", "echo 0");
    (zero.warn, zero.crit) = (below(3.0), below(1.0));
    let mut words = cmd("words", "echo none");
    words.warn = below(3.0);
    let mut slow = cmd("slow", "sleep 5");
    slow.timeout = Duration::from_millis(500);
    let checks = vec![
        five,
        two,
        zero,
        words,
        cmd("fails", "echo broken >&2; exit 3"),
        cmd("env", "echo \"$LEVEL\"; test \"$PWD\" = /"),
        slow,
    ];
    let env = BTreeMap::from([("LEVEL".to_string(), "seven 7".to_string())]);
    let t0 = Instant::now();
    let results: BTreeMap<String, _> = probe_once(&checks, &env, "/".as_ref())
        .into_iter()
        .collect();
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "the hung command was cut at its timeout"
    );
    let status = |name: &str| results[name].status;
    assert_eq!(
        (status("five"), results["five"].value),
        (Status::Ok, Some(5.0))
    );
    assert_eq!(
        (status("two"), results["two"].shown.as_str()),
        (Status::Warn, "2")
    );
    assert_eq!(status("zero"), Status::Crit);
    assert_eq!(status("words"), Status::Unknown);
    assert_eq!(
        results["words"].reason.as_deref(),
        Some("no number in output")
    );
    assert_eq!(status("fails"), Status::Crit);
    assert_eq!(results["fails"].reason.as_deref(), Some("exit 3: broken"));
    assert_eq!(
        (status("env"), results["env"].value),
        (Status::Ok, Some(7.0))
    );
    assert_eq!(status("slow"), Status::Down);
    assert_eq!(
        results["slow"].reason.as_deref(),
        Some("timeout after 500ms")
    );
}

#[test]
fn a_timed_out_cmd_is_killed_with_its_children() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pid_file = dir.path().join("pid");
    let command = format!("sleep 30 & echo $! > {}; wait", pid_file.display());
    let checks = vec![check("hang", Probe::Cmd { command })];
    let results = probe_once(&checks, &BTreeMap::new(), dir.path());
    assert_eq!(results[0].1.status, Status::Down);
    let pid = std::fs::read_to_string(&pid_file).expect("pid written");
    wait_for(TRANSITION, "the background sleep to end", || {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
        Some(()).filter(|()| stat.is_empty() || stat.contains(") Z "))
    });
}

#[test]
fn fail_after_three_holds_the_status_through_two_failures() {
    let server = Server::start();
    server.answer("/health", 200, "ok");
    let mut c = check("api", http(server.url("/health")));
    c.fail_after = 3;
    let monitor = start(vec![c]);
    until_status(&monitor, "api", Status::Ok);
    server.answer("/health", 500, "boom");
    let mut saw_held_failure = false;
    let down = wait_for(TRANSITION, "CRIT after 3 failures", || {
        let s = state(&monitor, "api");
        if s.failures > 0 && s.failures < 3 {
            assert_eq!(s.status, Status::Ok, "held before the third failure");
            saw_held_failure |= reason(&s).as_deref() == Some("HTTP 500");
        }
        Some(s).filter(|s| s.status != Status::Ok)
    });
    assert_eq!(down.status, Status::Crit);
    assert!(down.failures >= 3, "{}", down.failures);
    assert!(
        saw_held_failure,
        "the failing sample's reason shows while the status holds"
    );
    monitor.stop();
}

#[test]
fn json_path_values_are_compared_or_used_as_the_sample() {
    let server = Server::start();
    server.answer(
        "/status",
        200,
        r#"{"status":"ok","checks":[{"db":{"lag":4.5}}]}"#,
    );
    let json = |path: &str, expect: Option<&str>| http_json(server.url("/status"), path, expect);
    let mut lag = check("lag", json("checks.0.db.lag", None));
    lag.warn = above(2.0);
    let checks = vec![
        check("status", json("status", Some("ok"))),
        check("wrong", json("status", Some("degraded"))),
        lag,
        check("missing", json("checks.1.db", None)),
    ];
    let results: BTreeMap<String, _> = probe_once(&checks, &BTreeMap::new(), "/".as_ref())
        .into_iter()
        .collect();
    assert_eq!(results["status"].status, Status::Ok);
    assert!(
        results["status"].shown.ends_with(" ms"),
        "latency when the value is text"
    );
    assert_eq!(results["wrong"].status, Status::Crit);
    assert_eq!(
        results["wrong"].reason.as_deref(),
        Some(r#"status is "ok", expected "degraded""#)
    );
    assert_eq!(
        (results["lag"].status, results["lag"].shown.as_str()),
        (Status::Warn, "4.5")
    );
    assert_eq!(
        results["missing"].reason.as_deref(),
        Some("json_path checks.1.db not found")
    );
}

#[test]
fn a_hung_endpoint_does_not_delay_other_checks() {
    let server = Server::start();
    server.answer("/fast", 200, "ok");
    server.set("/hang", Reply::Hang);
    let monitor = start(vec![
        check("fast", http(server.url("/fast"))),
        check("hung", http(server.url("/hang"))),
    ]);
    let run = Duration::from_secs(3);
    std::thread::sleep(run);
    let (fast, hung) = (state(&monitor, "fast"), state(&monitor, "hung"));
    monitor.stop();
    // 3 s at 200 ms is 15 samples; the hung one gets one per 300 ms timeout at best.
    assert!(
        fast.history.len() >= 10,
        "fast check sampled {} times",
        fast.history.len()
    );
    assert_eq!(fast.status, Status::Ok);
    assert_eq!(hung.status, Status::Down);
    assert!(
        hung.history.len() >= 5,
        "hung check sampled {} times",
        hung.history.len()
    );
}

#[test]
fn rollback_becomes_due_after_crit_for_and_a_flap_resets_it() {
    let server = Server::start();
    server.answer("/health", 503, "down");
    let mut c = check("api", http(server.url("/health")));
    c.rollback_if = Some(RollbackIf {
        crit_for: Duration::from_secs(1),
    });
    let monitor = start(vec![c]);
    until_status(&monitor, "api", Status::Crit);
    let crit_seen = Instant::now();
    assert!(monitor.rollback_due().is_empty(), "not yet");
    let due = wait_for(TRANSITION, "rollback due", || monitor.rollback_due().pop());
    assert_eq!(due.0, "api");
    assert!(due.1 >= Duration::from_secs(1), "{:?}", due.1);
    assert!(
        crit_seen.elapsed() >= Duration::from_millis(700),
        "due too early: {:?}",
        crit_seen.elapsed()
    );

    server.answer("/health", 200, "ok");
    until_status(&monitor, "api", Status::Ok);
    assert!(monitor.rollback_due().is_empty(), "an OK sample resets it");
    assert_eq!(monitor.crit_for("api"), None);
    server.set("/health", Reply::Hang);
    until_status(&monitor, "api", Status::Down);
    let crit_for = monitor.crit_for("api").expect("DOWN counts as CRIT");
    assert!(crit_for < Duration::from_secs(1), "{crit_for:?}");
    assert!(monitor.rollback_due().is_empty(), "counting starts again");
    wait_for(TRANSITION, "due again while DOWN", || {
        monitor.rollback_due().pop()
    });
    monitor.stop();
}

#[test]
fn ok_for_grows_while_ok_and_resets_on_a_flap() {
    let server = Server::start();
    server.answer("/health", 200, "ok");
    let monitor = start(vec![check("api", http(server.url("/health")))]);
    assert_eq!(monitor.ok_for("api"), None, "unknown is not OK");
    assert_eq!(monitor.ok_for("nope"), None);
    let long = wait_for(TRANSITION, "OK for 800 ms", || {
        monitor
            .ok_for("api")
            .filter(|d| *d >= Duration::from_millis(800))
    });
    server.answer("/health", 503, "down");
    until_status(&monitor, "api", Status::Crit);
    assert_eq!(monitor.ok_for("api"), None);
    server.answer("/health", 200, "ok");
    until_status(&monitor, "api", Status::Ok);
    let again = monitor.ok_for("api").expect("OK again");
    assert!(again < long, "{again:?} after the flap, {long:?} before");
    monitor.stop();
}

#[test]
fn paused_checks_do_not_probe_and_resume_at_once() {
    let server = Server::start();
    server.answer("/health", 200, "ok");
    let monitor = start(vec![check("api", http(server.url("/health")))]);
    until_status(&monitor, "api", Status::Ok);
    monitor.set_paused(true);
    std::thread::sleep(Duration::from_millis(400));
    let before = server.requests();
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(server.requests(), before, "no probes while paused");
    monitor.set_paused(false);
    wait_for(TRANSITION, "a probe after resuming", || {
        Some(()).filter(|()| server.requests() > before)
    });
    monitor.stop();
}
