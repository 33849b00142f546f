//! The fleet transport timed against `xargs -P N ssh` over the same ControlMasters
//! (driven by `benches/fleet.py`, which also starts the loopback sshd and times Ansible).
//!
//! ```text
//! fleet_run --ssh-config FILE --hosts 50 --command uptime --rounds 5
//! ```
//! Opens one master per alias (`host01`…) with [`Connections`], then for each round runs
//! the command on every host at once through the library and through `xargs -P N ssh -S
//! SOCKET` on the same sockets; prints one JSON object: seconds per round for each, and
//! this process's peak resident memory. Without arguments (as `cargo bench` runs it) it
//! says how to run it and exits.

use runbook::doc::hosts::HostEntry;
use runbook::fleet::{Connections, EventSink, Place, RemoteEvent, RemoteRequest, SshSettings};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

struct Args {
    config: PathBuf,
    hosts: usize,
    command: String,
    rounds: usize,
}

fn args() -> Option<Args> {
    let mut args = Args {
        config: PathBuf::new(),
        hosts: 50,
        command: "uptime".into(),
        rounds: 5,
    };
    let mut seen_config = false;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--ssh-config" => {
                args.config = it.next()?.into();
                seen_config = true;
            }
            "--hosts" => args.hosts = it.next()?.parse().ok()?,
            "--command" => args.command = it.next()?,
            "--rounds" => args.rounds = it.next()?.parse().ok()?,
            _ => {}
        }
    }
    seen_config.then_some(args)
}

fn main() {
    let Some(args) = args() else {
        println!(
            "fleet_run: run `python3 benches/fleet.py` (it starts the loopback sshd and passes --ssh-config)"
        );
        return;
    };
    let connections =
        Connections::new(SshSettings::with_config(Some(args.config.clone()))).expect("runtime dir");
    let hosts: Vec<HostEntry> = (1..=args.hosts)
        .map(|n| HostEntry::plain(&format!("host{n:02}")))
        .collect();
    let reached = connections.connect(&hosts);
    if let Some(problem) = reached.iter().find_map(|r| r.as_ref().err()) {
        eprintln!("fleet_run: a master did not open: {problem}");
        std::process::exit(1);
    }
    let mut library = Vec::new();
    let mut xargs = Vec::new();
    for _ in 0..args.rounds {
        library.push(round_library(&connections, &hosts, &args.command).as_secs_f64());
        xargs.push(round_xargs(&connections, &hosts, &args).as_secs_f64());
    }
    let peak = peak_rss_kib();
    connections.close();
    println!(
        "{}",
        serde_json::json!({ "hosts": args.hosts, "library_s": library, "xargs_s": xargs, "peak_rss_kib": peak })
    );
}

/// Every host at once through the library; the time until the last one finished.
fn round_library(connections: &Connections, hosts: &[HostEntry], command: &str) -> Duration {
    let (tx, rx) = mpsc::channel();
    let begun = Instant::now();
    for (i, host) in hosts.iter().enumerate() {
        let tx = tx.clone();
        let sink: EventSink = Arc::new(move |event| match event {
            RemoteEvent::Finished(outcome) => tx.send((i, outcome)).is_ok(),
            _ => true,
        });
        let request = RemoteRequest {
            script: command.to_string(),
            start: Place::default().start(&BTreeMap::new(), None),
            timeout: None,
            errexit: true,
        };
        connections.start(host, request, sink).expect("run starts");
    }
    for _ in hosts {
        let (i, outcome) = rx.recv().expect("a host finishes");
        assert!(outcome.success(), "{}: {outcome:?}", hosts[i].name);
    }
    begun.elapsed()
}

/// `xargs -P N -n 3 ssh -F FILE -o BatchMode=yes -o ControlMaster=no -S` over the same
/// sockets, fed `SOCKET HOST COMMAND` triples.
fn round_xargs(connections: &Connections, hosts: &[HostEntry], args: &Args) -> Duration {
    let input: String = hosts
        .iter()
        .map(|h| {
            format!(
                "{} {} {}\n",
                connections.socket(h).display(),
                h.address,
                args.command
            )
        })
        .collect();
    let begun = Instant::now();
    let mut child = Command::new("xargs")
        .args(["-P", &args.hosts.to_string(), "-n", "3", "ssh", "-F"])
        .arg(&args.config)
        .args(["-o", "BatchMode=yes", "-o", "ControlMaster=no", "-S"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("xargs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("feed xargs");
    let status = child.wait().expect("xargs ends");
    assert!(status.success(), "xargs ssh: {status}");
    begun.elapsed()
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
