//! Diagnostics: `file:line:col`, the offending line with a caret, and what was expected.
//!
//! Hand-written rather than annotate-snippets: tried against every `invalid__*` snapshot
//! and CJK/emoji lines, it placed carets as well but moved `file:line:col` off the
//! `error:` line (to ` --> `), which editors' quickfix, `grep` and CI annotations read.

use std::fmt;
use std::path::{Path, PathBuf};

use unicode_width::UnicodeWidthChar;

/// One problem found in a runbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: u32,
    /// 1-based, counted in characters.
    pub col: u32,
    /// Width of the caret underline, in characters (at least 1).
    pub width: u32,
    /// What is wrong.
    pub message: String,
    /// One sentence saying what was expected instead.
    pub expected: String,
    /// The source line the problem is on.
    pub snippet: String,
}

/// Every problem found in one file; rendered together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub path: PathBuf,
    pub diagnostics: Vec<Diagnostic>,
}

impl std::error::Error for LoadError {}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", diagnostic.render(&self.path))?;
        }
        Ok(())
    }
}

const SNIPPET_WIDTH: usize = 100;

impl Diagnostic {
    /// Renders the diagnostic as the lines an operator reads.
    pub fn render(&self, path: &Path) -> String {
        let gutter = self.line.to_string().len();
        let (shown, caret_col) = visible_window(&self.snippet, self.col as usize);
        let caret_chars = (self.width as usize).clamp(1, SNIPPET_WIDTH);
        let (caret_at, caret_width) = caret_columns(&shown, caret_col, caret_chars);
        let pad = " ".repeat(gutter);
        let mut out = format!(
            "{}:{}:{}: error: {}\n",
            path.display(),
            self.line,
            self.col,
            self.message
        );
        if !self.snippet.is_empty() || self.line > 0 {
            out.push_str(&format!("{pad} |\n{} | {shown}\n", self.line));
            out.push_str(&format!(
                "{pad} | {}{}\n",
                " ".repeat(caret_at),
                "^".repeat(caret_width)
            ));
        }
        out.push_str(&format!("{pad} = expected: {}\n", self.expected));
        out
    }
}

/// Where the caret starts (screen columns before it) and how many columns it covers,
/// for `chars` characters from the 1-based character `col` of `shown`: a wide character
/// (CJK, most emoji) takes two columns on a terminal, a combining mark none.
fn caret_columns(shown: &str, col: usize, chars: usize) -> (usize, usize) {
    let width = |c: char| c.width().unwrap_or(0);
    let before = col.saturating_sub(1);
    let at = shown.chars().take(before).map(width).sum();
    let under: usize = shown.chars().skip(before).take(chars).map(width).sum();
    let past_end = chars.saturating_sub(shown.chars().skip(before).count());
    (at, (under + past_end).max(1))
}

/// The part of a long line that is shown, and where the caret lands in it.
fn visible_window(line: &str, col: usize) -> (String, usize) {
    let clean: Vec<char> = line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.len() <= SNIPPET_WIDTH {
        return (clean.into_iter().collect(), col.max(1));
    }
    let start = col
        .saturating_sub(SNIPPET_WIDTH / 2)
        .min(clean.len() - SNIPPET_WIDTH);
    let shown: String = clean[start..start + SNIPPET_WIDTH].iter().collect();
    (format!("…{shown}…"), col.saturating_sub(start) + 1)
}

/// Byte offsets → line/column, for one source text.
#[derive(Debug)]
pub struct SourceMap<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> SourceMap<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceMap { text, line_starts }
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> u32 {
        let index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        u32::try_from(index + 1).unwrap_or(u32::MAX)
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: u32) -> &'a str {
        let index = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(index) else {
            return "";
        };
        let end = self
            .line_starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: u32) -> usize {
        let index = (line as usize).saturating_sub(1);
        self.line_starts
            .get(index)
            .copied()
            .unwrap_or(self.text.len())
    }

    /// A diagnostic pointing at `len` bytes starting at byte `offset`.
    pub fn diag_at(
        &self,
        offset: usize,
        len: usize,
        message: String,
        expected: String,
    ) -> Diagnostic {
        let offset = floor_boundary(self.text, offset.min(self.text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        let end = floor_boundary(self.text, (offset + len).min(self.text.len()));
        let width = self
            .text
            .get(offset..end)
            .map_or(1, |s| s.chars().count())
            .max(1);
        Diagnostic {
            line,
            col: u32::try_from(col).unwrap_or(u32::MAX),
            width: u32::try_from(width).unwrap_or(1),
            message,
            expected,
            snippet: self.line_text(line).to_string(),
        }
    }

    /// A diagnostic at a 1-based line and column.
    pub fn diag_line_col(
        &self,
        line: u32,
        col: u32,
        width: u32,
        message: String,
        expected: String,
    ) -> Diagnostic {
        Diagnostic {
            line,
            col: col.max(1),
            width: width.max(1),
            message,
            expected,
            snippet: self.line_text(line).to_string(),
        }
    }
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let map = SourceMap::new("ab\nпривет x\n");
        let offset = "ab\nпривет ".len();
        let d = map.diag_at(offset, 1, "bad".into(), "good".into());
        assert_eq!((d.line, d.col), (2, 8));
        assert_eq!(d.snippet, "привет x");
    }

    #[test]
    fn the_caret_stands_under_wide_characters_where_a_terminal_draws_them() {
        let cjk = SourceMap::new("title: 名前変更: デプロイ\n");
        let d = cjk.diag_at(7, "名前変更".len(), "bad".into(), "good".into());
        assert_eq!((d.col, d.width), (8, 4), "positions stay in characters");
        let text = d.render(Path::new("rb.md"));
        assert!(text.contains("\n  |        ^^^^^^^^\n"), "{text}");
        let emoji = SourceMap::new("🚀🚀 x timeout=🔥 ok\n");
        let at = "🚀🚀 x timeout=".len();
        let d = emoji.diag_at(at, "🔥".len(), "bad".into(), "good".into());
        let text = d.render(Path::new("rb.md"));
        assert!(
            text.contains(&format!("\n  | {}^^\n", " ".repeat(15))),
            "{text}"
        );
    }

    #[test]
    fn renders_file_line_col_caret_and_expectation() {
        let map = SourceMap::new("title: x\nbogus: 1\n");
        let d = map.diag_at(
            9,
            5,
            "unknown key `bogus`".into(),
            "one of title, sections".into(),
        );
        let text = d.render(Path::new("rb.yaml"));
        assert_eq!(
            text,
            "rb.yaml:2:1: error: unknown key `bogus`\n  |\n2 | bogus: 1\n  | ^^^^^\n  = expected: one of title, sections\n"
        );
    }
}
