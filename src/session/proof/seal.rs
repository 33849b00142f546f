//! Sealing a moment: after a line of a kind in [`super::MOMENTS`] is written, its head is
//! signed (a `chain_signed` line) and the head after that is written to every anchor.
//! Failures become `signing_failed` / `anchor_failed` lines and warnings; only a sink the
//! operator required (`--anchor-required`) stops the session.

use super::anchor::{Anchor, Stamp};
use super::signer::Signer;
use crate::session::event::{Body, Event};

/// A line of the log as the chain knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

/// What sealing one moment did.
#[derive(Debug, Default)]
pub struct Sealed {
    /// Lines written to the log, in order.
    pub events: Vec<Event>,
    /// Set when a required anchor could not be written: no step may start.
    pub fatal: Option<String>,
}

/// Signs and anchors heads for one session.
#[derive(Debug)]
pub struct Prover {
    session_id: String,
    host: String,
    signer: Option<Signer>,
    anchors: Vec<Anchor>,
    required: bool,
}

/// Starts the explanation of a session stopped by a required anchor.
pub const REQUIRED_ANCHOR_FAILED: &str = "a required anchor could not be written";

impl Prover {
    pub fn new(
        session_id: &str,
        host: &str,
        signer: Option<Signer>,
        anchors: Vec<Anchor>,
        required: bool,
    ) -> Self {
        Prover {
            session_id: session_id.to_string(),
            host: host.to_string(),
            signer,
            anchors,
            required,
        }
    }

    /// Whether there is anything to do at a moment.
    pub fn is_active(&self) -> bool {
        self.signer.is_some() || !self.anchors.is_empty()
    }

    /// Seals `head` (a line just written). `append` writes one more line and returns its
    /// head; an error from it (the log itself failing) ends the sealing.
    pub fn seal(
        &self,
        head: Head,
        append: &mut dyn FnMut(&Event) -> Result<Head, String>,
    ) -> Result<Sealed, String> {
        let mut sealed = Sealed::default();
        let mut latest = head.clone();
        if let Some(signer) = &self.signer {
            let body = self.sign(signer, &head);
            let event = Event::new(None, body);
            latest = append(&event)?;
            sealed.events.push(event);
        }
        let text = super::head_text(&self.session_id, latest.seq, &latest.hash);
        let stamp = Stamp {
            head: &text,
            host: &self.host,
            ts: chrono::Utc::now(),
        };
        for anchor in &self.anchors {
            let Err(error) = anchor.write(&stamp) else {
                continue;
            };
            let event = Event::new(
                None,
                Body::AnchorFailed {
                    sink: anchor.to_string(),
                    anchored_seq: latest.seq,
                    anchored_hash: latest.hash.clone(),
                    error: error.clone(),
                    required: self.required,
                },
            );
            append(&event)?;
            sealed.events.push(event);
            if self.required && sealed.fatal.is_none() {
                sealed.fatal = Some(format!("{REQUIRED_ANCHOR_FAILED}: {anchor}: {error}"));
            }
        }
        Ok(sealed)
    }

    fn sign(&self, signer: &Signer, head: &Head) -> Body {
        let message = super::signed_message(&self.session_id, head.seq, &head.hash);
        match signer.sign(&message) {
            Ok((signature, fingerprint)) => Body::ChainSigned {
                signed_seq: head.seq,
                signed_hash: head.hash.clone(),
                signature,
                fingerprint,
                principal: signer.principal.clone(),
            },
            Err(error) => Body::SigningFailed {
                signed_seq: head.seq,
                signed_hash: head.hash.clone(),
                error,
            },
        }
    }
}

/// The warning an operator should see for a line sealing wrote, if it is one.
pub fn warning(event: &Event) -> Option<String> {
    let failed = matches!(
        event.body,
        Body::SigningFailed { .. } | Body::AnchorFailed { .. }
    );
    failed.then(|| super::describe(&event.body)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(seq: u64) -> Head {
        Head {
            seq,
            hash: format!("{seq:064x}"),
        }
    }

    /// Records what sealing appends, numbering lines on from `seq`.
    fn log_from(seq: u64) -> (std::cell::RefCell<Vec<Event>>, std::cell::Cell<u64>) {
        (
            std::cell::RefCell::new(Vec::new()),
            std::cell::Cell::new(seq),
        )
    }

    #[test]
    fn anchors_get_the_head_and_failures_are_lines_and_warnings() {
        let dir = tempfile::tempdir().expect("dir");
        let good = dir.path().join("anchors.log");
        let anchors = vec![
            Anchor::File(good.clone()),
            Anchor::File(dir.path().join("missing/anchors.log")),
        ];
        let prover = Prover::new("s-1", "bastion", None, anchors, false);
        let (written, next) = log_from(8);
        let sealed = prover
            .seal(head(7), &mut |event| {
                written.borrow_mut().push(event.clone());
                next.set(next.get() + 1);
                Ok(head(next.get() - 1))
            })
            .expect("sealed");
        assert_eq!(sealed.fatal, None);
        let line = std::fs::read_to_string(&good).expect("anchored");
        assert!(
            line.ends_with(&format!(
                " bastion runbook-audit v1 s-1 7 {}\n",
                head(7).hash
            )),
            "{line}"
        );
        let events = written.into_inner();
        assert_eq!(events.len(), 1);
        let warning = warning(&events[0]).expect("a warning");
        assert!(
            warning.starts_with("anchor file:")
                && warning
                    .contains("missing/anchors.log could not be written (seq 7): No such file"),
            "{warning}"
        );
    }

    #[test]
    fn a_required_anchor_that_fails_is_fatal() {
        let dir = tempfile::tempdir().expect("dir");
        let anchors = vec![Anchor::File(dir.path().join("missing/x"))];
        let prover = Prover::new("s-1", "h", None, anchors, true);
        let sealed = prover.seal(head(1), &mut |_| Ok(head(2))).expect("sealed");
        let fatal = sealed.fatal.expect("fatal");
        assert!(fatal.starts_with(REQUIRED_ANCHOR_FAILED), "{fatal}");
        assert!(matches!(
            sealed.events[0].body,
            Body::AnchorFailed { required: true, .. }
        ));
    }
}
