//! The fleet options of a run step, the same in an info string
//! (```` ```bash {on=web serial=1,25% max_fail=10%} ````) and in YAML (`on: [web]`,
//! `serial: [1, 25%]`), and the checks that need the whole runbook.

use super::{ALL, Amount, FleetOptions, HostsSpec, all_hosts};
use crate::doc::duration::{DURATION_HELP, parse_duration};
use crate::doc::model::{Runbook, StepKind, StepRef};
use crate::doc::sink::Sink;
use crate::doc::yaml::fields::expect_text;
use crate::doc::yaml::node::{Node, Value};

/// Run-step options about hosts.
pub const FLEET_OPTIONS: &[&str] = &["on", "serial", "max_fail", "batch_gate", "batch_wait"];

/// Options whose info-string value is a comma list (`on=web,db serial=1,25%`).
pub const LIST_OPTIONS: &[&str] = &["on", "serial"];

/// Applies one fleet option; `Err((message, expected))` for a bad value.
pub fn apply_option(
    fleet: &mut FleetOptions,
    key: &str,
    value: &str,
) -> Result<(), (String, String)> {
    let bad = |expected: &str| (format!("`{key}` cannot be `{value}`"), expected.to_string());
    match key {
        "on" => {
            let targets: Vec<String> = value.split(',').map(|t| t.trim().to_string()).collect();
            if targets.iter().any(|t| !is_target(t)) {
                return Err(bad(
                    "groups or hosts separated by commas, e.g. `on=web` or `on=web,db-primary`",
                ));
            }
            fleet.on = targets;
        }
        "serial" => {
            let sizes: Option<Vec<Amount>> = value
                .split(',')
                .map(|s| {
                    amount(s.trim()).filter(|a| *a != Amount::Count(0) && *a != Amount::Percent(0))
                })
                .collect();
            fleet.serial = sizes.ok_or_else(|| {
                bad("batch sizes separated by commas: host counts or percentages, e.g. `1,25%`")
            })?;
        }
        "max_fail" => {
            fleet.max_fail =
                Some(amount(value.trim()).ok_or_else(|| {
                    bad("a count of hosts or a percentage, e.g. `0`, `2` or `10%`")
                })?);
        }
        "batch_gate" => {
            fleet.batch_gate = match value {
                "true" | "yes" | "on" => true,
                "false" | "no" | "off" => false,
                _ => return Err(bad("`true` or `false`")),
            };
        }
        "batch_wait" => match parse_duration(value) {
            Ok(d) if d.is_zero() => return Err(bad("a pause longer than zero, e.g. `30s`")),
            Ok(d) => fleet.batch_wait = Some(d),
            Err(problem) => {
                return Err((
                    format!("bad duration for `batch_wait`: {problem}"),
                    DURATION_HELP.into(),
                ));
            }
        },
        _ => {
            return Err((
                format!("`{key}` is not a fleet option"),
                FLEET_OPTIONS.join(", "),
            ));
        }
    }
    Ok(())
}

/// `3` or `25%` (0 to 100).
fn amount(text: &str) -> Option<Amount> {
    match text.strip_suffix('%') {
        Some(percent) => percent
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= 100)
            .map(Amount::Percent),
        None => text.parse::<u32>().ok().map(Amount::Count),
    }
}

/// A group or host name as `on` may hold it.
fn is_target(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | ':' | '[' | ']')
        })
}

/// A YAML value of a run-step option as the text an info string would hold: the lists of
/// [`LIST_OPTIONS`] (`on: [web, db]`, `serial: [1, 25%]`) are joined with commas.
pub fn yaml_option_text(key: &str, node: &Node, sink: &mut Sink) -> Option<String> {
    match &node.value {
        Value::Seq(items) if LIST_OPTIONS.contains(&key) => {
            let parts: Option<Vec<String>> = items
                .iter()
                .map(|item| expect_text(item, key, sink))
                .collect();
            let parts = parts?;
            if parts.is_empty() {
                sink.at_node(
                    node,
                    format!("`{key}` is an empty list"),
                    "at least one value",
                );
                return None;
            }
            Some(parts.join(","))
        }
        _ => expect_text(node, key, sink),
    }
}

/// Whole-runbook checks: fleet options only with `on`, no terminal on hosts, and `on`
/// naming groups or hosts the runbook declares (with an inventory, names are checked
/// once it is read: `runbook check`).
pub fn validate(runbook: &Runbook, steps: &[StepRef], sink: &mut Sink) {
    let hosts = &runbook.meta.hosts;
    for r in steps {
        let StepKind::Run(run) = &r.step.kind else {
            continue;
        };
        let fleet = &run.fleet;
        let line = r.step.line;
        if !fleet.is_remote() {
            if let Some(key) = fleet.keys_set().first() {
                whole_line(
                    sink,
                    line,
                    format!("`{key}` without `on`"),
                    "`on=GROUP` naming the hosts the step runs on, or no fleet options".into(),
                );
            }
            continue;
        }
        if run.tty || run.interactive {
            let key = if run.tty { "tty" } else { "interactive" };
            whole_line(
                sink,
                line,
                format!("`{key}` cannot be used with `on`: steps on hosts have no terminal"),
                format!("no `{key}` on a step that runs on hosts"),
            );
        }
        if hosts.is_empty() {
            whole_line(
                sink,
                line,
                format!(
                    "`on={}` but the runbook declares no hosts",
                    fleet.on.join(",")
                ),
                "`hosts:` groups or an `inventory:` file in the metadata".into(),
            );
            continue;
        }
        if hosts.inventory.is_none() {
            for target in &fleet.on {
                if !known(hosts, target) {
                    whole_line(
                        sink,
                        line,
                        format!("`on` names `{target}`, which is not a group or host of `hosts:`"),
                        format!("one of: {}", names(hosts).join(", ")),
                    );
                }
            }
        }
    }
}

fn known(hosts: &HostsSpec, target: &str) -> bool {
    target == ALL
        || hosts.groups.iter().any(|g| g.name == target)
        || all_hosts(&hosts.groups)
            .iter()
            .any(|h| h.name == target || h.address == target)
}

fn names(hosts: &HostsSpec) -> Vec<String> {
    let mut names = vec![ALL.to_string()];
    names.extend(hosts.groups.iter().map(|g| g.name.clone()));
    names
}

fn whole_line(sink: &mut Sink, line: u32, message: String, expected: String) {
    let text = sink.map.line_text(line);
    let indent = text.chars().take_while(|c| c.is_whitespace()).count();
    let width = text.trim().chars().count().max(1);
    sink.at_line(line, indent as u32 + 1, width as u32, message, expected);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn applied(pairs: &[(&str, &str)]) -> Result<FleetOptions, (String, String)> {
        let mut fleet = FleetOptions::default();
        for (key, value) in pairs {
            apply_option(&mut fleet, key, value)?;
        }
        Ok(fleet)
    }

    #[test]
    fn every_option_reads_its_values() {
        let fleet = applied(&[
            ("on", "web, db-primary"),
            ("serial", "1,25%"),
            ("max_fail", "10%"),
            ("batch_gate", "true"),
            ("batch_wait", "30s"),
        ])
        .expect("valid");
        assert_eq!(fleet.on, ["web", "db-primary"]);
        assert_eq!(fleet.serial, [Amount::Count(1), Amount::Percent(25)]);
        assert_eq!(fleet.max_fail, Some(Amount::Percent(10)));
        assert!(fleet.batch_gate);
        assert_eq!(fleet.batch_wait, Some(Duration::from_secs(30)));
        assert_eq!(
            applied(&[("max_fail", "0")]).expect("zero").max_fail,
            Some(Amount::Count(0))
        );
    }

    #[test]
    fn bad_values_say_what_is_expected() {
        for (key, value) in [
            ("on", ""),
            ("on", "web,,db"),
            ("on", "web db"),
            ("serial", "0"),
            ("serial", "1,0%"),
            ("serial", "150%"),
            ("serial", "one"),
            ("max_fail", "-1"),
            ("max_fail", "101%"),
            ("batch_gate", "maybe"),
            ("batch_wait", "0s"),
            ("batch_wait", "soon"),
        ] {
            let (message, expected) = applied(&[(key, value)]).expect_err(value);
            assert!(message.contains(key), "{key}={value}: {message}");
            assert!(!expected.is_empty());
        }
    }
}
