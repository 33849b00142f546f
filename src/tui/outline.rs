//! What the tree lists, in document order: the steps, and between them the passages to
//! read — the preamble and each section without steps of its own that says something. A passage is not a
//! step: it has no state, is never counted in progress or summaries and never recorded.

use crate::doc::model::{Runbook, Section};

/// One selectable line of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A passage to read: its index in [`Outline::passages`].
    Passage(usize),
    /// A step: its index in document order.
    Step(usize),
}

/// Where a passage's text comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// The text before the first section (with the document's title).
    Preamble(&'a Runbook),
    /// A section without steps of its own.
    Section(&'a Section),
}

/// Text to read in the centre: the preamble, or a section without steps of its own.
#[derive(Debug, Clone)]
pub struct Passage<'a> {
    pub source: Source<'a>,
    /// Indices of the section and its ancestors, outermost first (empty for the preamble).
    pub path: Vec<usize>,
    /// Inside a rollback section.
    pub rollback: bool,
}

/// What the tree of the preamble is called.
pub const PREAMBLE: &str = "About this runbook";

impl Passage<'_> {
    /// The passage as the tree names it.
    pub fn label(&self) -> &str {
        match self.source {
            Source::Preamble(_) => PREAMBLE,
            Source::Section(s) => &s.title,
        }
    }

    /// The heading shown above the text: the document's title for the preamble.
    pub fn heading(&self) -> &str {
        match self.source {
            Source::Preamble(rb) => &rb.title,
            Source::Section(s) => &s.title,
        }
    }

    /// Lines shown under the heading before the text (the document's subtitles).
    pub fn subtitles(&self) -> &[String] {
        match self.source {
            Source::Preamble(rb) => &rb.subtitles,
            Source::Section(_) => &[],
        }
    }

    /// The passage's Markdown, passage by passage, in document order.
    pub fn markdown(&self) -> Vec<&str> {
        match self.source {
            Source::Preamble(rb) => vec![rb.preamble.as_str()],
            Source::Section(s) => s.prose.iter().map(|p| p.markdown.as_str()).collect(),
        }
    }

    /// The source line of its heading (the preamble starts the document).
    pub fn line(&self) -> u32 {
        match self.source {
            Source::Preamble(_) => 1,
            Source::Section(s) => s.line,
        }
    }

    /// Everything `/` finds it by: its name, heading and text.
    pub fn search_text(&self) -> String {
        let mut text = format!("{} {}", self.label(), self.heading());
        for part in self
            .subtitles()
            .iter()
            .map(String::as_str)
            .chain(self.markdown())
        {
            text.push(' ');
            text.push_str(part);
        }
        text
    }
}

/// The tree's entries and the passages among them.
#[derive(Debug, Clone, Default)]
pub struct Outline<'a> {
    pub passages: Vec<Passage<'a>>,
    pub entries: Vec<Entry>,
}

impl<'a> Outline<'a> {
    /// The entries of `runbook`; steps are numbered as [`Runbook::steps`] numbers them.
    pub fn of(runbook: &'a Runbook) -> Self {
        let mut outline = Outline::default();
        if !runbook.preamble.trim().is_empty() || !runbook.subtitles.is_empty() {
            outline.push(Passage {
                source: Source::Preamble(runbook),
                path: Vec::new(),
                rollback: false,
            });
        }
        let mut steps = 0;
        outline.walk(&runbook.sections, &mut Vec::new(), false, &mut steps);
        outline
    }

    fn push(&mut self, passage: Passage<'a>) {
        self.entries.push(Entry::Passage(self.passages.len()));
        self.passages.push(passage);
    }

    fn walk(
        &mut self,
        sections: &'a [Section],
        path: &mut Vec<usize>,
        rollback: bool,
        steps: &mut usize,
    ) {
        for (i, section) in sections.iter().enumerate() {
            path.push(i);
            let rollback = rollback || section.is_rollback();
            if readable(section) {
                self.push(Passage {
                    source: Source::Section(section),
                    path: path.clone(),
                    rollback,
                });
            }
            for _ in &section.steps {
                self.entries.push(Entry::Step(*steps));
                *steps += 1;
            }
            self.walk(&section.sections, path, rollback, steps);
            path.pop();
        }
    }

    /// Where `entry` stands in the tree.
    pub fn position(&self, entry: Entry) -> Option<usize> {
        self.entries.iter().position(|e| *e == entry)
    }
}

/// A section is read as a passage when it has no steps of its own and says something
/// (a section a day's walk left out keeps its heading only, and is not listed).
fn readable(section: &Section) -> bool {
    section.steps.is_empty() && section.prose.iter().any(|p| !p.markdown.trim().is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn load(text: &str) -> Runbook {
        crate::doc::load_str(text, std::path::Path::new("t.md")).unwrap()
    }

    #[test]
    fn preamble_and_step_less_sections_with_words_stand_between_the_steps_in_document_order() {
        let rb = load(
            "# T\n\nRead me first.\n\n## Before\n\nSome words.\n\n## Work\n\n- [ ] a\n- [ ] b\n\n\
             ## Empty\n\n## Parent\n\nIntro.\n\n### Child\n\n- [ ] c\n",
        );
        let outline = Outline::of(&rb);
        let labels: Vec<&str> = outline.passages.iter().map(Passage::label).collect();
        assert_eq!(labels, [PREAMBLE, "Before", "Parent"]);
        assert_eq!(
            outline.entries,
            [
                Entry::Passage(0),
                Entry::Passage(1),
                Entry::Step(0),
                Entry::Step(1),
                Entry::Passage(2),
                Entry::Step(2),
            ]
        );
        assert_eq!(rb.steps().len(), 3);
        assert_eq!(outline.passages[2].path, [3]);
    }

    #[test]
    fn a_section_holding_only_subsections_with_steps_is_a_heading_not_a_passage() {
        let rb = load("# T\n\n## Checklist\n\n### One\n\n- [ ] a\n");
        let outline = Outline::of(&rb);
        assert!(outline.passages.is_empty());
        assert_eq!(outline.entries, [Entry::Step(0)]);
    }
}
