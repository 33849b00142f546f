//! Recording a choice: which option applies (the operator's answer, or `--choose`), and
//! the options not chosen by their titles.

use super::Engine;
use crate::session::choices::Chosen;
use crate::session::event::Body;
use crate::session::log::{AuditError, SyncPolicy};

impl Engine<'_> {
    /// Records what was chosen at choice `slot`; `via` is `operator` or `--choose`.
    pub fn choose(&mut self, slot: usize, chosen: Chosen, via: &str) -> Result<(), AuditError> {
        let state = &self.projection.state;
        let (Some(choice), Some(None)) = (state.choices.get(slot), state.chosen.get(slot)) else {
            return Ok(());
        };
        let picked = match chosen {
            Chosen::Option(n) => Some(n),
            Chosen::NoneOfThese => None,
        };
        let option = picked
            .and_then(|n| choice.options.get(n))
            .map(|o| o.title.clone());
        if picked.is_some() && option.is_none() {
            return Ok(());
        }
        let not_chosen = choice
            .options
            .iter()
            .enumerate()
            .filter(|(n, _)| Some(*n) != picked)
            .map(|(_, o)| self.display(&o.title))
            .collect();
        let body = Body::OptionChosen {
            choice: choice.id.clone(),
            title: self.display(&choice.title),
            option,
            not_chosen,
            via: via.to_string(),
        };
        self.record(None, body, SyncPolicy::Now)
    }
}
