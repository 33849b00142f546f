//! Cost of the health monitor: 50 checks at `every: 1s` against a local server for ~10 s,
//! reported as CPU time / wall time of this process, and the sample counts of healthy checks
//! with and without a never-answering endpoint among them.
//!
//! Run with `cargo bench --bench health` (HEALTH_BENCH_SECS sets the run length). The server
//! runs in a child process (this binary, re-executed) so its CPU is not counted.

#[path = "../tests/loopback/mod.rs"]
mod loopback;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};
use runbook::doc::health::{HealthCheck, Probe, SystemMetric};
use runbook::health::Monitor;

const SERVER_ENV: &str = "RUNBOOK_HEALTH_BENCH_SERVER";

fn main() {
    if std::env::var_os(SERVER_ENV).is_some() {
        return serve();
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let secs = std::env::var("HEALTH_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10u64);
    let (mut server, base) = spawn_server();
    let run = Duration::from_secs(secs);
    let http = |n: usize, path: &str| {
        (0..n)
            .map(|i| {
                check(
                    &format!("{path}{i}"),
                    loopback::http(format!("{base}{path}")),
                )
            })
            .collect::<Vec<_>>()
    };

    let plain = measure("50 http checks", http(50, "/ok"), run);
    let mut with_hung = http(49, "/ok");
    with_hung.push(check("hung", loopback::http(format!("{base}/hang"))));
    let hung = measure("49 http + 1 never answering", with_hung, run);
    measure("10 http checks", http(10, "/ok"), run);
    measure("50 mixed (10 each kind)", mixed(&base), run);

    let healthy = |r: &Report| {
        r.counts
            .iter()
            .filter(|(n, _)| n != "hung")
            .map(|(_, c)| *c)
            .collect::<Vec<_>>()
    };
    let (a, b) = (healthy(&plain), healthy(&hung));
    println!(
        "healthy checks' samples in {secs}s: alone min {} max {}; beside a hung endpoint min {} max {}",
        a.iter().min().unwrap_or(&0),
        a.iter().max().unwrap_or(&0),
        b.iter().min().unwrap_or(&0),
        b.iter().max().unwrap_or(&0)
    );
    let _ = server.kill();
    let _ = server.wait();
}

struct Report {
    counts: Vec<(String, usize)>,
}

fn measure(label: &str, checks: Vec<HealthCheck>, run: Duration) -> Report {
    let env: BTreeMap<String, String> = std::env::vars().filter(|(k, _)| k == "PATH").collect();
    let (self0, children0, wall0) = (
        cpu(UsageWho::RUSAGE_SELF),
        cpu(UsageWho::RUSAGE_CHILDREN),
        Instant::now(),
    );
    let monitor = Monitor::start(checks, env, std::env::temp_dir());
    std::thread::sleep(run);
    let states = monitor.snapshot();
    monitor.stop();
    let wall = wall0.elapsed().as_secs_f64();
    let own = cpu(UsageWho::RUSAGE_SELF) - self0;
    let children = cpu(UsageWho::RUSAGE_CHILDREN) - children0;
    let counts: Vec<(String, usize)> = states
        .iter()
        .map(|s| (s.name.clone(), s.history.len()))
        .collect();
    let samples: usize = counts.iter().map(|(_, c)| c).sum();
    println!(
        "{label:<30} wall {wall:.1}s  monitor CPU {own:.3}s = {:.2}% of one core  (+ cmd children {children:.3}s)  samples {samples}",
        own / wall * 100.0
    );
    Report { counts }
}

fn cpu(who: UsageWho) -> f64 {
    getrusage(who).map_or(0.0, |u| {
        let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
        secs(u.user_time()) + secs(u.system_time())
    })
}

fn check(name: &str, probe: Probe) -> HealthCheck {
    HealthCheck {
        every: Duration::from_secs(1),
        timeout: Duration::from_secs(2),
        ..loopback::check(name, probe)
    }
}

fn mixed(base: &str) -> Vec<HealthCheck> {
    let address = base.trim_start_matches("http://").to_string();
    let metrics = [
        SystemMetric::Cpu,
        SystemMetric::Memory,
        SystemMetric::Load,
        SystemMetric::Disk("/".into()),
    ];
    (0..10)
        .flat_map(|i| {
            [
                check(&format!("http{i}"), loopback::http(format!("{base}/ok"))),
                check(
                    &format!("tcp{i}"),
                    Probe::Tcp {
                        address: address.clone(),
                    },
                ),
                check(
                    &format!("cmd{i}"),
                    Probe::Cmd {
                        command: "echo 3".into(),
                    },
                ),
                check(&format!("sys{i}"), Probe::System(metrics[i % 4].clone())),
                check(
                    &format!("prom{i}"),
                    Probe::Prometheus {
                        url: base.to_string(),
                        query: "up".into(),
                        headers: Vec::new(),
                    },
                ),
            ]
        })
        .collect()
}

fn spawn_server() -> (Child, String) {
    let exe = std::env::current_exe().expect("bench binary");
    let mut child = Command::new(exe)
        .env(SERVER_ENV, "1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("server address");
    (child, line.trim().to_string())
}

fn serve() {
    let server = loopback::Server::start();
    server.answer("/ok", 200, "ok");
    server.set("/hang", loopback::Reply::Hang);
    let vector = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}]}}"#;
    server.answer("/api/v1/query", 200, vector);
    println!("{}", server.url(""));
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
