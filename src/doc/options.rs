//! Run-step options, shared by Markdown info strings (`{timeout=10m}`) and YAML keys.

use super::duration::{DURATION_HELP, parse_duration};
use super::model::{Confirm, OnFail, RunStep};
use super::sink::Sink;

/// Every option a run step accepts besides its script.
pub const RUN_OPTIONS: &[&str] = &[
    "name",
    "timeout",
    "confirm",
    "cwd",
    "tty",
    "interactive",
    "on_fail",
    "retries",
    "expect_exit",
    "errexit",
    "on",
    "serial",
    "max_fail",
    "batch_gate",
    "batch_wait",
];

/// Where an option's value was written, for diagnostics.
#[derive(Debug, Clone, Copy)]
pub struct Spot {
    pub line: u32,
    pub col: u32,
    pub width: u32,
}

/// Applies one option (other than `name`) to `step`; reports bad values to `sink`.
pub fn apply_run_option(step: &mut RunStep, key: &str, value: &str, spot: Spot, sink: &mut Sink) {
    let mut fail = |message: String, expected: &str| {
        sink.at_line(
            spot.line,
            spot.col,
            spot.width,
            message,
            expected.to_string(),
        );
    };
    match key {
        "timeout" => match parse_duration(value) {
            Ok(d) if d.is_zero() => {
                fail("`timeout` must be longer than zero".into(), DURATION_HELP)
            }
            Ok(d) => step.timeout = Some(d),
            Err(problem) => fail(
                format!("bad duration for `timeout`: {problem}"),
                DURATION_HELP,
            ),
        },
        "confirm" => match value {
            "none" => step.confirm = Confirm::None,
            "normal" => step.confirm = Confirm::Normal,
            "danger" => step.confirm = Confirm::Danger,
            _ => fail(
                format!("`confirm` cannot be `{value}`"),
                "one of: none, normal, danger",
            ),
        },
        "cwd" if value.trim().is_empty() => fail("`cwd` is empty".into(), "a directory path"),
        "cwd" => step.cwd = Some(value.to_string()),
        "tty" | "interactive" | "errexit" => match parse_bool(value) {
            Some(b) if key == "tty" => step.tty = b,
            Some(b) if key == "errexit" => step.errexit = b,
            Some(b) => step.interactive = b,
            None => fail(format!("`{key}` cannot be `{value}`"), "`true` or `false`"),
        },
        "on_fail" => match value {
            "stop" => step.on_fail = OnFail::Stop,
            "continue" => step.on_fail = OnFail::Continue,
            "rollback" => step.on_fail = OnFail::Rollback,
            _ => fail(
                format!("`on_fail` cannot be `{value}`"),
                "one of: stop, continue, rollback",
            ),
        },
        "retries" => match value.parse::<u32>() {
            Ok(n) if n <= 100 => step.retries = n,
            _ => fail(
                format!("`retries` cannot be `{value}`"),
                "a whole number from 0 to 100",
            ),
        },
        "expect_exit" => match value.parse::<i32>() {
            Ok(n) if (0..=255).contains(&n) => step.expect_exit = n,
            _ => fail(
                format!("`expect_exit` cannot be `{value}`"),
                "an exit code from 0 to 255",
            ),
        },
        _ if super::hosts::FLEET_OPTIONS.contains(&key) => {
            if let Err((message, expected)) =
                super::hosts::apply_option(&mut step.fleet, key, value)
            {
                fail(message, &expected);
            }
        }
        _ => fail(
            format!("unknown option `{key}` for a run step"),
            &format!("one of: {}", RUN_OPTIONS.join(", ")),
        ),
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "true" | "yes" | "on" => Some(true),
        "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Checks that a step name is usable as an identifier (typed to confirm danger steps).
pub fn check_step_name(name: &str, spot: Spot, sink: &mut Sink) -> bool {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        sink.at_line(
            spot.line,
            spot.col,
            spot.width,
            format!("`{name}` is not a valid step name"),
            "letters, digits, `-`, `_` and `.` only, at most 64 characters".to_string(),
        );
    }
    valid
}
