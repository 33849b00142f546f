//! A tiny HTTP/1.1 server on 127.0.0.1 for health-check tests: each path answers with a set
//! status and body, or accepts and never answers. Plus helpers to build checks and to poll.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use std::collections::BTreeMap;

use runbook::doc::health::{HealthCheck, HttpProbe, Limit, Probe, Unit};
use runbook::health::{CheckState, Monitor, Status};

/// Generous deadline for a status change on a loaded machine.
pub const TRANSITION: Duration = Duration::from_secs(3);

/// What a path answers.
#[derive(Clone, Debug)]
pub enum Reply {
    Answer(u16, String),
    /// Accept the connection, read the request, never respond.
    Hang,
}

#[derive(Default)]
struct Shared {
    replies: Mutex<HashMap<String, Reply>>,
    queries: Mutex<Vec<String>>,
    requests: AtomicUsize,
    stop: AtomicBool,
}

pub struct Server {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shared = Arc::new(Shared::default());
        let state = Arc::clone(&shared);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if state.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = Arc::clone(&state);
                thread::spawn(move || serve(stream, &state));
            }
        });
        Server { addr, shared }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn set(&self, path: &str, reply: Reply) {
        self.shared
            .replies
            .lock()
            .expect("lock")
            .insert(path.to_string(), reply);
    }

    pub fn answer(&self, path: &str, status: u16, body: &str) {
        self.set(path, Reply::Answer(status, body.to_string()));
    }

    /// The query strings received so far.
    pub fn queries(&self) -> Vec<String> {
        self.shared.queries.lock().expect("lock").clone()
    }

    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(mut stream: TcpStream, shared: &Shared) {
    let Some(target) = read_head(&mut stream) else {
        return;
    };
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if !query.is_empty() {
        shared.queries.lock().expect("lock").push(query.to_string());
    }
    let reply = shared.replies.lock().expect("lock").get(path).cloned();
    match reply.unwrap_or(Reply::Answer(404, "not found".into())) {
        Reply::Answer(status, body) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
        Reply::Hang => {
            while !shared.stop.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// The request target of the request line, once the whole head has arrived.
fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    text.lines().next()?.split(' ').nth(1).map(str::to_string)
}

/// A check probing every 200 ms with a 300 ms timeout.
pub fn check(name: &str, probe: Probe) -> HealthCheck {
    HealthCheck {
        name: name.to_string(),
        line: 1,
        probe,
        every: Duration::from_millis(200),
        timeout: Duration::from_millis(300),
        warn: None,
        crit: None,
        fail_after: 1,
        rollback_if: None,
        on: None,
    }
}

pub fn http(url: String) -> Probe {
    Probe::Http(HttpProbe {
        url,
        expect_status: None,
        expect_body: None,
        json_path: None,
        expect_value: None,
        headers: Vec::new(),
    })
}

/// An http probe reading `path` from a JSON body, optionally expecting a value there.
pub fn http_json(url: String, path: &str, expect: Option<&str>) -> Probe {
    Probe::Http(HttpProbe {
        url,
        expect_status: None,
        expect_body: None,
        json_path: Some(path.into()),
        expect_value: expect.map(String::from),
        headers: Vec::new(),
    })
}

pub fn above(value: f64) -> Option<Limit> {
    Some(Limit {
        value,
        unit: Unit::Plain,
        below: false,
    })
}

pub fn below(value: f64) -> Option<Limit> {
    Some(Limit {
        value,
        unit: Unit::Plain,
        below: true,
    })
}

/// Polls `probe` every 10 ms until it returns `Some`, or panics with `what` after `limit`.
pub fn wait_for<T>(limit: Duration, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

pub fn start(checks: Vec<HealthCheck>) -> Monitor {
    Monitor::start(checks, BTreeMap::new(), std::env::temp_dir())
}

pub fn state(monitor: &Monitor, name: &str) -> CheckState {
    monitor
        .snapshot()
        .into_iter()
        .find(|s| s.name == name)
        .expect("check exists")
}

/// Waits until the check has this status; returns its state and how long that took.
pub fn until_status(monitor: &Monitor, name: &str, status: Status) -> (CheckState, Duration) {
    let t0 = Instant::now();
    let found = wait_for(TRANSITION, &format!("{name} {status}"), || {
        Some(state(monitor, name)).filter(|s| s.status == status)
    });
    (found, t0.elapsed())
}

pub fn reason(state: &CheckState) -> Option<String> {
    state.last.as_ref().and_then(|s| s.reason.clone())
}
