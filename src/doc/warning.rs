//! Warnings: how a document was read — each decision the loader took on the author's
//! behalf, with where in the file it was taken (`runbook check` prints them).

use std::path::Path;

/// One decision the loader took, at a line and column of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub line: u32,
    /// 1-based, counted in characters.
    pub col: u32,
    pub code: Code,
    pub message: String,
}

impl Warning {
    /// `file:line:col: warning: message [code]`, as `runbook check` prints it.
    pub fn render(&self, path: &Path) -> String {
        format!(
            "{}:{}:{}: warning: {} [{}]",
            path.display(),
            self.line,
            self.col,
            self.message,
            self.code.label()
        )
    }
}

/// What kind of decision a warning reports; stable names for tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// Front matter keys of another tool, kept as `meta`.
    ForeignMeta,
    /// A front matter key a small edit away from one of ours (`heath`).
    NearMissKey,
    /// The title came from the front matter's `page_title`/`name`.
    TitleFromMeta,
    /// Nothing to run or tick: the document opens for reading.
    NothingToRun,
    /// Items of an ordered list became checks.
    ListChecks,
    /// A shell block holding only comments became checks and waits.
    CommentChecks,
    /// Task items inside a non-shell fence became checks.
    FenceChecks,
    /// Commands found without a shell tag: a proposed run step.
    Proposed,
    /// A block that looks like shell but is not run (it does not parse, or a line is not a command).
    NotShell,
    /// A shell block with prompts: read as a console transcript.
    Console,
    /// Lines of a shell block that are output, not commands.
    OutputLines,
    /// Placeholders in a command, filled from the environment.
    Placeholder,
    /// A run of `#` headings at the top: the title and its subtitles.
    Subtitles,
    /// A gate placed after every forward command, moved before the first.
    GateMoved,
    /// A Go/No-Go section's gate placed before the section's commands.
    GateFirst,
    /// UTF-8 text that had been decoded as another encoding, repaired for display.
    Mojibake,
    /// Sections or tabs that are alternatives: a choice between options.
    Choice,
    /// A section of reference material (FAQ, troubleshooting): off the forward path.
    Reference,
    /// A command that opens a session elsewhere: the lines after it are typed there.
    Elsewhere,
    /// A block that follows one ending inside a session elsewhere: it runs here.
    AfterElsewhere,
    /// An editor or a command that asks: the step needs the terminal.
    Asks,
    /// The prose says the step is meant for another host; it runs here.
    OtherHost,
}

impl Code {
    pub fn label(self) -> &'static str {
        match self {
            Code::ForeignMeta => "foreign-meta",
            Code::NearMissKey => "near-miss-key",
            Code::TitleFromMeta => "title-from-meta",
            Code::NothingToRun => "nothing-to-run",
            Code::ListChecks => "list-checks",
            Code::CommentChecks => "comment-checks",
            Code::FenceChecks => "fence-checks",
            Code::Proposed => "proposed",
            Code::NotShell => "not-shell",
            Code::Console => "console",
            Code::OutputLines => "output-lines",
            Code::Placeholder => "placeholder",
            Code::Subtitles => "subtitles",
            Code::GateMoved => "gate-moved",
            Code::GateFirst => "gate-first",
            Code::Mojibake => "mojibake",
            Code::Choice => "choice",
            Code::Reference => "reference",
            Code::Elsewhere => "elsewhere",
            Code::AfterElsewhere => "after-elsewhere",
            Code::Asks => "asks",
            Code::OtherHost => "other-host",
        }
    }
}
