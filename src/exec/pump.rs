//! Reading a step's output streams on their own threads and forwarding each chunk as it
//! arrives, until the step is finished; an interactive step's chunks are also shown on
//! the operator's terminal as they come.

use std::io::{self, ErrorKind, Read, Write};
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

/// One output stream of a step.
pub(crate) struct Source {
    pub stream: Stream,
    pub reader: Box<dyn Read + Send>,
    /// Where its bytes are also shown as they come: the operator's terminal, for an
    /// interactive step.
    pub echo: Option<Box<dyn Write + Send>>,
}

impl Source {
    pub fn new(stream: Stream, reader: Box<dyn Read + Send>) -> Self {
        Source {
            stream,
            reader,
            echo: None,
        }
    }

    pub fn echoed(mut self, to: Box<dyn Write + Send>) -> Self {
        self.echo = Some(to);
        self
    }
}

/// Where one reader's chunks go: shown (when echoed), then delivered.
struct Sink<'a> {
    stream: Stream,
    outbox: &'a Outbox,
    echo: Option<Box<dyn Write + Send>>,
}

impl Sink<'_> {
    fn bytes(&mut self, bytes: &[u8]) {
        if let Some(echo) = self.echo.as_mut() {
            // A terminal that is gone (hung up) does not stop the recording.
            if echo.write_all(bytes).and_then(|()| echo.flush()).is_err() {
                self.echo = None;
            }
        }
        self.outbox.deliver(self.stream, bytes);
    }
}

/// Reads `source` to its end on a new thread, then reports `Control::Eof`. With a
/// `filter`, the shell's secret markers are taken out and passed on in their place.
pub(crate) fn spawn_reader(
    source: Source,
    outbox: Outbox,
    control: Sender<Control>,
    mut filter: Option<SecretFilter>,
) -> io::Result<()> {
    let Source {
        stream,
        mut reader,
        echo,
    } = source;
    thread::Builder::new()
        .name(format!("step-{stream:?}").to_lowercase())
        .spawn(move || {
            super::priority::bulk_thread();
            let mut sink = Sink {
                stream,
                outbox: &outbox,
                echo,
            };
            pump(&mut reader, &mut sink, filter.as_mut());
            if let Some(rest) = filter.as_mut().map(SecretFilter::finish)
                && !rest.is_empty()
            {
                sink.bytes(&rest);
            }
            let _ = control.send(Control::Eof);
        })
        .map(drop)
}

fn pump(reader: &mut dyn Read, sink: &mut Sink, mut filter: Option<&mut SecretFilter>) {
    let mut buf = vec![0; CHUNK];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => match filter.as_deref_mut() {
                None => sink.bytes(&buf[..n]),
                Some(filter) => {
                    for piece in filter.feed(&buf[..n]) {
                        match piece {
                            Piece::Bytes(bytes) => sink.bytes(&bytes),
                            Piece::Variable { name, value } => {
                                sink.outbox.send(ExecEvent::Assigned { name, value })
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A terminal that keeps what is shown on it.
    #[derive(Clone, Default)]
    struct Screen(Arc<Mutex<Vec<u8>>>);

    impl Write for Screen {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("screen").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A terminal that hung up.
    struct Gone;

    impl Write for Gone {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Reads `input` through a reader echoing to `echo`; the bytes delivered.
    fn read_through(input: &'static [u8], echo: Box<dyn Write + Send>) -> Vec<u8> {
        let (tx, rx) = mpsc::sync_channel(64);
        let (control, ended) = mpsc::channel();
        let source = Source::new(Stream::Pty, Box::new(input)).echoed(echo);
        spawn_reader(source, Outbox::new(tx), control, None).expect("reader");
        assert!(matches!(ended.recv(), Ok(Control::Eof)));
        rx.try_iter()
            .flat_map(|event| match event {
                ExecEvent::Output { bytes, .. } => bytes,
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn an_echoed_stream_is_shown_and_delivered_alike() {
        let screen = Screen::default();
        let delivered = read_through(b"name? Ana\r\nhi Ana\r\n", Box::new(screen.clone()));
        assert_eq!(delivered, b"name? Ana\r\nhi Ana\r\n");
        assert_eq!(*screen.0.lock().expect("screen"), delivered);
    }

    #[test]
    fn a_terminal_that_hung_up_does_not_stop_the_recording() {
        assert_eq!(
            read_through(b"still recorded", Box::new(Gone)),
            b"still recorded"
        );
    }
}
