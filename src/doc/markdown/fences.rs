//! Fenced code blocks: shell fences become run steps, ```` ```runbook ```` fences
//! explicit YAML steps, everything else stays content.

use super::attrs::{AttrError, parse_info};
use super::builder::Builder;
use super::classify::{is_console, is_shell, parse_console};
use crate::doc::model::*;
use crate::doc::options::{RUN_OPTIONS, Spot, apply_run_option, check_step_name};
use crate::doc::sink::Sink;
use crate::doc::yaml::{node, steps::steps_from};
use std::ops::Range;

/// Handles one code block; `info` is `None` for indented blocks (always content).
pub fn code_block(
    range: Range<usize>,
    info: Option<&str>,
    content: &str,
    builder: &mut Builder,
    sink: &mut Sink,
) {
    let Some(info) = info else { return };
    let line = sink.map.line_of(range.start);
    let (lang, attrs) = match parse_info(info) {
        Ok(parsed) => parsed,
        Err(e) => {
            report_attr_error(&e, info, line, sink);
            return;
        }
    };
    if lang == "runbook" {
        let steps = runbook_steps(content, line, sink);
        builder.consume(range.start, range.end, sink);
        steps.into_iter().for_each(|s| builder.push_step(s));
        return;
    }
    if !is_shell(&lang) {
        return;
    }
    let mut run = RunStep::new(content.to_string(), lang.clone());
    if is_console(&lang) {
        run.transcript = parse_console(content);
        let commands: Vec<&str> = run
            .transcript
            .iter()
            .filter_map(|l| match l {
                TranscriptLine::Command(c) => Some(c.as_str()),
                TranscriptLine::Output(_) => None,
            })
            .collect();
        if commands.is_empty() {
            return;
        }
        run.script = commands.join("\n") + "\n";
    }
    let mut name = None;
    let info_col = if attrs.is_empty() {
        0
    } else {
        column_of(sink.map.line_text(line), info)
    };
    for attr in &attrs {
        let spot = Spot {
            line,
            col: info_col + char_count(&info[..attr.offset]),
            width: u32::try_from(attr.len).unwrap_or(1),
        };
        if attr.key == "name" {
            name = check_step_name(&attr.value, spot, sink).then(|| attr.value.clone());
        } else if RUN_OPTIONS.contains(&attr.key.as_str()) {
            apply_run_option(&mut run, &attr.key, &attr.value, spot, sink);
        } else {
            sink.at_line(
                spot.line,
                spot.col,
                u32::try_from(attr.key.chars().count()).unwrap_or(1),
                format!("unknown attribute `{}` on a {lang} block", attr.key),
                format!("one of: {}", RUN_OPTIONS.join(", ")),
            );
        }
    }
    builder.consume(range.start, range.end, sink);
    builder.push_step(Step {
        line,
        name,
        kind: StepKind::Run(run),
    });
}

fn runbook_steps(content: &str, fence_line: u32, sink: &mut Sink) -> Vec<Step> {
    match node::parse(content) {
        Ok(mut root) => {
            root.shift(fence_line, 0);
            steps_from(&root, sink)
        }
        Err(e) => {
            sink.at_line(
                e.line + fence_line,
                e.col,
                1,
                format!("invalid YAML in a runbook block: {}", e.message),
                e.expected("steps in the YAML step syntax, e.g. `- wait: 5m`"),
            );
            Vec::new()
        }
    }
}

fn report_attr_error(e: &AttrError, info: &str, line: u32, sink: &mut Sink) {
    let col =
        column_of(sink.map.line_text(line), info) + char_count(info.get(..e.offset).unwrap_or(""));
    sink.at_line(
        line,
        col,
        u32::try_from(e.len.max(1)).unwrap_or(1),
        e.message.clone(),
        e.expected.clone(),
    );
}

/// 1-based column where `info` starts on the fence line.
fn column_of(line_text: &str, info: &str) -> u32 {
    let byte = line_text.find(info).unwrap_or(0);
    char_count(&line_text[..byte]) + 1
}

fn char_count(text: &str) -> u32 {
    u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
}
