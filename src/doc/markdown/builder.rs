//! Assembles sections, steps and prose as the Markdown events arrive.
//!
//! Prose is the document's own source text between the places that became
//! steps or headings, so whatever Markdown the author wrote (tables, quotes,
//! code samples) is kept exactly and rendered by the viewer.

use super::classify::{RollbackContext, is_go_no_go, is_signoff, rollback_context};
use crate::doc::model::*;
use crate::doc::sink::Sink;

/// A section still receiving content.
struct Open {
    section: Section,
    context: RollbackContext,
    signoff: bool,
    /// Index in `section.steps` of the sign-off gate collecting roles.
    signoff_gate: Option<usize>,
}

/// A Go/No-Go gate collecting criteria from everything beneath its heading.
struct OpenGate {
    level: u8,
    line: u32,
    title: String,
    group: Option<String>,
    criteria: Vec<Criterion>,
}

pub struct Builder<'t> {
    text: &'t str,
    stack: Vec<Open>,
    gate: Option<OpenGate>,
    cursor: usize,
}

impl<'t> Builder<'t> {
    pub fn new(text: &'t str) -> Self {
        let root = Open {
            section: Section {
                title: String::new(),
                line: 1,
                level: 0,
                rollback: false,
                prose: Vec::new(),
                steps: Vec::new(),
                sections: Vec::new(),
            },
            context: RollbackContext::Unrelated,
            signoff: false,
            signoff_gate: None,
        };
        Builder {
            text,
            stack: vec![root],
            gate: None,
            cursor: 0,
        }
    }

    /// Skips source that is neither prose nor a step (front matter).
    pub fn skip_to(&mut self, offset: usize) {
        self.cursor = self.cursor.max(offset);
    }

    /// Marks `start..end` as consumed by a step or heading; the text before it is prose.
    pub fn consume(&mut self, start: usize, end: usize, sink: &Sink) {
        self.flush_prose(start, sink);
        self.cursor = self.cursor.max(end);
    }

    fn flush_prose(&mut self, upto: usize, sink: &Sink) {
        if upto <= self.cursor {
            return;
        }
        let Some(slice) = self.text.get(self.cursor..upto) else {
            return;
        };
        let trimmed = slice.trim_start_matches(['\n', '\r', ' ', '\t']);
        if trimmed.trim().is_empty() {
            return;
        }
        let start = upto - trimmed.len();
        let line_start = sink.map.line_start(sink.map.line_of(start));
        let from = if self.text[line_start..start].trim().is_empty() {
            line_start
        } else {
            start
        };
        let markdown = dedent(self.text[from..upto].trim_end(), from == line_start);
        let top = self.top();
        let before_step = top.section.steps.len();
        top.section.prose.push(Prose {
            line: sink.map.line_of(start),
            before_step,
            markdown,
        });
    }

    fn top(&mut self) -> &mut Open {
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    /// Whether list items currently become gate criteria.
    pub fn in_gate(&self) -> bool {
        self.gate.is_some()
    }

    /// A heading: a new section, or a criteria group inside an open gate.
    pub fn heading(
        &mut self,
        level: u8,
        title: String,
        line: u32,
        range: (usize, usize),
        sink: &Sink,
    ) {
        self.consume(range.0, range.1, sink);
        if let Some(gate) = self.gate.as_mut().filter(|g| level > g.level) {
            gate.group = Some(title);
            return;
        }
        self.close_gate();
        while self.stack.len() > 1 && self.top().section.level >= level {
            self.pop_section();
        }
        let parent = self.top().context;
        let context = rollback_context(&title, parent);
        if is_go_no_go(&title) {
            self.gate = Some(OpenGate {
                level,
                line,
                title: title.clone(),
                group: None,
                criteria: Vec::new(),
            });
        }
        let signoff = is_signoff(&title);
        let section = Section {
            title,
            line,
            level,
            rollback: context == RollbackContext::Rollback,
            prose: Vec::new(),
            steps: Vec::new(),
            sections: Vec::new(),
        };
        self.stack.push(Open {
            section,
            context,
            signoff,
            signoff_gate: None,
        });
    }

    pub fn push_step(&mut self, step: Step) {
        self.top().section.steps.push(step);
    }

    /// A list item inside a Go/No-Go section.
    pub fn criterion(&mut self, text: String, line: u32) {
        if let Some(gate) = &mut self.gate {
            gate.criteria.push(Criterion {
                text,
                group: gate.group.clone(),
                line,
            });
        }
    }

    /// A task item: a check, or a role when the section is a sign-off.
    pub fn task_item(&mut self, text: String, done: bool, depth: u8, line: u32) {
        let top = self.top();
        if !top.signoff {
            top.section.steps.push(Step {
                line,
                name: None,
                kind: StepKind::Check(CheckStep { text, done, depth }),
            });
            return;
        }
        let role = Signoff {
            role: text,
            distinct: false,
            line,
        };
        if let Some(index) = top.signoff_gate
            && let Some(StepKind::Gate(gate)) =
                top.section.steps.get_mut(index).map(|s| &mut s.kind)
        {
            gate.signoffs.push(role);
            return;
        }
        let gate = GateStep {
            title: top.section.title.clone(),
            criteria: Vec::new(),
            signoffs: vec![role],
            evidence: Vec::new(),
        };
        top.signoff_gate = Some(top.section.steps.len());
        top.section.steps.push(Step {
            line,
            name: None,
            kind: StepKind::Gate(gate),
        });
    }

    fn close_gate(&mut self) {
        if let Some(gate) = self.gate.take() {
            let step = GateStep {
                title: gate.title,
                criteria: gate.criteria,
                signoffs: Vec::new(),
                evidence: Vec::new(),
            };
            self.push_step(Step {
                line: gate.line,
                name: None,
                kind: StepKind::Gate(step),
            });
        }
    }

    fn pop_section(&mut self) {
        if self.stack.len() <= 1 {
            return;
        }
        if let Some(open) = self.stack.pop() {
            self.top().section.sections.push(open.section);
        }
    }

    /// Closes everything; returns the root (level 0) holding top-level content.
    pub fn finish(mut self, sink: &Sink) -> Section {
        self.flush_prose(self.text.len(), sink);
        self.close_gate();
        while self.stack.len() > 1 {
            self.pop_section();
        }
        match self.stack.pop() {
            Some(root) => root.section,
            None => Section {
                title: String::new(),
                line: 1,
                level: 0,
                rollback: false,
                prose: vec![],
                steps: vec![],
                sections: vec![],
            },
        }
    }
}

/// Removes the indentation every non-blank line shares (prose cut from inside a list);
/// a first line that starts mid-line has no indentation of its own and is left out of the count.
fn dedent(text: &str, first_line_whole: bool) -> String {
    let indent = text
        .lines()
        .skip(usize::from(!first_line_whole))
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    if indent == 0 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let cut = line.len() - line.trim_start_matches(' ').len();
        let keep_first = i == 0 && !first_line_whole;
        out.push_str(if keep_first {
            line
        } else {
            &line[cut.min(indent)..]
        });
    }
    out
}
