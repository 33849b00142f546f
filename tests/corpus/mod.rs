//! Reading a real-style document and comparing it with the table of what an operator
//! expects: every step in order, the blocks that are never run, the placeholders.

mod shape;

use runbook::doc::load_path;
use runbook::doc::model::*;
use std::path::PathBuf;

/// `(source line, what the step is, how its text begins)`. What a step is:
/// `run` (a shell fence, run as written), `console(N)` (a transcript: prompts dropped,
/// N output lines never run), `proposed` / `proposed console(N)` (no shell tag: runs only
/// when the operator confirms it), `check`, `check from list|comment|fence`, `wait 10m`,
/// `gate`, `sign-off` (` moved` when asked before the first command).
pub type Row = (u32, &'static str, &'static str);

/// What a document must read as.
#[derive(Default)]
pub struct Expected {
    pub steps: &'static [Row],
    /// Lines that are never run (config, output, traces, data), yet shown: as content or
    /// as a transcript's expected output.
    pub never_run: &'static [u32],
    pub placeholders: &'static [&'static str],
    /// Each choice: the line of its heading or tab markup, and its options' titles.
    pub choices: &'static [(u32, &'static [&'static str])],
    /// Lines of the headings that start reference material (FAQ, troubleshooting).
    pub reference: &'static [u32],
    /// Lines after a command that opens a session elsewhere: typed there, never run here.
    pub typed_there: &'static [u32],
    /// Lines of the steps that run `interactive` (a session elsewhere, an editor, a question).
    pub interactive: &'static [u32],
    /// Warnings on steps the document places on another host: (line, code).
    pub elsewhere_warnings: &'static [(u32, &'static str)],
}

pub fn load(file: &str) -> Runbook {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real")
        .join(file);
    load_path(&path).unwrap_or_else(|e| panic!("{file} must load: {e}"))
}

pub fn source(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real")
        .join(file);
    std::fs::read_to_string(path).expect("fixture")
}

fn outputs(run: &RunStep) -> usize {
    run.transcript
        .iter()
        .filter(|l| matches!(l, TranscriptLine::Output(_)))
        .count()
}

/// The step as a row of the table.
pub fn row(step: &Step) -> (u32, String, String) {
    let (kind, text) = match &step.kind {
        StepKind::Run(run) => {
            let base = if run.proposed { "proposed " } else { "" };
            let kind = match run.origin {
                RunOrigin::Console => format!("{base}console({})", outputs(run)),
                _ if run.proposed => "proposed".to_string(),
                _ => "run".to_string(),
            };
            (kind, run.first_command().to_string())
        }
        StepKind::Check(check) => {
            let kind = match check.origin {
                CheckOrigin::Task | CheckOrigin::Explicit => "check",
                CheckOrigin::List => "check from list",
                CheckOrigin::Comment => "check from comment",
                CheckOrigin::Fence => "check from fence",
            };
            (kind.to_string(), check.text.clone())
        }
        StepKind::Wait(wait) => (
            format!(
                "wait {}",
                runbook::doc::duration::format_duration(wait.duration)
            ),
            wait.text.clone().unwrap_or_default(),
        ),
        StepKind::Gate(gate) => {
            let kind = if gate.signoffs.is_empty() {
                "gate"
            } else {
                "sign-off"
            };
            let moved = if gate.moved_from_line.is_some() {
                " moved"
            } else {
                ""
            };
            (format!("{kind}{moved}"), gate.title.clone())
        }
        StepKind::Note(note) => ("note".to_string(), note.text.clone()),
    };
    (step.line, kind, text)
}

/// Loads `file` and checks it against `expected`, row by row.
pub fn assert_reads(file: &str, expected: &Expected) {
    let rb = load(file);
    let actual: Vec<(u32, String, String)> = rb.steps().iter().map(|r| row(r.step)).collect();
    let shown: Vec<String> = actual
        .iter()
        .map(|(line, kind, text)| format!("({line}, {kind:?}, {text:?})"))
        .collect();
    assert_eq!(
        actual.len(),
        expected.steps.len(),
        "{file}: steps read:\n{}",
        shown.join("\n")
    );
    for ((line, kind, text), (want_line, want_kind, want_text)) in actual.iter().zip(expected.steps)
    {
        assert!(
            line == want_line && kind == want_kind && text.starts_with(want_text),
            "{file}: expected ({want_line}, {want_kind:?}, {want_text:?}…), read ({line}, {kind:?}, {text:?})\nall steps:\n{}",
            shown.join("\n")
        );
    }
    let text = source(file);
    for &line in expected.never_run {
        let written = text.lines().nth(line as usize - 1).unwrap_or("").trim();
        let runs: Vec<&RunStep> = rb
            .steps()
            .iter()
            .filter_map(|r| match &r.step.kind {
                StepKind::Run(run) => Some(run),
                _ => None,
            })
            .collect();
        assert!(
            runs.iter()
                .all(|run| run.script.lines().all(|l| l.trim() != written)),
            "{file}:{line} `{written}` must never run"
        );
        let as_output = runs.iter().any(|run| {
            run.transcript
                .iter()
                .any(|l| matches!(l, TranscriptLine::Output(o) if o.trim() == written))
        });
        let as_prose = rb
            .all_sections()
            .iter()
            .flat_map(|s| s.prose.iter())
            .any(|p| p.markdown.contains(written))
            || rb.preamble.contains(written);
        assert!(
            as_output || as_prose,
            "{file}:{line} `{written}` is shown, as content or expected output"
        );
    }
    let all: Vec<String> = rb
        .steps()
        .iter()
        .filter_map(|r| match &r.step.kind {
            StepKind::Run(run) => Some(run.placeholders.iter().map(|p| p.name.clone())),
            _ => None,
        })
        .flatten()
        .collect();
    let mut placeholders: Vec<String> = Vec::new();
    for name in all {
        if !placeholders.contains(&name) {
            placeholders.push(name);
        }
    }
    assert_eq!(placeholders, expected.placeholders, "{file}: placeholders");
    shape::assert_shape(file, &rb, &text, expected);
}
