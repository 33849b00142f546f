//! Prompts for the plain walk: one-letter choices, free-text answers, and
//! what happens when nobody can answer (stdin closed) or a signal arrives.

use super::input::{Answer, Input};
use super::printer::Printer;
use std::io::Stdout;

/// The operator's side of the plain session: what we print and what they type.
pub struct Dialogue {
    pub out: Printer<Stdout>,
    pub input: Input,
}

/// A prompt's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply<T> {
    Chose(T),
    /// Stdin closed before an answer.
    NoAnswer,
    Interrupted(i32),
}

impl Dialogue {
    pub fn say(&mut self, text: &str) {
        let _ = self.out.line(text);
    }

    /// Asks until one of `options` (`(key, label)`) is typed; returns the key.
    pub fn choose(&mut self, question: &str, options: &[(char, &str)]) -> Reply<char> {
        let labels: Vec<String> = options.iter().map(|(_, label)| label.to_string()).collect();
        loop {
            let _ = self
                .out
                .prompt(&format!("{question} {}: ", labels.join(" / ")));
            let answer = self.input.answer();
            self.out.answered();
            match answer {
                Answer::Line(line) => match pick(&line, options) {
                    Some(key) => return Reply::Chose(key),
                    None => self.say(&format!(
                        "  please type one of: {}",
                        options
                            .iter()
                            .map(|(k, _)| k.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                },
                Answer::Closed | Answer::TimedOut => return Reply::NoAnswer,
                Answer::Interrupted(sig) => return Reply::Interrupted(sig),
            }
        }
    }

    /// Asks for a line of text; an empty answer gets `fallback`, or is asked again without one.
    pub fn ask_text(&mut self, question: &str, fallback: Option<&str>) -> Reply<String> {
        loop {
            let _ = self.out.prompt(&format!("{question} "));
            let answer = self.input.answer();
            self.out.answered();
            match answer {
                Answer::Line(line) if !line.trim().is_empty() => {
                    return Reply::Chose(line.trim().to_string());
                }
                Answer::Line(_) => {
                    if let Some(value) = fallback {
                        return Reply::Chose(value.to_string());
                    }
                }
                Answer::Closed | Answer::TimedOut => return Reply::NoAnswer,
                Answer::Interrupted(sig) => return Reply::Interrupted(sig),
            }
        }
    }
}

/// The option a typed answer names: its key alone, or the start of its label.
pub(super) fn pick(line: &str, options: &[(char, &str)]) -> Option<char> {
    let typed = line.trim().to_lowercase();
    options
        .iter()
        .find(|(key, label)| {
            typed.starts_with(*key)
                && (typed.len() == 1
                    || label
                        .to_lowercase()
                        .replace(['[', ']'], "")
                        .starts_with(&typed))
        })
        .map(|(key, _)| *key)
}
