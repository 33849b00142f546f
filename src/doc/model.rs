//! The runbook model: runbook → nested sections → steps, plus metadata.
//!
//! Both loaders (Markdown and YAML) produce exactly this tree; everything
//! downstream (validation, `show`, the session engine) reads only this.

use std::path::PathBuf;
use std::time::Duration;

use super::health::HealthCheck;
pub use super::refs::StepRef;
pub use super::warning::Warning;

/// A loaded runbook document.
#[derive(Debug, Clone, PartialEq)]
pub struct Runbook {
    pub title: String,
    /// `#` headings that follow the title with nothing between them (seed 002).
    pub subtitles: Vec<String>,
    pub path: PathBuf,
    pub format: Format,
    /// Prose that comes before the first section (Markdown source).
    pub preamble: String,
    pub meta: Metadata,
    /// Forward sections and rollback sections, in document order.
    pub sections: Vec<Section>,
    /// How the document was read: each decision taken on the author's behalf.
    pub warnings: Vec<Warning>,
}

impl Runbook {
    /// Every placeholder of its run steps, each once (by the variable it is read from).
    pub fn placeholders(&self) -> Vec<&Placeholder> {
        let mut seen: Vec<&Placeholder> = Vec::new();
        for r in self.steps() {
            if let StepKind::Run(run) = &r.step.kind {
                for p in &run.placeholders {
                    if !seen.iter().any(|s| s.env == p.env) {
                        seen.push(p);
                    }
                }
            }
        }
        seen
    }
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
    /// Whether the section is on the forward path, and if not, what it is.
    pub role: SectionRole,
    /// The day the author named for it (`day:` in YAML); Markdown days come from headings.
    pub day: Option<String>,
    pub prose: Vec<Prose>,
    pub steps: Vec<Step>,
    pub sections: Vec<Section>,
}

impl Section {
    /// Not on the forward path; reachable at any time through rollback.
    pub fn is_rollback(&self) -> bool {
        self.role == SectionRole::Rollback
    }

    /// Reference material (FAQ, troubleshooting): off the forward path, read on demand.
    pub fn is_reference(&self) -> bool {
        self.role == SectionRole::Reference
    }
}

/// What a section is in the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SectionRole {
    /// On the forward path, walked in order.
    #[default]
    Forward,
    /// The rollback procedure: off the forward path, reachable at any time.
    Rollback,
    /// Reference material (FAQ, troubleshooting): off the forward path, read on demand.
    Reference,
    /// Alternatives of which the operator picks one.
    Choice,
    /// One alternative of a choice.
    Option,
}

impl SectionRole {
    /// The role's name in `show --json`.
    pub fn label(self) -> &'static str {
        match self {
            SectionRole::Forward => "forward",
            SectionRole::Rollback => "rollback",
            SectionRole::Reference => "reference",
            SectionRole::Choice => "choice",
            SectionRole::Option => "option",
        }
    }

    /// Walked forward: a plain section, a choice, or one of its options.
    pub fn is_forward_path(self) -> bool {
        matches!(
            self,
            SectionRole::Forward | SectionRole::Choice | SectionRole::Option
        )
    }
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
                // `?$`: a proposed command, which runs only on the operator's own word.
                None if run.proposed => format!("?$ {}", command(run.first_command())),
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
    /// Stop at the first failing command (`set -e -o pipefail`); `errexit=false` opts out.
    pub errexit: bool,
    /// Where the commands were found in the document.
    pub origin: RunOrigin,
    /// Read as shell without the author saying so: only the operator's own confirmation runs it.
    pub proposed: bool,
    /// Values the document leaves to the reader (`<cluster-name>`); the script refers to
    /// each through a quoted variable, filled from the environment.
    pub placeholders: Vec<Placeholder>,
    /// Sessions the step opens on another machine, container, pod, chroot or console, each
    /// with the lines the document means to be typed there (never run here).
    pub elsewhere: Vec<Elsewhere>,
}

/// A command that opens a session elsewhere (`ssh host`, `oc debug node/x`, `psql`), and
/// what the document has the operator type in that session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elsewhere {
    /// The opening command as written.
    pub opener: String,
    /// Where it goes, in a few words: "a shell on `db-2`", "a psql console".
    pub opens: String,
    /// The block's lines after it, up to the line that leaves the session: typed there by
    /// the operator, never run here.
    pub typed_there: Vec<String>,
    /// The block ends inside that session: the blocks after it may be meant for there too.
    pub left_open: bool,
}

/// Where a run step's commands were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOrigin {
    /// A fence tagged as shell (`bash`, `sh`, …), or a Liquid `highlight` block.
    Fence,
    /// A fence without a language.
    Unlabeled,
    /// An indented code block.
    Indented,
    /// A transcript with prompts: only prompted lines run.
    Console,
    /// A command written as a comment.
    Comment,
}

impl RunOrigin {
    pub fn label(self) -> &'static str {
        match self {
            RunOrigin::Fence => "fence",
            RunOrigin::Unlabeled => "unlabeled",
            RunOrigin::Indented => "indented",
            RunOrigin::Console => "console",
            RunOrigin::Comment => "comment",
        }
    }
}

/// A value the document leaves to the operator, e.g. `<cluster-name>` or `{{page.version}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The name as written inside its brackets (`cluster-name`).
    pub name: String,
    /// The environment variable the script reads it from (`CLUSTER_NAME`).
    pub env: String,
    /// The placeholder exactly as written (`<cluster-name>`).
    pub written: String,
    /// The name says it is a secret (`<strong_password>`): masked wherever it is shown.
    pub secret: bool,
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
            errexit: true,
            origin: RunOrigin::Fence,
            proposed: false,
            placeholders: Vec::new(),
            elsewhere: Vec::new(),
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
    /// What in the document made it a check.
    pub origin: CheckOrigin,
}

/// What in the document became a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOrigin {
    /// A task item, `- [ ] text`.
    Task,
    /// An item of an ordered list in a section without task items.
    List,
    /// A comment paragraph of a shell block that holds no command.
    Comment,
    /// A task item inside a fence that is not shell.
    Fence,
    /// A `check:` written in the YAML step syntax.
    Explicit,
}

impl CheckOrigin {
    pub fn label(self) -> &'static str {
        match self {
            CheckOrigin::Task => "task",
            CheckOrigin::List => "list",
            CheckOrigin::Comment => "comment",
            CheckOrigin::Fence => "fence",
            CheckOrigin::Explicit => "explicit",
        }
    }
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
    /// The document placed it after every forward command; it is asked before the first.
    pub moved_from_line: Option<u32>,
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
    /// `gates: in-place`: gates stay where the document puts them.
    pub gates_in_place: bool,
    /// Front-matter keys of other tools (Hugo `weight`, an issue template's `about`), as written.
    pub foreign: Vec<(String, serde_json::Value)>,
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

/// Whether a name says its value is a secret (`DB_PASSWORD`, `api-token`, `<strong_password>`).
pub fn is_secret_name(name: &str) -> bool {
    const PARTS: &[&str] = &["SECRET", "PASSWORD", "PASSWD", "TOKEN", "KEY", "CREDENTIAL"];
    let upper = name.to_ascii_uppercase();
    PARTS.iter().any(|p| upper.contains(p))
}

impl Metadata {
    /// Whether a parameter's value must not be shown: its name says secret, or `env.secret`
    /// lists its variable.
    pub fn param_is_secret(&self, param: &Param) -> bool {
        is_secret_name(&param.name) || self.env.secret.contains(&param.env_name())
    }
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
