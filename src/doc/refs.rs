//! Steps with their place in the runbook: document order, section path, rollback flag.

use super::model::{Runbook, Section, Step};

/// A step together with its place in the runbook.
#[derive(Debug, Clone)]
pub struct StepRef<'a> {
    /// Position in document order, counting every step.
    pub index: usize,
    /// Indices of the enclosing sections, outermost first (`[2, 0]` = 3rd section, its 1st child).
    pub section_path: Vec<usize>,
    pub section: &'a Section,
    pub step: &'a Step,
    /// Position of the step within its section (0-based).
    pub position: usize,
    /// Inside a rollback section.
    pub rollback: bool,
    /// Inside a reference section (FAQ, troubleshooting), outside any rollback section.
    pub reference: bool,
}

impl StepRef<'_> {
    /// A stable identifier: the step's name, else `S.S#N` from the section path and
    /// the step's 1-based position in its section (e.g. `3.1#2`).
    pub fn id(&self) -> String {
        if let Some(name) = &self.step.name {
            return name.clone();
        }
        let position = self.position;
        let path: Vec<String> = self
            .section_path
            .iter()
            .map(|i| (i + 1).to_string())
            .collect();
        format!("{}#{}", path.join("."), position + 1)
    }
}

impl Runbook {
    /// Every step in document order (rollback steps included, flagged).
    pub fn steps(&self) -> Vec<StepRef<'_>> {
        let mut out = Vec::new();
        walk_sections(&self.sections, Region::default(), &mut Vec::new(), &mut out);
        out
    }

    /// Whether any section, at any depth, has a step.
    pub fn has_steps(&self) -> bool {
        fn any(sections: &[Section]) -> bool {
            sections
                .iter()
                .any(|s| !s.steps.is_empty() || any(&s.sections))
        }
        any(&self.sections)
    }

    /// Every section in document order, depth first, with its rollback flag as inherited.
    pub fn all_sections(&self) -> Vec<&Section> {
        let mut out = Vec::new();
        let mut stack: Vec<&Section> = self.sections.iter().rev().collect();
        while let Some(section) = stack.pop() {
            out.push(section);
            stack.extend(section.sections.iter().rev());
        }
        out
    }
}

/// Off-path regions a section lies in, inherited from its ancestors.
#[derive(Debug, Clone, Copy, Default)]
struct Region {
    rollback: bool,
    reference: bool,
}

fn walk_sections<'a>(
    sections: &'a [Section],
    inherited: Region,
    path: &mut Vec<usize>,
    out: &mut Vec<StepRef<'a>>,
) {
    for (i, section) in sections.iter().enumerate() {
        path.push(i);
        let rollback = inherited.rollback || section.is_rollback();
        let region = Region {
            rollback,
            reference: !rollback && (inherited.reference || section.is_reference()),
        };
        for (position, step) in section.steps.iter().enumerate() {
            out.push(StepRef {
                index: out.len(),
                section_path: path.clone(),
                section,
                step,
                position,
                rollback: region.rollback,
                reference: region.reference,
            });
        }
        walk_sections(&section.sections, region, path, out);
        path.pop();
    }
}
