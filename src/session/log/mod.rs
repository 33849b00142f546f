//! The audit log on disk: format `runbook-audit/1`, writer, reader, repair, verify, locks, session files.
//!
//! This documentation is the contract for every tool that reads or checks
//! a log (`follow`, `replay`, `export`, `verify`, and anything outside this
//! crate).
//!
//! # File
//!
//! One session is one file `<session-id>.jsonl` (mode 0600, directory 0700)
//! in the sessions directory ([`sessions_dir`]), for example
//! `~/.local/state/runbook/sessions/deploy-day7-20261122T0903Z-3f2a.jsonl`.
//! The file is [JSON Lines](https://jsonlines.org): UTF-8, one JSON object
//! per line, each line terminated by a single `\n` (0x0A). Lines are only
//! ever appended; each line reaches the file through one `write` call.
//!
//! While a driver holds the session, the sidecar `<session-id>.lock` carries
//! an exclusive `flock` ([`SessionLock`]).
//!
//! # Line 1: the header
//!
//! ```json
//! {"format":"runbook-audit/1","runbook":{"path":"runbooks/deploy-day7.md","sha256":"<64 hex>"},"operator":"ana","host":"bastion-1","tool_version":"0.1.0","started":"2026-11-22T09:03:12.345Z","session_id":"deploy-day7-20261122T0903Z-3f2a","params":{"version":"v1.4.2"},"hash":"<64 hex>"}
//! ```
//!
//! Keys appear in exactly this order. `params` values are already masked
//! by the caller (secrets read `***`). The header is sequence number 0.
//!
//! # Lines 2…: events
//!
//! ```json
//! {"seq":1,"ts":"2026-11-22T09:03:12.347Z","mono_ms":2,"kind":"step_started","step":"deploy-trading","data":{},"prev":"<64 hex>","hash":"<64 hex>"}
//! ```
//!
//! | key | meaning |
//! |---|---|
//! | `seq` | 1 for the first event, then +1 for each line, no gaps |
//! | `ts` | wall-clock UTC time, RFC 3339, exactly three fraction digits, `Z`; may step backwards when the system clock is adjusted |
//! | `mono_ms` | milliseconds since the session started on a monotonic clock; never decreases. After a resume it continues from the last recorded value (time the session was down is not counted) |
//! | `kind` | event kind, a string chosen by the caller |
//! | `step` | step id, or `null` (the key is always present) |
//! | `data` | payload, any JSON value (the key is always present) |
//! | `prev` | the `hash` of the previous line (the header's hash for `seq` 1) |
//! | `hash` | this line's chain hash, see below |
//!
//! Output bytes inside `data` use `{"text": "<utf-8>"}` when the bytes are
//! valid UTF-8, else `{"b64": "<standard base64, padded>"}` ([`encode_output`]).
//!
//! # The hash chain
//!
//! Every line (header included) ends with the 75 bytes
//! `,"hash":"<64 lowercase hex>"}`, followed by `\n`. Let *body* be the
//! line's bytes before that suffix — the line from its `{` up to and
//! excluding the final `,"hash":"`. Then
//!
//! ```text
//! hash(line) = lowercase_hex( SHA-256( prev_hex ‖ body ) )
//! ```
//!
//! where `prev_hex` is the 64 ASCII characters of the previous line's hash,
//! or 64 ASCII `0` characters for the header. A verifier therefore works on
//! the bytes on disk and never re-serialises JSON. Because `prev` is also
//! inside *body*, and the previous hash feeds the digest, changing,
//! removing, inserting or reordering any line breaks the chain at that line.
//! (The chain has no key: it exposes edits, not a rewrite of everything
//! after the edit. Comparing the last hash with a copy taken elsewhere — a
//! follower's view, a ticket — closes that gap.)
//!
//! # Torn lines
//!
//! A crash may leave a final line without `\n`, or a final line that is not
//! JSON. Readers never parse a line without its `\n`; [`verify`] accepts such
//! a torn tail with a note; [`repair`] truncates it before a session resumes
//! and reports the bytes dropped so the caller can record that.

mod clock;
mod error;
mod json;
mod lock;
mod output;
mod reader;
mod record;
mod repair;
mod sessions;
mod tail;
mod verify;
mod writer;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AuditError;
pub use lock::{LockError, SessionLock};
pub use output::{decode_output, encode_output, split_utf8_boundary};
pub use reader::{Line, LineReader, RecordReader, read_records};
pub use record::{
    ChainHash, Event, EventDraft, FORMAT, Header, HeaderDraft, MAX_LINE_BYTES, Record, RunbookRef,
    TS_FORMAT,
};
pub use repair::{RepairReport, TornKind, repair};
pub use sessions::{
    ResolveError, SESSION_END_KIND, SessionSummary, list_sessions, new_session_id, resolve_session,
    sessions_dir,
};
pub use verify::{VerifyReport, verify};
pub use writer::{AuditWriter, LAZY_SYNC_INTERVAL, LogSink, SyncPolicy};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod sessions_tests;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod test_support;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod verify_tests;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod writer_tests;
