//! A choice as the line dialogue asks it: the options numbered, one line to answer with
//! a number or the start of a title.

use super::ask::{Asked, no_answer};
use super::walk::{Got, Walk, WalkEnd, interrupted};
use crate::session::choices::{Choice, Chosen, NONE_OF_THESE};
use crate::session::conductor::Next;
use crate::session::event::Outcome;
use crate::session::input::Command;

impl Walk<'_, '_> {
    /// Asks which option of choice `slot` applies, until an answer names one.
    pub(super) fn ask_choice(&mut self, slot: usize, asked: &Next) -> Asked {
        let choice = self.engine.state().choices.get(slot).cloned()?;
        let answers = choice.answers();
        self.d.say(&format!(
            "\n◇ CHOICE · {} — which one applies? (the others are not run)",
            self.engine.display(&choice.title)
        ));
        for (n, answer) in answers.iter().enumerate() {
            self.d
                .say(&format!("  {}) {}", n + 1, self.engine.display(answer)));
        }
        loop {
            let question = format!(
                "Which? [1-{}] or the start of a title / [a]bort / [q]uit (resumable): ",
                answers.len()
            );
            let _ = self.d.out.prompt(&question);
            let line = match self.read_line(asked) {
                Got::Chose(line) => line,
                Got::Closed => return no_answer(),
                Got::Signal(sig) => return Some(interrupted(sig)),
                Got::Changed => return None,
            };
            match answer(&choice, &line) {
                Answer::Chosen(chosen) => {
                    self.command(Command::Choose {
                        choice: slot,
                        chosen,
                    });
                    return None;
                }
                Answer::Quit => return Some(WalkEnd::Left),
                Answer::Abort => {
                    let reason = format!("aborted by the operator at the choice {}", choice.id);
                    return Some(WalkEnd::Ended(Outcome::Aborted, reason));
                }
                Answer::Unclear(why) => self.d.say(&format!("  {why}")),
            }
        }
    }
}

/// What a typed line says at a choice.
#[derive(Debug, PartialEq)]
enum Answer {
    Chosen(Chosen),
    Quit,
    Abort,
    Unclear(String),
}

fn answer(choice: &Choice, line: &str) -> Answer {
    let typed = line.trim();
    if let Ok(n) = typed.parse::<usize>() {
        return match n.checked_sub(1).and_then(|n| choice.answer(n)) {
            Some(chosen) => Answer::Chosen(chosen),
            None => Answer::Unclear(format!("please type 1 to {}", choice.answers().len())),
        };
    }
    match typed.to_lowercase().as_str() {
        "q" | "quit" => return Answer::Quit,
        "a" | "abort" => return Answer::Abort,
        "" => return Answer::Unclear("please type a number or the start of a title".into()),
        _ => {}
    }
    let none =
        typed.eq_ignore_ascii_case(NONE_OF_THESE) || typed.eq_ignore_ascii_case("none of these");
    match choice.named(typed) {
        Ok(Some(n)) => Answer::Chosen(Chosen::Option(n)),
        Ok(None) if none && choice.condition => Answer::Chosen(Chosen::NoneOfThese),
        Ok(None) => Answer::Unclear(format!("no option starts with \"{typed}\"")),
        Err(why) => Answer::Unclear(why.replace("--choose ", "")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::session::choices::ChoiceOption;

    fn choice(condition: bool) -> Choice {
        let option = |title: &str, steps| ChoiceOption {
            title: title.into(),
            steps,
        };
        Choice {
            id: "2".into(),
            title: "Deploy".into(),
            condition,
            options: vec![
                option("Option 1: Compose", 0..1),
                option("Option 2: Kubernetes", 1..2),
            ],
            steps: 0..2,
        }
    }

    #[test]
    fn numbers_and_titles_name_an_option() {
        let c = choice(false);
        assert_eq!(answer(&c, "2"), Answer::Chosen(Chosen::Option(1)));
        assert_eq!(answer(&c, " kube "), Answer::Chosen(Chosen::Option(1)));
        assert_eq!(answer(&c, "option 1"), Answer::Chosen(Chosen::Option(0)));
        assert_eq!(answer(&c, "q"), Answer::Quit);
        assert_eq!(answer(&c, "a"), Answer::Abort);
        assert!(matches!(answer(&c, "3"), Answer::Unclear(_)));
        assert!(matches!(answer(&c, "option"), Answer::Unclear(_)));
        assert!(matches!(answer(&c, "none"), Answer::Unclear(_)));
    }

    #[test]
    fn a_condition_takes_none_of_these() {
        let c = choice(true);
        assert_eq!(answer(&c, "3"), Answer::Chosen(Chosen::NoneOfThese));
        assert_eq!(answer(&c, "none"), Answer::Chosen(Chosen::NoneOfThese));
    }
}
