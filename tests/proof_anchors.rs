//! Anchors: heads reach syslog listeners on loopback (UDP, TCP), a local syslog socket and
//! a file; `verify --anchors` finds a log cut short; a sink that cannot be written warns,
//! and stops the session only when anchors are required.

mod proof;
mod support;

use proof::{DRILL, lines, write_lines};
use std::collections::BTreeSet;
use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{Sandbox, records, text};

/// `(session, seq, hash)` from any text holding `runbook-audit v1 <session> <seq> <hash>`.
fn head_of(text: &str) -> (String, u64, String) {
    let at = text.find("runbook-audit v1 ").expect("an anchor") + "runbook-audit v1 ".len();
    let mut fields = text[at..].split_whitespace();
    let session = fields.next().expect("session").to_string();
    let seq = fields.next().and_then(|s| s.parse().ok()).expect("seq");
    let hash = fields.next().expect("hash").to_string();
    (session, seq, hash)
}

/// Octet-counted syslog frames from one TCP server, collected on a thread.
struct TcpSyslog {
    port: u16,
    frames: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TcpSyslog {
    fn start() -> TcpSyslog {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let frames = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (found, stopping) = (Arc::clone(&frames), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                stream.set_nonblocking(false).expect("blocking");
                let mut bytes = Vec::new();
                stream.read_to_end(&mut bytes).expect("read");
                found.lock().expect("lock").extend(split_frames(&bytes));
            }
        });
        TcpSyslog {
            port,
            frames,
            stop,
            thread: Some(thread),
        }
    }

    fn frames(mut self) -> Vec<String> {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.join().expect("listener thread");
        }
        self.frames.lock().expect("lock").clone()
    }
}

/// `LEN SP MSG` frames (RFC 6587 octet counting); panics on anything else.
fn split_frames(mut bytes: &[u8]) -> Vec<String> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let space = bytes.iter().position(|b| *b == b' ').expect("a length");
        let len: usize = std::str::from_utf8(&bytes[..space])
            .expect("digits")
            .parse()
            .expect("a length");
        let message = &bytes[space + 1..space + 1 + len];
        frames.push(String::from_utf8(message.to_vec()).expect("utf-8"));
        bytes = &bytes[space + 1 + len..];
    }
    frames
}

/// Every datagram waiting on `socket`.
fn datagrams(receive: impl Fn(&mut [u8]) -> std::io::Result<usize>) -> Vec<String> {
    let mut found = Vec::new();
    let mut buf = vec![0u8; 65536];
    while let Ok(n) = receive(&mut buf) {
        found.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    found
}

fn verify(sb: &Sandbox, log: &Path, anchors: Option<&Path>) -> (Option<i32>, String) {
    let mut args = vec!["verify".to_string(), log.display().to_string()];
    if let Some(anchors) = anchors {
        args.extend(["--anchors".to_string(), anchors.display().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sb.run(&args);
    (out.status.code(), text(&out.stdout))
}

#[test]
fn heads_reach_udp_and_tcp_syslog_a_local_socket_and_a_file() {
    let sb = Sandbox::new();
    sb.runbook("drill.md", DRILL);
    let udp = UdpSocket::bind("127.0.0.1:0").expect("udp");
    let udp_port = udp.local_addr().expect("addr").port();
    let tcp = TcpSyslog::start();
    let local_path = sb.path().join("log.sock");
    let local = UnixDatagram::bind(&local_path).expect("unix socket");
    let file = sb.path().join("anchors.log");
    let sinks = [
        format!("syslog://127.0.0.1:{udp_port}"),
        format!("syslog+tcp://127.0.0.1:{}", tcp.port),
        format!("syslog:{}", local_path.display()),
        format!("file:{}", file.display()),
    ];
    let mut args = vec!["run", "drill.md", "--plain", "--yes", "--signoff", "SRE=Bo"];
    for sink in &sinks {
        args.extend(["--anchor", sink]);
    }
    let out = sb.run(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "rolled back: {}",
        text(&out.stdout)
    );
    assert!(
        !text(&out.stdout).contains("warning"),
        "{}",
        text(&out.stdout)
    );

    let log = sb.only_log();
    let records = records(&log);
    let session = records[0]["session_id"].as_str().expect("id").to_string();
    let moments: BTreeSet<(String, u64, String)> = records
        .iter()
        .filter(|r| {
            [
                "session_started",
                "gate_decided",
                "signed",
                "rollback_entered",
                "session_ended",
            ]
            .contains(&r["kind"].as_str().unwrap_or(""))
        })
        .map(|r| {
            let seq = r["seq"].as_u64().expect("seq");
            (
                session.clone(),
                seq,
                r["hash"].as_str().expect("hash").to_string(),
            )
        })
        .collect();
    assert_eq!(moments.len(), 6);

    let in_file: Vec<String> = std::fs::read_to_string(&file)
        .expect("anchor file")
        .lines()
        .map(str::to_string)
        .collect();
    udp.set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    let from_udp = datagrams(|buf| udp.recv(buf));
    local
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    let from_local = datagrams(|buf| local.recv(buf));
    let from_tcp = tcp.frames();
    let pid_free = |m: &String| {
        m.starts_with("<13>1 ")
            && m.contains(" runbook ")
            && m.contains(" anchor - runbook-audit v1 ")
    };
    assert!(
        from_udp.iter().all(pid_free),
        "RFC 5424 over UDP: {from_udp:?}"
    );
    assert!(
        from_tcp.iter().all(pid_free),
        "RFC 5424 over TCP: {from_tcp:?}"
    );
    assert!(
        from_local
            .iter()
            .all(|m| m.starts_with("<13>") && m.contains(" runbook[")),
        "syslog(3) format locally: {from_local:?}"
    );
    for (sink, messages) in [
        ("file", &in_file),
        ("udp", &from_udp),
        ("tcp", &from_tcp),
        ("local", &from_local),
    ] {
        let heads: BTreeSet<_> = messages.iter().map(|m| head_of(m)).collect();
        assert_eq!(
            heads, moments,
            "{sink} got every moment's head, and only those"
        );
        assert_eq!(messages.len(), 6, "{sink}: one line per moment");
    }

    let (code, said) = verify(&sb, &log, Some(&file));
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("anchored: 6 heads in"), "{said}");
    // Lines as a syslog server stores them do as well.
    let syslog_file = sb.path().join("syslog");
    let stored: String = from_udp
        .iter()
        .map(|m| format!("Nov 22 09:41:03 loghost {m}\n"))
        .collect();
    std::fs::write(&syslog_file, stored).expect("syslog file");
    let (code, said) = verify(&sb, &log, Some(&syslog_file));
    assert_eq!(code, Some(0), "{said}");
}

#[test]
fn a_log_cut_below_an_anchored_head_fails_with_the_lost_seq_and_without_anchors_passes() {
    let sb = Sandbox::new();
    let mut md = String::from("# Long\n");
    for i in 1..=8 {
        md.push_str(&format!(
            "## Step {i}\n```bash {{name=s{i}}}\necho step {i}\n```\n"
        ));
    }
    md.push_str("## Go/No-Go\n- All steps printed\n");
    sb.runbook("long.md", &md);
    let file = sb.path().join("anchors.log");
    let anchor = format!("file:{}", file.display());
    let out = sb.run(&["run", "long.md", "--plain", "--yes", "--anchor", &anchor]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let log = sb.only_log();
    let all = lines(&log);
    let ended = records(&log)
        .iter()
        .find(|r| r["kind"] == "session_ended")
        .and_then(|r| r["seq"].as_u64())
        .expect("the session ended");
    assert_eq!(verify(&sb, &log, Some(&file)).0, Some(0));

    let kept = all.len() - 20;
    write_lines(&log, &all[..kept]);
    let log_ends_at = (kept - 1) as u64;
    let (code, said) = verify(&sb, &log, Some(&file));
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains(&format!(
            "cut short: anchored seq {ended}, log ends at {log_ends_at}"
        )),
        "{said}"
    );
    // The limit, as documented: without its anchors a cut log looks like a crash.
    let (code, said) = verify(&sb, &log, None);
    assert_eq!(code, Some(0), "{said}");
}

#[test]
fn an_unwritable_sink_warns_and_stops_the_walk_only_when_required() {
    let sb = Sandbox::new();
    sb.runbook(
        "s.md",
        "# S\n## One\n```bash {name=one}\necho one\n```\n## Go/No-Go\n- One printed\n",
    );
    let nowhere = format!(
        "file:{}",
        sb.path().join("no/such/dir/anchors.log").display()
    );
    let out = sb.run(&["run", "s.md", "--plain", "--yes", "--anchor", &nowhere]);
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains(&format!(
            "warning: anchor {nowhere} could not be written (seq 1)"
        )),
        "{said}"
    );
    let first = sb.only_log();
    let records_first = records(&first);
    assert_eq!(
        records_first
            .iter()
            .filter(|r| r["kind"] == "anchor_failed")
            .count(),
        3,
        "start, gate, end"
    );
    assert!(records_first.iter().any(|r| r["kind"] == "step_finished"));
    std::fs::remove_file(&first).expect("clear");

    let out = sb.run(&[
        "run",
        "s.md",
        "--plain",
        "--yes",
        "--anchor",
        &nowhere,
        "--anchor-required",
    ]);
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{said}");
    assert!(
        said.contains(&format!(
            "ANCHOR FAILURE: a required anchor could not be written: {nowhere}: No such file"
        )),
        "{said}"
    );
    let log = sb.only_log();
    let stopped = records(&log);
    assert!(
        stopped.iter().all(|r| r["kind"] != "step_started"),
        "no step started: {stopped:?}"
    );
    assert!(
        stopped
            .iter()
            .any(|r| r["kind"] == "anchor_failed" && r["data"]["required"] == true)
    );

    // Once the anchor can be written, the session resumes and finishes.
    let good = sb.path().join("anchors.log");
    let anchor = format!("file:{}", good.display());
    let id = log
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("id")
        .to_string();
    let out = sb.run(&[
        "resume",
        &id,
        "--plain",
        "--yes",
        "--anchor",
        &anchor,
        "--anchor-required",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(records(&log).iter().any(|r| r["kind"] == "step_finished"));
    assert_eq!(verify(&sb, &log, Some(&good)).0, Some(0));
}
