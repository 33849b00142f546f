//! Placeholder values and the loader's warnings in the engine: a value is recorded once
//! (masked when its name says secret) and kept for the environment of the steps that
//! read it — never spliced into their text; the warnings' acknowledgement is recorded
//! before the first step.

use super::Engine;
use crate::doc::model::{Placeholder, StepKind};
use crate::session::event::Body;
use crate::session::log::{AuditError, SyncPolicy};
use std::collections::BTreeMap;

/// Who gave a placeholder its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Asked at the first step that needed it.
    Operator,
    /// `--param NAME=VALUE` (or a parameter of the same name).
    Param,
}

impl Via {
    fn word(self) -> &'static str {
        match self {
            Via::Operator => "operator",
            Via::Param => "--param",
        }
    }
}

impl Engine<'_> {
    /// Values recorded in the log this driver can pass on (a resumed session's secrets
    /// were masked there and are asked again).
    pub(super) fn restore_placeholders(&mut self) {
        let known: Vec<(String, String)> = self
            .projection
            .state
            .placeholders
            .iter()
            .filter(|(_, filled)| !filled.secret)
            .map(|(env, filled)| (env.clone(), filled.value.clone()))
            .collect();
        for (env, value) in known {
            self.place.env.insert(env.clone(), value.clone());
            self.placeholder_values.insert(env, value);
        }
    }

    /// Values given on the command line (`--param NAME=VALUE`, NAME as written inside the
    /// brackets or as its variable) for the runbook's placeholders, recorded now; the
    /// names that are not placeholders are left for the caller.
    pub fn give_placeholders(&mut self, given: &BTreeMap<String, String>) {
        let wanted: Vec<(Placeholder, String)> = self
            .runbook
            .placeholders()
            .into_iter()
            .filter_map(|p| {
                let value = given.get(&p.name).or_else(|| given.get(&p.env))?;
                Some((p.clone(), value.clone()))
            })
            .collect();
        for (placeholder, value) in wanted {
            if self.placeholder_values.get(&placeholder.env) != Some(&value) {
                let _ = self.fill(None, &placeholder, &value, Via::Param);
            }
        }
    }

    /// The operator's value for the placeholder read from `$env` by step `index`.
    pub(super) fn fill_placeholder(
        &mut self,
        index: usize,
        env: &str,
        value: &str,
    ) -> Result<(), AuditError> {
        let Some(StepKind::Run(run)) = self.refs.get(index).map(|r| &r.step.kind) else {
            return Ok(());
        };
        let Some(placeholder) = run.placeholders.iter().find(|p| p.env == env).cloned() else {
            return Ok(());
        };
        // An environment value cannot hold a NUL byte; nothing else is refused.
        if value.is_empty() || value.contains('\0') {
            return Ok(());
        }
        let id = self.step_id(index);
        self.fill(Some(&id), &placeholder, value, Via::Operator)
    }

    fn fill(
        &mut self,
        step: Option<&str>,
        placeholder: &Placeholder,
        value: &str,
        via: Via,
    ) -> Result<(), AuditError> {
        if placeholder.secret {
            self.secrets.add(value);
            if !self.declared_secrets.contains(&placeholder.env) {
                self.declared_secrets.push(placeholder.env.clone());
            }
        }
        let env = placeholder.env.clone();
        self.place.env.insert(env.clone(), value.to_string());
        self.placeholder_values
            .insert(env.clone(), value.to_string());
        let shown = if placeholder.secret {
            crate::session::mask::MASK.to_string()
        } else {
            self.mask(value)
        };
        let body = Body::PlaceholderFilled {
            placeholder: placeholder.written.clone(),
            env,
            value: shown,
            secret: placeholder.secret,
            via: via.word().into(),
        };
        self.record(step, body, SyncPolicy::Now)
    }

    /// The environment a run of `placeholders` gets: each filled value as recorded (a step
    /// before may have changed the variable), each unfilled one removed so the script's
    /// `${NAME:?…}` stops rather than use whatever the environment held.
    pub(super) fn with_placeholders(
        &self,
        placeholders: &[Placeholder],
        mut env: BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        for p in placeholders {
            match self.placeholder_values.get(&p.env) {
                Some(value) => env.insert(p.env.clone(), value.clone()),
                None => env.remove(&p.env),
            };
        }
        env
    }

    /// The operator has seen how the runbook was read.
    pub(super) fn acknowledge_warnings(&mut self, auto: bool) -> Result<(), AuditError> {
        if self.projection.state.warnings_acknowledged {
            return Ok(());
        }
        let warnings = self
            .runbook
            .warnings
            .iter()
            .map(|w| {
                let text = format!("{}:{}: {} [{}]", w.line, w.col, w.message, w.code.label());
                self.mask(&text)
            })
            .collect();
        let body = Body::WarningsAcknowledged { warnings, auto };
        self.record(None, body, SyncPolicy::Now)
    }
}
