//! The engine's side of signatures and anchors (crate::session::proof): attaching the prover to the
//! log writer, and folding in what it wrote.

use super::Engine;
use crate::session::proof::Prover;

impl Engine<'_> {
    /// From now on, every moment worth proving is signed and anchored as `prover` says.
    pub fn attach_proof(&mut self, prover: Prover) {
        self.journal.attach(prover);
    }

    /// Folds in the lines the prover wrote since the last call (`chain_signed`,
    /// `signing_failed`, `anchor_failed`) and returns the warnings among them, for the
    /// screen. Drivers call it once per turn of their loop.
    pub fn proof_news(&mut self) -> Vec<String> {
        let mut warnings = Vec::new();
        for event in self.journal.take_proof_events() {
            self.state.apply(&event);
            warnings.extend(crate::session::proof::seal::warning(&event));
        }
        warnings
    }
}
