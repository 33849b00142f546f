//! The line dialogue's questions about how a runbook was read: a proposed step (shown
//! whole, with where it came from; only the operator's `y` runs it), a placeholder's
//! value, and the loader's warnings, printed once and acknowledged with Enter.

use super::ask::{Asked, no_answer};
use super::walk::{Got, Walk, interrupted};
use crate::doc::model::{Placeholder, RunStep};
use crate::session::conductor::Next;
use crate::session::engine::Engine;
use crate::session::input::Command;
use crate::session::kinds::{proposed_from, unfilled_in};

impl Walk<'_, '_> {
    /// A proposed step (its header said what it is, where it came from, and showed it
    /// whole): only `y` runs it.
    pub(super) fn ask_proposed(&mut self, index: usize, asked: &Next) -> Asked {
        let own = [('y', "[y]es, run it")];
        match self.choose_with_step_keys(index, "Run this proposed command?", (&own, true), asked) {
            Ok(_) => {
                self.command(Command::Run { index });
                None
            }
            Err(asked) => asked,
        }
    }

    /// A value for `placeholder`; an empty line offers the step's other choices.
    pub(super) fn ask_placeholder(
        &mut self,
        index: usize,
        placeholder: &Placeholder,
        asked: &Next,
    ) -> Asked {
        self.d.say(&format!(
            "  This step needs a value for {}: it reaches the command as ${}, never as shell text{}.",
            placeholder.written,
            placeholder.env,
            if placeholder.secret {
                " (a secret: masked everywhere)"
            } else {
                ""
            }
        ));
        loop {
            let question = format!("Value for {} (Enter: other choices):", placeholder.written);
            match self.text(&question, Some(""), asked) {
                Got::Chose(value) if !value.is_empty() => {
                    self.command(Command::FillPlaceholder {
                        index,
                        env: placeholder.env.clone(),
                        value,
                    });
                    return None;
                }
                Got::Chose(_) => {}
                Got::Closed => return no_answer(),
                Got::Signal(sig) => return Some(interrupted(sig)),
                Got::Changed => return None,
            }
            let own = [('v', "[v]alue")];
            if let Err(asked) = self.choose_with_step_keys(index, "No value.", (&own, true), asked)
            {
                return asked;
            }
        }
    }

    /// The loader's warnings, once; Enter acknowledges them (recorded).
    pub(super) fn ask_warnings(&mut self, asked: &Next) -> Asked {
        for line in warning_lines(self.engine) {
            self.d.say(&line);
        }
        match self.text(
            "Press Enter to acknowledge them and start:",
            Some(""),
            asked,
        ) {
            Got::Chose(_) => {
                self.command(Command::AcknowledgeWarnings);
                None
            }
            Got::Closed => no_answer(),
            Got::Signal(sig) => Some(interrupted(sig)),
            Got::Changed => None,
        }
    }
}

/// How the runbook was read, as `runbook check` prints it: one `file:line:col` line each.
pub(super) fn warning_lines(engine: &Engine) -> Vec<String> {
    let runbook = engine.runbook;
    let mut lines = vec![format!(
        "\n⚠ how {} was read ({}):",
        runbook.path.display(),
        crate::session::kinds::plural(runbook.warnings.len(), "decision")
    )];
    lines.extend(
        runbook
            .warnings
            .iter()
            .map(|w| format!("  {}", engine.mask(&w.render(&runbook.path)))),
    );
    lines
}

/// What a run step's header says beyond its commands: that it is proposed, and the
/// placeholders it still needs.
pub(super) fn run_notes(engine: &Engine, run: &RunStep, line: u32) -> Vec<String> {
    let mut lines = Vec::new();
    if run.proposed {
        lines.push(format!("  ?$ {}", proposed_from(engine.runbook, run, line)));
    }
    for p in unfilled_in(run, engine.state()) {
        lines.push(format!(
            "  needs a value for {} (given to the command as ${})",
            p.written, p.env
        ));
    }
    lines
}
