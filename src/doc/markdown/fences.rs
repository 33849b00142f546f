//! A run step's options from a fence's info string, and ```` ```runbook ```` fences.

use super::attrs::{Attr, AttrError, parse_info};
use crate::doc::model::*;
use crate::doc::options::{RUN_OPTIONS, Spot, apply_run_option, check_step_name};
use crate::doc::sink::Sink;
use crate::doc::yaml::{node, steps::steps_from};

/// Unknown attributes reported per fence; more would only repeat the same long line.
const MAX_UNKNOWN_REPORTED: usize = 10;

/// The language and attributes of an info string; a malformed one is reported and `None`.
pub fn language_and_attrs(info: &str, line: u32, sink: &mut Sink) -> Option<(String, Vec<Attr>)> {
    match parse_info(info) {
        Ok(parsed) => Some(parsed),
        Err(e) => {
            report_attr_error(&e, info, line, sink);
            None
        }
    }
}

/// Applies the attributes to a run step; returns the step's name.
pub fn apply_attrs(
    run: &mut RunStep,
    attrs: &[Attr],
    info: &str,
    line: u32,
    sink: &mut Sink,
) -> Option<String> {
    let mut name = None;
    if attrs.is_empty() {
        return name;
    }
    let info_col = column_of(sink.map.line_text(line), info);
    let (mut counted_to, mut chars, mut unknown) = (0usize, 0u32, 0);
    for attr in attrs {
        chars += char_count(info.get(counted_to..attr.offset).unwrap_or(""));
        counted_to = attr.offset;
        let spot = Spot {
            line,
            col: info_col + chars,
            // In characters, as columns are: `attr.len` counts bytes.
            width: char_count(info.get(attr.offset..attr.offset + attr.len).unwrap_or("")),
        };
        if attr.key == "name" {
            name = check_step_name(&attr.value, spot, sink).then(|| attr.value.clone());
        } else if RUN_OPTIONS.contains(&attr.key.as_str()) {
            apply_run_option(run, &attr.key, &attr.value, spot, sink);
        } else {
            sink.at_line(
                spot.line,
                spot.col,
                u32::try_from(attr.key.chars().count()).unwrap_or(1),
                format!("unknown attribute `{}` on a {} block", attr.key, run.lang),
                format!("one of: {}", RUN_OPTIONS.join(", ")),
            );
            unknown += 1;
            if unknown == MAX_UNKNOWN_REPORTED {
                return name;
            }
        }
    }
    name
}

/// The steps of a ```` ```runbook ```` fence, positioned in the file.
pub fn runbook_steps(content: &str, fence_line: u32, sink: &mut Sink) -> Vec<Step> {
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

/// 1-based column where `info` starts on the fence line: right after the fence, usually.
fn column_of(line_text: &str, info: &str) -> u32 {
    let after_fence = line_text.len()
        - line_text
            .trim_start()
            .trim_start_matches(['`', '~'])
            .trim_start()
            .len();
    let byte = if line_text[after_fence..].starts_with(info) {
        after_fence
    } else {
        line_text.find(info).unwrap_or(0)
    };
    char_count(&line_text[..byte]) + 1
}

fn char_count(text: &str) -> u32 {
    u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
}
