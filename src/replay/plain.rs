//! `--plain` follow and replay: one line per event (time, session time, step,
//! kind, a short payload) and command output as its own text lines.

use super::scan::{Line, Scan, Scanned};
use crate::exec::Stream;
use crate::export::{describe, gate_details};
use crate::sanitize::SafeWrite;
use crate::session::event::Body;
use crate::session::state::SessionState;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Width of the step column.
const STEP_WIDTH: usize = 14;

/// Prints a log's lines as they are taken in; what reaches the terminal is sanitised
/// (colours pass, other escape sequences from the log do not).
pub struct Printer<W: Write> {
    out: SafeWrite<W>,
    /// Output of a step whose last line has not ended yet.
    partial: BTreeMap<String, (Stream, Vec<u8>, String)>,
    /// The session printed so far and its last event, so a log read again
    /// from the start (rotation, truncation) does not print twice.
    printed: Option<(String, u64)>,
    session: Option<String>,
}

/// The record kind of a body (`step_started`, …).
fn kind(body: &Body) -> String {
    crate::session::event::Event::new(None, body.clone())
        .kind_and_data()
        .0
}

/// `+03:07.250`: session time.
fn session_time(mono_ms: u64) -> String {
    let (mins, rest) = (mono_ms / 60_000, mono_ms % 60_000);
    format!("+{mins:02}:{:02}.{:03}", rest / 1000, rest % 1000)
}

impl<W: Write> Printer<W> {
    pub fn new(out: W) -> Self {
        Printer {
            out: SafeWrite::new(out),
            partial: BTreeMap::new(),
            printed: None,
            session: None,
        }
    }

    /// Prints one line of the log.
    pub fn line(&mut self, line: &Line<'_>) -> io::Result<()> {
        match line {
            Line::Header(h) => {
                self.session = Some(h.session_id.clone());
                if self
                    .printed
                    .as_ref()
                    .is_some_and(|(id, _)| *id == h.session_id)
                {
                    return Ok(());
                }
                writeln!(
                    self.out,
                    "session {} · runbook {} · operator {}@{} · started {} UTC",
                    h.session_id,
                    h.runbook.path,
                    h.operator,
                    h.host,
                    h.started.format("%Y-%m-%d %H:%M:%S")
                )
            }
            Line::Event(e) => {
                let Some(session) = self.session.clone() else {
                    return Ok(());
                };
                if let Some((id, seq)) = &self.printed
                    && *id == session
                    && e.seq <= *seq
                {
                    return Ok(());
                }
                self.printed = Some((session, e.seq));
                self.event(e)
            }
        }
    }

    fn event(&mut self, e: &Scanned<'_>) -> io::Result<()> {
        let time = e
            .ts()
            .map(|t| t.format("%H:%M:%S%.3f").to_string())
            .unwrap_or_else(|| "--:--:--.---".into());
        let when = format!("{time} {}", session_time(e.mono_ms));
        let step = e.step.clone().unwrap_or_else(|| "-".into());
        match &e.body {
            Scan::Output { stream, chunk } => {
                let (held_stream, mut bytes, _) =
                    self.partial
                        .remove(&step)
                        .unwrap_or((*stream, Vec::new(), when.clone()));
                if held_stream != *stream && !bytes.is_empty() {
                    self.output_line(&when, &step, held_stream, &bytes)?;
                    bytes.clear();
                }
                bytes.extend_from_slice(&chunk.decode());
                let mut rest = bytes.as_slice();
                while let Some(end) = memchr::memchr(b'\n', rest) {
                    self.output_line(&when, &step, *stream, &rest[..end])?;
                    rest = &rest[end + 1..];
                }
                if !rest.is_empty() {
                    self.partial.insert(step, (*stream, rest.to_vec(), when));
                }
                Ok(())
            }
            Scan::Event(crate::session::event::Body::HostOutput(out)) => {
                let text = String::from_utf8_lossy(out.bytes.as_slice());
                let who = format!("{step} {}", out.host);
                for line in text.lines() {
                    self.output_line(&when, &who, out.stream, line.as_bytes())?;
                }
                Ok(())
            }
            Scan::Event(body) => {
                self.flush_step(&step)?;
                writeln!(
                    self.out,
                    "{when}  {step:<STEP_WIDTH$} {:<16} {}",
                    kind(body),
                    describe(body).unwrap_or_default()
                )?;
                for detail in gate_details(body) {
                    writeln!(
                        self.out,
                        "{:w$}{detail}",
                        "",
                        w = when.len() + STEP_WIDTH + 20
                    )?;
                }
                Ok(())
            }
            Scan::Unknown(kind) => {
                writeln!(
                    self.out,
                    "{when}  {step:<STEP_WIDTH$} {kind:<16} (not known to this version)"
                )
            }
        }
    }

    fn output_line(
        &mut self,
        when: &str,
        step: &str,
        stream: Stream,
        bytes: &[u8],
    ) -> io::Result<()> {
        let bar = if stream == Stream::Stderr {
            "▌"
        } else {
            "│"
        };
        let text = String::from_utf8_lossy(bytes);
        writeln!(
            self.out,
            "{when}  {step:<STEP_WIDTH$} {bar} {}",
            text.trim_end_matches('\r')
        )
    }

    fn flush_step(&mut self, step: &str) -> io::Result<()> {
        if let Some((stream, bytes, when)) = self.partial.remove(step) {
            self.output_line(&when, step, stream, &bytes)?;
        }
        Ok(())
    }

    /// Output still held, then how the session stands.
    pub fn finish(&mut self, state: Option<&SessionState>) -> io::Result<()> {
        let held: Vec<String> = self.partial.keys().cloned().collect();
        for step in held {
            self.flush_step(&step)?;
        }
        if let Some(state) = state {
            writeln!(self.out, "──")?;
            for line in super::summary::closing_lines(state) {
                writeln!(self.out, "{line}")?;
            }
        }
        self.out.flush()
    }

    /// Lets a note about the log itself through (a restart, a skipped line).
    pub fn note(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out, "── {text}")
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_the_records_kinds() {
        let body = Body::Note { text: "x".into() };
        assert_eq!(kind(&body), "note");
    }

    #[test]
    fn session_time_is_fixed_width() {
        assert_eq!(session_time(0), "+00:00.000");
        assert_eq!(session_time(187_250), "+03:07.250");
        assert_eq!(session_time(3_600_000), "+60:00.000");
    }
}
