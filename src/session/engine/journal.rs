//! The audit log written on its own thread, so escaping, hashing and disk
//! writes never hold up the screen. Records that must be durable (`Now`:
//! before a command starts, at step boundaries) still wait until they are
//! written and synced; output records (`Lazy`) are queued, with a bounded
//! queue so a slow disk slows the step rather than growing memory.
//!
//! With a [`Prover`] attached, the writer also seals each moment worth proving (a gate
//! decision, a sign-off, …): it signs and anchors the head right after writing that line,
//! before the caller hears back, so a required anchor that fails stops the session the
//! way a failed write does.

use crate::session::event::Event;
use crate::session::log::{AuditError, AuditWriter, EventDraft, SyncPolicy};
use crate::session::proof::{Head, Prover};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Output records queued before the writer pushes back.
const QUEUE: usize = 64;
/// The writer thread checks for a due sync at least this often.
const SYNC_CHECK: Duration = Duration::from_millis(50);

enum Message {
    Append(EventDraft, SyncPolicy, Option<Sender<Result<(), String>>>),
    Prove(Box<Prover>),
    Close,
}

/// What the writer thread shares with the session.
#[derive(Default)]
struct Shared {
    error: Mutex<Option<String>>,
    /// Lines the prover wrote, for the session to fold and show.
    proof_events: Mutex<Vec<Event>>,
}

impl Shared {
    fn fail(&self, message: &str) {
        self.error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(|| message.to_string());
    }
}

/// The session's audit log, written by a dedicated thread.
pub struct Journal {
    tx: SyncSender<Message>,
    /// Records queued and not yet written.
    queued: Arc<AtomicUsize>,
    shared: Arc<Shared>,
    path: PathBuf,
    thread: Option<JoinHandle<()>>,
}

impl Journal {
    pub fn start(writer: AuditWriter) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let shared = Arc::new(Shared::default());
        let path = writer.path().to_path_buf();
        let thread_shared = Arc::clone(&shared);
        let queued = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&queued);
        let thread = std::thread::Builder::new()
            .name("audit-log".into())
            .spawn(move || {
                crate::exec::bulk_thread();
                write_loop(writer, &rx, &thread_shared, &counter)
            })?;
        Ok(Journal {
            tx,
            queued,
            shared,
            path,
            thread: Some(thread),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the log can no longer be written, once it cannot.
    pub fn error(&self) -> Option<String> {
        self.shared
            .error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether the queue is nearly full: a caller that must not block (the
    /// screen) should stop taking output until the writer catches up.
    pub fn busy(&self) -> bool {
        self.queued.load(Ordering::SeqCst) + 2 >= QUEUE
    }

    /// Appends a record; `Now` returns once it is written and synced.
    pub fn append(&self, draft: EventDraft, sync: SyncPolicy) -> Result<(), AuditError> {
        if let Some(first) = self.error() {
            // The first failure says why (a full disk, a log deleted or written by another).
            return Err(AuditError::Failed(first));
        }
        let failed = |message: String| AuditError::Io {
            path: self.path.clone(),
            source: std::io::Error::other(message),
        };
        self.queued.fetch_add(1, Ordering::SeqCst);
        if sync == SyncPolicy::Lazy {
            return self
                .tx
                .send(Message::Append(draft, sync, None))
                .map_err(|_| failed("the audit log writer stopped".into()));
        }
        let (ack, done) = mpsc::channel();
        self.tx
            .send(Message::Append(draft, sync, Some(ack)))
            .map_err(|_| failed("the audit log writer stopped".into()))?;
        match done.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(AuditError::Failed(self.error().unwrap_or(message))),
            Err(_) => Err(failed("the audit log writer stopped".into())),
        }
    }

    /// Seals every later moment with `prover` (signatures, anchors).
    pub fn attach(&self, prover: Prover) {
        let _ = self.tx.send(Message::Prove(Box::new(prover)));
    }

    /// The lines the prover wrote since the last call.
    pub fn take_proof_events(&self) -> Vec<Event> {
        std::mem::take(
            &mut *self
                .shared
                .proof_events
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }
}

fn write_loop(
    mut writer: AuditWriter,
    rx: &Receiver<Message>,
    shared: &Shared,
    queued: &AtomicUsize,
) {
    let mut prover: Option<Box<Prover>> = None;
    loop {
        match rx.recv_timeout(SYNC_CHECK) {
            Ok(Message::Append(draft, sync, ack)) => {
                queued.fetch_sub(1, Ordering::SeqCst);
                let result = write_one(&mut writer, &draft, sync, prover.as_deref(), shared);
                if let Err(message) = &result {
                    shared.fail(message);
                }
                if let Some(ack) = ack {
                    let _ = ack.send(result);
                }
            }
            Ok(Message::Prove(attached)) => prover = Some(attached),
            Ok(Message::Close) | Err(RecvTimeoutError::Disconnected) => {
                let _ = writer.sync();
                return;
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Err(e) = writer.sync_if_due() {
                    shared.fail(&e.to_string());
                }
            }
        }
    }
}

/// Writes one record, and seals it when it is a moment worth proving.
fn write_one(
    writer: &mut AuditWriter,
    draft: &EventDraft,
    sync: SyncPolicy,
    prover: Option<&Prover>,
    shared: &Shared,
) -> Result<(), String> {
    let seq = writer.append(draft, sync).map_err(|e| e.to_string())?;
    let Some(prover) =
        prover.filter(|p| p.is_active() && crate::session::proof::is_moment(&draft.kind))
    else {
        return Ok(());
    };
    let head = Head {
        seq,
        hash: writer.last_hash().as_str().to_string(),
    };
    let sealed = prover.seal(head, &mut |event: &Event| {
        let (kind, data) = event.clone().into_kind_and_data();
        let draft = EventDraft::new(kind, event.step.as_deref(), data);
        let seq = writer
            .append(&draft, SyncPolicy::Now)
            .map_err(|e| e.to_string())?;
        Ok(Head {
            seq,
            hash: writer.last_hash().as_str().to_string(),
        })
    })?;
    shared
        .proof_events
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .extend(sealed.events);
    match sealed.fatal {
        Some(fatal) => Err(fatal),
        None => Ok(()),
    }
}

impl Drop for Journal {
    /// Everything queued is written and synced before the session lets go of the log.
    fn drop(&mut self) {
        let _ = self.tx.send(Message::Close);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::log::{HeaderDraft, ManualClock, RunbookRef};

    fn journal(dir: &Path) -> Journal {
        let header = HeaderDraft {
            runbook: RunbookRef {
                path: "t.md".into(),
                sha256: "0".repeat(64),
            },
            operator: "t".into(),
            host: "h".into(),
            tool_version: "0".into(),
            params: serde_json::Map::new(),
        };
        let writer = AuditWriter::create(
            dir,
            "journal-test",
            &header,
            ManualClock::new(chrono::Utc::now()),
        )
        .expect("writer");
        Journal::start(writer).expect("journal")
    }

    #[test]
    fn queued_records_are_counted_until_written() {
        let dir = tempfile::tempdir().expect("dir");
        let journal = journal(dir.path());
        for i in 0..200 {
            let draft = EventDraft::new(
                "output",
                Some("s"),
                serde_json::json!({ "text": i.to_string() }),
            );
            journal.append(draft, SyncPolicy::Lazy).expect("queued");
        }
        journal
            .append(
                EventDraft::new("note", None, serde_json::json!({})),
                SyncPolicy::Now,
            )
            .expect("written");
        assert!(
            !journal.busy(),
            "everything before a synced record has been written"
        );
        assert_eq!(journal.queued.load(Ordering::SeqCst), 0);
        let path = journal.path().to_path_buf();
        drop(journal);
        let lines = std::fs::read_to_string(path).expect("log").lines().count();
        assert_eq!(lines, 202, "header + 200 outputs + 1 note");
    }
}
