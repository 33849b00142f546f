//! What a code block becomes: a run step (tagged, or proposed when untagged but
//! confidently shell), checks and waits (instructions), explicit steps, or content.

use super::console::{has_user_prompts, script_of, transcript, transcript_kind};
use super::fences::{apply_attrs, language_and_attrs, runbook_steps};
use super::instructions::{Instruction, from_comments, from_task_lines, is_comments_only};
use crate::doc::model::*;
use crate::doc::shell::judge::{Verdict, judge, parses};
use crate::doc::shell::placeholder::rewrite;
use crate::doc::shell::quote::Lexer;
use crate::doc::sink::Sink;
use crate::doc::warning::Code;

/// Where a block was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// A Markdown fence and its info string.
    Fenced(&'a str),
    /// Indented code.
    Indented,
    /// Liquid's `{% highlight LANG %}`.
    Liquid(&'a str),
    /// A fence inside an HTML block (rendered as raw text), and its info string.
    Html(&'a str),
}

/// A code block: where, its content, the line of its fence (or first line).
#[derive(Debug, Clone, Copy)]
pub struct Block<'a> {
    pub source: Source<'a>,
    pub content: &'a str,
    pub line: u32,
}

impl Block<'_> {
    fn first_content_line(&self) -> u32 {
        match self.source {
            Source::Indented => self.line,
            _ => self.line + 1,
        }
    }
}

/// What the block became.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    Steps(Vec<Step>),
    Content,
}

/// Fence languages run as a shell script.
pub fn is_shell(lang: &str) -> bool {
    matches!(
        lang,
        "bash" | "sh" | "shell" | "zsh" | "console" | "terminal"
    )
}

fn is_transcript_lang(lang: &str) -> bool {
    matches!(lang, "console" | "terminal")
}

/// Transcript languages of other tools: read like `console`, but proposed.
fn is_session_lang(lang: &str) -> bool {
    matches!(
        lang,
        "shell-session" | "sh-session" | "bash-session" | "shellsession" | "console-session"
    )
}

/// Reads one block; decisions are warnings, malformed info strings errors.
pub fn read(block: &Block, sink: &mut Sink) -> Reading {
    if let Some(inner) = fence_inside_indented(block) {
        return read(&inner, sink);
    }
    let (info, lang, attrs) = match block.source {
        Source::Fenced(info) | Source::Html(info) => {
            let Some((lang, attrs)) = language_and_attrs(info, block.line, sink) else {
                return Reading::Content;
            };
            (info, lang, attrs)
        }
        Source::Liquid(lang) => ("", lang.to_ascii_lowercase(), Vec::new()),
        Source::Indented => ("", String::new(), Vec::new()),
    };
    if lang == "runbook" && matches!(block.source, Source::Fenced(_)) {
        return Reading::Steps(runbook_steps(block.content, block.line, sink));
    }
    if let Some(steps) = instructions_of(block, &lang, sink) {
        return Reading::Steps(steps);
    }
    let Some(mut run) = run_of(block, &lang, sink) else {
        return Reading::Content;
    };
    let name = apply_attrs(&mut run, &attrs, info, block.line, sink);
    super::where_run::read(&mut run, &attrs, block.line, sink);
    fill_placeholders(&mut run, block.line, sink);
    if run.proposed {
        let origin = match run.origin {
            RunOrigin::Unlabeled => "a fence without a language",
            RunOrigin::Indented => "indented code",
            _ if matches!(block.source, Source::Liquid(_)) => "a Liquid highlight block",
            _ if matches!(block.source, Source::Html(_)) => "a fence inside an HTML block",
            _ => "a shell-session transcript",
        };
        sink.warn(
            block.line,
            1,
            Code::Proposed,
            format!(
                "commands in {origin} read as shell: a proposed step, for the operator to confirm"
            ),
        );
    }
    Reading::Steps(vec![Step {
        line: block.line,
        name,
        kind: StepKind::Run(run),
    }])
}

/// Indented code that is itself one fenced block — a mkdocs tab or admonition
/// (`=== "Linux"` followed by an indented ```` ```bash ```` fence) — is that fence.
fn fence_inside_indented<'a>(block: &Block<'a>) -> Option<Block<'a>> {
    if block.source != Source::Indented {
        return None;
    }
    let content = block.content.trim_end();
    let (first, rest) = content.split_once('\n')?;
    if !rest.contains('\n') {
        return None;
    }
    let fence_char = first.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let fence_len = first.chars().take_while(|c| *c == fence_char).count();
    let (body, last) = rest.rsplit_once('\n').unwrap_or(("", rest));
    let closes = last.trim().len() >= fence_len && last.trim().chars().all(|c| c == fence_char);
    if fence_len < 3
        || !closes
        || body
            .lines()
            .any(|l| l.trim_start().starts_with(&first[..fence_len]))
    {
        return None;
    }
    let body_start = first.len() + 1;
    Some(Block {
        source: Source::Fenced(first[fence_len..].trim()),
        content: block
            .content
            .get(body_start..body_start + body.len() + 1)
            .unwrap_or(body),
        line: block.line,
    })
}

/// Checks and waits instead of a command: a comments-only shell block, or task items in
/// a fence that is not shell; `None` when the block is neither.
fn instructions_of(block: &Block, lang: &str, sink: &mut Sink) -> Option<Vec<Step>> {
    let shell = is_shell(lang) || matches!(block.source, Source::Liquid(_));
    let (steps, code, what) = if shell
        && is_comments_only(block.content)
        && transcript_kind(block.content).is_none()
    {
        (
            from_comments(block.content),
            Code::CommentChecks,
            "a shell block of comments only: each comment paragraph is a manual check (a wait where it says so), nothing runs",
        )
    } else if !shell && let Some(tasks) = from_task_lines(block.content) {
        (
            tasks,
            Code::FenceChecks,
            "task items inside a fence: read as checks",
        )
    } else {
        return None;
    };
    sink.warn(block.line, 1, code, what);
    let first = block.first_content_line();
    Some(
        steps
            .into_iter()
            .map(|i| instruction_step(i, first))
            .collect(),
    )
}

fn instruction_step(instruction: Instruction, first_line: u32) -> Step {
    Step {
        line: first_line + instruction.offset,
        name: None,
        kind: instruction.kind,
    }
}

/// The run step a block would be, before attributes and placeholders; `None` for content.
fn run_of(block: &Block, lang: &str, sink: &mut Sink) -> Option<RunStep> {
    let content = block.content;
    let liquid = matches!(block.source, Source::Liquid(_));
    let html = matches!(block.source, Source::Html(_));
    if is_shell(lang) && !is_transcript_lang(lang) {
        let mut run = tagged_shell(content, lang, block.line, sink);
        run.proposed = liquid || html;
        return Some(run);
    }
    if is_transcript_lang(lang) {
        let lines = transcript(content, !has_user_prompts(content));
        let run = console_run(lines, lang, block, sink)?;
        return Some(RunStep {
            proposed: liquid || html,
            ..run
        });
    }
    if is_session_lang(lang) {
        let lines = transcript(content, !has_user_prompts(content));
        return proposed_console(lines, lang, block, sink);
    }
    if !lang.is_empty() {
        return None;
    }
    if let Some(allow_root) = transcript_kind(content) {
        return proposed_console(transcript(content, allow_root), "console", block, sink);
    }
    match judge(content) {
        Verdict::Shell => {
            let origin = match block.source {
                Source::Indented => RunOrigin::Indented,
                _ => RunOrigin::Unlabeled,
            };
            let mut run = RunStep::new(content.to_string(), "sh".into());
            run.origin = origin;
            run.proposed = true;
            Some(run)
        }
        Verdict::NotShell(_) => None,
    }
}

/// A shell-tagged block: a transcript when prompted, output lines split off when the
/// block only parses without them, else the script as written.
fn tagged_shell(content: &str, lang: &str, line: u32, sink: &mut Sink) -> RunStep {
    if let Some(allow_root) = transcript_kind(content) {
        let lines = transcript(content, allow_root);
        let outputs = lines
            .iter()
            .filter(|l| matches!(l, TranscriptLine::Output(_)))
            .count();
        let output = match outputs {
            0 => String::new(),
            1 => " and 1 output line is never run".to_string(),
            n => format!(" and {n} output lines are never run"),
        };
        sink.warn(line, 1, Code::Console, format!("a {lang} block whose commands carry prompts: read as a console transcript; the prompts are dropped{output}"));
        return transcript_run(lines, lang);
    }
    if has_output_shaped_lines(content) && !parses(content) {
        let lines = split_output(content);
        let outputs = lines
            .iter()
            .filter(|l| matches!(l, TranscriptLine::Output(_)))
            .count();
        sink.warn(line, 1, Code::OutputLines, format!("{outputs} line{} of this {lang} block look{} like command output (a table), not commands: shown, never run", if outputs == 1 { "" } else { "s" }, if outputs == 1 { "s" } else { "" }));
        return transcript_run(lines, lang);
    }
    RunStep::new(content.to_string(), lang.to_string())
}

fn transcript_run(lines: Vec<TranscriptLine>, lang: &str) -> RunStep {
    let mut run = RunStep::new(script_of(&lines), lang.to_string());
    run.transcript = lines;
    run.origin = RunOrigin::Console;
    run
}

fn console_run(
    lines: Vec<TranscriptLine>,
    lang: &str,
    block: &Block,
    sink: &mut Sink,
) -> Option<RunStep> {
    if !lines
        .iter()
        .any(|l| matches!(l, TranscriptLine::Command(_)))
    {
        if !block.content.trim().is_empty() {
            sink.warn(
                block.line,
                1,
                Code::NotShell,
                format!(
                    "a {lang} block without a prompted line: all of it is output, nothing runs"
                ),
            );
        }
        return None;
    }
    Some(transcript_run(lines, lang))
}

/// A transcript outside a shell tag: proposed, and only when its commands are shell.
fn proposed_console(
    lines: Vec<TranscriptLine>,
    lang: &str,
    block: &Block,
    sink: &mut Sink,
) -> Option<RunStep> {
    let mut run = console_run(lines, lang, block, sink)?;
    if let Verdict::NotShell(why) = judge(&run.script) {
        sink.warn(
            block.line,
            1,
            Code::NotShell,
            format!("prompted lines that are not shell ({why}): shown, never run"),
        );
        return None;
    }
    run.proposed = true;
    Some(run)
}

/// Lines that look like printed output: table borders and rows.
fn is_output_shaped(line: &str) -> bool {
    let t = line.trim();
    (t.starts_with("+-") && t.ends_with('+'))
        || (t.starts_with('|') && t.ends_with('|') && t.len() > 1)
}

fn has_output_shaped_lines(content: &str) -> bool {
    content.lines().any(is_output_shaped)
}

/// Commands and output of a shell block that has output pasted under its commands.
fn split_output(content: &str) -> Vec<TranscriptLine> {
    let mut lines: Vec<TranscriptLine> = Vec::new();
    let mut lexer = Lexer::default();
    let mut open = false;
    for raw in content.lines() {
        if open && let Some(TranscriptLine::Command(previous)) = lines.last_mut() {
            previous.push('\n');
            previous.push_str(raw);
            lexer.feed(raw);
            open = lexer.continues();
        } else if is_output_shaped(raw) {
            lines.push(TranscriptLine::Output(raw.to_string()));
        } else {
            lexer = Lexer::default();
            lexer.feed(raw);
            open = lexer.continues();
            lines.push(TranscriptLine::Command(raw.to_string()));
        }
    }
    lines
}

/// Placeholders replaced by quoted variable references, recorded on the step.
fn fill_placeholders(run: &mut RunStep, line: u32, sink: &mut Sink) {
    let (script, placeholders) = rewrite(&run.script);
    if placeholders.is_empty() {
        return;
    }
    let listed: Vec<String> = placeholders
        .iter()
        .map(|p| format!("`{}` → ${}", p.written, p.env))
        .collect();
    sink.warn(line, 1, Code::Placeholder, format!("placeholder{} {}: the step waits for a value, which reaches the command only through the environment", if placeholders.len() == 1 { "" } else { "s" }, listed.join(", ")));
    run.script = script;
    run.placeholders = placeholders;
}
