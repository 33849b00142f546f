//! The runbook's health checks as a live session knows them: the latest state of each,
//! taken from the monitor's samples (inputs), and what the walk asks of them at a given
//! now — how long a check has held OK (`stable_for`), which `rollback_if` holds, and the
//! evidence a gate records. Pure: time is always passed in.

use super::evidence;
use crate::doc::duration::format_duration;
use crate::doc::health::{HealthCheck, RollbackIf};
use crate::health::{CheckState, Sampled, Status, unknown};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Every declared check, in declaration order.
#[derive(Debug, Clone, Default)]
pub struct HealthBoard {
    states: Vec<CheckState>,
    spells: Vec<Spell>,
}

#[derive(Debug, Clone, Copy)]
struct Spell {
    rollback_if: Option<RollbackIf>,
    /// Start of the current unbroken run of CRIT/DOWN.
    critical_since: Option<Instant>,
}

impl HealthBoard {
    /// Every check UNKNOWN since `now`, until its first sample.
    pub fn new(checks: &[HealthCheck], now: Instant) -> Self {
        HealthBoard {
            states: checks.iter().map(|check| unknown(check, now)).collect(),
            spells: checks
                .iter()
                .map(|check| Spell {
                    rollback_if: check.rollback_if,
                    critical_since: None,
                })
                .collect(),
        }
    }

    /// Takes in one sample (the check's state after it).
    pub fn take(&mut self, sampled: &Sampled) {
        if let (Some(state), Some(spell)) = (
            self.states.get_mut(sampled.index),
            self.spells.get_mut(sampled.index),
        ) {
            state.clone_from(&sampled.state);
            spell.critical_since = sampled.critical_since;
        }
    }

    /// Whether any check has not been sampled yet.
    pub fn unsampled(&self) -> bool {
        self.states.iter().any(|c| c.last.is_none())
    }

    /// The checks as the health panel shows them.
    pub fn states(&self) -> &[CheckState] {
        &self.states
    }

    fn find(&self, name: &str) -> Option<(&CheckState, &Spell)> {
        let index = self.states.iter().position(|c| c.name == name)?;
        Some((&self.states[index], &self.spells[index]))
    }

    /// How long the check has been OK without a break (`None` if it is not OK).
    pub fn ok_for(&self, name: &str, now: Instant) -> Option<Duration> {
        let (state, _) = self.find(name)?;
        (state.status == Status::Ok).then(|| now.saturating_duration_since(state.since))
    }

    /// Checks whose `rollback_if.crit_for` holds at `now`, with how long they have been critical.
    pub fn rollback_due(&self, now: Instant) -> Vec<(String, Duration)> {
        self.states
            .iter()
            .zip(&self.spells)
            .filter_map(|(state, spell)| {
                let limit = spell.rollback_if?.crit_for;
                let held = now.saturating_duration_since(spell.critical_since?);
                (held >= limit).then(|| (state.name.clone(), held))
            })
            .collect()
    }

    /// The named checks that have not held OK for `stable_for`, each with why.
    pub fn unstable(&self, names: &[String], stable_for: Duration, now: Instant) -> Vec<String> {
        names
            .iter()
            .filter_map(|name| {
                let Some((check, _)) = self.find(name) else {
                    return Some(format!("{name} is not running"));
                };
                match self.ok_for(name, now) {
                    Some(held) if held >= stable_for => None,
                    Some(held) => Some(format!("{name} OK for {}", format_duration(held))),
                    None => Some(format!(
                        "{name} {} for {}",
                        check.status,
                        format_duration(now.saturating_duration_since(check.since))
                    )),
                }
            })
            .collect()
    }

    /// The state of a gate's `evidence:` checks at `now`, reasons passed through `mask`.
    pub fn evidence(
        &self,
        names: &[String],
        now: Instant,
        mask: &dyn Fn(&str) -> String,
    ) -> BTreeMap<String, Value> {
        names
            .iter()
            .map(|name| {
                let value = match self.find(name) {
                    Some((check, _)) => {
                        let reason = check.last.as_ref().and_then(|s| s.reason.as_deref());
                        evidence::of_check(check, reason.map(mask), now)
                    }
                    None => evidence::missing(),
                };
                (name.clone(), value)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::health::Probe;

    fn board(now: Instant) -> HealthBoard {
        let check = HealthCheck {
            name: "api".into(),
            line: 1,
            probe: Probe::Tcp {
                address: "localhost:1".into(),
            },
            every: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            warn: None,
            crit: None,
            fail_after: 1,
            rollback_if: Some(RollbackIf {
                crit_for: Duration::from_secs(10),
            }),
            on: None,
        };
        HealthBoard::new(&[check], now)
    }

    fn sampled(
        board: &HealthBoard,
        status: Status,
        since: Instant,
        critical: Option<Instant>,
    ) -> Sampled {
        let mut state = board.states()[0].clone();
        state.status = status;
        state.since = since;
        Sampled {
            index: 0,
            state,
            critical_since: critical,
            change: None,
        }
    }

    #[test]
    fn stability_and_rollback_are_judged_at_the_time_given() {
        let t0 = Instant::now();
        let mut b = board(t0);
        assert_eq!(
            b.unstable(&["api".into()], Duration::from_secs(1), t0),
            ["api UNKNOWN for 0s"]
        );
        b.take(&sampled(&b, Status::Ok, t0, None));
        let later = t0 + Duration::from_secs(2);
        assert_eq!(b.ok_for("api", later), Some(Duration::from_secs(2)));
        assert!(
            b.unstable(&["api".into()], Duration::from_secs(2), later)
                .is_empty()
        );
        assert_eq!(
            b.unstable(&["db".into()], Duration::ZERO, later),
            ["db is not running"]
        );
        b.take(&sampled(&b, Status::Crit, later, Some(later)));
        assert!(b.rollback_due(later + Duration::from_secs(9)).is_empty());
        assert_eq!(
            b.rollback_due(later + Duration::from_secs(10)),
            [("api".to_string(), Duration::from_secs(10))]
        );
    }
}
