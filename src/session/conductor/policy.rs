//! How a session is walked, decided before it starts (and by the operator's `p`): the
//! autopilot (`--yes`), `--dry-run`, `--skip-waits`, sign-offs given on the command line,
//! the sign-off timeout, and the pace of the driver that presents the walk.

use std::time::Duration;

/// What the walk may do without asking.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// `--yes`: confirmations and checks are answered and gates decided GO, automatically.
    pub yes: bool,
    /// The autopilot is paused (the full screen's `p`, or a prompt it cannot answer).
    pub paused: bool,
    /// `--dry-run`: the walk is recorded, nothing runs and waits are not waited.
    pub dry_run: bool,
    /// `--skip-waits`: waits end at once (recorded).
    pub skip_waits: bool,
    /// `--run-proposed`: the autopilot runs proposed steps too (without it, `--yes` never
    /// confirms a command the document did not mark as shell).
    pub run_proposed: bool,
    /// `--signoff ROLE=NAME`: who signs which role, signed when the walk reaches the gate.
    pub signoffs: Vec<(String, String)>,
    /// Under the autopilot, how long a sign-off gate waits for followers before the run fails.
    pub signoff_timeout: Duration,
    pub pace: Pace,
    /// `--choose TITLE`: the options that apply, answered at each choice without asking.
    pub choose: Vec<String>,
}

/// How the driver walks when the autopilot is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// The line dialogue: a step that needs no answer (a `confirm=none` run, a wait, a
    /// note) goes ahead at once.
    Continuous,
    /// The full screen: every step waits for the operator's Enter.
    StepByStep,
}

impl Policy {
    /// Whether the autopilot answers now.
    pub fn autopilot(&self) -> bool {
        self.yes && !self.paused
    }

    /// Whether a step that needs no answer goes ahead without the operator.
    pub fn goes_ahead(&self) -> bool {
        self.autopilot() || self.pace == Pace::Continuous
    }

    /// Why waits are not waited, if they are not.
    pub fn skips_waits(&self) -> Option<&'static str> {
        if self.dry_run {
            Some("--dry-run")
        } else if self.skip_waits {
            Some("--skip-waits")
        } else {
            None
        }
    }
}

impl Default for Policy {
    /// The operator at the wheel, one step at a time.
    fn default() -> Self {
        Policy {
            yes: false,
            paused: false,
            dry_run: false,
            skip_waits: false,
            run_proposed: false,
            signoffs: Vec::new(),
            signoff_timeout: Duration::from_secs(5 * 60),
            pace: Pace::StepByStep,
            choose: Vec::new(),
        }
    }
}
