//! Code outside Markdown fences — Liquid `{% highlight bash %}` blocks and fences inside
//! HTML blocks (`<details>` …) — and fences left open to the end of the file.

use super::blocks::{Block, Reading, Source, read};
use super::scan::Embedded;
use crate::doc::sink::Sink;
use std::ops::Range;

/// A `{% highlight LANG %}` … `{% endhighlight %}` region starting at `start`.
pub fn liquid(text: &str, start: usize, sink: &mut Sink) -> Option<Embedded> {
    let rest = text.get(start..)?;
    let open_line = rest.lines().next()?;
    let lang = liquid_tag(open_line, "highlight")?;
    let body_start = start + open_line.len() + 1;
    let mut offset = body_start;
    for line in text.get(body_start..)?.split_inclusive('\n') {
        if liquid_tag(line.trim_end(), "endhighlight").is_some() {
            let content = text.get(body_start..offset)?;
            let end = offset + line.len();
            let line_no = sink.map.line_of(start);
            let block = Block {
                source: Source::Liquid(lang),
                content,
                line: line_no,
            };
            let steps = match read(&block, sink) {
                Reading::Steps(steps) => steps,
                Reading::Content => Vec::new(),
            };
            return Some(Embedded {
                blocks: vec![(start..end, steps)],
                end,
            });
        }
        offset += line.len();
    }
    None
}

/// `{% NAME ARG … %}` → `ARG` (or `""` for a tag without arguments).
fn liquid_tag<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let inner = line
        .trim()
        .strip_prefix("{%")?
        .strip_suffix("%}")?
        .trim_matches(['-', ' ']);
    let mut words = inner.split_whitespace();
    (words.next()? == name).then(|| words.next().unwrap_or(""))
}

/// Fences written inside an HTML block (which Markdown shows as raw text).
pub fn html_fences(text: &str, range: Range<usize>, sink: &mut Sink) -> Option<Embedded> {
    let html = text.get(range.clone())?;
    if !html.contains("```") && !html.contains("~~~") {
        return None;
    }
    let mut blocks = Vec::new();
    let mut offset = range.start;
    let mut open: Option<(usize, &str, String, usize)> = None;
    for line in html.split_inclusive('\n') {
        let trimmed = line.trim();
        match &mut open {
            None => {
                if let Some((fence, info)) = fence_open(trimmed) {
                    open = Some((offset, info, fence, offset + line.len()));
                }
            }
            Some((start, info, fence, body)) => {
                if trimmed.starts_with(fence.as_str())
                    && trimmed.chars().all(|c| fence.starts_with(c))
                {
                    let content = text.get(*body..offset).unwrap_or("");
                    let block = Block {
                        source: Source::Html(info),
                        content,
                        line: sink.map.line_of(*start),
                    };
                    let steps = match read(&block, sink) {
                        Reading::Steps(steps) => steps,
                        Reading::Content => Vec::new(),
                    };
                    blocks.push((*start..offset + line.len(), steps));
                    open = None;
                }
            }
        }
        offset += line.len();
    }
    (!blocks.is_empty()).then_some(Embedded {
        blocks,
        end: range.end,
    })
}

/// An opening fence line: its fence (``` or ~~~, as long as written) and info string.
fn fence_open(line: &str) -> Option<(String, &str)> {
    let c = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let count = line.chars().take_while(|x| *x == c).count();
    (count >= 3).then(|| (c.to_string().repeat(count), line[count..].trim()))
}

/// A fence never closed that runs to the end of the file swallows everything after it
/// (a later `## Rollback` and its commands would become part of this block): an error.
pub fn check_fence_closed(text: &str, range: Range<usize>, line: u32, sink: &mut Sink) {
    if range.end < text.trim_end().len() {
        return;
    }
    let Some(block) = text.get(range.clone()) else {
        return;
    };
    let mut lines = block.lines();
    let Some(opening) = lines.next().map(str::trim_start) else {
        return;
    };
    let Some((fence, _)) = fence_open(opening) else {
        return;
    };
    let closed = block.lines().count() > 1
        && block.trim_end().lines().last().is_some_and(|last| {
            let t = last.trim();
            t.starts_with(fence.as_str()) && t.chars().all(|c| fence.starts_with(c))
        });
    if closed {
        return;
    }
    let swallowed = block
        .lines()
        .skip(1)
        .position(|l| l.starts_with("## ") || l.starts_with("### "));
    let what = match swallowed {
        Some(n) => format!(
            ", including the heading `{}` at line {}",
            block.lines().nth(n + 1).unwrap_or("").trim(),
            line + 1 + u32::try_from(n).unwrap_or(0)
        ),
        None => String::new(),
    };
    sink.at_line(
        line,
        1,
        u32::try_from(fence.len()).unwrap_or(3),
        format!("this code block is never closed: the rest of the file became part of it{what}"),
        format!("a line with just {fence} after the block's last line, to close it"),
    );
}
