//! Where a block's lines run. A command that opens a session elsewhere (`ssh host`, `oc
//! debug node/x`, `psql`) leaves the lines after it in that block to be typed *there*, up to
//! the line that leaves it (`exit`, `\q`): they are taken out of the script, never run here.
//! A command that edits or asks makes the step need the terminal.

use super::openers::{Effect, SUBCOMMAND_TRIGGERS, TRIGGERS, basename, effect};
use super::placeholder::variable_reference;
use super::quote::Lexer;
use crate::doc::model::{Elsewhere, Placeholder};
use std::ops::Range;

/// What a block's script becomes once sessions elsewhere are taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// What runs here: the lines outside any session elsewhere, openers included.
    pub script: String,
    pub sessions: Vec<Elsewhere>,
    /// The first command that needs the terminal (as written) and why.
    pub asks: Option<(String, String)>,
}

/// Lines that leave a session: a shell's `exit`, psql's `\q`, a REPL's `quit`.
const LEAVE: &[&str] = &[
    "exit", "exit;", "logout", "\\q", "\\quit", "quit", "quit;", "quit()", "exit()", ".exit", "q()",
];

/// Reads `script` (as written); `None` when nothing in it opens a session, edits or asks.
pub fn read(script: &str) -> Option<Reading> {
    if !has_trigger(script) {
        return None;
    }
    let (rewritten, placeholders) = super::placeholder::rewrite(script);
    let judged: Vec<&str> = rewritten.split('\n').collect();
    let written: Vec<&str> = script.split('\n').collect();
    if judged.len() != written.len() {
        return None;
    }
    let mut reading = Reading {
        script: String::new(),
        sessions: Vec::new(),
        asks: None,
    };
    let mut here: Vec<&str> = Vec::new();
    let mut depth = 0usize;
    let mut at = 0;
    while at < judged.len() {
        // Inside a session each line is its own: what is typed there need not be shell.
        let unit = if depth > 0 {
            at..at + 1
        } else {
            unit_at(&judged, at)
        };
        at = unit.end;
        let text = judged[unit.clone()].join("\n");
        let as_written = written[unit.clone()].join("\n");
        if depth > 0 {
            depth = typed_there(&mut reading, &text, &as_written, depth);
            continue;
        }
        here.extend(&written[unit]);
        let (opens, asks) = first_effects(&text);
        if reading.asks.is_none()
            && let Some(Effect::Asks(why)) = asks
        {
            reading.asks = Some((as_written.trim().to_string(), why));
        }
        if let Some(Effect::Opens(what)) = opens {
            depth = 1;
            reading.sessions.push(Elsewhere {
                opener: as_written.trim().to_string(),
                opens: as_written_words(what, &placeholders),
                typed_there: Vec::new(),
                left_open: true,
            });
        }
    }
    if reading.sessions.is_empty() && reading.asks.is_none() {
        return None;
    }
    reading.script = here.join("\n");
    if script.ends_with('\n') && !reading.script.ends_with('\n') {
        reading.script.push('\n');
    }
    Some(reading)
}

/// A description made from the judged text, with each placeholder as the document wrote it.
fn as_written_words(text: String, placeholders: &[Placeholder]) -> String {
    placeholders.iter().fold(text, |text, p| {
        text.replace(&variable_reference(&p.env), &p.written)
    })
}

/// Whether any word of the script names a command worth a closer look (for tools that
/// matter only through some subcommands, with one of those).
fn has_trigger(script: &str) -> bool {
    let words = || {
        script
            .split(|c: char| !(c.is_ascii_alphanumeric() || "-_./".contains(c)))
            .map(basename)
    };
    words().any(
        |w| match SUBCOMMAND_TRIGGERS.iter().find(|(name, _)| *name == w) {
            Some((_, subcommands)) => words().any(|s| subcommands.contains(&s)),
            None => TRIGGERS.contains(&w),
        },
    )
}

/// A line typed in the innermost open session; returns the depth after it.
fn typed_there(reading: &mut Reading, text: &str, as_written: &str, depth: usize) -> usize {
    let Some(session) = reading.sessions.last_mut() else {
        return 0;
    };
    if !as_written.trim().is_empty() {
        session.typed_there.push(as_written.trim_end().to_string());
    }
    let trimmed = text.trim();
    let depth = if LEAVE.contains(&trimmed) || trimmed.starts_with("exit ") {
        depth - 1
    } else if let (Some(Effect::Opens(_)), _) = first_effects(text) {
        depth + 1
    } else {
        depth
    };
    session.left_open = depth > 0;
    depth
}

/// The logical line starting at line `at`: a command goes on over `\` line ends, open
/// quotes and heredoc bodies.
fn unit_at(lines: &[&str], at: usize) -> Range<usize> {
    let mut lexer = Lexer::default();
    for (i, line) in lines.iter().enumerate().skip(at) {
        lexer.feed(line);
        if !lexer.continues() {
            return at..i + 1;
        }
    }
    at..lines.len()
}

/// The first command of `text` that opens a session, and the first that asks.
fn first_effects(text: &str) -> (Option<Effect>, Option<Effect>) {
    if !has_trigger(text) {
        return (None, None);
    }
    let mut found = (None, None);
    for command in super::commands::read(text, false).commands {
        match effect(&command.words, command.fed) {
            Some(e @ Effect::Opens(_)) if found.0.is_none() => found.0 = Some(e),
            Some(e @ Effect::Asks(_)) if found.1.is_none() => found.1 = Some(e),
            _ => {}
        }
    }
    found
}

#[cfg(test)]
#[path = "elsewhere_tests.rs"]
mod tests;
