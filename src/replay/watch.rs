//! The log folded into the [`Projection`] as follow and replay take it in: output is
//! taken in per step and decoded only for the last [`TAIL_BYTES`] the screen keeps.

use super::scan::{Chunk, Scan, Scanned};
use crate::exec::Stream;
use crate::session::event::{Body, Event};
use crate::session::projection::Projection;
use crate::session::state::TAIL_BYTES;
use std::collections::{BTreeMap, VecDeque};

/// A step's output not yet folded: the newest chunks covering [`TAIL_BYTES`],
/// and how much older output was passed over.
#[derive(Debug, Default)]
struct Window {
    chunks: VecDeque<(Stream, Chunk<'static>, u64)>,
    kept: u64,
    skipped_bytes: u64,
    skipped_events: u64,
}

/// Takes event lines in order and keeps the [`Projection`] equal to the fold of all of
/// them once [`Folder::settle`] has run.
#[derive(Debug)]
pub struct Folder {
    pub projection: Projection,
    pending: BTreeMap<usize, Window>,
}

impl Folder {
    pub fn new(projection: Projection) -> Self {
        Folder {
            projection,
            pending: BTreeMap::new(),
        }
    }

    /// Takes one event line in.
    pub fn take(&mut self, line: Scanned<'_>) {
        let projection = &mut self.projection;
        projection.last_seq = line.seq;
        let ts = match &line.body {
            Scan::Event(_) => line.ts(),
            Scan::Output { .. } | Scan::Unknown(_) => None,
        };
        match line.body {
            Scan::Output { stream, chunk } => {
                match projection.stamp(line.step.as_deref(), line.mono_ms) {
                    Some(index) => self.defer(index, stream, chunk),
                    // The fold counts output for an unknown step and changes nothing else.
                    None => projection.state.events += 1,
                }
            }
            Scan::Event(body) => {
                let event = Event {
                    step: line.step,
                    body,
                };
                projection.apply(&event, line.mono_ms, ts);
            }
            Scan::Unknown(_) => {
                projection.stamp(line.step.as_deref(), line.mono_ms);
            }
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
        let state = &mut self.projection.state;
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

    /// The settled projection, taken out.
    pub fn into_projection(mut self) -> Projection {
        self.settle();
        self.projection
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::replay::scan::{Line, line};
    use crate::session::log::Header;
    use crate::session::state::SessionState;
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
        let mut folder = Folder::new(Projection::new(&runbook, &header()));
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
        let watch = folder.into_projection();
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
