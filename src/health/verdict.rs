//! From a probe's reading (or its failure) to a [`Sample`]: thresholds, units and how values are shown.

use crate::doc::health::{HealthCheck, Limit, Unit};

use super::error::ProbeError;
use super::types::{Sample, Status};

/// What a probe measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The value `warn`/`crit` compare with (and the sparkline plots).
    pub value: Option<f64>,
    /// Response or connect time, which `warn_ms`/`crit_ms` compare with.
    pub latency_ms: Option<f64>,
    pub shown: String,
}

impl Reading {
    /// A reading whose value is a latency in milliseconds.
    pub fn latency(ms: f64) -> Self {
        Reading {
            value: Some(ms),
            latency_ms: Some(ms),
            shown: format_ms(ms),
        }
    }

    /// A plain number, shown in `unit`.
    pub fn number(value: f64, unit: Unit) -> Self {
        Reading {
            value: Some(value),
            latency_ms: None,
            shown: format_value(value, unit),
        }
    }
}

/// A judged sample, and whether it counts as a failure for `fail_after`.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub sample: Sample,
    pub failed: bool,
}

/// Judges one probe's outcome against the check's thresholds.
pub fn judge(check: &HealthCheck, outcome: Result<Reading, ProbeError>) -> Judged {
    match outcome {
        Ok(reading) => Judged {
            sample: against_limits(check, reading),
            failed: false,
        },
        Err(error) => Judged {
            sample: Sample {
                status: error.status(),
                value: None,
                shown: error.shown(),
                reason: Some(error.to_string()),
            },
            failed: error.is_failure(),
        },
    }
}

fn against_limits(check: &HealthCheck, reading: Reading) -> Sample {
    let (status, reason) = if let Some(limit) = check.crit.filter(|l| crossed(l, &reading)) {
        (Status::Crit, Some(describe("crit", &limit)))
    } else if let Some(limit) = check.warn.filter(|l| crossed(l, &reading)) {
        (Status::Warn, Some(describe("warn", &limit)))
    } else {
        (Status::Ok, None)
    };
    Sample {
        status,
        value: reading.value,
        shown: reading.shown,
        reason,
    }
}

/// Whether the reading is past the limit (strictly above, or strictly below for `_below`).
fn crossed(limit: &Limit, reading: &Reading) -> bool {
    let value = match limit.unit {
        Unit::Millis => reading.latency_ms.or(reading.value),
        Unit::Plain | Unit::Percent => reading.value,
    };
    value.is_some_and(|v| {
        if limit.below {
            v < limit.value
        } else {
            v > limit.value
        }
    })
}

fn describe(level: &str, limit: &Limit) -> String {
    let side = if limit.below { "below" } else { "above" };
    format!("{side} {level} {}", format_value(limit.value, limit.unit))
}

/// Whether any threshold compares a plain value (not a latency).
pub fn has_value_limits(check: &HealthCheck) -> bool {
    [check.warn, check.crit]
        .iter()
        .flatten()
        .any(|l| l.unit != Unit::Millis)
}

pub fn format_ms(ms: f64) -> String {
    format!("{} ms", format_coarse(ms))
}

pub fn format_value(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Plain => format_number(value),
        Unit::Percent => format!("{}%", format_coarse(value)),
        Unit::Millis => format_ms(value),
    }
}

/// Milliseconds and percentages: whole numbers, one decimal below 10.
fn format_coarse(value: f64) -> String {
    if value.abs() < 10.0 {
        trim_zeros(format!("{value:.1}"))
    } else {
        format!("{value:.0}")
    }
}

/// Whole numbers plainly, large ones without decimals, small ones to three significant digits.
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let abs = value.abs();
    let text = if abs >= 100.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else if abs >= 1.0 {
        format!("{value:.2}")
    } else if abs == 0.0 {
        "0".to_string()
    } else {
        let digits = (2 - abs.log10().floor() as i32).clamp(0, 12) as usize;
        format!("{value:.digits$}")
    };
    trim_zeros(text)
}

fn trim_zeros(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::health::Probe;
    use std::time::Duration;

    fn check(warn: Option<Limit>, crit: Option<Limit>) -> HealthCheck {
        HealthCheck {
            name: "c".into(),
            line: 1,
            probe: Probe::Cmd {
                command: "true".into(),
            },
            every: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            warn,
            crit,
            fail_after: 1,
            rollback_if: None,
            on: None,
        }
    }

    fn limit(value: f64, unit: Unit, below: bool) -> Option<Limit> {
        Some(Limit { value, unit, below })
    }

    #[test]
    fn numbers_are_shown_compactly() {
        assert_eq!(format_number(0.012), "0.012");
        assert_eq!(format_number(0.0123456), "0.0123");
        assert_eq!(format_number(5.0), "5");
        assert_eq!(format_number(81.4), "81.4");
        assert_eq!(format_number(142.4), "142");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_ms(141.7), "142 ms");
        assert_eq!(format_value(81.0, Unit::Percent), "81%");
        assert_eq!(format_value(81.4, Unit::Percent), "81%");
        assert_eq!(format_value(5.33, Unit::Percent), "5.3%");
        assert_eq!(format_ms(3.48), "3.5 ms");
        assert_eq!(format_ms(3.0), "3 ms");
    }

    #[test]
    fn crit_wins_over_warn_and_below_limits_work() {
        let c = check(limit(3.0, Unit::Plain, true), limit(1.0, Unit::Plain, true));
        let status = |v| judge(&c, Ok(Reading::number(v, Unit::Plain))).sample.status;
        assert_eq!(status(5.0), Status::Ok);
        assert_eq!(status(3.0), Status::Ok, "the limit itself is not crossed");
        assert_eq!(status(2.0), Status::Warn);
        assert_eq!(status(0.0), Status::Crit);
        let j = judge(&c, Ok(Reading::number(0.0, Unit::Plain)));
        assert_eq!(j.sample.reason.as_deref(), Some("below crit 1"));
    }

    #[test]
    fn millisecond_limits_compare_latency_not_the_value() {
        let c = check(limit(150.0, Unit::Millis, false), None);
        let reading = Reading {
            value: Some(1.0),
            latency_ms: Some(200.0),
            shown: "1".into(),
        };
        let j = judge(&c, Ok(reading));
        assert_eq!(j.sample.status, Status::Warn);
        assert_eq!(j.sample.reason.as_deref(), Some("above warn 150 ms"));
    }

    #[test]
    fn failures_carry_their_status_and_reason() {
        let c = check(None, None);
        let j = judge(&c, Err(ProbeError::Status(503)));
        assert_eq!(j.sample.status, Status::Crit);
        assert_eq!(j.sample.shown, "503");
        assert_eq!(j.sample.reason.as_deref(), Some("HTTP 503"));
        assert!(j.failed);
        let j = judge(&c, Err(ProbeError::Timeout(Duration::from_secs(2))));
        assert_eq!(j.sample.status, Status::Down);
        assert_eq!(j.sample.reason.as_deref(), Some("timeout after 2s"));
        let j = judge(&c, Err(ProbeError::NoData));
        assert_eq!(j.sample.status, Status::Unknown);
        assert!(!j.failed);
    }
}
