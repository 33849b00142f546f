//! Reading a step's output streams on their own threads and forwarding each chunk as it
//! arrives, until the step is finished.

use std::io::{self, ErrorKind, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Sender, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use super::supervise::Control;
use super::watch::{Piece, SecretFilter};
use super::{ExecEvent, Stream};

const CHUNK: usize = 64 * 1024;

/// The caller's event channel, shared by the readers and the supervisor. Once closed
/// (when `Finished` is sent) nothing more gets through, so `Finished` stays last.
#[derive(Clone, Debug)]
pub(crate) struct Outbox {
    events: Arc<Mutex<Option<SyncSender<ExecEvent>>>>,
    /// Readers waiting for the caller to take a chunk (the channel is full).
    waiting: Arc<AtomicUsize>,
    /// Chunks delivered so far (to tell draining output from an idle pipe).
    delivered: Arc<AtomicUsize>,
}

impl Outbox {
    pub fn new(events: SyncSender<ExecEvent>) -> Self {
        Outbox {
            events: Arc::new(Mutex::new(Some(events))),
            waiting: Arc::new(AtomicUsize::new(0)),
            delivered: Arc::new(AtomicUsize::new(0)),
        }
    }

    fn deliver(&self, stream: Stream, bytes: &[u8]) {
        self.send(ExecEvent::Output {
            stream,
            bytes: bytes.to_vec(),
        });
    }

    fn send(&self, event: ExecEvent) {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let open = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(events) = open.as_ref() {
            // A caller that stopped listening does not stop the draining.
            let _ = events.send(event);
        }
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        self.delivered.fetch_add(1, Ordering::SeqCst);
    }

    /// Whether a reader is held up by the caller rather than by the step:
    /// then the output is still coming and must not be cut off.
    pub fn backed_up(&self) -> bool {
        self.waiting.load(Ordering::SeqCst) > 0
    }

    /// How many chunks have been delivered so far.
    pub fn delivered(&self) -> usize {
        self.delivered.load(Ordering::SeqCst)
    }

    /// Takes the channel out; later deliveries are dropped.
    pub fn close(&self) -> Option<SyncSender<ExecEvent>> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

pub(crate) type Source = (Stream, Box<dyn Read + Send>);

/// Reads `source` to its end on a new thread, then reports `Control::Eof`. With a
/// `filter`, the shell's secret markers are taken out and passed on in their place.
pub(crate) fn spawn_reader(
    (stream, mut reader): Source,
    outbox: Outbox,
    control: Sender<Control>,
    mut filter: Option<SecretFilter>,
) -> io::Result<()> {
    thread::Builder::new()
        .name(format!("step-{stream:?}").to_lowercase())
        .spawn(move || {
            super::priority::bulk_thread();
            pump(&mut reader, stream, &outbox, filter.as_mut());
            if let Some(rest) = filter.as_mut().map(SecretFilter::finish)
                && !rest.is_empty()
            {
                outbox.deliver(stream, &rest);
            }
            let _ = control.send(Control::Eof);
        })
        .map(drop)
}

fn pump(
    reader: &mut dyn Read,
    stream: Stream,
    outbox: &Outbox,
    mut filter: Option<&mut SecretFilter>,
) {
    let mut buf = vec![0; CHUNK];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => match filter.as_deref_mut() {
                None => outbox.deliver(stream, &buf[..n]),
                Some(filter) => {
                    for piece in filter.feed(&buf[..n]) {
                        match piece {
                            Piece::Bytes(bytes) => outbox.deliver(stream, &bytes),
                            Piece::Variable { name, value } => {
                                outbox.send(ExecEvent::Assigned { name, value })
                            }
                        }
                    }
                }
            },
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            // A pty master reports EIO once the last slave is closed: that is its end.
            Err(_) => return,
        }
    }
}
