//! The follower waits for the driver's answer to its request: the `signed` or
//! `signoff_rejected` event in the session log that carries the request's nonce.

use super::tail::{Piece, Tail};
use crate::session::log::MAX_LINE_BYTES;
use serde_json::Value;
use std::fs::File;
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(200);

/// What the driver made of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Signed {
        step: String,
        role: String,
        os_user: String,
    },
    Rejected {
        reason: String,
    },
    /// The driver left, or the session ended, before answering.
    DriverGone(String),
    /// No answer before the deadline (the driver may still read the request later).
    TimedOut,
    /// Stopped by `stop` (a signal).
    Stopped,
}

/// Reads `log_path` from byte `from` until the answer to `nonce` is there,
/// the driver goes away, `timeout` passes, or `stop()` says so.
pub fn wait_for_answer(
    log_path: &Path,
    nonce: &str,
    from: u64,
    timeout: Duration,
    stop: &dyn Fn() -> bool,
) -> io::Result<Answer> {
    let file = File::open(log_path)?;
    let mut tail = Tail::at(from, MAX_LINE_BYTES);
    let deadline = Instant::now() + timeout;
    loop {
        for piece in tail.read(&file, usize::MAX)? {
            if let Some(answer) = answer_in(&piece, nonce) {
                return Ok(answer);
            }
        }
        if stop() {
            return Ok(Answer::Stopped);
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(Answer::TimedOut);
        }
        std::thread::sleep(POLL.min(deadline - now));
    }
}

fn answer_in(piece: &Piece, nonce: &str) -> Option<Answer> {
    let Piece::Line(line) = piece else {
        return None;
    };
    let record: Value = serde_json::from_slice(line).ok()?;
    let data = &record["data"];
    let text = |key: &str| data[key].as_str().unwrap_or_default().to_string();
    let ours = data["request"].as_str() == Some(nonce);
    match record["kind"].as_str()? {
        "signed" if ours => Some(Answer::Signed {
            step: record["step"].as_str().unwrap_or_default().to_string(),
            role: text("role"),
            os_user: text("os_user"),
        }),
        "signoff_rejected" if ours => Some(Answer::Rejected {
            reason: text("reason"),
        }),
        "driver_left" => Some(Answer::DriverGone(format!(
            "the driver ({}) left the session",
            text("operator")
        ))),
        "session_ended" => Some(Answer::DriverGone(format!(
            "the session ended ({})",
            text("outcome")
        ))),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn finds_the_event_that_carries_the_nonce() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s.jsonl");
        let mut file = File::create(&log).unwrap();
        writeln!(file, r#"{{"kind":"signed","step":"g","data":{{"role":"SRE","os_user":"x","request":"other"}}}}"#).unwrap();
        writeln!(file, r#"{{"kind":"signed","step":"g","data":{{"role":"SRE","os_user":"bob","request":"n1"}}}}"#).unwrap();
        let got = wait_for_answer(&log, "n1", 0, Duration::ZERO, &|| false).unwrap();
        assert_eq!(
            got,
            Answer::Signed {
                step: "g".into(),
                role: "SRE".into(),
                os_user: "bob".into()
            }
        );
    }

    #[test]
    fn a_rejection_or_the_drivers_leaving_is_an_answer_too() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s.jsonl");
        let mut file = File::create(&log).unwrap();
        writeln!(
            file,
            r#"{{"kind":"signoff_rejected","step":null,"data":{{"reason":"no","request":"n1"}}}}"#
        )
        .unwrap();
        writeln!(
            file,
            r#"{{"kind":"driver_left","step":null,"data":{{"operator":"ana"}}}}"#
        )
        .unwrap();
        let rejected = wait_for_answer(&log, "n1", 0, Duration::ZERO, &|| false).unwrap();
        assert_eq!(
            rejected,
            Answer::Rejected {
                reason: "no".into()
            }
        );
        let gone = wait_for_answer(&log, "n2", 0, Duration::ZERO, &|| false).unwrap();
        assert_eq!(
            gone,
            Answer::DriverGone("the driver (ana) left the session".into())
        );
        let len = std::fs::metadata(&log).unwrap().len();
        let late = wait_for_answer(&log, "n2", len, Duration::ZERO, &|| false).unwrap();
        assert_eq!(late, Answer::TimedOut);
    }
}
