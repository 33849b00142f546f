//! The parts of a document's reading that are not steps: which sections are choices and
//! reference material, which lines are typed elsewhere, which steps need the terminal.

use super::Expected;
use runbook::doc::model::*;

fn choices(sections: &[Section], out: &mut Vec<(u32, Vec<String>)>) {
    for s in sections {
        if s.role == SectionRole::Choice {
            out.push((s.line, s.sections.iter().map(|o| o.title.clone()).collect()));
        }
        choices(&s.sections, out);
    }
}

/// Headings that start reference material (not those inside it).
fn reference(sections: &[Section], inside: bool, out: &mut Vec<u32>) {
    for s in sections {
        let is = s.role == SectionRole::Reference;
        if is && !inside {
            out.push(s.line);
        }
        reference(&s.sections, inside || is, out);
    }
}

fn runs(rb: &Runbook) -> Vec<(u32, RunStep)> {
    rb.steps()
        .iter()
        .filter_map(|r| match &r.step.kind {
            StepKind::Run(run) => Some((r.step.line, run.clone())),
            _ => None,
        })
        .collect()
}

/// Checks the shape of `rb` against `expected`, each part exactly.
pub fn assert_shape(file: &str, rb: &Runbook, text: &str, expected: &Expected) {
    let mut found = Vec::new();
    choices(&rb.sections, &mut found);
    let want: Vec<(u32, Vec<String>)> = expected
        .choices
        .iter()
        .map(|(line, titles)| (*line, titles.iter().map(|t| t.to_string()).collect()))
        .collect();
    assert_eq!(found, want, "{file}: choices (line, options)");
    let mut starts = Vec::new();
    reference(&rb.sections, false, &mut starts);
    assert_eq!(starts, expected.reference, "{file}: reference sections");
    let runs = runs(rb);
    for &line in expected.typed_there {
        let written = text.lines().nth(line as usize - 1).unwrap_or("").trim();
        assert!(
            runs.iter()
                .all(|(_, run)| run.script.lines().all(|l| l.trim() != written)),
            "{file}:{line} `{written}` must never run here"
        );
        assert!(
            runs.iter().any(|(_, run)| run
                .elsewhere
                .iter()
                .any(|e| e.typed_there.iter().any(|t| t.trim() == written))),
            "{file}:{line} `{written}` is shown as typed elsewhere"
        );
    }
    let typed: usize = runs
        .iter()
        .map(|(_, r)| {
            r.elsewhere
                .iter()
                .map(|e| e.typed_there.len())
                .sum::<usize>()
        })
        .sum();
    assert_eq!(
        typed,
        expected.typed_there.len(),
        "{file}: lines typed elsewhere"
    );
    let interactive: Vec<u32> = runs
        .iter()
        .filter(|(_, r)| r.interactive)
        .map(|(line, _)| *line)
        .collect();
    assert_eq!(
        interactive, expected.interactive,
        "{file}: interactive steps"
    );
    let warned: Vec<(u32, &str)> = rb
        .warnings
        .iter()
        .filter(|w| matches!(w.code.label(), "other-host" | "after-elsewhere"))
        .map(|w| (w.line, w.code.label()))
        .collect();
    assert_eq!(
        warned, expected.elsewhere_warnings,
        "{file}: steps placed on another host"
    );
}
