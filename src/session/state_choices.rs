//! The fold's side of choices and reference steps: which steps the walk goes through,
//! what a recorded choice makes of the options not chosen, and which choice the walk
//! stands at.

use super::{SessionState, Status};
use crate::session::choices::{Choice, Chosen};

impl SessionState {
    /// Whether the walk goes through step `i` in its current region: not reference
    /// material, not an option that was not chosen.
    pub(super) fn on_walk(&self, i: usize) -> bool {
        self.steps.get(i).is_some_and(|s| {
            s.rollback == self.in_rollback && !s.reference && s.status != Status::NotChosen
        })
    }

    /// Records what was chosen at choice `id` (`option`: its title; `None`: none of
    /// these): every step of the other options is not chosen, and the walk moves past them.
    pub(super) fn choose(&mut self, id: &str, option: Option<&str>) {
        let Some(slot) = self.choices.iter().position(|c| c.id == id) else {
            return;
        };
        let choice = &self.choices[slot];
        let picked = option.and_then(|title| choice.options.iter().position(|o| o.title == title));
        let chosen = match picked {
            Some(n) => Chosen::Option(n),
            None => Chosen::NoneOfThese,
        };
        let kept = picked.map(|n| choice.options[n].steps.clone());
        for i in choice.steps.clone() {
            let kept = kept.as_ref().is_some_and(|range| range.contains(&i));
            if let Some(step) = self.steps.get_mut(i)
                && !kept
                && step.status == Status::Pending
            {
                step.status = Status::NotChosen;
            }
        }
        self.chosen[slot] = Some(chosen);
        if !self.on_walk(self.cursor) {
            self.cursor = self.next_in_region_from(self.cursor);
        }
    }

    /// The choice the walk stands at and nobody answered yet (the outermost, when one is
    /// nested in another's option), with its place in [`SessionState::choices`].
    pub fn open_choice(&self) -> Option<(usize, &Choice)> {
        let cursor = self.cursor;
        if self.in_rollback || self.walk_finished() {
            return None;
        }
        self.choices
            .iter()
            .enumerate()
            .find(|(slot, c)| c.steps.contains(&cursor) && self.chosen[*slot].is_none())
    }

    /// What was chosen at the choice holding step `i`, in words, when the step was not
    /// chosen: `"Option 2: Kubernetes" was chosen`.
    pub fn why_not_chosen(&self, i: usize) -> Option<String> {
        if self.steps.get(i)?.status != Status::NotChosen {
            return None;
        }
        let (slot, choice) = self
            .choices
            .iter()
            .enumerate()
            .rev()
            .find(|(slot, c)| c.steps.contains(&i) && self.chosen[*slot].is_some())?;
        Some(match self.chosen[slot]? {
            Chosen::Option(n) => format!("\"{}\" was chosen", choice.options[n].title),
            Chosen::NoneOfThese => format!("none of \"{}\" applied", choice.title),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::session::event::{Body, Event};
    use crate::session::state::{SessionState, Status};
    use std::path::Path;

    const DOC: &str = "# Deploy\n\n## Build\n\n```bash\necho build\n```\n\n\
        ## Option 1: Compose\n\n```bash\necho one\n```\n\n\
        ## Option 2: Kubernetes\n\n```bash\necho two\n```\n\n\
        ## Verify\n\n```bash\necho verify\n```\n\n## Troubleshooting\n\n```bash\necho help\n```\n";

    fn chosen(option: Option<&str>) -> Event {
        Event::new(
            None,
            Body::OptionChosen {
                choice: "2".into(),
                title: "Choose one: Option 1: Compose / Option 2: Kubernetes".into(),
                option: option.map(str::to_string),
                not_chosen: vec![],
                via: "operator".into(),
            },
        )
    }

    fn finished(id: &str) -> Event {
        Event::new(
            Some(id),
            Body::StepFinished {
                exit_code: Some(0),
                signal: None,
                duration_ms: 1,
                ok: true,
                lingering: false,
            },
        )
    }

    #[test]
    fn the_walk_stops_at_a_choice_then_passes_the_options_not_chosen() {
        let runbook = crate::doc::load_bytes(DOC.as_bytes(), Path::new("t.md")).unwrap();
        let mut state = SessionState::new(&runbook);
        assert!(state.steps[4].reference);
        state.apply(&finished(&state.steps[0].id.clone()));
        assert_eq!(state.cursor, 1);
        assert_eq!(state.open_choice().map(|(slot, _)| slot), Some(0));
        state.apply(&chosen(Some("Option 2: Kubernetes")));
        assert_eq!(state.steps[1].status, Status::NotChosen);
        assert_eq!(state.cursor, 2);
        assert!(state.open_choice().is_none());
        assert_eq!(
            state.why_not_chosen(1).unwrap(),
            "\"Option 2: Kubernetes\" was chosen"
        );
        state.apply(&finished(&state.steps[2].id.clone()));
        state.apply(&finished(&state.steps[3].id.clone()));
        assert!(state.walk_finished(), "the reference step is off the walk");
        assert_eq!(state.steps[4].status, Status::Pending);
    }

    #[test]
    fn a_reference_step_run_on_demand_leaves_the_walk_where_it_was() {
        let runbook = crate::doc::load_bytes(DOC.as_bytes(), Path::new("t.md")).unwrap();
        let mut state = SessionState::new(&runbook);
        let reference = state.steps[4].id.clone();
        state.apply(&Event::new(
            Some(&reference),
            Body::StepStarted {
                attempt: 1,
                script: "echo help".into(),
                cwd: "/".into(),
                auto: false,
                dry_run: false,
                proposed: false,
                on_demand: true,
            },
        ));
        assert_eq!(state.cursor, 0);
        state.apply(&finished(&reference));
        assert_eq!((state.cursor, state.steps[4].status), (0, Status::Done));
    }
}
