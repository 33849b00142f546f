//! The driver's side: finding the followers' sidecars and reading the requests
//! appended to them, each attributed to the OS user that owns its file.

use super::limit::{BURST, RateLimit, WINDOW};
use super::tail::{Piece, Tail};
use super::{Request, SIDECAR_SUFFIX, user_name};
use std::collections::{HashMap, HashSet};
use std::fs::{File, Metadata, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The longest request line read (bytes).
const MAX_REQUEST: usize = 16 * 1024;
/// Bytes read from one sidecar per poll, so a flood cannot hold the driver up.
const READ_BUDGET: usize = 256 * 1024;
/// Polls closer together than this read nothing (the TUI polls every loop).
const POLL_EVERY: Duration = Duration::from_millis(150);
/// How often the directory is listed for new sidecars.
const SCAN_EVERY: Duration = Duration::from_millis(500);

/// One line read from a sidecar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// Owner of the sidecar file: who made the request.
    pub uid: u32,
    pub os_user: String,
    /// The request, or why the line (or the whole sidecar) is not one.
    pub request: Result<Request, String>,
}

/// Every sidecar of one session, tailed.
#[derive(Debug)]
pub struct Inbox {
    dir: PathBuf,
    prefix: String,
    /// By inode, so a file removed and made again is read afresh.
    files: HashMap<u64, Sidecar>,
    /// Sidecars refused (by inode), each reported once.
    refused: HashSet<u64>,
    /// Refusals not handed out yet.
    pending: Vec<Incoming>,
    last_poll: Option<Instant>,
    last_scan: Option<Instant>,
}

#[derive(Debug)]
struct Sidecar {
    file: File,
    name: String,
    uid: u32,
    tail: Tail,
    limit: RateLimit,
}

impl Inbox {
    /// The inbox of the session logged at `log_path`. Requests already in a
    /// sidecar now were written before this driver held the session: they are not read.
    pub fn open(log_path: &Path) -> Inbox {
        let stem = log_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut inbox = Inbox {
            dir: log_path
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            prefix: format!("{stem}."),
            files: HashMap::new(),
            refused: HashSet::new(),
            pending: Vec::new(),
            last_poll: None,
            last_scan: None,
        };
        inbox.scan(true);
        inbox
    }

    /// Requests appended since the last poll (nothing if polled again within 150 ms),
    /// and sidecars refused since: each refusal once.
    pub fn poll(&mut self) -> Vec<Incoming> {
        self.poll_at(Instant::now())
    }

    fn poll_at(&mut self, now: Instant) -> Vec<Incoming> {
        if self
            .last_poll
            .is_some_and(|t| now.saturating_duration_since(t) < POLL_EVERY)
        {
            return Vec::new();
        }
        self.last_poll = Some(now);
        if self
            .last_scan
            .is_none_or(|t| now.saturating_duration_since(t) >= SCAN_EVERY)
        {
            self.scan(false);
        }
        let mut incoming = std::mem::take(&mut self.pending);
        let mut lost = Vec::new();
        for (&ino, sidecar) in &mut self.files {
            if let Some(reason) = sidecar
                .file
                .metadata()
                .ok()
                .and_then(|m| distrust(&m, sidecar.uid))
            {
                lost.push((ino, sidecar.name.clone(), reason));
                continue;
            }
            sidecar.read(now, &mut incoming);
        }
        for (ino, name, reason) in lost {
            if let Some(sidecar) = self.files.remove(&ino) {
                self.refuse(ino, sidecar.uid, &name, &reason);
            }
        }
        incoming.append(&mut self.pending);
        incoming
    }

    /// Looks for sidecars not yet tailed; `at_end` starts them at their current end.
    fn scan(&mut self, at_end: bool) {
        self.last_scan = Some(Instant::now());
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(uid) = self.sidecar_uid(name) else {
                continue;
            };
            // `DirEntry::metadata` does not follow symlinks.
            let Ok(meta) = entry.metadata() else { continue };
            if self.files.contains_key(&meta.ino()) || self.refused.contains(&meta.ino()) {
                continue;
            }
            match open_sidecar(&entry.path(), meta.ino(), uid, at_end) {
                Ok(sidecar) => {
                    self.files.insert(meta.ino(), sidecar);
                }
                Err(reason) => self.refuse(meta.ino(), meta.uid(), name, &reason),
            }
        }
    }

    fn refuse(&mut self, ino: u64, owner: u32, name: &str, reason: &str) {
        if self.refused.insert(ino) {
            self.pending.push(Incoming {
                uid: owner,
                os_user: user_name(owner),
                request: Err(format!(
                    "sidecar {name} ignored: {reason}; a sign-off request must come from its owner's own file"
                )),
            });
        }
    }

    /// The uid a sidecar's name gives: `<session-id>.<uid>.signoffs`.
    fn sidecar_uid(&self, name: &str) -> Option<u32> {
        let uid = name
            .strip_prefix(&self.prefix)?
            .strip_suffix(SIDECAR_SUFFIX)?
            .strip_suffix('.')?;
        if uid.is_empty() || !uid.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        uid.parse().ok()
    }
}

impl Sidecar {
    /// New complete lines, each judged if the sidecar's budget allows, and one summary
    /// for each burst that did not.
    fn read(&mut self, now: Instant, incoming: &mut Vec<Incoming>) {
        let os_user = user_name(self.uid);
        let summary = |ignored: usize| Incoming {
            uid: self.uid,
            os_user: os_user.clone(),
            request: Err(format!(
                "{ignored} more request{} from {} ignored: at most {BURST} are judged per {} s",
                if ignored == 1 { "" } else { "s" },
                self.name,
                WINDOW.as_secs()
            )),
        };
        if let Some(ignored) = self.limit.summary(now) {
            incoming.push(summary(ignored));
        }
        let Ok(pieces) = self.tail.read(&self.file, READ_BUDGET) else {
            return;
        };
        for piece in pieces {
            if self.limit.admit(now) {
                incoming.push(Incoming {
                    uid: self.uid,
                    os_user: os_user.clone(),
                    request: parse(piece),
                });
            }
        }
    }
}

/// Why a sidecar cannot be trusted to say who wrote its requests; `None` when it can.
/// One file per OS user is what makes a request attributable, so the file must be only
/// its owner's: a regular file, no other name (a hard link could be another user's
/// file), nobody else may write to it, and its owner is the uid its name gives.
fn distrust(meta: &Metadata, named_uid: u32) -> Option<String> {
    if !meta.is_file() {
        return Some("it is not a regular file".into());
    }
    if meta.nlink() != 1 {
        return Some(format!(
            "it has {} names (a hard link may be another user's file)",
            meta.nlink()
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Some(format!(
            "others may write to it (mode {:o})",
            meta.mode() & 0o7777
        ));
    }
    if meta.uid() != named_uid {
        return Some(format!(
            "it belongs to uid {}, not to uid {named_uid} as its name says",
            meta.uid()
        ));
    }
    None
}

/// Opens a sidecar for reading — never through a symlink, never blocking on a FIFO —
/// and judges it by the open file itself (`fstat`), not by its name.
fn open_sidecar(path: &Path, ino: u64, named_uid: u32, at_end: bool) -> Result<Sidecar, String> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(nix::libc::ELOOP) => "it is a symbolic link".to_owned(),
            _ => format!("it cannot be opened ({e})"),
        })?;
    let meta = file
        .metadata()
        .map_err(|e| format!("it cannot be read ({e})"))?;
    if meta.ino() != ino {
        return Err("it was replaced while being opened".into());
    }
    if let Some(reason) = distrust(&meta, named_uid) {
        return Err(reason);
    }
    let start = if at_end { meta.len() } else { 0 };
    Ok(Sidecar {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        uid: meta.uid(),
        tail: Tail::at(start, MAX_REQUEST),
        file,
        limit: RateLimit::new(),
    })
}

fn parse(piece: Piece) -> Result<Request, String> {
    match piece {
        Piece::Line(line) => serde_json::from_slice(&line).map_err(|e| {
            let e = e.to_string();
            format!("not a sign-off request ({})", super::judge::clip(&e, 120))
        }),
        Piece::TooLong => Err(format!(
            "not a sign-off request (a line over {} KiB)",
            MAX_REQUEST / 1024
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    fn poll_now(inbox: &mut Inbox) -> Vec<Incoming> {
        inbox.last_poll = None;
        inbox.last_scan = None;
        inbox.poll()
    }

    #[test]
    fn reads_new_requests_attributed_to_the_file_owner() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s1.jsonl");
        std::fs::write(&log, "").unwrap();
        let early = super::super::request(&log, None, "SRE", "Early").unwrap();
        let mut inbox = Inbox::open(&log);
        assert_eq!(
            poll_now(&mut inbox),
            vec![],
            "{early:?} came before the driver"
        );
        let sent = super::super::request(&log, Some("gate"), "SRE", "Bob").unwrap();
        let got = poll_now(&mut inbox);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].uid, nix::unistd::getuid().as_raw());
        assert_eq!(got[0].os_user, crate::session::engine::os_user());
        assert_eq!(got[0].request, Ok(sent));
        assert_eq!(poll_now(&mut inbox), vec![]);
    }

    #[test]
    fn garbage_and_other_sessions_files_are_not_requests() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s1.jsonl");
        let mut inbox = Inbox::open(&log);
        let uid = nix::unistd::getuid().as_raw();
        std::fs::write(dir.path().join("s10.1.signoffs"), "{}\n").unwrap();
        std::fs::write(dir.path().join("s1.x.signoffs"), "{}\n").unwrap();
        let mut own = File::create(dir.path().join(format!("s1.{uid}.signoffs"))).unwrap();
        own.write_all(b"not json\n{\"role\":\"SRE\"").unwrap();
        let got = poll_now(&mut inbox);
        assert_eq!(got.len(), 1);
        assert!(
            got[0]
                .request
                .as_ref()
                .unwrap_err()
                .starts_with("not a sign-off request"),
            "{got:?}"
        );
    }

    fn refusal(got: &[Incoming]) -> String {
        assert_eq!(got.len(), 1, "{got:?}");
        got[0].request.clone().expect_err("a refusal")
    }

    #[test]
    fn a_hard_linked_or_writable_sidecar_is_refused_once_and_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s1.jsonl");
        let uid = nix::unistd::getuid().as_raw();
        let mut inbox = Inbox::open(&log);
        let elsewhere = dir.path().join("someone-elses-file");
        std::fs::write(&elsewhere, "").unwrap();
        let linked = dir.path().join(format!("s1.{uid}.signoffs"));
        std::fs::hard_link(&elsewhere, &linked).unwrap();
        std::fs::write(
            &linked,
            "{\"role\":\"SRE\",\"name\":\"Bob\",\"nonce\":\"1\"}\n",
        )
        .unwrap();
        let reason = refusal(&poll_now(&mut inbox));
        assert!(reason.contains("2 names"), "{reason}");
        assert_eq!(poll_now(&mut inbox), vec![], "refused once, never read");

        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s2.jsonl");
        let mut inbox = Inbox::open(&log);
        let open_to_all = dir.path().join(format!("s2.{uid}.signoffs"));
        std::fs::write(&open_to_all, "").unwrap();
        std::fs::set_permissions(&open_to_all, std::fs::Permissions::from_mode(0o666)).unwrap();
        let reason = refusal(&poll_now(&mut inbox));
        assert!(
            reason.contains("others may write to it (mode 666)"),
            "{reason}"
        );
    }

    #[test]
    fn a_sidecar_that_turns_untrustworthy_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s1.jsonl");
        let mut inbox = Inbox::open(&log);
        super::super::request(&log, None, "SRE", "Bob").unwrap();
        assert_eq!(poll_now(&mut inbox).len(), 1);
        let path = super::super::sidecar_path(&log, nix::unistd::getuid().as_raw());
        std::fs::hard_link(&path, dir.path().join("second-name")).unwrap();
        super::super::request(&log, None, "SRE", "Eve").unwrap_err();
        let reason = refusal(&poll_now(&mut inbox));
        assert!(reason.contains("2 names"), "{reason}");
    }

    #[test]
    fn a_sidecar_owned_by_another_uid_than_its_name_is_refused() {
        if !nix::unistd::Uid::effective().is_root() {
            eprintln!("note: skipped — changing a file's owner needs root");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s1.jsonl");
        let mut inbox = Inbox::open(&log);
        let path = dir.path().join("s1.4242.signoffs");
        std::fs::write(&path, "").unwrap();
        std::os::unix::fs::chown(&path, Some(4343), None).unwrap();
        let reason = refusal(&poll_now(&mut inbox));
        assert!(reason.contains("uid 4343, not to uid 4242"), "{reason}");
    }

    #[test]
    fn a_flood_is_judged_five_at_a_time_and_summed_up_once() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s1.jsonl");
        let mut inbox = Inbox::open(&log);
        let path = super::super::sidecar_path(&log, nix::unistd::getuid().as_raw());
        super::super::request(&log, None, "SRE", "first").unwrap();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(&b"garbage\n".repeat(2_000)).unwrap();
        let t0 = Instant::now();
        let mut got = Vec::new();
        for i in 0..20 {
            got.extend(inbox.poll_at(t0 + POLL_EVERY * (i + 1)));
        }
        assert_eq!(got.len(), BURST, "only a burst is judged: {got:?}");
        assert_eq!(got.iter().filter(|i| i.request.is_ok()).count(), 1);
        let later = inbox.poll_at(t0 + WINDOW * 2);
        let reason = refusal(&later);
        assert!(
            reason.starts_with("1996 more requests from s1."),
            "{reason}"
        );
        assert_eq!(
            inbox.poll_at(t0 + WINDOW * 3),
            vec![],
            "one summary per burst"
        );
    }

    #[test]
    fn polls_in_quick_succession_read_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s1.jsonl");
        let mut inbox = Inbox::open(&log);
        let _ = inbox.poll();
        super::super::request(&log, None, "SRE", "Bob").unwrap();
        assert_eq!(inbox.poll(), vec![]);
    }
}
