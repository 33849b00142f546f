//! Collects every problem found while loading one file, with source positions.

use super::diag::{Diagnostic, SourceMap};
use super::warning::{Code, Warning};
use super::yaml::node::Node;

/// Where diagnostics go while a file is loaded; loading goes on after an error
/// so that several problems are reported together.
pub struct Sink<'a> {
    pub map: SourceMap<'a>,
    pub diagnostics: Vec<Diagnostic>,
    /// Decisions taken on the author's behalf; never make the load fail.
    pub warnings: Vec<Warning>,
}

impl<'a> Sink<'a> {
    pub fn new(text: &'a str) -> Self {
        Sink {
            map: SourceMap::new(text),
            diagnostics: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// An error at a YAML node (its position is already in file coordinates).
    pub fn at_node(
        &mut self,
        node: &Node,
        message: impl Into<String>,
        expected: impl Into<String>,
    ) {
        let d = self.map.diag_line_col(
            node.line,
            node.col,
            node.width(),
            message.into(),
            expected.into(),
        );
        self.diagnostics.push(d);
    }

    /// An error at a byte range of the file.
    pub fn at_offset(
        &mut self,
        offset: usize,
        len: usize,
        message: impl Into<String>,
        expected: impl Into<String>,
    ) {
        let d = self
            .map
            .diag_at(offset, len, message.into(), expected.into());
        self.diagnostics.push(d);
    }

    /// An error at a line and column of the file.
    pub fn at_line(
        &mut self,
        line: u32,
        col: u32,
        width: u32,
        message: impl Into<String>,
        expected: impl Into<String>,
    ) {
        let d = self
            .map
            .diag_line_col(line, col, width, message.into(), expected.into());
        self.diagnostics.push(d);
    }

    /// A decision at a line and column of the file.
    pub fn warn(&mut self, line: u32, col: u32, code: Code, message: impl Into<String>) {
        self.warnings.push(Warning {
            line,
            col: col.max(1),
            code,
            message: message.into(),
        });
    }

    /// A decision about a whole line: the column is where its text starts.
    pub fn warn_line(&mut self, line: u32, code: Code, message: impl Into<String>) {
        let text = self.map.line_text(line);
        let indent = text.chars().take_while(|c| c.is_whitespace()).count();
        let col = u32::try_from(indent).unwrap_or(0) + 1;
        self.warn(line, col, code, message);
    }

    pub fn has_errors(&self) -> bool {
        !self.diagnostics.is_empty()
    }
}
