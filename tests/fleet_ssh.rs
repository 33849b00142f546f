//! Steps on hosts over the system ssh, against a real sshd on loopback (tests/sshd): each
//! host keeps its own exports and directory, a closed port is unreachable, a non-zero exit
//! is that host's, cancel and timeout leave nothing running on the server (checked in
//! /proc there), and closing the session closes its masters.

mod sshd;

use runbook::doc::hosts::HostEntry;
use runbook::exec::{Exit, Stream};
use runbook::fleet::{
    Connections, EventSink, Failure, Place, RemoteEvent, RemoteOutcome, RemoteRequest, SshSettings,
};
use sshd::Sshd;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(30);

fn connections(sshd: &Sshd) -> Connections {
    Connections::new(SshSettings::with_config(Some(sshd.config()))).expect("runtime dir")
}

fn host(alias: &str) -> HostEntry {
    HostEntry::plain(alias)
}

/// A run's events, as they arrive.
struct Events {
    rx: Receiver<RemoteEvent>,
    seen: Vec<RemoteEvent>,
}

impl Events {
    fn sink() -> (EventSink, Events) {
        let (tx, rx) = mpsc::channel();
        let sink: EventSink = Arc::new(move |event| tx.send(event).is_ok());
        (
            sink,
            Events {
                rx,
                seen: Vec::new(),
            },
        )
    }

    /// Waits for an event `want` accepts.
    fn until(&mut self, want: impl Fn(&RemoteEvent) -> bool) -> RemoteEvent {
        loop {
            let event = self.rx.recv_timeout(PATIENCE).expect("an event in time");
            self.seen.push(event.clone());
            if want(&event) {
                return event;
            }
        }
    }

    fn finished(&mut self) -> RemoteOutcome {
        match self.until(|e| matches!(e, RemoteEvent::Finished(_))) {
            RemoteEvent::Finished(outcome) => outcome,
            _ => unreachable!(),
        }
    }

    fn text(&self, stream: Stream) -> String {
        self.seen
            .iter()
            .filter_map(|e| match e {
                RemoteEvent::Output { stream: s, bytes } if *s == stream => {
                    Some(String::from_utf8_lossy(bytes).into_owned())
                }
                _ => None,
            })
            .collect()
    }
}

fn request(script: &str, place: &Place, base: &BTreeMap<String, String>) -> RemoteRequest {
    RemoteRequest {
        script: script.into(),
        start: place.start(base, None),
        timeout: None,
        errexit: true,
    }
}

/// Runs `script` on `alias` and waits for its end.
fn run(connections: &Connections, alias: &str, request: RemoteRequest) -> (RemoteOutcome, Events) {
    let (sink, mut events) = Events::sink();
    connections
        .start(&host(alias), request, sink)
        .expect("started");
    let outcome = events.finished();
    (outcome, events)
}

#[test]
fn each_host_carries_its_own_exports_and_directory_to_its_next_step() {
    let sshd = Sshd::start(3);
    let connections = connections(&sshd);
    let base = BTreeMap::from([(
        "VERSION".to_string(),
        "v1.4.2 'quoted' $(not run)".to_string(),
    )]);
    let dir = tempfile::tempdir().expect("dir");
    let first = format!(
        "mkdir -p {root}/$RUNBOOK_TEST_HOST && cd {root}/$RUNBOOK_TEST_HOST\n\
         export RELEASE=\"$RUNBOOK_TEST_HOST-$VERSION\"\nunset RUNBOOK_TEST_HOST\necho first done",
        root = dir.path().display()
    );
    let second = "echo \"$(pwd) ${RELEASE} ${RUNBOOK_TEST_HOST:-unset}\"; echo oops >&2; exit 3";
    for alias in ["host01", "host02"] {
        let mut place = Place::default();
        let (outcome, events) = run(&connections, alias, request(&first, &place, &base));
        assert!(
            outcome.success(),
            "{alias}: {outcome:?} {}",
            events.text(Stream::Stderr)
        );
        assert_eq!(events.text(Stream::Stdout), "first done\n");
        place.apply(
            outcome
                .change
                .as_ref()
                .expect("the step's change is reported"),
        );
        let (outcome, events) = run(&connections, alias, request(second, &place, &base));
        assert_eq!(
            events.text(Stream::Stdout),
            format!(
                "{}/{alias} {alias}-v1.4.2 'quoted' $(not run) unset\n",
                dir.path().display()
            )
        );
        assert_eq!(events.text(Stream::Stderr), "oops\n", "stderr stays apart");
        assert_eq!(outcome.exit, Exit::Code(3));
        assert!(
            !outcome.success() && outcome.failure.is_none(),
            "{outcome:?}"
        );
        assert!(matches!(events.seen.first(), Some(RemoteEvent::Started { pgid }) if *pgid > 1));
    }
    let closed = connections.close();
    assert_eq!(closed.masters, 2, "one master per host, closed");
}

#[test]
fn a_closed_port_is_an_unreachable_host_with_sshs_reason() {
    let sshd = Sshd::start(1);
    let connections = connections(&sshd);
    let (outcome, events) = run(
        &connections,
        "dead",
        request("echo never", &Place::default(), &BTreeMap::new()),
    );
    match &outcome.failure {
        Some(Failure::Unreachable(why)) => assert!(why.contains("Connection refused"), "{why}"),
        other => panic!("unreachable expected, got {other:?}"),
    }
    assert!(!outcome.success());
    assert_eq!(
        events.seen.len(),
        1,
        "nothing but the end: {:?}",
        events.seen
    );
    let reached = connections.connect(&[host("host01"), host("dead")]);
    assert!(reached[0].is_ok(), "{reached:?}");
    assert!(
        reached[1].as_ref().is_err_and(|e| e.contains("port 1")),
        "{reached:?}"
    );
}

/// Starts `script` on `alias` with a fresh token in its environment, once it said
/// `started`: the run, its events, the token.
fn start_script(
    connections: &Connections,
    alias: &str,
    script: &str,
    timeout: Option<Duration>,
) -> (runbook::fleet::RemoteRun, Events, String) {
    let (name, value) = sshd::token();
    let base = BTreeMap::from([(name.clone(), value.clone())]);
    let mut request = request(script, &Place::default(), &base);
    request.timeout = timeout;
    let (sink, mut events) = Events::sink();
    let run = connections
        .start(&host(alias), request, sink)
        .expect("started");
    events
        .until(|e| matches!(e, RemoteEvent::Output { bytes, .. } if bytes.starts_with(b"started")));
    (run, events, format!("{name}={value}"))
}

/// Starts a step that leaves `sleep 900` in the background and waits in `sleep 901`.
fn start_sleeper(
    connections: &Connections,
    alias: &str,
    timeout: Option<Duration>,
) -> (runbook::fleet::RemoteRun, Events, String) {
    let script = "sleep 900 &\necho started\nsleep 901\n";
    let (run, events, token) = start_script(connections, alias, script, timeout);
    let deadline = std::time::Instant::now() + PATIENCE;
    let mut running = sshd::processes_with(&token);
    while running.len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        running = sshd::processes_with(&token);
    }
    assert_eq!(
        running.len(),
        2,
        "sleep 900 and sleep 901 run on the server: {running:?}"
    );
    let pgid = run
        .pgid()
        .expect("the remote group is known once output flows");
    let members = sshd::group_members(pgid);
    assert_eq!(
        members.len(),
        3,
        "bash and both sleeps lead by the group {pgid}: {members:?}"
    );
    (run, events, token)
}

/// Checked on the server: no process with the step's token, none in its group.
fn assert_nothing_left(token: &str, outcome: &RemoteOutcome) {
    let left = sshd::gone(token, Duration::from_secs(5));
    assert!(left.is_empty(), "still running on the server: {left:?}");
    let group = outcome.pgid.expect("pgid");
    assert!(
        sshd::group_members(group).is_empty(),
        "the remote group {group} is gone"
    );
}

#[test]
fn cancel_stops_the_whole_remote_group_and_nothing_survives_on_the_server() {
    let sshd = Sshd::start(1);
    let connections = connections(&sshd);
    let (run, mut events, token) = start_sleeper(&connections, "host01", None);
    run.cancel();
    let outcome = events.finished();
    assert!(outcome.cancelled, "{outcome:?}");
    assert_eq!(outcome.exit, Exit::Signal(15), "TERM was enough");
    assert!(!outcome.success());
    assert_nothing_left(&token, &outcome);
}

#[test]
fn a_timeout_per_host_stops_its_group() {
    let sshd = Sshd::start(1);
    let connections = connections(&sshd);
    let (_run, mut events, token) =
        start_sleeper(&connections, "host01", Some(Duration::from_secs(2)));
    let outcome = events.finished();
    assert!(outcome.timed_out && !outcome.cancelled, "{outcome:?}");
    assert!(outcome.duration >= Duration::from_secs(2));
    assert_nothing_left(&token, &outcome);
}

#[test]
fn closing_the_session_stops_what_steps_left_and_closes_every_master() {
    let sshd = Sshd::start(2);
    let connections = connections(&sshd);
    let (name, value) = sshd::token();
    let base = BTreeMap::from([(name.clone(), value.clone())]);
    let (outcome, _) = run(
        &connections,
        "host01",
        request("sleep 600 &\necho left a service", &Place::default(), &base),
    );
    assert!(
        outcome.success() && outcome.lingering,
        "the service held the output open: {outcome:?}"
    );
    let (outcome, _) = run(
        &connections,
        "host02",
        request(
            "nohup sleep 600 >/dev/null 2>&1 &",
            &Place::default(),
            &base,
        ),
    );
    assert!(
        outcome.success() && outcome.lingering,
        "its group still has a member: {outcome:?}"
    );
    let token = format!("{name}={value}");
    assert_eq!(
        sshd::processes_with(&token).len(),
        2,
        "both services run until the session closes"
    );
    let sockets = [
        connections.socket(&host("host01")),
        connections.socket(&host("host02")),
    ];
    assert!(sockets.iter().all(|s| s.exists()));
    let closed = connections.close();
    assert_eq!((closed.hosts_with_leftovers, closed.masters), (2, 2));
    assert!(
        sockets.iter().all(|s| !s.exists()),
        "the masters removed their sockets"
    );
    let left = sshd::gone(&token, Duration::from_secs(5));
    assert!(left.is_empty(), "still running on the server: {left:?}");
    let masters: Vec<_> =
        sshd::processes_with_arg(&connections.runtime_dir().display().to_string());
    assert!(masters.is_empty(), "no ssh master is left: {masters:?}");
}

#[test]
fn hosts_run_at_once_each_with_its_own_status() {
    let sshd = Sshd::start(5);
    let connections = connections(&sshd);
    let hosts: Vec<String> = (1..=5).map(Sshd::alias).collect();
    let reached = connections.connect(&hosts.iter().map(|a| host(a)).collect::<Vec<_>>());
    assert!(reached.iter().all(Result::is_ok), "{reached:?}");
    let mut runs = Vec::new();
    for alias in &hosts {
        let (sink, events) = Events::sink();
        let script =
            "n=${RUNBOOK_TEST_HOST#host}; echo \"$RUNBOOK_TEST_HOST\"; exit $((10#$n % 2))";
        connections
            .start(
                &host(alias),
                request(script, &Place::default(), &BTreeMap::new()),
                sink,
            )
            .expect("started");
        runs.push((alias.clone(), events));
    }
    for (alias, mut events) in runs {
        let outcome = events.finished();
        let odd = alias.ends_with(['1', '3', '5']);
        assert_eq!(
            outcome.exit,
            Exit::Code(i32::from(odd)),
            "{alias}: {outcome:?}"
        );
        assert_eq!(events.text(Stream::Stdout), format!("{alias}\n"));
    }
}

#[test]
fn closing_the_session_stops_running_steps_on_their_hosts() {
    let sshd = Sshd::start(1);
    let connections = connections(&sshd);
    let (_run, mut events, token) = start_sleeper(&connections, "host01", None);
    let closed = connections.close();
    assert_eq!(closed.masters, 1);
    let outcome = events.finished();
    assert!(outcome.cancelled, "{outcome:?}");
    assert_nothing_left(&token, &outcome);
}

/// A step that leaves its process group twice — `setsid`, and `nohup setsid` with TERM
/// and HUP ignored — then waits.
const ESCAPES: &str = "setsid sleep 9123 >/dev/null 2>&1 &\n\
nohup setsid bash -c 'trap \"\" TERM HUP; sleep 9124' >/dev/null 2>&1 &\n\
echo started\n";

/// Starts [`ESCAPES`] on `alias` (waiting in `sleep 901` when `wait`), once both escapes run.
fn start_escapes(
    connections: &Connections,
    alias: &str,
    wait: bool,
    timeout: Option<Duration>,
) -> (runbook::fleet::RemoteRun, Events, String) {
    let script = format!("{ESCAPES}{}", if wait { "sleep 901\n" } else { "" });
    let (run, events, token) = start_script(connections, alias, &script, timeout);
    let escaped = |p: &(i32, String)| p.1.contains("sleep 9123") || p.1.contains("sleep 9124");
    let deadline = std::time::Instant::now() + PATIENCE;
    while sshd::processes_with(&token)
        .iter()
        .filter(|p| escaped(p))
        .count()
        < 2
    {
        assert!(std::time::Instant::now() < deadline, "the escapes started");
        std::thread::sleep(Duration::from_millis(20));
    }
    (run, events, token)
}

#[test]
fn cancel_and_timeout_stop_what_left_the_group_too() {
    let sshd = Sshd::start(2);
    let connections = connections(&sshd);
    let (run, mut cancelled, cancelled_token) = start_escapes(&connections, "host01", true, None);
    let (_run, mut timed_out, timed_out_token) =
        start_escapes(&connections, "host02", true, Some(Duration::from_secs(3)));
    run.cancel();
    assert!(cancelled.finished().cancelled);
    assert!(timed_out.finished().timed_out);
    for token in [cancelled_token, timed_out_token] {
        let left = sshd::gone(&token, Duration::from_secs(10));
        assert!(left.is_empty(), "still running on the server: {left:?}");
    }
}

#[test]
fn a_step_that_ended_leaves_nothing_once_the_session_closes() {
    let sshd = Sshd::start(1);
    let connections = connections(&sshd);
    let (_run, mut events, token) = start_escapes(&connections, "host01", false, None);
    let outcome = events.finished();
    assert!(outcome.success(), "{outcome:?}");
    assert_eq!(
        sshd::processes_with(&token).len(),
        2,
        "what it left runs until the session closes"
    );
    let closed = connections.close();
    assert_eq!(closed.hosts_with_leftovers, 1);
    let left = sshd::gone(&token, Duration::from_secs(10));
    assert!(left.is_empty(), "still running on the server: {left:?}");
}

#[test]
fn closing_one_session_leaves_another_sessions_processes_alone() {
    let sshd = Sshd::start(1);
    let (first, second) = (connections(&sshd), connections(&sshd));
    let (_run, mut events, token) = start_escapes(&second, "host01", false, None);
    assert!(events.finished().success());
    let (_run, mut own, own_token) = start_escapes(&first, "host01", false, None);
    assert!(own.finished().success());
    first.close();
    assert!(sshd::gone(&own_token, Duration::from_secs(10)).is_empty());
    assert_eq!(
        sshd::processes_with(&token).len(),
        2,
        "the other session's processes run on"
    );
    second.close();
    assert!(sshd::gone(&token, Duration::from_secs(10)).is_empty());
}

#[test]
fn a_killed_drivers_step_run_in_place_by_a_login_bash_is_stopped_by_the_next_driver() {
    let sshd = Sshd::start(1);
    let settings = || SshSettings::with_config(Some(sshd.config()));
    let session = format!("inplace-{}", std::process::id());
    let first = Connections::for_session(settings(), &session).expect("runtime dir");
    let (outcome, _) = run(
        &first,
        "host01",
        request("true", &Place::default(), &BTreeMap::new()),
    );
    assert!(outcome.success(), "{outcome:?}");
    // The login shell (bash) is known now: the next step runs in it, in place, and only
    // what that shell starts carries the token; between its sleeps it has no child.
    let (_run, _events, token) = start_script(
        &first,
        "host01",
        "echo started\nfor i in $(seq 600); do sleep 0.2 || :; done\n",
        None,
    );
    let in_place = format!(
        "bash -c {}",
        runbook::fleet::stop::in_place_start(&runbook::fleet::stop::all_runs(&session))
    );
    let shells = sshd::processes_with_arg(&in_place);
    assert_eq!(
        shells.len(),
        1,
        "the step runs in its login bash: {shells:?}"
    );
    assert!(
        !sshd::processes_with(&token)
            .iter()
            .any(|p| p.0 == shells[0].0),
        "the shell's own environment was set before the token"
    );
    // The driver dies with SIGKILL: nothing stops the step; its ssh client and the
    // master (a daemon of its own) live on, so the step's streams stay open.
    let runtime = first.runtime_dir().display().to_string();
    std::mem::forget(first);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        sshd::processes_with_arg(&in_place).len(),
        1,
        "the loop goes on"
    );
    let next = Connections::for_session(settings(), &session).expect("runtime dir");
    next.remember(&host("host01"));
    let closed = next.close();
    assert_eq!(closed.hosts_with_leftovers, 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !sshd::processes_with_arg(&in_place).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        sshd::processes_with_arg(&in_place),
        vec![],
        "the shell is gone"
    );
    assert!(sshd::gone(&token, Duration::from_secs(5)).is_empty());
    for (pid, _) in sshd::processes_with_arg(&runtime) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}
