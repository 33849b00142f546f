//! The JSON Lines export, for log shippers (Vector, Fluent Bit, Loki, a SIEM): one object
//! per line, streamed one record at a time, each carrying who and where so a line makes
//! sense on its own.
//!
//! ```json
//! {"session_id":"deploy-…-3f2a","runbook":"runbooks/deploy.md","operator":"ana","host":"bastion-1","seq":7,"ts":"2026-11-22T09:05:01.002Z","mono_ms":108655,"kind":"gate_decided","step":"go-no-go","data":{…},"prev":"<64 hex>","hash":"<64 hex>"}
//! ```
//!
//! Line 1 is the header (`seq` 0, `kind` `"header"`, `data` as in the JSON export, `prev`
//! null). `operator` and `host` are who drove the session when the event was recorded:
//! the header's, until a `session_resumed` or `driver_changed` names another. `prev` and
//! `hash` are the log's own, so a consumer can check the order and compare heads with
//! `runbook verify`. With `--no-output`, `output` events are left out (the `seq` gaps show
//! where).

use super::{ExportError, Exported};
use crate::session::log::{Record, TS_FORMAT};
use serde::Serialize;
use serde_json::Value;
use std::io::Write;
use std::path::Path;

#[derive(Serialize)]
struct Line<'a> {
    session_id: &'a str,
    runbook: &'a str,
    operator: &'a str,
    host: &'a str,
    seq: u64,
    ts: String,
    mono_ms: u64,
    kind: &'a str,
    step: Option<&'a str>,
    data: &'a Value,
    prev: Option<&'a str>,
    hash: &'a str,
}

/// Who drives, as the log has said so far.
#[derive(Default)]
struct Context {
    session_id: String,
    runbook: String,
    operator: String,
    host: String,
}

impl Context {
    /// A resume or a handover names the new driver for this line and the ones after it.
    fn follow(&mut self, kind: &str, data: &Value) {
        let named = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_string);
        let (operator, host) = match kind {
            "session_resumed" => (named("operator"), named("host")),
            "driver_changed" => (named("to"), named("host")),
            _ => return,
        };
        if let Some(operator) = operator {
            self.operator = operator;
        }
        if let Some(host) = host {
            self.host = host;
        }
    }
}

pub(crate) fn write(
    log: &Path,
    out: &mut dyn Write,
    no_output: bool,
) -> Result<Exported, ExportError> {
    let mut context = Context::default();
    let mut left_out = 0u64;
    let mut exported = super::each_record(log, |record| {
        match &record {
            Record::Header(header) => {
                context = Context {
                    session_id: header.session_id.clone(),
                    runbook: header.runbook.path.clone(),
                    operator: header.operator.clone(),
                    host: header.host.clone(),
                };
                let data = super::json::header_data(header);
                let line = context.line(0, header.started, 0, "header", None, &data);
                write_line(
                    out,
                    &Line {
                        hash: &header.hash,
                        ..line
                    },
                )?;
            }
            Record::Event(event) if no_output && event.kind == "output" => {
                left_out += 1;
                return Ok(false);
            }
            Record::Event(event) => {
                context.follow(&event.kind, &event.data);
                let line = context.line(
                    event.seq,
                    event.ts,
                    event.mono_ms,
                    &event.kind,
                    event.step.as_deref(),
                    &event.data,
                );
                write_line(
                    out,
                    &Line {
                        prev: Some(&event.prev),
                        hash: &event.hash,
                        ..line
                    },
                )?;
            }
        }
        Ok(true)
    })?;
    if left_out > 0 {
        exported
            .notes
            .push(format!("left out {left_out} output events (--no-output)"));
    }
    Ok(exported)
}

impl Context {
    fn line<'a>(
        &'a self,
        seq: u64,
        ts: chrono::DateTime<chrono::Utc>,
        mono_ms: u64,
        kind: &'a str,
        step: Option<&'a str>,
        data: &'a Value,
    ) -> Line<'a> {
        Line {
            session_id: &self.session_id,
            runbook: &self.runbook,
            operator: &self.operator,
            host: &self.host,
            seq,
            ts: ts.format(TS_FORMAT).to_string(),
            mono_ms,
            kind,
            step,
            data,
            prev: None,
            hash: "",
        }
    }
}

fn write_line(out: &mut dyn Write, line: &Line) -> Result<(), ExportError> {
    serde_json::to_writer(&mut *out, line).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}
