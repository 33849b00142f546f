//! A remote run's two streams, each read on a thread of its own: stdout passed on as it
//! comes; stderr split into the step's own text and the wrapper's reports
//! ([`super::frames`]), the stderr the connection printed before the remote shell started
//! kept apart (it says why a host is unreachable).

use super::frames::{Deframer, Frame};
use super::run::{EventSink, Msg, RemoteEvent};
use crate::exec::Stream;
use std::io::Read;
use std::process::{ChildStderr, ChildStdout};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

const READ_CHUNK: usize = 64 * 1024;
/// How long stdout waits for the start report before it reads on.
const GATE_PATIENCE: Duration = Duration::from_secs(1);

/// What the stderr reader learnt.
#[derive(Debug, Default)]
pub(super) struct Reports {
    pub before_start: Vec<u8>,
    pub started: bool,
    pub before: Option<Vec<u8>>,
    pub after: Option<Vec<u8>>,
    pub pwd: Option<Vec<u8>>,
    pub end: Option<i32>,
}

/// Opened once the remote shell reported its group (or stderr ended): stdout waits for
/// it, so a run's `Started` always comes before its output.
#[derive(Debug, Default)]
pub(super) struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn open(&self) {
        *self.open.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.opened.notify_all();
    }

    /// Whether it is open, waiting up to `patience` for it.
    fn wait(&self, patience: Duration) -> bool {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let (open, _) = self
            .opened
            .wait_timeout_while(open, patience, |open| !*open)
            .unwrap_or_else(PoisonError::into_inner);
        *open
    }
}

pub(super) fn read_stdout(
    mut stdout: ChildStdout,
    gate: &Gate,
    sink: &EventSink,
    tx: &Sender<Msg>,
) {
    let mut buf = vec![0u8; READ_CHUNK];
    let mut held: Vec<u8> = Vec::new();
    let mut listening = true;
    loop {
        let n = match stdout.read(&mut buf) {
            Ok(0) | Err(_) => 0,
            Ok(n) => n,
        };
        held.extend_from_slice(&buf[..n]);
        // The report is on its way on stderr; a flood before it keeps being read, not waited on.
        let ready = n == 0 || gate.wait(GATE_PATIENCE);
        if ready && listening && !held.is_empty() {
            let bytes = std::mem::take(&mut held);
            listening = sink(RemoteEvent::Output {
                stream: Stream::Stdout,
                bytes,
            });
            if !listening {
                let _ = tx.send(Msg::Cancel);
            }
        }
        if n == 0 {
            break;
        }
    }
    let _ = tx.send(Msg::StdoutDone);
}

pub(super) fn read_stderr(
    mut stderr: ChildStderr,
    mark: &[u8],
    gate: &Gate,
    sink: &EventSink,
    tx: &Sender<Msg>,
    pgid: &AtomicI32,
) -> Reports {
    let mut deframer = Deframer::new(mark);
    let mut reports = Reports::default();
    let mut buf = vec![0u8; READ_CHUNK];
    let mut frames = Vec::new();
    loop {
        let n = match stderr.read(&mut buf) {
            Ok(0) | Err(_) => 0,
            Ok(n) => n,
        };
        if n == 0 {
            deframer.finish(&mut frames);
        } else {
            deframer.push(&buf[..n], &mut frames);
        }
        for frame in frames.drain(..) {
            let start = matches!(frame, Frame::Start { .. });
            take(frame, &mut reports, sink, tx, pgid);
            if start {
                gate.open();
            }
        }
        if n == 0 {
            break;
        }
    }
    gate.open();
    let _ = tx.send(Msg::StderrDone);
    reports
}

fn take(frame: Frame, reports: &mut Reports, sink: &EventSink, tx: &Sender<Msg>, pgid: &AtomicI32) {
    match frame {
        Frame::Text(bytes) if reports.started => {
            if !sink(RemoteEvent::Output {
                stream: Stream::Stderr,
                bytes,
            }) {
                let _ = tx.send(Msg::Cancel);
            }
        }
        Frame::Text(bytes) => reports.before_start.extend(bytes),
        Frame::Start { pgid: group } => {
            reports.started = true;
            pgid.store(group, Ordering::SeqCst);
            let _ = tx.send(Msg::Started(group));
            sink(RemoteEvent::Started { pgid: group });
            let early = std::mem::take(&mut reports.before_start);
            if !early.is_empty() {
                sink(RemoteEvent::Output {
                    stream: Stream::Stderr,
                    bytes: early,
                });
            }
        }
        Frame::Before(env) => reports.before = Some(env),
        Frame::Go => {}
        Frame::After(env) => reports.after = Some(env),
        Frame::Pwd(dir) => reports.pwd = Some(dir),
        Frame::End { status } => {
            reports.end = Some(status);
            let _ = tx.send(Msg::Ended);
        }
        Frame::Torn => {}
    }
}
