//! Assembles sections, steps and prose as the Markdown events arrive.
//!
//! Prose is the document's own source text between the places that became
//! steps or headings, so whatever Markdown the author wrote (tables, quotes,
//! code samples) is kept exactly and rendered by the viewer.

use super::classify::{RollbackContext, is_go_no_go, is_reference, is_signoff, rollback_context};
use crate::doc::model::*;
use crate::doc::sink::Sink;
use crate::doc::warning::Code;

/// A section still receiving content.
pub(super) struct Open {
    pub(super) section: Section,
    context: RollbackContext,
    signoff: bool,
    /// Index in `section.steps` of the sign-off gate collecting roles.
    signoff_gate: Option<usize>,
    /// A section no heading opened: a set of tabs, one tab, or what follows a set.
    pub(super) synthetic: Option<Synthetic>,
    /// For a synthetic section: the level of the heading it lives under.
    pub(super) parent_level: u8,
}

/// What a section opened by something other than a heading is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Synthetic {
    /// A set of tabs: a choice.
    Choice,
    /// One tab: an option.
    Option,
    /// The section's content after a set of tabs, so that it is walked after the choice.
    Continued,
}

impl Open {
    fn new(section: Section, context: RollbackContext) -> Self {
        Open {
            section,
            context,
            signoff: false,
            signoff_gate: None,
            synthetic: None,
            parent_level: 0,
        }
    }

    pub(super) fn synthetic(section: Section, synthetic: Synthetic, parent_level: u8) -> Self {
        Open {
            synthetic: Some(synthetic),
            parent_level,
            ..Open::new(section, RollbackContext::Unrelated)
        }
    }

    /// Whether a heading of `level` ends this section.
    fn closes_at(&self, level: u8) -> bool {
        match self.synthetic {
            None => self.section.level >= level,
            Some(_) => self.parent_level >= level,
        }
    }

    /// Nothing was put in it.
    fn is_empty(&self) -> bool {
        self.section.steps.is_empty()
            && self.section.prose.is_empty()
            && self.section.sections.is_empty()
    }
}

/// A Go/No-Go gate collecting criteria from everything beneath its heading. Its step is
/// placed when the heading opens, so it is asked before the section's commands.
struct OpenGate {
    level: u8,
    /// Index in `stack` of the gate's section, and of the gate in its steps.
    section: usize,
    step: usize,
    group: Option<String>,
}

pub struct Builder<'t> {
    text: &'t str,
    pub(super) stack: Vec<Open>,
    gate: Option<OpenGate>,
    cursor: usize,
    /// A set of tabs just closed inside the section at this stack depth: what follows goes
    /// to a continuation section, walked after the choice.
    pub(super) continuation: Option<usize>,
}

impl<'t> Builder<'t> {
    pub fn new(text: &'t str) -> Self {
        let root = Open::new(empty_section(), RollbackContext::Unrelated);
        Builder {
            text,
            stack: vec![root],
            gate: None,
            cursor: 0,
            continuation: None,
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
        self.ensure_continuation();
        let top = self.top();
        let before_step = top.section.steps.len();
        top.section.prose.push(Prose {
            line: sink.map.line_of(start),
            before_step,
            markdown,
        });
    }

    pub(super) fn top(&mut self) -> &mut Open {
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    /// Whether list items currently become gate criteria.
    pub fn in_gate(&self) -> bool {
        self.gate.is_some()
    }

    /// A heading: a new section, or a criteria group inside an open gate. The document's
    /// title heading is never a rollback section.
    pub fn heading(
        &mut self,
        level: u8,
        title: String,
        line: u32,
        range: (usize, usize),
        is_title: bool,
        sink: &mut Sink,
    ) {
        self.consume(range.0, range.1, sink);
        if let Some(gate) = self.gate.as_mut().filter(|g| level > g.level) {
            gate.group = Some(title);
            return;
        }
        self.close_gate(sink);
        self.continuation = None;
        while self.stack.len() > 1 && self.top().closes_at(level) {
            self.pop_section();
        }
        let parent = self.top().context;
        let parent_reference = self.top().section.role == SectionRole::Reference;
        let context = if is_title {
            parent
        } else {
            rollback_context(&title, parent)
        };
        let role = if parent_reference {
            SectionRole::Reference
        } else if context == RollbackContext::Rollback {
            SectionRole::Rollback
        } else if !is_title && is_reference(&title) {
            sink.warn_line(line, Code::Reference, format!("\"{title}\" is reference material: off the forward path (like rollback), for reading on demand"));
            SectionRole::Reference
        } else {
            SectionRole::Forward
        };
        let signoff = is_signoff(&title);
        let go_no_go = is_go_no_go(&title) && role != SectionRole::Reference;
        let section = Section {
            title: title.clone(),
            line,
            level,
            role,
            ..empty_section()
        };
        self.stack.push(Open {
            signoff,
            ..Open::new(section, context)
        });
        if go_no_go {
            self.push_step(Step {
                line,
                name: None,
                kind: StepKind::Gate(GateStep {
                    title,
                    criteria: Vec::new(),
                    signoffs: Vec::new(),
                    evidence: Vec::new(),
                    moved_from_line: None,
                }),
            });
            self.gate = Some(OpenGate {
                level,
                section: self.stack.len() - 1,
                step: 0,
                group: None,
            });
        }
    }

    pub fn push_step(&mut self, step: Step) {
        self.ensure_continuation();
        self.top().section.steps.push(step);
    }

    /// A list item inside a Go/No-Go section.
    pub fn criterion(&mut self, text: String, line: u32) {
        let Some(gate) = &self.gate else { return };
        let group = gate.group.clone();
        if let Some(StepKind::Gate(step)) = self
            .stack
            .get_mut(gate.section)
            .and_then(|open| open.section.steps.get_mut(gate.step))
            .map(|s| &mut s.kind)
        {
            step.criteria.push(Criterion { text, group, line });
        }
    }

    /// An item of an ordered list in a section without task items: a manual check.
    pub fn list_check(&mut self, text: String, depth: u8, line: u32) {
        self.push_step(Step {
            line,
            name: None,
            kind: StepKind::Check(CheckStep {
                text,
                done: false,
                depth,
                origin: CheckOrigin::List,
            }),
        });
    }

    /// A task item: a check, or a role when the section is a sign-off.
    pub fn task_item(&mut self, text: String, done: bool, depth: u8, line: u32) {
        self.ensure_continuation();
        let top = self.top();
        if !top.signoff {
            top.section.steps.push(Step {
                line,
                name: None,
                kind: StepKind::Check(CheckStep {
                    text,
                    done,
                    depth,
                    origin: CheckOrigin::Task,
                }),
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
            moved_from_line: None,
        };
        top.signoff_gate = Some(top.section.steps.len());
        top.section.steps.push(Step {
            line,
            name: None,
            kind: StepKind::Gate(gate),
        });
    }

    /// Ends the open gate; commands its section holds are asked after it (said once).
    fn close_gate(&mut self, sink: &mut Sink) {
        let Some(gate) = self.gate.take() else { return };
        let Some(open) = self.stack.get(gate.section) else {
            return;
        };
        let steps = &open.section.steps;
        let commands = steps
            .iter()
            .skip(gate.step + 1)
            .filter(|s| matches!(s.kind, StepKind::Run(_)))
            .count();
        if commands > 0 {
            let line = steps.get(gate.step).map_or(open.section.line, |s| s.line);
            sink.warn_line(line, Code::GateFirst, format!("the Go/No-Go gate of this section is asked before its {commands} command{}, whatever their place under the heading", if commands == 1 { "" } else { "s" }));
        }
    }

    pub(super) fn pop_section(&mut self) {
        if self.stack.len() <= 1 {
            return;
        }
        if let Some(open) = self.stack.pop()
            && !(open.synthetic.is_some() && open.is_empty())
        {
            self.top().section.sections.push(open.section);
        }
    }

    /// Closes everything; returns the root (level 0) holding top-level content.
    pub fn finish(mut self, sink: &mut Sink) -> Section {
        self.flush_prose(self.text.len(), sink);
        self.close_gate(sink);
        while self.stack.len() > 1 {
            self.pop_section();
        }
        self.stack
            .pop()
            .map_or_else(empty_section, |root| root.section)
    }
}

pub(super) fn empty_section() -> Section {
    Section {
        title: String::new(),
        line: 1,
        level: 0,
        role: SectionRole::Forward,
        day: None,
        prose: Vec::new(),
        steps: Vec::new(),
        sections: Vec::new(),
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
