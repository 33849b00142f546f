//! The runbook model: runbook → nested sections → steps, plus metadata.
//!
//! Both loaders (Markdown and YAML) produce exactly this tree; everything
//! downstream (validation, `show`, the session engine) reads only this.

use std::path::PathBuf;
use std::time::Duration;

use super::health::HealthCheck;

/// A loaded runbook document.
#[derive(Debug, Clone, PartialEq)]
pub struct Runbook {
    pub title: String,
    pub path: PathBuf,
    pub format: Format,
    /// Prose that comes before the first section (Markdown source).
    pub preamble: String,
    pub meta: Metadata,
    /// Forward sections and rollback sections, in document order.
    pub sections: Vec<Section>,
}

/// Which syntax a runbook was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Yaml,
}

/// A section: a day, a phase, a heading — nested to any depth.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: String,
    pub line: u32,
    /// Heading depth in Markdown (1–6); nesting depth in YAML.
    pub level: u8,
    /// Not on the forward path; reachable at any time through rollback.
    pub rollback: bool,
    pub prose: Vec<Prose>,
    pub steps: Vec<Step>,
    pub sections: Vec<Section>,
}

/// Prose shown with a section, placed before `steps[before_step]`
/// (or after the last step when `before_step == steps.len()`).
#[derive(Debug, Clone, PartialEq)]
pub struct Prose {
    pub line: u32,
    pub before_step: usize,
    /// The Markdown source of the passage, as written.
    pub markdown: String,
}

/// One step of the walk.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub line: u32,
    /// Optional identifier, unique within the runbook.
    pub name: Option<String>,
    pub kind: StepKind,
}

impl Step {
    /// The step in a few words: its name, first command, check text, gate title….
    /// `text` renders the runbook's words (parameters, masking), `command` a command line.
    pub fn label(&self, text: &dyn Fn(&str) -> String, command: &dyn Fn(&str) -> String) -> String {
        match &self.kind {
            StepKind::Run(run) => match &self.name {
                Some(name) => name.clone(),
                None => format!("$ {}", command(run.first_command())),
            },
            StepKind::Check(c) => text(&c.text),
            StepKind::Wait(w) => format!("wait {}", super::duration::format_duration(w.duration)),
            StepKind::Gate(g) if !g.signoffs.is_empty() => format!("sign-off: {}", text(&g.title)),
            StepKind::Gate(g) => format!("gate: {}", text(&g.title)),
            StepKind::Note(n) => format!("note: {}", text(&n.text)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    Run(RunStep),
    Check(CheckStep),
    Wait(WaitStep),
    Gate(GateStep),
    Note(NoteStep),
}

impl StepKind {
    /// The kind's name as used in `show --json` and the audit log.
    pub fn label(&self) -> &'static str {
        match self {
            StepKind::Run(_) => "run",
            StepKind::Check(_) => "check",
            StepKind::Wait(_) => "wait",
            StepKind::Gate(_) => "gate",
            StepKind::Note(_) => "note",
        }
    }
}

/// A shell script to run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunStep {
    /// What is executed: the block's text, or for `console` blocks the `$ ` lines.
    pub script: String,
    /// The fence's language (`bash`, `sh`, `console`, …); `bash` for YAML steps.
    pub lang: String,
    /// For `console`/`terminal` blocks: commands and the expected output as written.
    pub transcript: Vec<TranscriptLine>,
    pub timeout: Option<Duration>,
    pub confirm: Confirm,
    pub cwd: Option<String>,
    pub tty: bool,
    pub interactive: bool,
    pub on_fail: OnFail,
    pub retries: u32,
    pub expect_exit: i32,
    /// The hosts it runs on and in what batches (§8); none: here.
    pub fleet: super::hosts::FleetOptions,
}

impl RunStep {
    /// A run step with every option at its default.
    pub fn new(script: String, lang: String) -> Self {
        RunStep {
            script,
            lang,
            transcript: Vec::new(),
            timeout: None,
            confirm: Confirm::Normal,
            cwd: None,
            tty: false,
            interactive: false,
            on_fail: OnFail::Stop,
            retries: 0,
            expect_exit: 0,
            fleet: Default::default(),
        }
    }

    /// The first line that is not blank or a comment.
    pub fn first_command(&self) -> &str {
        self.script
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or("(comments only)")
    }
}

/// A line of a `console` block: a command to run, or output the author expects.
#[derive(Debug, Clone, PartialEq)]
pub enum TranscriptLine {
    Command(String),
    Output(String),
}

/// How much confirmation a run step needs before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    None,
    Normal,
    /// The operator must type the step name.
    Danger,
}

/// What the walk does when a run step fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFail {
    Stop,
    Continue,
    Rollback,
}

/// A manual confirmation.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckStep {
    pub text: String,
    /// The document marks it as already done (`- [x]`).
    pub done: bool,
    /// Nesting depth of the task item (0 = top level).
    pub depth: u8,
}

/// A timed wait, optionally ended early by healthy checks.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitStep {
    pub duration: Duration,
    pub text: Option<String>,
    pub until: Vec<String>,
    pub stable_for: Option<Duration>,
}

/// A Go/No-Go decision, or a sign-off by named roles.
#[derive(Debug, Clone, PartialEq)]
pub struct GateStep {
    pub title: String,
    pub criteria: Vec<Criterion>,
    pub signoffs: Vec<Signoff>,
    /// Health checks whose state is recorded with the decision.
    pub evidence: Vec<String>,
}

/// One Go/No-Go criterion, with the group heading it was listed under
/// (e.g. "GO Criteria" / "NO-GO Criteria").
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub text: String,
    pub group: Option<String>,
    pub line: u32,
}

/// A role that must sign a gate by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Signoff {
    pub role: String,
    /// Must be signed by a different OS user than the driver.
    pub distinct: bool,
    pub line: u32,
}

/// Information for the operator; no action needed.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteStep {
    pub text: String,
}

/// Runbook metadata: front matter or top-level YAML keys.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metadata {
    pub params: Vec<Param>,
    pub env: EnvSpec,
    pub health: Vec<HealthCheck>,
    pub contacts: Vec<Contact>,
    /// `hosts:` groups and the `inventory:` file (§8).
    pub hosts: super::hosts::HostsSpec,
}

/// A parameter asked for at start and passed to commands as `$NAME`.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub line: u32,
    pub default: Option<String>,
    pub pattern: Option<String>,
    pub prompt: Option<String>,
}

impl Param {
    /// The environment variable a parameter reaches commands as:
    /// upper-cased, every character outside `[A-Z0-9_]` replaced by `_`.
    pub fn env_name(&self) -> String {
        param_env_name(&self.name)
    }
}

/// See [`Param::env_name`].
pub fn param_env_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            let up = c.to_ascii_uppercase();
            if up.is_ascii_alphanumeric() { up } else { '_' }
        })
        .collect()
}

/// Environment requirements.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EnvSpec {
    /// Must be set before the first step runs.
    pub require: Vec<String>,
    /// Values are masked everywhere.
    pub secret: Vec<String>,
}

/// Somebody to call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Contact {
    pub role: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub chat: Option<String>,
}

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
        walk_sections(&self.sections, false, &mut Vec::new(), &mut out);
        out
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

fn walk_sections<'a>(
    sections: &'a [Section],
    inherited_rollback: bool,
    path: &mut Vec<usize>,
    out: &mut Vec<StepRef<'a>>,
) {
    for (i, section) in sections.iter().enumerate() {
        path.push(i);
        let rollback = inherited_rollback || section.rollback;
        for (position, step) in section.steps.iter().enumerate() {
            out.push(StepRef {
                index: out.len(),
                section_path: path.clone(),
                section,
                step,
                position,
                rollback,
            });
        }
        walk_sections(&section.sections, rollback, path, out);
        path.pop();
    }
}
