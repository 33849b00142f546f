//! The conductor's prompts as the line dialogue asks them: a question with one-letter
//! choices, and the line of text some choices need (a reason, a name).

use super::walk::{Got, QUIT, Walk, WalkEnd, interrupted};
use crate::doc::model::{Confirm, StepKind};
use crate::session::conductor::{Next, Prompt};
use crate::session::event::{Decision, Outcome};
use crate::session::input::Command;

/// What answering a prompt came to: commands were given (`None`), or the walk ends.
pub(super) type Asked = Option<WalkEnd>;

pub(super) fn no_answer() -> Asked {
    Some(WalkEnd::Ended(
        Outcome::Aborted,
        "no answer: standard input closed".into(),
    ))
}

impl Walk<'_, '_> {
    /// Presents `prompt` and carries out the answer.
    pub(super) fn ask(&mut self, prompt: &Prompt) -> Asked {
        if let Some(index) = prompt.step() {
            super::tell::header(self, index);
        }
        let asked = Next::Ask(prompt.clone());
        match prompt {
            Prompt::Run {
                index,
                confirm,
                again,
            } => self.ask_run(*index, *confirm, *again, &asked),
            Prompt::Check { index } => {
                let options = [('y', "[y]es")];
                self.choose_step(*index, "Done?", (&options, true), &asked, |_| {
                    Command::ConfirmCheck { index: *index }
                })
            }
            Prompt::Gate { index } => self.ask_gate(*index, &asked),
            Prompt::Batch {
                index,
                batch,
                batches,
            } => {
                let options = [('g', "[g]o"), ('x', "[x] no-go")];
                let question = format!("Batch {batch} of {batches} done. Next batch?");
                self.choose_step(*index, &question, (&options, false), &asked, |key| {
                    let decision = if key == 'g' {
                        Decision::Go
                    } else {
                        Decision::NoGo
                    };
                    Command::DecideBatch {
                        index: *index,
                        decision,
                    }
                })
            }
            Prompt::NoGo { index } => self.ask_no_go(*index, &asked),
            Prompt::Proposed { index } => self.ask_proposed(*index, &asked),
            Prompt::Placeholder { index, placeholder } => {
                self.ask_placeholder(*index, placeholder, &asked)
            }
            Prompt::Warnings => self.ask_warnings(&asked),
            Prompt::Signoff { index, role } => self.ask_signer(*index, role.as_ref(), &asked),
            Prompt::Failed { index, .. } => self.ask_failed(*index, &asked),
            Prompt::Rollback { reason } => self.ask_rollback(reason, &asked),
            Prompt::Choose { choice, .. } => self.ask_choice(*choice, &asked),
            // The line dialogue goes ahead with these at once; the full screen waits for Enter.
            Prompt::Note { index } => {
                self.command(Command::MarkDone {
                    index: *index,
                    reason: "shown".into(),
                });
                None
            }
            Prompt::Wait { index } => {
                self.command(Command::StartWait { index: *index });
                None
            }
        }
    }

    fn ask_run(&mut self, index: usize, confirm: Confirm, again: bool, asked: &Next) -> Asked {
        let fleet = self.engine.state().steps[index].fleet.clone();
        let question = match &fleet {
            Some(fleet) if again => {
                let which = self
                    .rerun_hosts(index)
                    .unwrap_or_else(|| fleet.remaining().join(", "));
                format!(
                    "This step was running on hosts when the session stopped. Run it on the remaining hosts only ({which})?"
                )
            }
            _ if again => "This step was running when the session stopped. Run it again?".into(),
            _ if self.engine.state().dry_run => {
                "Walk it? (DRY RUN: the command does not run)".into()
            }
            _ => "Run?".into(),
        };
        let mut options = vec![('y', "[y]es")];
        if again {
            options.push(('m', "[m]ark done"));
        }
        let key = match self.choose_with_step_keys(index, &question, (&options, true), asked) {
            Ok(key) => key,
            Err(asked) => return asked,
        };
        if key == 'm' {
            self.command(Command::MarkDone {
                index,
                reason: "marked done after the interruption".into(),
            });
            return None;
        }
        if confirm == Confirm::Danger {
            let name = self.engine.refs[index]
                .step
                .name
                .clone()
                .unwrap_or_default();
            let question = format!("Dangerous step: type its name ({name}) to run it:");
            match self.text(&question, Some(""), asked) {
                Got::Chose(typed) if typed == name => {}
                Got::Chose(_) => {
                    self.d.say("  the name did not match; not run");
                    return None;
                }
                Got::Closed => return no_answer(),
                Got::Signal(sig) => return Some(interrupted(sig)),
                Got::Changed => return None,
            }
        }
        self.command(Command::Run { index });
        None
    }

    fn ask_failed(&mut self, index: usize, asked: &Next) -> Asked {
        let options = [('r', "[r]etry"), ('m', "[m]ark done")];
        let key =
            match self.choose_with_step_keys(index, "The step failed.", (&options, true), asked) {
                Ok(key) => key,
                Err(asked) => return asked,
            };
        if key == 'r' {
            self.command(Command::Run { index });
            return None;
        }
        match self.text("Why is it done?", None, asked) {
            Got::Chose(reason) => self.command(Command::MarkDone { index, reason }),
            Got::Closed => return no_answer(),
            Got::Signal(sig) => return Some(interrupted(sig)),
            Got::Changed => {}
        }
        None
    }

    /// GO, or NO-GO with the reason asked for and kept as a note on the gate.
    fn ask_gate(&mut self, index: usize, asked: &Next) -> Asked {
        let options = [('g', "[g]o"), ('x', "[x] no-go")];
        match self.choose_with_step_keys(index, "Decision?", (&options, false), asked) {
            Ok('g') => self.command(Command::Decide {
                index,
                decision: Decision::Go,
            }),
            Ok(_) => match self.text("NO-GO: why?", None, asked) {
                Got::Chose(why) => {
                    self.command(Command::Decide {
                        index,
                        decision: Decision::NoGo,
                    });
                    self.command(Command::Note {
                        index: Some(index),
                        text: format!("NO-GO because: {why}"),
                    });
                }
                Got::Closed => return no_answer(),
                Got::Signal(sig) => return Some(interrupted(sig)),
                Got::Changed => {}
            },
            Err(asked) => return asked,
        }
        None
    }

    fn ask_no_go(&mut self, index: usize, asked: &Next) -> Asked {
        let options = [('b', "[b] roll back"), ('a', "[a]bort")];
        match self.choose("NO-GO.", &options, asked) {
            Got::Chose(key) => self.step_key(index, key, asked),
            Got::Closed => no_answer(),
            Got::Signal(sig) => Some(interrupted(sig)),
            Got::Changed => None,
        }
    }

    fn ask_signer(
        &mut self,
        index: usize,
        role: Option<&crate::doc::model::Signoff>,
        asked: &Next,
    ) -> Asked {
        super::tell::roles(self, index);
        let Some(role) = role else {
            self.command(Command::Decide {
                index,
                decision: Decision::Go,
            });
            return None;
        };
        let question = format!(
            "Name signing as {}{}:",
            role.role,
            super::tell::second_person(role)
        );
        match self.text(&question, None, asked) {
            Got::Chose(name) => {
                let role = role.role.clone();
                self.command(Command::Sign { index, role, name });
                None
            }
            Got::Closed => no_answer(),
            Got::Signal(sig) => Some(interrupted(sig)),
            Got::Changed => None,
        }
    }

    fn ask_rollback(&mut self, reason: &str, asked: &Next) -> Asked {
        self.d.say(&format!(
            "\n!! A health check asks for a rollback: {reason}"
        ));
        let options = [('b', "[b] roll back"), ('c', "[c]ontinue")];
        match self.choose("Roll back?", &options, asked) {
            Got::Chose('b') if !self.engine.has_rollback() || self.engine.state().in_rollback => {
                self.d.say("  there is no rollback to enter; continuing");
                self.command(Command::DeclineRollback {
                    reason: "no rollback procedure to enter".into(),
                });
            }
            Got::Chose('b') => self.command(Command::EnterRollback {
                reason: format!("{reason} (rollback prompt accepted)"),
            }),
            Got::Chose(_) => match self.text("Why stay on the forward path?", None, asked) {
                Got::Chose(why) => self.command(Command::DeclineRollback { reason: why }),
                Got::Closed => return no_answer(),
                Got::Signal(sig) => return Some(interrupted(sig)),
                Got::Changed => {}
            },
            Got::Closed => return no_answer(),
            Got::Signal(sig) => return Some(interrupted(sig)),
            Got::Changed => {}
        }
        None
    }

    /// A question about a step: its own choices, then the keys every step has.
    fn choose_step(
        &mut self,
        index: usize,
        question: &str,
        own: (&[(char, &'static str)], bool),
        asked: &Next,
        command: impl Fn(char) -> Command,
    ) -> Asked {
        match self.choose_with_step_keys(index, question, own, asked) {
            Ok(key) => {
                self.command(command(key));
                None
            }
            Err(asked) => asked,
        }
    }

    /// Asks until one of `own` is chosen (`Ok`), handling the keys every step has
    /// (skip — when `skippable` —, note, roll back, abort, quit) on the way; `Err` when the
    /// walk moved on.
    /// Which hosts running step `index` again runs on (`remaining 2 of 3: host02, host03 ·
    /// batches 1,1 · max_fail 0`).
    fn rerun_hosts(&self, index: usize) -> Option<String> {
        let StepKind::Run(run) = &self.engine.refs.get(index)?.step.kind else {
            return None;
        };
        let partial = crate::session::fleet_state::partial(self.engine.state().steps.get(index)?);
        crate::fleet::summary::where_it_runs_now(self.engine.runbook, run, partial)
    }

    pub(super) fn choose_with_step_keys(
        &mut self,
        index: usize,
        question: &str,
        (own, skippable): (&[(char, &'static str)], bool),
        asked: &Next,
    ) -> Result<char, Asked> {
        let mut options = own.to_vec();
        if skippable {
            options.push(('s', "[s]kip"));
        }
        options.push(('n', "[n]ote"));
        // Rolling back is offered only where a rollback path exists.
        if self.engine.has_rollback() && !self.engine.state().in_rollback {
            options.push(('b', "[b] roll back"));
        }
        options.extend([('a', "[a]bort"), ('q', QUIT)]);
        let key = match self.choose(question, &options, asked) {
            Got::Chose(key) => key,
            Got::Closed => return Err(no_answer()),
            Got::Signal(sig) => return Err(Some(interrupted(sig))),
            Got::Changed => return Err(None),
        };
        if own.iter().any(|(k, _)| *k == key) {
            return Ok(key);
        }
        Err(self.step_key(index, key, asked))
    }

    /// The keys every step has: skip, note, roll back, abort, quit.
    fn step_key(&mut self, index: usize, key: char, asked: &Next) -> Asked {
        match key {
            'a' => {
                let reason = format!("aborted by the operator at {}", self.engine.step_id(index));
                Some(WalkEnd::Ended(Outcome::Aborted, reason))
            }
            'q' => Some(WalkEnd::Left),
            'b' if !self.engine.has_rollback() => {
                self.d.say("  this runbook has no rollback steps");
                None
            }
            'b' if self.engine.state().in_rollback => {
                self.d.say("  already in rollback");
                None
            }
            'b' => match self.text("Reason for rolling back:", None, asked) {
                Got::Chose(reason) => {
                    self.command(Command::EnterRollback { reason });
                    None
                }
                Got::Closed => no_answer(),
                Got::Signal(sig) => Some(interrupted(sig)),
                Got::Changed => None,
            },
            'n' => {
                if let Got::Chose(text) = self.text("Note:", None, asked) {
                    self.command(Command::Note {
                        index: Some(index),
                        text,
                    });
                }
                None
            }
            's' => match self.text(
                "Reason for skipping (Enter: none given):",
                Some("no reason given"),
                asked,
            ) {
                Got::Chose(reason) => {
                    self.command(Command::Skip { index, reason });
                    None
                }
                Got::Closed => no_answer(),
                Got::Signal(sig) => Some(interrupted(sig)),
                Got::Changed => None,
            },
            _ => None,
        }
    }

    /// Asks until one of `options` (`(key, label)`) is typed.
    pub(super) fn choose(
        &mut self,
        question: &str,
        options: &[(char, &str)],
        asked: &Next,
    ) -> Got<char> {
        let labels: Vec<&str> = options.iter().map(|(_, label)| *label).collect();
        loop {
            let _ = self
                .d
                .out
                .prompt(&format!("{question} {}: ", labels.join(" / ")));
            let line = match self.read_line(asked) {
                Got::Chose(line) => line,
                Got::Closed => return Got::Closed,
                Got::Signal(sig) => return Got::Signal(sig),
                Got::Changed => return Got::Changed,
            };
            match super::dialogue::pick(&line, options) {
                Some(key) => return Got::Chose(key),
                None => {
                    let keys: Vec<String> = options.iter().map(|(k, _)| k.to_string()).collect();
                    self.d
                        .say(&format!("  please type one of: {}", keys.join(", ")));
                }
            }
        }
    }

    /// Asks for a line of text; an empty answer gets `fallback`, or is asked again without one.
    pub(super) fn text(
        &mut self,
        question: &str,
        fallback: Option<&str>,
        asked: &Next,
    ) -> Got<String> {
        loop {
            let _ = self.d.out.prompt(&format!("{question} "));
            match self.read_line(asked) {
                Got::Chose(line) if !line.trim().is_empty() => {
                    return Got::Chose(line.trim().to_string());
                }
                Got::Chose(_) => {
                    if let Some(value) = fallback {
                        return Got::Chose(value.to_string());
                    }
                }
                other => return other,
            }
        }
    }
}
