//! What the walk does after a run step fails, the same for every driver:
//! retry while `retries` allow, then follow `on_fail`.

use crate::doc::model::{OnFail, RunStep};

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
        OnFail::Rollback | OnFail::Stop => AfterFailure::Stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
