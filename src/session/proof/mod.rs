//! Proof that travels (PRODUCT.md §2.7): the chain head signed with the operator's SSH key
//! and written to anchors off the machine at the moments that matter, and the checks
//! `runbook verify` runs on both.
//!
//! # The signed message and the anchor line
//!
//! A head is `(session id, seq, hash)`: the `seq` and chain `hash` of one log line. It is
//! signed and anchored as the text
//!
//! ```text
//! runbook-audit v1 <session-id> <seq> <hash>
//! ```
//!
//! — signed (SSHSIG, namespace [`NAMESPACE`]) with a final `\n`, so that `ssh-keygen -Y
//! verify` checks the same bytes; anchored as that text inside one line of the sink.
//!
//! # When
//!
//! After each line whose kind is one of [`MOMENTS`]: the session's start and resumption
//! (a key or sink that does not work shows before any step runs, and a deleted log still
//! left a trace), every gate decision, sign-off and rollback entry, the driver leaving and
//! the session's end. The head signed is that line; the head anchored is the last line
//! written after it (the `chain_signed` line when signing worked), so an anchor covers the
//! signature too.

pub mod allowed;
pub mod anchor;
pub mod anchors_file;
pub mod check;
pub mod seal;
pub mod signer;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod test_keys;

pub use seal::{Head, Prover, Sealed};

/// The SSHSIG namespace of every signature runbook makes.
pub const NAMESPACE: &str = "runbook-audit";

/// What starts a signed message and an anchor: the format's name and version.
pub const MARK: &str = "runbook-audit v1";

/// The kinds of log lines after which the head is signed and anchored.
pub const MOMENTS: &[&str] = &[
    "session_started",
    "session_resumed",
    "gate_decided",
    "signed",
    "rollback_entered",
    "driver_left",
    "session_ended",
];

/// Whether a line of this kind is followed by a signature and anchors.
pub fn is_moment(kind: &str) -> bool {
    MOMENTS.contains(&kind)
}

/// The kinds of the lines sealing writes: they prove or report on the session, and are
/// not part of what happened in it.
pub const PROOF_KINDS: &[&str] = &["chain_signed", "signing_failed", "anchor_failed"];

/// Whether a line of this kind was written by sealing.
pub fn is_proof_kind(kind: &str) -> bool {
    PROOF_KINDS.contains(&kind)
}

/// A sealing line in words, as the screen, exports and replays say it.
pub fn describe(body: &crate::session::event::Body) -> Option<String> {
    use crate::session::event::Body;
    Some(match body {
        Body::ChainSigned {
            signed_seq,
            principal,
            fingerprint,
            ..
        } => format!("chain head seq {signed_seq} signed by {principal} ({fingerprint})"),
        Body::SigningFailed {
            signed_seq, error, ..
        } => format!("the chain head (seq {signed_seq}) could not be signed: {error}"),
        Body::AnchorFailed {
            sink,
            anchored_seq,
            error,
            required,
            ..
        } => format!(
            "anchor {sink} could not be written (seq {anchored_seq}){}: {error}",
            if *required {
                ", and it is required"
            } else {
                ""
            }
        ),
        // What sealing did not write has no words here.
        Body::SessionStarted { .. }
        | Body::SessionResumed { .. }
        | Body::SessionEnded { .. }
        | Body::LogRepaired { .. }
        | Body::StepStarted { .. }
        | Body::Output { .. }
        | Body::StepFinished { .. }
        | Body::StepProcess { .. }
        | Body::StepTimedOut { .. }
        | Body::StepCancelled { .. }
        | Body::StepInterrupted { .. }
        | Body::StepSkipped { .. }
        | Body::StepMarkedDone { .. }
        | Body::CheckConfirmed { .. }
        | Body::WaitStarted { .. }
        | Body::WaitEnded { .. }
        | Body::Signed { .. }
        | Body::GateDecided { .. }
        | Body::Note { .. }
        | Body::Jumped { .. }
        | Body::DriverLeft { .. }
        | Body::RollbackEntered { .. }
        | Body::RollbackPrompted { .. }
        | Body::RollbackDeclined { .. }
        | Body::HealthChanged { .. }
        | Body::EnvChanged { .. }
        | Body::SignoffRejected { .. }
        | Body::DriverChanged { .. }
        | Body::PlaceholderFilled { .. }
        | Body::WarningsAcknowledged { .. }
        | Body::DayOpened(_)
        | Body::OptionChosen { .. }
        | Body::FleetPlanned(_)
        | Body::BatchStarted(_)
        | Body::HostStarted(_)
        | Body::HostOutput(_)
        | Body::HostFinished(_)
        | Body::BatchFinished(_)
        | Body::BatchDecided(_)
        | Body::FleetStopped(_) => return None,
    })
}

/// The head as text, without a newline: `runbook-audit v1 <session-id> <seq> <hash>`.
pub fn head_text(session_id: &str, seq: u64, hash: &str) -> String {
    format!("{MARK} {session_id} {seq} {hash}")
}

/// The exact bytes signed: [`head_text`] and a newline.
pub fn signed_message(session_id: &str, seq: u64, hash: &str) -> String {
    format!("{}\n", head_text(session_id, seq, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_message_is_the_documented_line() {
        let hash = "ab".repeat(32);
        assert_eq!(
            signed_message("deploy-1", 812, &hash),
            format!("runbook-audit v1 deploy-1 812 {hash}\n")
        );
        assert!(is_moment("gate_decided") && is_moment("session_ended"));
        assert!(!is_moment("output") && !is_moment("chain_signed"));
    }
}
