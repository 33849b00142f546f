//! Where a run step's commands run, said on the step: a command that opens a session
//! elsewhere keeps the lines after it for the operator to type there (never run here), and
//! the step — like one with an editor or a command that asks — runs `interactive`.

use super::attrs::Attr;
use crate::doc::model::{RunStep, TranscriptLine};
use crate::doc::shell::elsewhere;
use crate::doc::sink::Sink;
use crate::doc::warning::Code;

/// Questions a command's expected output shows it asking.
const QUESTIONS: &[&str] = &["[y/n]", "(y/n)", "(y|n)", "[yes/no]", "(yes/no)"];

/// Reads where the step's commands run; the author's own `interactive` or `tty` wins.
pub fn read(run: &mut RunStep, attrs: &[Attr], line: u32, sink: &mut Sink) {
    let author_decided = attrs
        .iter()
        .any(|a| a.key == "interactive" || a.key == "tty");
    let reading = elsewhere::read(&run.script);
    let asked = reading
        .as_ref()
        .and_then(|r| r.asks.clone())
        .or_else(|| question_in_output(&run.transcript));
    let Some(reading) = reading.filter(|r| !r.sessions.is_empty()) else {
        if let Some((command, why)) = asked {
            say_it_asks(&command, &why, author_decided, line, sink);
            run.interactive |= !author_decided;
        }
        return;
    };
    for session in &reading.sessions {
        let n = session.typed_there.len();
        let typed = match n {
            0 => "the blocks after it may be meant for there".to_string(),
            1 => "the line after it is what to type there, never run here".to_string(),
            n => format!("the {n} lines after it are what to type there, never run here"),
        };
        let how = if author_decided {
            ""
        } else {
            ": the step runs `interactive` (the terminal is the operator's)"
        };
        sink.warn(
            line,
            1,
            Code::Elsewhere,
            format!("`{}` opens {}{how}; {typed}", session.opener, session.opens),
        );
    }
    if let Some((command, why)) = asked {
        say_it_asks(&command, &why, author_decided, line, sink);
    }
    run.script = reading.script;
    run.elsewhere = reading.sessions;
    run.interactive |= !author_decided;
}

fn say_it_asks(command: &str, why: &str, author_decided: bool, line: u32, sink: &mut Sink) {
    if author_decided {
        return;
    }
    sink.warn(
        line,
        1,
        Code::Asks,
        format!("`{command}` needs the terminal ({why}): the step runs `interactive`"),
    );
}

/// A command of a transcript whose expected output asks a question (`[y/N]`).
fn question_in_output(transcript: &[TranscriptLine]) -> Option<(String, String)> {
    let mut command = None;
    for line in transcript {
        match line {
            TranscriptLine::Command(c) => command = Some(c),
            TranscriptLine::Output(o) => {
                let lower = o.to_lowercase();
                if let Some(question) = QUESTIONS.iter().find(|q| lower.contains(*q)) {
                    let asked = command.map_or_else(String::new, |c| c.trim().to_string());
                    return Some((asked, format!("its output shows it asking {question}")));
                }
            }
        }
    }
    None
}
