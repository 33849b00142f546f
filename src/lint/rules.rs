//! The rules `runbook lint` applies, each with a stable code, a name and what it protects.

/// One lint rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// shellcheck's findings on a run step.
    Shellcheck,
    /// A destructive command in a runbook with no rollback path.
    DestructiveWithoutRollback,
    /// A destructive command with no gate or `confirm=danger` before it.
    DestructiveWithoutGate,
    /// A wait with no bound: a polling loop or `kubectl wait` without a timeout.
    UnboundedWait,
    /// A Go/No-Go gate without criteria.
    GateWithoutCriteria,
    /// A rollback section with nothing to run or tick.
    EmptyRollback,
    /// A command that never ends (`logs -f`, `tail -f`, `watch`) in a step without a timeout.
    NeverEnding,
    /// A secret written literally in a script.
    LiteralSecret,
    /// Front matter whose review is overdue (`last_reviewed_on` + `review_in`).
    StaleReview,
}

/// Every rule, in code order.
pub const ALL: &[Rule] = &[
    Rule::Shellcheck,
    Rule::DestructiveWithoutRollback,
    Rule::DestructiveWithoutGate,
    Rule::UnboundedWait,
    Rule::GateWithoutCriteria,
    Rule::EmptyRollback,
    Rule::NeverEnding,
    Rule::LiteralSecret,
    Rule::StaleReview,
];

impl Rule {
    /// `RB001` …
    pub fn code(self) -> &'static str {
        match self {
            Rule::Shellcheck => "RB001",
            Rule::DestructiveWithoutRollback => "RB002",
            Rule::DestructiveWithoutGate => "RB003",
            Rule::UnboundedWait => "RB004",
            Rule::GateWithoutCriteria => "RB005",
            Rule::EmptyRollback => "RB006",
            Rule::NeverEnding => "RB007",
            Rule::LiteralSecret => "RB008",
            Rule::StaleReview => "RB009",
        }
    }

    /// A short kebab-case name (SARIF `name`).
    pub fn name(self) -> &'static str {
        match self {
            Rule::Shellcheck => "shellcheck",
            Rule::DestructiveWithoutRollback => "destructive-without-rollback",
            Rule::DestructiveWithoutGate => "destructive-without-gate",
            Rule::UnboundedWait => "unbounded-wait",
            Rule::GateWithoutCriteria => "gate-without-criteria",
            Rule::EmptyRollback => "empty-rollback",
            Rule::NeverEnding => "never-ending-command",
            Rule::LiteralSecret => "literal-secret",
            Rule::StaleReview => "stale-review",
        }
    }

    /// What the rule looks for, in one sentence.
    pub fn summary(self) -> &'static str {
        match self {
            Rule::Shellcheck => "shellcheck finds a problem in a run step's script",
            Rule::DestructiveWithoutRollback => {
                "a destructive command in a runbook with no rollback path"
            }
            Rule::DestructiveWithoutGate => {
                "a destructive command with no Go/No-Go gate or `confirm=danger` before it"
            }
            Rule::UnboundedWait => {
                "a wait with no bound: a polling loop without a limit, `kubectl wait` or `rollout status` without `--timeout`"
            }
            Rule::GateWithoutCriteria => "a Go/No-Go gate that lists no criteria",
            Rule::EmptyRollback => "a rollback section with nothing to run or tick",
            Rule::NeverEnding => {
                "a command that never ends (`logs -f`, `tail -f`, `watch`) in a step without a timeout"
            }
            Rule::LiteralSecret => "a password, token or key written literally in a script",
            Rule::StaleReview => {
                "the front matter's `last_reviewed_on` plus `review_in` is in the past"
            }
        }
    }

    /// The SARIF level of the rule's findings (shellcheck's own levels win for RB001).
    pub fn level(self) -> Level {
        match self {
            Rule::DestructiveWithoutRollback
            | Rule::DestructiveWithoutGate
            | Rule::LiteralSecret
            | Rule::NeverEnding => Level::Error,
            Rule::StaleReview => Level::Note,
            _ => Level::Warning,
        }
    }

    /// The rule for a code, case-insensitive (`rb003` → RB003).
    pub fn from_code(code: &str) -> Option<Rule> {
        ALL.iter()
            .copied()
            .find(|r| r.code().eq_ignore_ascii_case(code.trim()))
    }
}

/// How serious a finding is, in SARIF's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}
