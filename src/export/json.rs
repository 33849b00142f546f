//! The JSON export: every record of the log as one array, streamed one record at a time.
//!
//! Element 0 is the header, shaped like the events so one filter reads them all:
//! `{"seq":0,"ts":<started>,"mono_ms":0,"kind":"header","step":null,"data":{format,
//! runbook, operator, host, tool_version, session_id, params}}`. Every later element is
//! an event as the log holds it — `seq`, `ts`, `mono_ms`, `kind`, `step`, `data`, kinds
//! this version does not know included — without the chain fields `prev` and `hash`
//! (`runbook verify` checks the log itself). Output stays `{"stream", "text"|"b64"}`.

use super::{ExportError, Exported};
use crate::session::log::{Header, Record, TS_FORMAT};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

/// The `kind` of element 0.
pub const HEADER_KIND: &str = "header";

#[derive(Serialize)]
struct Element<'a> {
    seq: u64,
    ts: String,
    mono_ms: u64,
    kind: &'a str,
    step: Option<&'a str>,
    data: &'a Value,
}

pub(crate) fn write(log: &Path, out: &mut dyn Write) -> Result<Exported, ExportError> {
    out.write_all(b"[")?;
    let mut first = true;
    let exported = super::each_record(log, |record| {
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        write_record(&record, out)?;
        Ok(true)
    })?;
    out.write_all(b"\n]\n")?;
    Ok(exported)
}

fn write_record(record: &Record, out: &mut dyn Write) -> Result<(), ExportError> {
    let written = match record {
        Record::Header(header) => {
            let data = header_data(header);
            let element = Element {
                seq: 0,
                ts: stamp(&header.started),
                mono_ms: 0,
                kind: HEADER_KIND,
                step: None,
                data: &data,
            };
            serde_json::to_writer(&mut *out, &element)
        }
        Record::Event(event) => {
            let element = Element {
                seq: event.seq,
                ts: stamp(&event.ts),
                mono_ms: event.mono_ms,
                kind: &event.kind,
                step: event.step.as_deref(),
                data: &event.data,
            };
            serde_json::to_writer(&mut *out, &element)
        }
    };
    written.map_err(std::io::Error::from)?;
    Ok(())
}

pub(super) fn header_data(header: &Header) -> Value {
    json!({
        "format": header.format,
        "runbook": {"path": header.runbook.path, "sha256": header.runbook.sha256},
        "operator": header.operator,
        "host": header.host,
        "tool_version": header.tool_version,
        "session_id": header.session_id,
        "params": header.params,
    })
}

fn stamp(ts: &DateTime<Utc>) -> String {
    ts.format(TS_FORMAT).to_string()
}
