//! What the fold knows about one step: its status, its kind, and what its attempts,
//! sign-offs and notes left.

use super::event::{Decision, Signer};
use super::output_tail::OutputTail;
use crate::doc::model::StepKind;
use crate::doc::refs::StepRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
    TimedOut,
    Cancelled,
    Interrupted,
    NoGo,
    /// An option of a choice that was not chosen: its steps never run.
    NotChosen,
}

impl Status {
    /// Every status, in the order a summary lists them.
    pub const ALL: [Status; 10] = [
        Status::Done,
        Status::Failed,
        Status::Skipped,
        Status::TimedOut,
        Status::Cancelled,
        Status::Interrupted,
        Status::NoGo,
        Status::Running,
        Status::Pending,
        Status::NotChosen,
    ];

    /// The status in words, e.g. `timed out`, `not reached`.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pending => "not reached",
            Status::Running => "running",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
            Status::TimedOut => "timed out",
            Status::Cancelled => "cancelled",
            Status::Interrupted => "interrupted",
            Status::NoGo => "NO-GO",
            Status::NotChosen => "not chosen",
        }
    }

    /// Whether the step is settled and the walk may move past it.
    pub fn is_settled(self) -> bool {
        matches!(self, Status::Done | Status::Skipped)
    }
}

/// What kind of step a step is, as the fold keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Run,
    Check,
    Wait,
    Gate,
    Note,
}

impl Kind {
    pub fn of(kind: &StepKind) -> Kind {
        match kind {
            StepKind::Run(_) => Kind::Run,
            StepKind::Check(_) => Kind::Check,
            StepKind::Wait(_) => Kind::Wait,
            StepKind::Gate(_) => Kind::Gate,
            StepKind::Note(_) => Kind::Note,
        }
    }

    /// `run`, `check`, `wait`, `gate` or `note`, as `show --json` and the screen say it.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Check => "check",
            Kind::Wait => "wait",
            Kind::Gate => "gate",
            Kind::Note => "note",
        }
    }
}

/// What the fold knows about one step.
#[derive(Debug, Clone)]
pub struct StepState {
    pub id: String,
    pub kind: Kind,
    pub rollback: bool,
    /// Reference material (FAQ, troubleshooting): never on the walk, run only on demand.
    pub reference: bool,
    pub status: Status,
    pub attempts: u32,
    pub exit_code: Option<i32>,
    pub duration_ms: Option<u64>,
    pub reason: Option<String>,
    pub signers: Vec<Signer>,
    /// Sign-offs that were not accepted, with why.
    pub rejections: Vec<Rejection>,
    pub decision: Option<Decision>,
    pub notes: Vec<String>,
    pub tail: OutputTail,
    /// For a running wait: when it runs out.
    pub wait_ends_at: Option<chrono::DateTime<chrono::Utc>>,
    /// A running step's process group and its leader's start time.
    pub process: Option<(i32, u64)>,
    /// A running step's own cgroup, when it had one.
    pub cgroup: Option<String>,
    /// Its latest attempt was walked under `--dry-run`: nothing ran.
    pub dry_run: bool,
    /// The signal that ended its latest run, if one did.
    pub signal: Option<i32>,
    /// Marked done by hand (not run to success).
    pub by_hand: bool,
    /// How the step stood before it was skipped or marked done (failed, cancelled…).
    pub settled_from: Option<Status>,
    /// A step on many hosts: its hosts and batches.
    pub fleet: Option<super::fleet_state::FleetProgress>,
}

impl StepState {
    /// A step no event has touched yet: pending, never attempted.
    pub fn pending(r: &StepRef) -> Self {
        StepState {
            id: r.id(),
            kind: Kind::of(&r.step.kind),
            rollback: r.rollback,
            reference: r.reference,
            status: Status::Pending,
            attempts: 0,
            exit_code: None,
            duration_ms: None,
            reason: None,
            signers: Vec::new(),
            rejections: Vec::new(),
            decision: None,
            notes: Vec::new(),
            tail: OutputTail::default(),
            wait_ends_at: None,
            process: None,
            cgroup: None,
            dry_run: false,
            signal: None,
            by_hand: false,
            settled_from: None,
            fleet: None,
        }
    }
}

/// A sign-off that was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub signer: Signer,
    pub reason: String,
}
