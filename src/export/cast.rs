//! The asciicast export (format v2): the session as a terminal recording that any asciinema
//! player shows — per step a banner and `$ command`, its output at the moments it was
//! recorded, its exit status — with markers at each step, gate decision, rollback and the
//! session end so a player can seek by step.
//!
//! Line 1 is the header `{"version":2,"width":…,"height":…,"timestamp":…,"title":…}`; each
//! later line is `[seconds, "o", text]` or `[seconds, "m", label]`, seconds taken from the
//! events' monotonic `mono_ms`, so times never go backwards.

use super::describe::{describe, gate_details};
use super::{Blocks, ExportError, Exported, Session};
use crate::session::event::{Body, Stream};
use crate::session::setup::Stamped;
use serde::Serialize;
use std::io::{self, Write};

/// The terminal size the recording is played in.
pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 36;

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BANNER: &str = "\x1b[1;36m";
const ALARM: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

pub(crate) fn write(mut session: Session, out: &mut dyn Write) -> Result<Exported, ExportError> {
    write_header(&session, out)?;
    let mut cast = Cast {
        out,
        blocks: Blocks::default(),
        at_line_start: true,
        after_cr: false,
    };
    while let Some(stamped) = session.next_event()? {
        cast.event(&session, &stamped)?;
    }
    Ok(session.exported())
}

/// Line 1, keys in the order the asciicast v2 documentation lists them.
#[derive(Serialize)]
struct Header {
    version: u8,
    width: u16,
    height: u16,
    timestamp: i64,
    title: String,
}

fn write_header(session: &Session, out: &mut dyn Write) -> io::Result<()> {
    let header = Header {
        version: 2,
        width: WIDTH,
        height: HEIGHT,
        timestamp: session.header.started.timestamp(),
        title: format!("{} — {}", session.title, session.header.session_id),
    };
    write_line(out, &header)
}

fn write_line(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// The recording being written.
struct Cast<'w> {
    out: &'w mut dyn Write,
    blocks: Blocks,
    /// The terminal's cursor is at the start of a line.
    at_line_start: bool,
    /// The last output byte was `\r` (a `\n` after it is already a terminal line end).
    after_cr: bool,
}

impl Cast<'_> {
    fn event(&mut self, session: &Session, stamped: &Stamped) -> io::Result<()> {
        let at = stamped.mono_ms;
        let body = &stamped.event.body;
        if let Body::Output { stream, bytes } = body {
            return self.output(session, at, *stream, bytes.as_slice());
        }
        if let Body::HostOutput(out) = body {
            let text =
                super::fleet::prefixed(&out.host, &String::from_utf8_lossy(out.bytes.as_slice()));
            return self.output(session, at, out.stream, text.as_bytes());
        }
        let opened = self.blocks.enter(stamped);
        if let Some(step) = &opened {
            self.banner(session, at, step)?;
        }
        self.tell(session, at, body)?;
        match marker(session, stamped, opened.is_some()) {
            Some(label) => self.emit(at, "m", &label),
            None => Ok(()),
        }
    }

    fn banner(&mut self, session: &Session, at: u64, step: &str) -> io::Result<()> {
        let place = match session.step(step) {
            Some(info) if info.rollback => format!(" · {} · ROLLBACK", info.section),
            Some(info) => format!(" · {}", info.section),
            None => String::new(),
        };
        let title = session.step_title(step);
        self.line(at, "", "")?;
        self.line(at, BANNER, &format!("── {title}{place} ──"))
    }

    /// Says what happened, styled by what it means.
    fn tell(&mut self, session: &Session, at: u64, body: &Body) -> io::Result<()> {
        if let Body::SessionStarted { title, .. } = body {
            return self.title(session, at, title);
        }
        let Some(text) = describe(body) else {
            return Ok(());
        };
        let style = match body {
            Body::StepFinished { ok: true, .. } => GREEN,
            Body::StepFinished { .. } | Body::StepTimedOut { .. } => RED,
            Body::RollbackEntered { .. } | Body::RollbackPrompted { .. } => ALARM,
            Body::GateDecided { .. } | Body::SessionEnded { .. } | Body::OptionChosen { .. } => {
                BOLD
            }
            Body::Signed { .. } | Body::Note { .. } | Body::StepSkipped { .. } => YELLOW,
            Body::SessionStarted { .. }
            | Body::SessionResumed { .. }
            | Body::LogRepaired { .. }
            | Body::StepStarted { .. }
            | Body::Output { .. }
            | Body::StepProcess { .. }
            | Body::StepCancelled { .. }
            | Body::StepInterrupted { .. }
            | Body::StepMarkedDone { .. }
            | Body::CheckConfirmed { .. }
            | Body::WaitStarted { .. }
            | Body::WaitEnded { .. }
            | Body::Jumped { .. }
            | Body::DriverLeft { .. }
            | Body::RollbackDeclined { .. }
            | Body::HealthChanged { .. }
            | Body::EnvChanged { .. }
            | Body::SignoffRejected { .. }
            | Body::DriverChanged { .. }
            | Body::PlaceholderFilled { .. }
            | Body::WarningsAcknowledged { .. }
            | Body::ChainSigned { .. }
            | Body::SigningFailed { .. }
            | Body::AnchorFailed { .. }
            | Body::DayOpened(_)
            | Body::FleetPlanned(_)
            | Body::HostStarted(_)
            | Body::HostOutput(_)
            | Body::BatchDecided(_) => DIM,
            Body::HostFinished(end) if end.ok => GREEN,
            Body::HostFinished(_) => RED,
            Body::BatchStarted(_) | Body::BatchFinished(_) => BOLD,
            Body::FleetStopped(_) => ALARM,
        };
        // A step's end is marked by how it went; every other event is a comment line.
        let mark = match body {
            Body::StepFinished { ok: true, .. } => "✔ ",
            Body::StepFinished { .. } => "✘ ",
            Body::SessionStarted { .. }
            | Body::SessionResumed { .. }
            | Body::SessionEnded { .. }
            | Body::LogRepaired { .. }
            | Body::StepStarted { .. }
            | Body::Output { .. }
            | Body::StepProcess { .. }
            | Body::StepTimedOut { .. }
            | Body::StepCancelled { .. }
            | Body::StepInterrupted { .. }
            | Body::StepSkipped { .. }
            | Body::StepMarkedDone { .. }
            | Body::CheckConfirmed { .. }
            | Body::WaitStarted { .. }
            | Body::WaitEnded { .. }
            | Body::Signed { .. }
            | Body::GateDecided { .. }
            | Body::Note { .. }
            | Body::Jumped { .. }
            | Body::DriverLeft { .. }
            | Body::RollbackEntered { .. }
            | Body::RollbackPrompted { .. }
            | Body::RollbackDeclined { .. }
            | Body::HealthChanged { .. }
            | Body::EnvChanged { .. }
            | Body::SignoffRejected { .. }
            | Body::DriverChanged { .. }
            | Body::PlaceholderFilled { .. }
            | Body::WarningsAcknowledged { .. }
            | Body::OptionChosen { .. }
            | Body::ChainSigned { .. }
            | Body::SigningFailed { .. }
            | Body::AnchorFailed { .. }
            | Body::DayOpened(_)
            | Body::FleetPlanned(_)
            | Body::BatchStarted(_)
            | Body::HostStarted(_)
            | Body::HostOutput(_)
            | Body::BatchFinished(_)
            | Body::BatchDecided(_)
            | Body::FleetStopped(_) => "# ",
            Body::HostFinished(end) if end.ok => "✔ ",
            Body::HostFinished(_) => "✘ ",
        };
        self.line(at, style, &format!("{mark}{text}"))?;
        for detail in gate_details(body) {
            self.line(at, DIM, &format!("#   {detail}"))?;
        }
        if let Body::StepStarted { script, .. } = body {
            self.command(at, script)?;
        }
        Ok(())
    }

    fn title(&mut self, session: &Session, at: u64, title: &str) -> io::Result<()> {
        let header = &session.header;
        self.line(at, BOLD, title)?;
        self.line(
            at,
            DIM,
            &format!(
                "# session {} · {} on {} · started {}",
                header.session_id,
                header.operator,
                header.host,
                super::date_time(&header.started)
            ),
        )
    }

    /// `$ first line`, then `> ` before each further line, as a shell echoes a script.
    fn command(&mut self, at: u64, script: &str) -> io::Result<()> {
        for (i, line) in script.trim_end().lines().enumerate() {
            let prompt = if i == 0 { "$ " } else { "> " };
            self.line(at, BOLD, &format!("{prompt}{line}"))?;
        }
        Ok(())
    }

    /// Command output as recorded; pipe output gets terminal line ends, stderr is red.
    fn output(
        &mut self,
        session: &Session,
        at: u64,
        stream: Stream,
        bytes: &[u8],
    ) -> io::Result<()> {
        let text = String::from_utf8_lossy(bytes);
        let tty = stream == Stream::Pty
            || self
                .blocks
                .current()
                .and_then(|id| session.step(id))
                .is_some_and(|info| info.tty);
        let shown = if tty {
            text.into_owned()
        } else {
            self.terminal_line_ends(&text)
        };
        if shown.is_empty() {
            return Ok(());
        }
        self.at_line_start = shown.ends_with('\n');
        match stream {
            Stream::Stderr => self.emit(at, "o", &format!("{RED}{shown}{RESET}")),
            Stream::Stdout | Stream::Pty => self.emit(at, "o", &shown),
        }
    }

    /// `\n` not preceded by `\r` (also across chunks) becomes `\r\n`.
    fn terminal_line_ends(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + text.len() / 16);
        for c in text.chars() {
            if c == '\n' && !self.after_cr {
                out.push('\r');
            }
            out.push(c);
            self.after_cr = c == '\r';
        }
        out
    }

    /// A whole line of our own, on a line of its own.
    fn line(&mut self, at: u64, style: &str, text: &str) -> io::Result<()> {
        let fresh = if self.at_line_start { "" } else { "\r\n" };
        let text = if style.is_empty() {
            format!("{fresh}{text}\r\n")
        } else {
            format!("{fresh}{style}{text}{RESET}\r\n")
        };
        self.at_line_start = true;
        self.after_cr = false;
        self.emit(at, "o", &text)
    }

    fn emit(&mut self, at: u64, code: &str, data: &str) -> io::Result<()> {
        let seconds = at as f64 / 1000.0;
        write_line(self.out, &(seconds, code, data))
    }
}

/// The marker a player seeks to for this event: its own moment (a retry, a gate decision,
/// rollback, the end…), else the step's title when the event opens the step's block.
fn marker(session: &Session, stamped: &Stamped, opened: bool) -> Option<String> {
    let step = stamped.event.step.as_deref().unwrap_or_default();
    let moment = match &stamped.event.body {
        Body::SessionStarted { title, .. } => Some(format!("start: {title}")),
        Body::StepStarted { attempt, .. } if *attempt > 1 => {
            Some(format!("{} (attempt {attempt})", session.step_title(step)))
        }
        Body::GateDecided { decision, .. } => {
            Some(format!("{}: {}", session.step_title(step), decision.word()))
        }
        Body::RollbackEntered { reason } => Some(format!("ROLLBACK: {reason}")),
        Body::OptionChosen { title, option, .. } => Some(format!(
            "chosen at {title}: {}",
            option.as_deref().unwrap_or("none of these")
        )),
        Body::RollbackPrompted { reason, .. } => Some(format!("rollback suggested: {reason}")),
        Body::SessionResumed { operator, .. } => Some(format!("resumed by {operator}")),
        Body::SessionEnded { outcome, .. } => Some(format!("end: {}", outcome.word())),
        Body::LogRepaired { .. }
        | Body::StepStarted { .. }
        | Body::Output { .. }
        | Body::StepFinished { .. }
        | Body::StepProcess { .. }
        | Body::StepTimedOut { .. }
        | Body::StepCancelled { .. }
        | Body::StepInterrupted { .. }
        | Body::StepSkipped { .. }
        | Body::StepMarkedDone { .. }
        | Body::CheckConfirmed { .. }
        | Body::WaitStarted { .. }
        | Body::WaitEnded { .. }
        | Body::Signed { .. }
        | Body::Note { .. }
        | Body::Jumped { .. }
        | Body::DriverLeft { .. }
        | Body::RollbackDeclined { .. }
        | Body::HealthChanged { .. }
        | Body::EnvChanged { .. }
        | Body::SignoffRejected { .. }
        | Body::DriverChanged { .. }
        | Body::PlaceholderFilled { .. }
        | Body::WarningsAcknowledged { .. }
        | Body::ChainSigned { .. }
        | Body::SigningFailed { .. }
        | Body::AnchorFailed { .. }
        | Body::DayOpened(_)
        | Body::FleetPlanned(_)
        | Body::HostStarted(_)
        | Body::HostOutput(_)
        | Body::HostFinished(_)
        | Body::BatchFinished(_)
        | Body::BatchDecided(_)
        | Body::FleetStopped(_) => None,
        Body::BatchStarted(start) => Some(format!(
            "{}: batch {}/{}",
            session.step_title(step),
            start.batch,
            start.batches
        )),
    };
    moment.or_else(|| opened.then(|| session.step_title(step)))
}
