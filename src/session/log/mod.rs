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
//! While a driver holds the session, the log file itself carries an exclusive
//! `flock` ([`SessionLock`]); the sidecar `<session-id>.lock` only names the
//! holder. The driver appends only while the file's end is where its last
//! record ended, and checks at every sync that the file is still the one at
//! the log's path: a log deleted, replaced or written by anyone else stops the
//! session as an audit log failure.
//!
//! A directory with the setgid bit is a *shared* sessions directory: logs in
//! it are created 0640, so the directory's group can follow and sign (see
//! below). Nothing else changes with it.
//!
//! # Sign-off sidecars
//!
//! A second person signs a gate role from their own terminal (`runbook
//! sign`, [`crate::session::signoff::request`]) by appending a request to
//! *their own* sidecar next to the log:
//!
//! ```text
//! <session-id>.<uid>.signoffs      e.g. deploy-day7-20261122T0903Z-3f2a.1001.signoffs
//! ```
//!
//! where `<uid>` is the numeric id of the OS user writing it. The file is
//! created with `O_CREAT|O_EXCL|O_NOFOLLOW`, mode 0644, by that user; a
//! writer appends only to a file it owns. Each line is one JSON object,
//! written with one `write` and ended by `\n`:
//!
//! ```json
//! {"step":"approve","role":"SRE","name":"Bob Li","host":"laptop-7","pid":4242,"ts":"2026-11-22T09:41:03.120Z","nonce":"9f2c4e0a7b1d3e55"}
//! ```
//!
//! `step` may be `null` (the gate the driver is at when it reads the
//! request); `host`, `pid` and `ts` are what the follower says, kept for the
//! record, never trusted. Unknown keys are ignored.
//!
//! The driver tails every `<session-id>.<digits>.signoffs` (stat for size,
//! read only new *complete* lines; at most every 150 ms, new files found
//! every 500 ms). Requests already in a sidecar when a driver takes the
//! session (start or resume) are not read: a request is meant for the driver
//! that holds the session when it is written (`runbook sign` refuses a
//! session nobody holds). Each request is judged when it is read and
//! answered in the log by one event carrying its nonce in `data.request`:
//!
//! - `signed {role, name, os_user, via: "follower@<host>", request}`, or
//! - `signoff_rejected {role, name, os_user, via, reason, request}` — an
//!   unknown step or role, a gate that is not the current one or already
//!   decided, a role already signed, an empty name, a line that is not a
//!   request, or a `distinct: true` role asked for by the driver's own OS user.
//!
//! **Who signed.** `os_user` is the owner of the sidecar file as the driver
//! sees it (`fstat` on the open file; uid → user name), never text the
//! follower typed: one file per OS user is what makes requests from
//! different users attributable. So a sidecar is read only when the open file
//! (opened with `O_NOFOLLOW`, judged by `fstat`) is a regular file with one
//! name, no group or other write bit, owned by the uid its name gives; any
//! other (a symlink, a FIFO, a hard link, a file others may write) is answered
//! once with `signoff_rejected` and never read. At most five requests per
//! sidecar are judged in 10 s; one `signoff_rejected` sums up the rest of a
//! burst. The driver's own sign-offs are recorded with `via: "driver"`
//! and the driver's OS user.
//!
//! **Permissions.** In the default sessions directory (0700, the driver's
//! own) only the driver's OS user can write a sidecar or read the log: a
//! second terminal of the same user works, and is exactly who a `distinct`
//! role rejects. For a second OS user the directory must be shared: a group
//! both belong to, and a directory such as `install -d -m 3770 -g oncall
//! /srv/runbook/sessions` (setgid: files get the group, and logs are created
//! 0640 so the follower can read the answer; sticky: nobody removes or
//! renames another user's files), used by both through `--audit-dir` or
//! `RUNBOOK_AUDIT_DIR`. The follower creates its own sidecar there; the
//! driver needs only to read it (0644).
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
//! # Signatures and anchors
//!
//! A session may sign its chain head with an SSH key and write it to anchors off the
//! machine ([`crate::session::proof`]): a `chain_signed` line follows each moment worth
//! proving, holding an SSHSIG over `runbook-audit v1 <session-id> <seq> <hash>\n`;
//! `signing_failed` and `anchor_failed` lines record what could not be done. `runbook
//! verify --allowed-signers FILE --anchors FILE` checks both.
//!
//! # Torn lines
//!
//! A crash may leave a final line without `\n`, or a final line that is not
//! JSON. Readers never parse a line without its `\n`; [`verify`] accepts such
//! a torn tail with a note; [`repair`] truncates it before a session resumes
//! and reports the bytes dropped so the caller can record that.

mod clock;
mod error;
mod guard;
mod json;
pub mod lines;
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
pub use verify::{Checked, VerifyReport, verify, verify_observed};
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
