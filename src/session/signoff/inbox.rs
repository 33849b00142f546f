//! The driver's side: finding the followers' sidecars and reading the requests
//! appended to them, each attributed to the OS user that owns its file.

use super::tail::{Piece, Tail};
use super::{Request, SIDECAR_SUFFIX, user_name};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
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
    /// The request, or why the line is not one.
    pub request: Result<Request, String>,
}

/// Every sidecar of one session, tailed.
#[derive(Debug)]
pub struct Inbox {
    dir: PathBuf,
    prefix: String,
    /// By inode, so a file removed and made again is read afresh.
    files: HashMap<u64, Sidecar>,
    last_poll: Option<Instant>,
    last_scan: Option<Instant>,
}

#[derive(Debug)]
struct Sidecar {
    file: File,
    uid: u32,
    tail: Tail,
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
            last_poll: None,
            last_scan: None,
        };
        inbox.scan(true);
        inbox
    }

    /// Requests appended since the last poll (nothing if polled again within 150 ms).
    pub fn poll(&mut self) -> Vec<Incoming> {
        let now = Instant::now();
        if self
            .last_poll
            .is_some_and(|t| now.duration_since(t) < POLL_EVERY)
        {
            return Vec::new();
        }
        self.last_poll = Some(now);
        if self
            .last_scan
            .is_none_or(|t| now.duration_since(t) >= SCAN_EVERY)
        {
            self.scan(false);
        }
        let mut incoming = Vec::new();
        for sidecar in self.files.values_mut() {
            let Ok(pieces) = sidecar.tail.read(&sidecar.file, READ_BUDGET) else {
                continue;
            };
            incoming.extend(pieces.into_iter().map(|piece| Incoming {
                uid: sidecar.uid,
                os_user: user_name(sidecar.uid),
                request: parse(piece),
            }));
        }
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
            // `DirEntry::metadata` does not follow symlinks.
            let Ok(meta) = entry.metadata() else { continue };
            if !self.is_sidecar(name) || !meta.is_file() || self.files.contains_key(&meta.ino()) {
                continue;
            }
            if let Some(sidecar) = open_sidecar(&entry.path(), meta.ino(), at_end) {
                self.files.insert(meta.ino(), sidecar);
            }
        }
    }

    /// `<session-id>.<uid>.signoffs`
    fn is_sidecar(&self, name: &str) -> bool {
        name.strip_prefix(&self.prefix)
            .and_then(|rest| rest.strip_suffix(SIDECAR_SUFFIX))
            .and_then(|rest| rest.strip_suffix('.'))
            .is_some_and(|uid| !uid.is_empty() && uid.bytes().all(|b| b.is_ascii_digit()))
    }
}

/// Opens a sidecar for reading — never through a symlink, never blocking on
/// a FIFO — and takes its owner from the open file itself.
fn open_sidecar(path: &Path, ino: u64, at_end: bool) -> Option<Sidecar> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.ino() != ino {
        return None;
    }
    let start = if at_end { meta.len() } else { 0 };
    Some(Sidecar {
        uid: meta.uid(),
        tail: Tail::at(start, MAX_REQUEST),
        file,
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
