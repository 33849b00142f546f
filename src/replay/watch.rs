//! The fold as a follower or a replay keeps it: [`SessionState`] — built with
//! `SessionState::apply` and nothing else — plus what only a viewer needs
//! (who drives, when each step started, recorded health). Output is taken in
//! per step and decoded only for the last [`TAIL_BYTES`] the screen keeps.

use super::scan::{Chunk, Scan, Scanned};
use crate::doc::model::Runbook;
use crate::exec::Stream;
use crate::session::event::{Body, Event, HealthStatus};
use crate::session::log::Header;
use crate::session::state::{SessionState, TAIL_BYTES};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, VecDeque};

/// Recorded values kept per health check for its sparkline.
const HEALTH_HISTORY: usize = 60;

/// A health check as the log tells it: its last status change.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub status: HealthStatus,
    pub value: Option<String>,
    pub reason: Option<String>,
    /// Session time (`mono_ms`) of the change.
    pub since_mono: u64,
    /// Numbers read from the values at each change, oldest first.
    pub history: Vec<Option<f64>>,
}

/// The session as a viewer knows it after some events.
#[derive(Debug, Clone)]
pub struct Watch {
    pub state: SessionState,
    /// Who started the session (the header's operator).
    pub started_by: String,
    /// Where the driver runs (the header's host, then whoever resumed or took over).
    pub host: String,
    /// The driver quit without ending the session (until someone resumes it).
    pub left: Option<String>,
    pub resumes: u32,
    /// Event lines taken in, unknown kinds included.
    pub records: u64,
    pub last_seq: u64,
    pub last_mono: u64,
    /// The last recorded wall-clock time and the session time it was taken at.
    pub clock: Option<(DateTime<Utc>, u64)>,
    /// The step the latest event was about (where a finished replay rests).
    pub last_step: Option<usize>,
    /// Per step: session time its latest attempt (or wait) started.
    pub started_mono: Vec<Option<u64>>,
    pub health: BTreeMap<String, Seen>,
}

impl Watch {
    /// Nothing happened yet.
    pub fn new(runbook: &Runbook, header: &Header) -> Self {
        let state = SessionState::new(runbook);
        Watch {
            started_mono: vec![None; state.steps.len()],
            state,
            started_by: header.operator.clone(),
            host: header.host.clone(),
            left: None,
            resumes: 0,
            records: 0,
            last_seq: 0,
            last_mono: 0,
            clock: Some((header.started, 0)),
            last_step: None,
            health: BTreeMap::new(),
        }
    }

    /// Who drives now: the fold's driver (start, resume, handover), else the header's operator.
    pub fn operator(&self) -> &str {
        self.state.driver.as_deref().unwrap_or(&self.started_by)
    }

    /// Recorded wall-clock time at session time `mono_ms`.
    pub fn wall_at(&self, mono_ms: u64) -> Option<DateTime<Utc>> {
        let (ts, at) = self.clock?;
        let delta = i64::try_from(mono_ms).ok()? - i64::try_from(at).ok()?;
        Some(ts + chrono::Duration::milliseconds(delta))
    }

    /// The session ended (its outcome is recorded).
    pub fn ended(&self) -> bool {
        self.state.outcome.is_some()
    }

    /// What only a viewer keeps, from an event that is not output.
    fn note(&mut self, step: Option<usize>, body: &Body, mono_ms: u64) {
        match body {
            Body::DriverChanged { host, .. } => self.host.clone_from(host),
            Body::SessionResumed { host, .. } => {
                self.host.clone_from(host);
                self.left = None;
                self.resumes += 1;
            }
            Body::DriverLeft { operator } => self.left = Some(operator.clone()),
            Body::StepStarted { .. } | Body::WaitStarted { .. } => {
                if let Some(slot) = step.and_then(|i| self.started_mono.get_mut(i)) {
                    *slot = Some(mono_ms);
                }
            }
            Body::HealthChanged {
                check,
                to,
                value,
                reason,
                ..
            } => {
                let seen = self.health.entry(check.clone()).or_insert_with(|| Seen {
                    status: HealthStatus::Unknown,
                    value: None,
                    reason: None,
                    since_mono: mono_ms,
                    history: Vec::new(),
                });
                seen.status = *to;
                seen.value.clone_from(value);
                seen.reason.clone_from(reason);
                seen.since_mono = mono_ms;
                if seen.history.len() >= HEALTH_HISTORY {
                    seen.history.remove(0);
                }
                seen.history.push(value.as_deref().and_then(leading_number));
            }
            Body::SessionStarted { .. }
            | Body::SessionEnded { .. }
            | Body::LogRepaired { .. }
            | Body::Output { .. }
            | Body::StepFinished { .. }
            | Body::StepProcess { .. }
            | Body::StepTimedOut { .. }
            | Body::StepCancelled { .. }
            | Body::StepInterrupted { .. }
            | Body::StepSkipped { .. }
            | Body::StepMarkedDone { .. }
            | Body::CheckConfirmed { .. }
            | Body::WaitEnded { .. }
            | Body::Signed { .. }
            | Body::GateDecided { .. }
            | Body::Note { .. }
            | Body::Jumped { .. }
            | Body::RollbackEntered { .. }
            | Body::RollbackPrompted { .. }
            | Body::RollbackDeclined { .. }
            | Body::EnvChanged { .. }
            | Body::SignoffRejected { .. } => {}
        }
    }
}

/// `"142 ms"` → 142.
fn leading_number(text: &str) -> Option<f64> {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(text.len());
    text[..end].parse().ok()
}

/// A step's output not yet folded: the newest chunks covering [`TAIL_BYTES`],
/// and how much older output was passed over.
#[derive(Debug, Default)]
struct Window {
    chunks: VecDeque<(Stream, Chunk<'static>, u64)>,
    kept: u64,
    skipped_bytes: u64,
    skipped_events: u64,
}

/// Takes event lines in order and keeps [`Watch`] equal to the fold of all of
/// them once [`Folder::settle`] has run.
#[derive(Debug)]
pub struct Folder {
    pub watch: Watch,
    pending: BTreeMap<usize, Window>,
}

impl Folder {
    pub fn new(watch: Watch) -> Self {
        Folder {
            watch,
            pending: BTreeMap::new(),
        }
    }

    /// Takes one event line in.
    pub fn take(&mut self, line: Scanned<'_>) {
        let watch = &mut self.watch;
        watch.records += 1;
        watch.last_seq = line.seq;
        watch.last_mono = watch.last_mono.max(line.mono_ms);
        let step = line.step.as_deref().and_then(|id| watch.state.position(id));
        if step.is_some() {
            watch.last_step = step;
        }
        let ts = match &line.body {
            Scan::Event(_) => line.ts(),
            Scan::Output { .. } | Scan::Unknown(_) => None,
        };
        match line.body {
            Scan::Output { stream, chunk } => match step {
                Some(index) => self.defer(index, stream, chunk),
                // The fold counts output for an unknown step and changes nothing else.
                None => watch.state.events += 1,
            },
            Scan::Event(body) => {
                if let Some(ts) = ts {
                    watch.clock = Some((ts, line.mono_ms));
                }
                watch.note(step, &body, line.mono_ms);
                watch.state.apply(&Event {
                    step: line.step,
                    body,
                });
            }
            Scan::Unknown(_) => {}
        }
    }

    fn defer(&mut self, index: usize, stream: Stream, chunk: Chunk<'_>) {
        let window = self.pending.entry(index).or_default();
        let len = chunk.decoded_len();
        window.kept += len;
        window.chunks.push_back((stream, chunk.into_owned(), len));
        while let Some(&(_, _, front)) = window.chunks.front() {
            if window.kept - front < TAIL_BYTES as u64 {
                break;
            }
            window.kept -= front;
            window.skipped_bytes += front;
            window.skipped_events += 1;
            window.chunks.pop_front();
        }
    }

    /// Folds the output taken in since the last call.
    pub fn settle(&mut self) {
        let state = &mut self.watch.state;
        for (index, window) in std::mem::take(&mut self.pending) {
            let Some(id) = state.steps.get(index).map(|s| s.id.clone()) else {
                continue;
            };
            if window.skipped_events > 0 {
                state.steps[index].tail.skip(window.skipped_bytes);
                state.events += window.skipped_events;
            }
            for (stream, chunk, _) in window.chunks {
                state.apply(&Event {
                    step: Some(id.clone()),
                    body: Body::Output {
                        stream,
                        bytes: chunk.decode().into(),
                    },
                });
            }
        }
    }

    /// The settled watch, taken out.
    pub fn into_watch(mut self) -> Watch {
        self.settle();
        self.watch
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::replay::scan::{Line, line};
    use crate::session::state::Status;

    const RUNBOOK: &str = "# T\n## A\n```bash {name=flood}\nyes\n```\n- [ ] looked\n";

    fn header() -> Header {
        serde_json::from_value(serde_json::json!({
            "format": "runbook-audit/1",
            "runbook": {"path": "t.md", "sha256": "00"},
            "operator": "ana", "host": "h", "tool_version": "0",
            "started": "2026-11-22T09:00:00.000Z", "session_id": "t",
            "params": {}, "hash": "00"
        }))
        .unwrap()
    }

    fn record(seq: u64, kind: &str, step: &str, data: &serde_json::Value) -> String {
        let hash = "b".repeat(64);
        format!(
            r#"{{"seq":{seq},"ts":"2026-11-22T09:00:01.000Z","mono_ms":{seq},"kind":"{kind}","step":"{step}","data":{data},"prev":"{hash}","hash":"{hash}"}}"#
        )
    }

    fn take(folder: &mut Folder, text: &str) {
        match line(2, text.as_bytes()).unwrap() {
            Line::Event(e) => folder.take(e),
            Line::Header(_) => panic!("header"),
        }
    }

    #[test]
    fn long_output_folds_to_the_same_tail_and_total() {
        let runbook = crate::doc::load_str(RUNBOOK, std::path::Path::new("t.md")).unwrap();
        let mut folder = Folder::new(Watch::new(&runbook, &header()));
        let mut events = Vec::new();
        let start =
            serde_json::json!({"attempt":1,"script":"yes","cwd":"/","auto":true,"dry_run":false});
        let mut lines = vec![record(1, "step_started", "flood", &start)];
        for i in 0..200u64 {
            let text = format!("line {i}\n").repeat(500 + usize::try_from(i).unwrap());
            let data = serde_json::json!({"stream": if i % 7 == 0 {"stderr"} else {"stdout"}, "text": text});
            lines.push(record(i + 2, "output", "flood", &data));
        }
        let finished = serde_json::json!({"exit_code":0,"signal":null,"duration_ms":9,"ok":true,"lingering":false});
        lines.push(record(202, "step_finished", "flood", &finished));
        for text in &lines {
            take(&mut folder, text);
            if let Line::Event(e) = line(2, text.as_bytes()).unwrap() {
                events.push(e.to_event().unwrap());
            }
        }
        let watch = folder.into_watch();
        let direct = SessionState::fold(&runbook, &events);
        let (ours, theirs) = (&watch.state.steps[0], &direct.steps[0]);
        assert_eq!(ours.status, Status::Done);
        assert_eq!(ours.tail.total, theirs.tail.total);
        assert_eq!(watch.state.events, direct.events);
        let (a, b) = (ours.tail.text(), theirs.tail.text());
        let shared = a.len().min(b.len());
        assert!(shared >= TAIL_BYTES - 4096, "{shared}");
        assert_eq!(a[a.len() - shared..], b[b.len() - shared..]);
        assert_eq!(watch.started_mono[0], Some(1));
        assert_eq!(watch.last_seq, 202);
    }
}
