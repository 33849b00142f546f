//! Exports of logs written here event by event: shapes a short run of the binary seldom
//! produces (pty output, invalid UTF-8, unknown kinds, torn tails, a missing runbook).

use super::*;
use crate::session::event::{Body, Event, Stream};
use crate::session::log::{
    AuditWriter, EventDraft, HeaderDraft, ManualClock, RunbookRef, SyncPolicy,
};
use serde_json::{Value, json};
use std::time::Duration;

const RUNBOOK: &str =
    "# Bars\n```bash {name=bar tty=true}\nprogress\n```\n```bash {name=pipe}\nlist\n```\n";

struct Log {
    _dir: tempfile::TempDir,
    writer: AuditWriter,
    clock: ManualClock,
}

impl Log {
    fn new(source: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(DateTime::from_timestamp_millis(1_795_338_192_345).unwrap());
        let header = HeaderDraft {
            runbook: RunbookRef {
                path: "/nonexistent/bars.md".into(),
                sha256: "ab".repeat(32),
            },
            operator: "ana".into(),
            host: "bastion-1".into(),
            tool_version: "0.1.0".into(),
            params: serde_json::Map::new(),
        };
        let writer = AuditWriter::create(dir.path(), "bars-1", &header, clock.clone()).unwrap();
        let mut log = Log {
            _dir: dir,
            writer,
            clock,
        };
        let started = Body::SessionStarted {
            title: "Bars".into(),
            steps: 2,
            yes: true,
            dry_run: false,
            skip_waits: false,
            source: source.into(),
            operator: "ana".into(),
        };
        log.add(None, started);
        log
    }

    fn add(&mut self, step: Option<&str>, body: Body) {
        let (kind, data) = Event::new(step, body).into_kind_and_data();
        self.draft(EventDraft::new(kind, step, data));
    }

    fn draft(&mut self, draft: EventDraft) {
        self.clock.advance(Duration::from_millis(10));
        self.writer.append(&draft, SyncPolicy::Now).unwrap();
    }

    fn output(&mut self, step: &str, stream: Stream, bytes: &[u8]) {
        self.add(
            Some(step),
            Body::Output {
                stream,
                bytes: bytes.into(),
            },
        );
    }

    fn start(&mut self, step: &str) {
        let body = Body::StepStarted {
            attempt: 1,
            script: "run".into(),
            cwd: "/srv".into(),
            auto: true,
            dry_run: false,
            proposed: false,
            on_demand: false,
        };
        self.add(Some(step), body);
    }

    fn export(&self, format: Format) -> (String, Exported) {
        let mut out = Vec::new();
        let exported = export(self.writer.path(), format, &mut out).unwrap();
        (String::from_utf8(out).unwrap(), exported)
    }
}

#[test]
fn json_keeps_unknown_kinds_and_stops_at_a_torn_line() {
    let mut log = Log::new(RUNBOOK);
    log.draft(EventDraft::new("from_the_future", None, json!({"x": 1})));
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(log.writer.path())
        .unwrap();
    std::io::Write::write_all(&mut file, b"{\"seq\":3,\"ts\"").unwrap();
    let (text, exported) = log.export(Format::Json);
    let records: Vec<Value> = serde_json::from_str(&text).unwrap();
    let kinds: Vec<&str> = records.iter().filter_map(|r| r["kind"].as_str()).collect();
    assert_eq!(kinds, ["header", "session_started", "from_the_future"]);
    assert_eq!(records[0]["data"]["operator"], "ana");
    assert_eq!(records[2]["mono_ms"], 20);
    assert!(exported.torn);
    assert_eq!(exported.records, 3);
}

/// The cast's `o` events' data, in order.
fn screen_chunks(cast: &str) -> Vec<String> {
    cast.lines()
        .skip(1)
        .filter_map(|l| serde_json::from_str::<(f64, String, String)>(l).ok())
        .filter(|(_, code, _)| code == "o")
        .map(|(_, _, data)| data)
        .collect()
}

#[test]
fn the_cast_gives_pipe_output_terminal_line_ends_and_leaves_pty_output_alone() {
    let mut log = Log::new(RUNBOOK);
    log.start("bar");
    log.output("bar", Stream::Pty, b"10%\r50%\n");
    log.start("pipe");
    log.output("pipe", Stream::Stdout, b"a\r");
    log.output("pipe", Stream::Stdout, b"\nb\n");
    log.output("pipe", Stream::Stdout, &[0xff, b'\n']);
    let (cast, _) = log.export(Format::Cast);
    let chunks = screen_chunks(&cast);
    for wanted in ["10%\r50%\n", "a\r", "\nb\r\n", "\u{fffd}\r\n"] {
        assert!(
            chunks.iter().any(|c| c == wanted),
            "{wanted:?} in {chunks:?}"
        );
    }
}

#[test]
fn a_log_whose_runbook_is_gone_exports_by_step_id() {
    let mut log = Log::new("");
    log.start("pipe");
    log.output("pipe", Stream::Stderr, b"boom\n");
    let (md, exported) = log.export(Format::Md);
    assert!(
        exported.notes[0].contains("steps are shown by id only"),
        "{exported:?}"
    );
    assert!(md.contains(" · pipe\n"), "{md}");
    assert!(md.contains("! boom\n"), "{md}");
    assert!(md.contains("| Outcome | **unfinished** |"), "{md}");
}

#[test]
fn offsets_read_as_minutes_then_hours() {
    assert_eq!(offset(0), "T+00:00");
    assert_eq!(offset(65_432), "T+01:05");
    assert_eq!(offset(3_600_000 + 61_000), "T+1:01:01");
}

#[test]
fn formats_parse_by_name() {
    assert_eq!("md".parse::<Format>(), Ok(Format::Md));
    assert_eq!("cast".parse::<Format>(), Ok(Format::Cast));
    assert_eq!("json".parse::<Format>(), Ok(Format::Json));
    assert_eq!("jsonl".parse::<Format>(), Ok(Format::Jsonl));
    assert!(
        "html"
            .parse::<Format>()
            .unwrap_err()
            .contains("md, cast, json or jsonl")
    );
}
