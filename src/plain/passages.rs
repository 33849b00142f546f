//! Sections without steps in the line dialogue (prerequisites, success criteria,
//! contacts): their words are printed once, as the walk passes them, and those after
//! the last step the walk reached when it ends.

use super::walk::Walk;
use crate::doc::model::Section;

/// A section without steps of its own and with words to read: its line, title, words.
#[derive(Debug, Clone)]
pub(super) struct Passage {
    line: u32,
    title: String,
    markdown: Vec<String>,
}

/// Every passage of `sections`, in document order.
pub(super) fn passages(sections: &[Section]) -> Vec<Passage> {
    let mut out = Vec::new();
    collect(sections, &mut out);
    out
}

fn collect(sections: &[Section], out: &mut Vec<Passage>) {
    for section in sections {
        if section.steps.is_empty() && !section.prose.is_empty() {
            out.push(Passage {
                line: section.line,
                title: section.title.clone(),
                markdown: section.prose.iter().map(|p| p.markdown.clone()).collect(),
            });
        }
        collect(&section.sections, out);
    }
}

/// Prints the passages before line `line` not printed yet.
pub(super) fn before(w: &mut Walk, line: u32) {
    tell_while(w, |passage| passage.line < line);
}

/// Prints every passage not printed yet (the walk has ended).
pub(super) fn rest(w: &mut Walk) {
    tell_while(w, |_| true);
}

fn tell_while(w: &mut Walk, due: impl Fn(&Passage) -> bool) {
    let all = passages(&w.engine.runbook.sections);
    let mut lines = Vec::new();
    for passage in all.iter().filter(|p| due(p)) {
        if !w.told.passages.insert(passage.line) {
            continue;
        }
        lines.push(format!("\n── ¶ {} ──", w.engine.display(&passage.title)));
        for markdown in &passage.markdown {
            for line in w.engine.display(markdown).lines() {
                lines.push(format!("  │ {line}"));
            }
        }
    }
    for line in lines {
        w.d.say(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sections_without_steps_and_with_words_are_passages() {
        let text = "# Plan\n\n## Prerequisites\n\nAccess to prod.\n\n## Deploy\n\n```bash\necho hi\n```\n\n## Empty\n\n## Contacts\n\n- Ana: 555\n";
        let runbook = crate::doc::load_str(text, std::path::Path::new("plan.md")).expect("loads");
        let titles: Vec<String> = passages(&runbook.sections)
            .into_iter()
            .map(|p| p.title)
            .collect();
        assert_eq!(titles, ["Prerequisites", "Contacts"]);
    }
}
