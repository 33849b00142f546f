//! Reading anchored heads back for `runbook verify --anchors FILE`.
//!
//! Any line that holds `runbook-audit v1 <session-id> <seq> <hash>` is an anchor, whatever
//! comes before it: the `file:` and `ssh://` sinks write `<ts> <host> runbook-audit v1 …`,
//! and lines grepped from a syslog file (`Nov 22 09:41:03 bastion runbook[4242]:
//! runbook-audit v1 …`) or from `journalctl -t runbook` read the same. Other lines, and
//! anchors of other sessions, are skipped. The file is read one line at a time.

use std::io::BufRead;
use std::path::Path;

/// One head found in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchored {
    pub seq: u64,
    pub hash: String,
    /// 1-based line in the anchors file.
    pub line_no: u64,
}

/// The anchors of `session_id` in `path`, in file order; `Err` when the file cannot be
/// read or an anchor of this session is malformed.
pub fn read(path: &Path, session_id: &str) -> Result<Vec<Anchored>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = std::io::BufReader::new(file);
    let mut found = Vec::new();
    let mut bytes = Vec::new();
    let mut line_no = 0;
    loop {
        bytes.clear();
        let read = reader
            .read_until(b'\n', &mut bytes)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if read == 0 {
            return Ok(found);
        }
        line_no += 1;
        let line = String::from_utf8_lossy(&bytes);
        match parse_line(&line, session_id) {
            Ok(Some((seq, hash))) => found.push(Anchored { seq, hash, line_no }),
            Ok(None) => {}
            Err(why) => return Err(format!("{} line {line_no}: {why}", path.display())),
        }
    }
}

/// `(seq, hash)` when the line anchors `session_id`.
fn parse_line(line: &str, session_id: &str) -> Result<Option<(u64, String)>, String> {
    let marker = format!("{} ", super::MARK);
    let Some(at) = line.find(&marker) else {
        return Ok(None);
    };
    let mut fields = line[at + marker.len()..].split_whitespace();
    if fields.next() != Some(session_id) {
        return Ok(None);
    }
    let seq = fields
        .next()
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or("an anchor of this session without a seq")?;
    let hash = fields
        .next()
        .filter(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .ok_or("an anchor of this session without a 64-digit hash")?;
    Ok(Some((seq, hash.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_lines_and_syslog_lines_both_count() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("anchors");
        let h = |c: char| c.to_string().repeat(64);
        let text = format!(
            "2026-11-22T09:03:12.345Z bastion runbook-audit v1 s-1 1 {a}\n\
             Nov 22 09:41:03 bastion runbook[4242]: runbook-audit v1 s-1 7 {b}\n\
             2026-11-22T09:03:12.345Z bastion runbook-audit v1 s-2 9 {c}\n\
             unrelated line\n\
             <13>1 2026-11-22T09:45:00.000Z bastion runbook 4242 anchor - runbook-audit v1 s-1 12 {c}\n",
            a = h('a'),
            b = h('b'),
            c = h('c'),
        );
        std::fs::write(&path, text).expect("write");
        let found = read(&path, "s-1").expect("read");
        let seqs: Vec<(u64, u64)> = found.iter().map(|a| (a.seq, a.line_no)).collect();
        assert_eq!(seqs, [(1, 1), (7, 2), (12, 5)]);
        assert_eq!(found[1].hash, h('b'));
        assert_eq!(read(&path, "s-3").expect("read"), []);
    }

    #[test]
    fn a_malformed_anchor_of_the_session_is_an_error() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("anchors");
        std::fs::write(&path, "x runbook-audit v1 s-1 12 short\n").expect("write");
        let error = read(&path, "s-1").expect_err("malformed");
        assert!(error.ends_with("line 1: an anchor of this session without a 64-digit hash"));
        assert!(
            read(&path, "s-2").is_ok(),
            "other sessions' lines are not ours to judge"
        );
    }
}
