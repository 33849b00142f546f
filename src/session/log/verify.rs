//! `runbook verify`: structure, sequence, monotonic time and the hash chain of a whole log.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::error::AuditError;
use super::reader::{Line, LineReader};
use super::record::{ChainHash, Event, FORMAT, Header, Record, split_sealed};

/// The verdict on one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyReport {
    /// Every complete line checks out.
    Ok {
        /// Number of events after the header.
        events: u64,
        /// The final line had no newline and was ignored (a crash, or a
        /// writer still at work); `runbook resume` drops it.
        torn_tail: bool,
        /// Hash of the last complete line: compare with a copy kept elsewhere.
        last_hash: ChainHash,
    },
    /// The first line that does not check out. `first_bad_seq` is the seq
    /// expected at that line (0 for the header); nothing from it on can be
    /// trusted.
    Tampered {
        first_bad_seq: u64,
        line_no: u64,
        reason: String,
    },
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        matches!(self, VerifyReport::Ok { .. })
    }
}

/// Read the whole log and check it. I/O errors are `Err`; everything
/// wrong with the content is `Ok(VerifyReport::Tampered { .. })`.
pub fn verify(path: &Path) -> Result<VerifyReport, AuditError> {
    verify_observed(path, &mut |_| {})
}

/// A line that checked out, as [`verify_observed`] hands it on.
#[derive(Debug, Clone, Copy)]
pub struct Checked<'a> {
    pub record: &'a Record,
    pub hash: &'a ChainHash,
}

/// [`verify`], handing every line that checks out to `observe` in order, so further
/// checks (signatures, anchors) need no second read of the log.
pub fn verify_observed(
    path: &Path,
    observe: &mut dyn FnMut(Checked<'_>),
) -> Result<VerifyReport, AuditError> {
    let file = File::open(path).map_err(AuditError::io(path))?;
    let mut lines = LineReader::new(BufReader::with_capacity(256 * 1024, file));
    let mut chain = Chain::default();
    loop {
        let line = match lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => return Ok(chain.finish(false)),
            Err(err) if err.kind() == std::io::ErrorKind::InvalidData => {
                return Ok(chain.tampered(chain.line_no + 1, err.to_string()));
            }
            Err(source) => return Err(AuditError::io(path)(source)),
        };
        if !line.complete && line.line_no > 1 {
            return Ok(chain.finish(true));
        }
        if let Err(reason) = chain.check(&line, observe) {
            return Ok(chain.tampered(line.line_no, reason));
        }
    }
}

/// What the lines so far have established.
#[derive(Debug)]
struct Chain {
    line_no: u64,
    next_seq: u64,
    prev: ChainHash,
    last_mono: u64,
}

impl Default for Chain {
    fn default() -> Self {
        Chain {
            line_no: 0,
            next_seq: 0,
            prev: ChainHash::GENESIS,
            last_mono: 0,
        }
    }
}

impl Chain {
    fn check(
        &mut self,
        line: &Line<'_>,
        observe: &mut dyn FnMut(Checked<'_>),
    ) -> Result<(), String> {
        if !line.complete {
            return Err("the header line is incomplete".into());
        }
        let (body, hash) =
            split_sealed(line.bytes).ok_or("line does not end with a \"hash\" of 64 hex digits")?;
        let record = Record::parse(line.line_no, line.bytes).map_err(|e| e.to_string())?;
        match &record {
            Record::Header(header) => check_header(header)?,
            Record::Event(event) => self.check_event(event)?,
        }
        if ChainHash::of(&self.prev, body) != hash {
            return Err("hash does not match the line's contents".into());
        }
        observe(Checked {
            record: &record,
            hash: &hash,
        });
        self.line_no = line.line_no;
        self.next_seq += 1;
        self.prev = hash;
        Ok(())
    }

    fn check_event(&mut self, event: &Event) -> Result<(), String> {
        if event.seq != self.next_seq {
            return Err(format!(
                "seq {} where {} was expected (a line is missing, inserted or moved)",
                event.seq, self.next_seq
            ));
        }
        if event.prev != self.prev.as_str() {
            return Err("prev does not match the previous line's hash".into());
        }
        if event.mono_ms < self.last_mono {
            return Err(format!(
                "mono_ms goes back from {} to {}",
                self.last_mono, event.mono_ms
            ));
        }
        self.last_mono = event.mono_ms;
        Ok(())
    }

    fn finish(&self, torn_tail: bool) -> VerifyReport {
        if self.line_no == 0 {
            return self.tampered(1, "the log is empty: no header".into());
        }
        VerifyReport::Ok {
            events: self.next_seq - 1,
            torn_tail,
            last_hash: self.prev,
        }
    }

    fn tampered(&self, line_no: u64, reason: String) -> VerifyReport {
        VerifyReport::Tampered {
            first_bad_seq: self.next_seq,
            line_no,
            reason,
        }
    }
}

fn check_header(header: &Header) -> Result<(), String> {
    if header.format != FORMAT {
        return Err(format!(
            "format {:?} where {FORMAT:?} was expected",
            header.format
        ));
    }
    Ok(())
}
