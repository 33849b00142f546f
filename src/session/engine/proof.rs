//! The engine's side of signatures and anchors (crate::session::proof): attaching the prover to the
//! log writer, and folding in what it wrote.

use super::{Engine, Notice};
use crate::session::proof::Prover;

impl Engine<'_> {
    /// From now on, every moment worth proving is signed and anchored as `prover` says.
    pub fn attach_proof(&mut self, prover: Prover) {
        self.journal.attach(prover);
    }

    /// Folds in the lines the prover wrote (`chain_signed`, `signing_failed`,
    /// `anchor_failed`) into the projection and the events the current input returns, with
    /// a notice for each warning among them. The engine does it after every input.
    pub(super) fn take_proof(&mut self) {
        for event in self.journal.take_proof_events() {
            let at = self.session_ms();
            self.projection.apply(&event, at, Some(self.now.wall));
            if let Some(warning) = crate::session::proof::seal::warning(&event) {
                self.notice(Notice::Proof(warning));
            }
            self.out.push(event);
        }
    }

    /// After the walk (no more inputs): folds in what the prover wrote since the last input
    /// and returns the warnings among them.
    pub fn proof_news(&mut self) -> Vec<String> {
        self.take_proof();
        std::mem::take(&mut self.notices)
            .into_iter()
            .filter_map(|(_, notice)| match notice {
                Notice::Proof(warning) => Some(warning),
                Notice::Retrying { .. }
                | Notice::OnFailRollback { .. }
                | Notice::WaitOver { .. }
                | Notice::Signoff(_) => None,
            })
            .collect()
    }
}
