//! A headless harness for the session engine: the real [`Engine`] and conductor, fed
//! inputs by hand — clock ticks, health samples, followers' requests, the operator's
//! keys or lines, and the output and exits of runs an in-memory executor pretends to
//! run. No terminal, no processes, no sleeping: time is whatever the test says it is.

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use runbook::doc::model::Runbook;
use runbook::exec::{ExecEvent, Exit, IoMode, Outcome};
use runbook::fleet::{RemoteEvent, RemoteOutcome};
use runbook::health::{Change, CheckState, Sampled, Status};
use runbook::session::clock::Now;
use runbook::session::conductor::{Next, Policy};
use runbook::session::engine::Engine;
use runbook::session::event::{Body, Event};
use runbook::session::executor::{Executor, Place, RunId, RunSpec, Started};
use runbook::session::input::{Command, Input};
use runbook::session::log::{AuditWriter, HeaderDraft, LogSink, ManualClock, RunbookRef};
use runbook::session::queue::Inputs;
use runbook::session::state::SessionState;
use runbook::tui::app::{App, Ctx, handle_key};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The audit log kept in memory.
struct Memory;

impl LogSink for Memory {
    fn write_record(&mut self, _record: &[u8]) -> std::io::Result<()> {
        Ok(())
    }

    fn sync_data(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs nothing: remembers what it was asked to run, and which runs were cancelled.
#[derive(Default, Clone)]
pub struct FakeExecutor {
    pub started: Arc<Mutex<Vec<(RunId, RunSpec)>>>,
    pub cancelled: Arc<Mutex<Vec<RunId>>>,
}

impl Executor for FakeExecutor {
    fn start(&mut self, run: RunId, spec: RunSpec, _inputs: &Inputs) -> Result<Started, String> {
        assert_eq!(spec.io, IoMode::Pipes, "nothing here needs a terminal");
        self.started.lock().expect("lock").push((run, spec));
        Ok(Started::default())
    }

    fn cancel(&mut self, run: RunId) {
        self.cancelled.lock().expect("lock").push(run);
    }

    fn forget(&mut self, _run: RunId) {}

    fn stop_all(&mut self, _grace: Duration) -> usize {
        0
    }

    fn stop_leftover(
        &mut self,
        _process: (i32, u64),
        _cgroup: Option<&str>,
        _grace: Duration,
    ) -> usize {
        0
    }
}

/// How the operator's answers reach the engine: typed lines, or the full screen's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    Lines,
    Keys,
}

/// One session driven by hand.
pub struct Harness<'r> {
    pub engine: Engine<'r>,
    pub executor: FakeExecutor,
    /// Every event recorded, in order.
    pub events: Vec<Event>,
    pub driver: Driver,
    app: App,
    start: Now,
    now: Now,
    checks: BTreeMap<String, (Status, Instant, Option<Instant>)>,
}

/// A fixed wall clock, so two runs record the same times.
pub fn wall_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
        .single()
        .expect("time")
}

impl<'r> Harness<'r> {
    /// A session of `runbook` under `policy`, answered through `driver`, at time 0.
    pub fn start(runbook: &'r Runbook, policy: Policy, driver: Driver) -> Harness<'r> {
        let header = HeaderDraft {
            runbook: RunbookRef {
                path: "harness.yaml".into(),
                sha256: "0".repeat(64),
            },
            operator: "ana".into(),
            host: "h".into(),
            tool_version: "0".into(),
            params: serde_json::Map::new(),
        };
        let writer = AuditWriter::with_sink(
            Box::new(Memory),
            PathBuf::from("harness/harness.jsonl"),
            "harness",
            &header,
            ManualClock::new(wall_start()),
        )
        .expect("writer");
        let executor = FakeExecutor::default();
        let place = Place {
            env: BTreeMap::new(),
            cwd: PathBuf::from("/"),
        };
        let mut engine = Engine::new(
            runbook,
            writer,
            SessionState::new(runbook),
            place,
            Inputs::nowhere(),
            Box::new(executor.clone()),
        )
        .expect("engine");
        engine.policy = policy;
        let start = Now {
            mono: Instant::now(),
            wall: wall_start(),
        };
        let mut harness = Harness {
            engine,
            executor,
            events: Vec::new(),
            driver,
            app: App::new(0),
            start,
            now: start,
            checks: BTreeMap::new(),
        };
        harness.engine.handle(Input::Tick(start));
        let started = harness.engine.start_session("ana", "");
        assert!(started.is_ok());
        harness.at(0);
        harness
    }

    fn handle(&mut self, input: Input) {
        if self.driver == Driver::Keys {
            // As the full screen does: an open dialog pauses the autopilot.
            self.engine.policy.paused = self.app.paused || self.app.dialog.is_some();
        }
        let events = self.engine.handle(input);
        self.events.extend(events);
    }

    /// The clock moves to `ms` after the start.
    pub fn at(&mut self, ms: u64) {
        self.now = self.start.plus(Duration::from_millis(ms));
        self.handle(Input::Tick(self.now));
    }

    /// At `ms`, a probe of `check` (the `index`th declared) finds it `status`.
    pub fn health(&mut self, index: usize, check: &str, status: Status, ms: u64) {
        self.at(ms);
        let now = self.now;
        let (from, since, critical) =
            self.checks
                .get(check)
                .copied()
                .unwrap_or((Status::Unknown, now.mono, None));
        let changed = from != status;
        let since = if changed { now.mono } else { since };
        let critical = status.is_critical().then(|| critical.unwrap_or(now.mono));
        self.checks
            .insert(check.to_string(), (status, since, critical));
        let state = CheckState {
            name: check.into(),
            kind: "http",
            target: "http://127.0.0.1:1/health".into(),
            last: None,
            status,
            since,
            history: Vec::new(),
            failures: 0,
            host: None,
        };
        let change = changed.then(|| Change {
            check: check.into(),
            from,
            to: status,
            value: None,
            reason: None,
            at: now.wall,
        });
        self.handle(Input::Health(Box::new(Sampled {
            index,
            state,
            critical_since: critical,
            change,
        })));
    }

    /// The run in flight.
    pub fn run(&self) -> RunId {
        self.engine.runs().next().expect("a run is in flight").id
    }

    /// The run in flight prints `text` on stdout.
    pub fn prints(&mut self, text: &str) {
        let run = self.run();
        let event = ExecEvent::Output {
            stream: runbook::exec::Stream::Stdout,
            bytes: text.as_bytes().to_vec(),
        };
        self.handle(Input::Exec { run, event });
    }

    /// The run in flight exits with `code` after `ms` of running.
    pub fn exits(&mut self, code: i32, ms: u64) {
        let run = self.run();
        let outcome = Outcome {
            exit: Exit::Code(code),
            timed_out: false,
            cancelled: false,
            duration: Duration::from_millis(ms),
            env_after: None,
            cwd_after: None,
            lingering: false,
            pgid: 0,
        };
        self.handle(Input::Exec {
            run,
            event: ExecEvent::Finished(outcome),
        });
    }

    /// The run on `host` ends with `code` after `ms` of running.
    pub fn host_exits(&mut self, host: &str, code: i32, ms: u64) {
        let run = self
            .engine
            .runs()
            .find(|r| r.host.as_deref() == Some(host))
            .unwrap_or_else(|| panic!("{host} runs"))
            .id;
        let outcome = RemoteOutcome {
            exit: Exit::Code(code),
            failure: None,
            timed_out: false,
            cancelled: false,
            duration: Duration::from_millis(ms),
            change: None,
            pgid: None,
            lingering: false,
        };
        self.handle(Input::Remote {
            run,
            event: RemoteEvent::Finished(outcome),
        });
    }

    /// The hosts with a run in flight, in the order they started.
    pub fn hosts_running(&self) -> Vec<String> {
        self.engine.runs().filter_map(|r| r.host.clone()).collect()
    }

    /// Keys pressed on the full screen that answer nothing (the line dialogue reads no
    /// input between its prompts).
    pub fn presses(&mut self, keys: &[KeyCode]) {
        if self.driver == Driver::Keys {
            self.keys(keys);
        }
    }

    fn keys(&mut self, keys: &[KeyCode]) {
        for code in keys {
            // As the screen does before every frame: the selection follows the walk.
            self.app.sync_selection(self.engine.state());
            let commands = {
                let ctx = Ctx {
                    runbook: self.engine.runbook,
                    refs: &self.engine.refs,
                    state: self.engine.state(),
                    running: self.engine.running(),
                };
                handle_key(
                    &mut self.app,
                    KeyEvent::new(*code, KeyModifiers::NONE),
                    &ctx,
                )
            };
            for command in commands {
                self.handle(Input::Command(command));
            }
        }
    }

    /// The dialog open on the full screen, if any.
    pub fn dialog(&self) -> Option<&runbook::tui::dialog::Dialog> {
        self.app.dialog.as_ref()
    }

    /// The operator answers: typed lines, or keys on the full screen — the same command.
    pub fn answer(&mut self, lines: Command, keys: &[KeyCode]) {
        match self.driver {
            Driver::Lines => self.handle(Input::Command(lines)),
            Driver::Keys => self.keys(keys),
        }
    }

    /// A follower's sign-off request arrives.
    pub fn follower(&mut self, incoming: runbook::session::signoff::Incoming) {
        self.handle(Input::Signoff(incoming));
    }

    pub fn next(&self) -> Next {
        self.engine.next()
    }

    /// The walk is over: the session ends as the conductor says.
    pub fn finish(&mut self) -> Next {
        let next = self.next();
        if let Next::End(outcome, reason) = &next {
            let ended = self.engine.end(*outcome, reason);
            assert!(ended.is_ok());
            self.events
                .extend(self.engine.handle(Input::Tick(self.now)));
        }
        next
    }

    /// The kinds of the events recorded, as the log names them.
    pub fn kinds(&self) -> Vec<String> {
        self.events.iter().map(|e| e.kind_and_data().0).collect()
    }

    /// The bodies of the events of one kind.
    pub fn of_kind(&self, kind: &str) -> Vec<&Body> {
        self.events
            .iter()
            .filter(|e| e.kind_and_data().0 == kind)
            .map(|e| &e.body)
            .collect()
    }
}
