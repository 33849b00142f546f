//! The audit log written on its own thread, so escaping, hashing and disk
//! writes never hold up the screen. Records that must be durable (`Now`:
//! before a command starts, at step boundaries) still wait until they are
//! written and synced; output records (`Lazy`) are queued, with a bounded
//! queue so a slow disk slows the step rather than growing memory.

use crate::session::log::{AuditError, AuditWriter, EventDraft, SyncPolicy};
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
    Close,
}

/// The session's audit log, written by a dedicated thread.
pub struct Journal {
    tx: SyncSender<Message>,
    /// Records queued and not yet written.
    queued: Arc<AtomicUsize>,
    error: Arc<Mutex<Option<String>>>,
    path: PathBuf,
    thread: Option<JoinHandle<()>>,
}

impl Journal {
    pub fn start(writer: AuditWriter) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let error = Arc::new(Mutex::new(None));
        let path = writer.path().to_path_buf();
        let shared = Arc::clone(&error);
        let queued = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&queued);
        let thread = std::thread::Builder::new()
            .name("audit-log".into())
            .spawn(move || {
                crate::exec::bulk_thread();
                write_loop(writer, &rx, &shared, &counter)
            })?;
        Ok(Journal {
            tx,
            queued,
            error,
            path,
            thread: Some(thread),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the log can no longer be written, once it cannot.
    pub fn error(&self) -> Option<String> {
        self.error
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
        if self.error().is_some() {
            return Err(AuditError::Poisoned {
                path: self.path.clone(),
            });
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
            Ok(Err(message)) => Err(failed(message)),
            Err(_) => Err(failed("the audit log writer stopped".into())),
        }
    }
}

fn write_loop(
    mut writer: AuditWriter,
    rx: &Receiver<Message>,
    error: &Mutex<Option<String>>,
    queued: &AtomicUsize,
) {
    loop {
        match rx.recv_timeout(SYNC_CHECK) {
            Ok(Message::Append(draft, sync, ack)) => {
                queued.fetch_sub(1, Ordering::SeqCst);
                let result = writer
                    .append(&draft, sync)
                    .map(|_| ())
                    .map_err(|e| e.to_string());
                if let Err(message) = &result {
                    error
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .get_or_insert_with(|| message.clone());
                }
                if let Some(ack) = ack {
                    let _ = ack.send(result);
                }
            }
            Ok(Message::Close) | Err(RecvTimeoutError::Disconnected) => {
                let _ = writer.sync();
                return;
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Err(e) = writer.sync_if_due() {
                    error
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .get_or_insert_with(|| e.to_string());
                }
            }
        }
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
