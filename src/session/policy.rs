//! What the walk does after a run step fails, the same for every driver:
//! retry while `retries` allow, then follow `on_fail`.

use crate::doc::model::{OnFail, RunStep};
use crate::session::state::Status;

/// Why the autopilot (`--yes`) must leave a run step to the operator, if it must: one
/// that was running when the session stopped has no recorded end — it may have finished
/// (a crash, a full disk that took its `step_finished`), so running it again is the
/// operator's call, never automatic.
pub fn autopilot_must_ask(status: Status) -> Option<&'static str> {
    (status == Status::Interrupted).then_some(
        "this step was running when the session stopped and its end was not recorded; \
         it is never run again automatically",
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Run it again (attempt `attempts + 1` of `retries + 1`).
    Retry,
    /// `on_fail=continue`: record the failure as a skip and walk on.
    Continue,
    /// `on_fail=rollback`: enter the rollback procedure.
    Rollback,
    /// Stop and let the operator decide.
    Stop,
}

/// The policy for a step that has now failed `attempts` times.
pub fn after_failure(run: &RunStep, attempts: u32, can_roll_back: bool) -> AfterFailure {
    if attempts <= run.retries {
        return AfterFailure::Retry;
    }
    match run.on_fail {
        OnFail::Continue => AfterFailure::Continue,
        OnFail::Rollback if can_roll_back => AfterFailure::Rollback,
        _ => AfterFailure::Stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_autopilot_never_reruns_an_interrupted_step() {
        assert!(autopilot_must_ask(Status::Interrupted).is_some());
        assert_eq!(autopilot_must_ask(Status::Pending), None);
    }

    fn run(retries: u32, on_fail: OnFail) -> RunStep {
        RunStep {
            retries,
            on_fail,
            ..RunStep::new("false".into(), "bash".into())
        }
    }

    #[test]
    fn retries_come_first_then_on_fail() {
        assert_eq!(
            after_failure(&run(2, OnFail::Continue), 1, true),
            AfterFailure::Retry
        );
        assert_eq!(
            after_failure(&run(2, OnFail::Continue), 2, true),
            AfterFailure::Retry
        );
        assert_eq!(
            after_failure(&run(2, OnFail::Continue), 3, true),
            AfterFailure::Continue
        );
        assert_eq!(
            after_failure(&run(0, OnFail::Rollback), 1, true),
            AfterFailure::Rollback
        );
        assert_eq!(
            after_failure(&run(0, OnFail::Rollback), 1, false),
            AfterFailure::Stop,
            "no rollback to go to"
        );
        assert_eq!(
            after_failure(&run(0, OnFail::Stop), 1, true),
            AfterFailure::Stop
        );
    }
}
