//! A step's output cut down for a report: its first and last lines as a terminal would
//! have left them (escape sequences removed, `\r` overwrites applied), stderr marked.

use crate::session::event::Stream;
use std::collections::VecDeque;

/// Lines kept from the start of an attempt's output.
pub const HEAD_LINES: usize = 5;
/// Lines kept from its end.
pub const TAIL_LINES: usize = 20;
/// Characters kept of one line.
const LINE_CHARS: usize = 200;
/// Bytes held of a line still waiting for its newline (the rest is counted, not kept).
const PARTIAL_BYTES: usize = 4096;
/// What marks a stderr line in an excerpt (stdout lines get two spaces).
pub const STDERR_MARK: &str = "! ";

/// Output of one attempt, bounded whatever its size.
#[derive(Debug, Default)]
pub(crate) struct Excerpt {
    head: Vec<(bool, String)>,
    tail: VecDeque<(bool, String)>,
    lines: u64,
    stderr_lines: u64,
    /// Unfinished line per stream: stdout (and pty), stderr.
    partial: [Vec<u8>; 2],
}

impl Excerpt {
    pub fn push(&mut self, stream: Stream, bytes: &[u8]) {
        let stderr = stream == Stream::Stderr;
        let mut rest = bytes;
        while let Some(newline) = memchr::memchr(b'\n', rest) {
            self.hold(stderr, &rest[..newline]);
            self.end_line(stderr);
            rest = &rest[newline + 1..];
        }
        self.hold(stderr, rest);
    }

    fn hold(&mut self, stderr: bool, bytes: &[u8]) {
        let partial = &mut self.partial[usize::from(stderr)];
        let room = PARTIAL_BYTES.saturating_sub(partial.len());
        partial.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn end_line(&mut self, stderr: bool) {
        let raw = std::mem::take(&mut self.partial[usize::from(stderr)]);
        let line = (stderr, clean(&raw));
        self.lines += 1;
        self.stderr_lines += u64::from(stderr);
        if self.head.len() < HEAD_LINES {
            self.head.push(line);
            return;
        }
        self.tail.push_back(line);
        if self.tail.len() > TAIL_LINES {
            self.tail.pop_front();
        }
    }

    /// The excerpt as a folded Markdown block (`None` when there was no output); starts over.
    pub fn take_markdown(&mut self) -> Option<String> {
        for stderr in [false, true] {
            if !self.partial[usize::from(stderr)].is_empty() {
                self.end_line(stderr);
            }
        }
        let excerpt = std::mem::take(self);
        (excerpt.lines > 0).then(|| excerpt.markdown())
    }

    fn markdown(&self) -> String {
        let omitted = self.lines - (self.head.len() + self.tail.len()) as u64;
        let mut body: Vec<String> = self.head.iter().map(marked).collect();
        if omitted > 0 {
            body.push(format!("  … {omitted} lines left out …"));
        }
        body.extend(self.tail.iter().map(marked));
        let fence = fence_for(&body);
        format!(
            "<details><summary>{}</summary>\n\n{fence}text\n{}\n{fence}\n\n</details>\n",
            self.summary(omitted),
            body.join("\n")
        )
    }

    fn summary(&self, omitted: u64) -> String {
        let plural = if self.lines == 1 { "" } else { "s" };
        let mut text = format!("output: {} line{plural}", self.lines);
        if self.stderr_lines > 0 {
            text.push_str(&format!(
                ", {} on stderr (marked {})",
                self.stderr_lines,
                STDERR_MARK.trim_end()
            ));
        }
        if omitted > 0 {
            text.push_str(&format!(
                "; first {} and last {} shown",
                self.head.len(),
                self.tail.len()
            ));
        }
        text
    }
}

fn marked((stderr, text): &(bool, String)) -> String {
    let mark = if *stderr { STDERR_MARK } else { "  " };
    format!("{mark}{text}").trim_end().to_string()
}

/// A code fence longer than any run of backticks in `lines` (at least three).
pub(crate) fn fence_for<S: AsRef<str>>(lines: &[S]) -> String {
    let longest = lines
        .iter()
        .map(|l| longest_backtick_run(l.as_ref()))
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// The length of the longest run of backticks in `text`.
pub(crate) fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// A line as a terminal leaves it: escape sequences dropped, text after the last `\r` kept,
/// other control characters dropped, cut to [`LINE_CHARS`].
fn clean(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let text = strip_escapes(text.trim_end_matches('\r'));
    let shown = text.rsplit('\r').next().unwrap_or_default();
    let mut out: String = shown
        .chars()
        .filter(|c| *c == '\t' || !c.is_control())
        .take(LINE_CHARS)
        .collect();
    if shown.chars().count() > LINE_CHARS {
        out.push('…');
    }
    out
}

/// Removes CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ESC \`) and two-character escapes.
fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('\x40'..='\x7e').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn long_output_keeps_its_first_and_last_lines() {
        let mut excerpt = Excerpt::default();
        for i in 1..=100 {
            excerpt.push(Stream::Stdout, format!("line {i}\n").as_bytes());
        }
        excerpt.push(Stream::Stderr, b"boom\n");
        let md = excerpt.take_markdown().unwrap();
        assert!(
            md.contains("output: 101 lines, 1 on stderr (marked !)"),
            "{md}"
        );
        assert!(
            md.contains("  line 5\n  … 76 lines left out …\n  line 82\n"),
            "{md}"
        );
        assert!(md.contains("! boom\n```\n"), "{md}");
        assert!(!md.contains("line 6\n"));
        assert!(excerpt.take_markdown().is_none(), "taking starts over");
    }

    #[test]
    fn lines_split_across_chunks_and_streams_stay_whole() {
        let mut excerpt = Excerpt::default();
        excerpt.push(Stream::Stdout, b"hel");
        excerpt.push(Stream::Stderr, b"warn");
        excerpt.push(Stream::Stdout, b"lo\nlast");
        let md = excerpt.take_markdown().unwrap();
        assert!(md.contains("  hello\n  last\n! warn\n"), "{md}");
    }

    #[test]
    fn terminal_effects_are_applied_not_copied() {
        assert_eq!(clean(b"\x1b[1;32mok\x1b[0m done\r"), "ok done");
        assert_eq!(clean(b"10%\r50%\r100%"), "100%");
        assert_eq!(clean(b"\x1b]0;title\x07text\x07"), "text");
        assert_eq!(
            clean("x".repeat(300).as_bytes()).chars().count(),
            LINE_CHARS + 1
        );
    }

    #[test]
    fn backticks_in_output_get_a_longer_fence() {
        let mut excerpt = Excerpt::default();
        excerpt.push(Stream::Stdout, b"```\n");
        let md = excerpt.take_markdown().unwrap();
        assert!(md.contains("````text\n  ```\n````\n"), "{md}");
    }
}
