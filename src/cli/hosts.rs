//! Hosts in `check` and `show`: the runbook's groups and inventory read, each step's `on`
//! resolved to its hosts, and (for `check`) every host those steps reach checked with
//! `ssh -G`.

use crate::doc::hosts::HostEntry;
use crate::doc::model::{Runbook, StepKind};
use crate::fleet::check::resolve_all;
use crate::fleet::{Inventory, SshSettings};
use serde_json::Value;
use std::io::Write;
use std::path::Path;

/// Hosts shown in an outline line before it says `…`.
const SHOWN: usize = 4;

/// A runbook's inventory, read once, and what each step's `on` stands for.
pub struct StepHosts {
    inventory: Option<Result<Inventory, String>>,
}

impl StepHosts {
    /// Reads the groups and inventory (nothing to read when no step runs on hosts).
    pub fn of(runbook: &Runbook) -> Self {
        let remote = runbook
            .steps()
            .iter()
            .any(|r| matches!(&r.step.kind, StepKind::Run(run) if run.fleet.is_remote()));
        if !remote && runbook.meta.hosts.is_empty() {
            return StepHosts { inventory: None };
        }
        let base = runbook.path.parent().unwrap_or(Path::new("."));
        let inventory = Inventory::load(&runbook.meta.hosts, base).map_err(|e| e.to_string());
        StepHosts {
            inventory: Some(inventory),
        }
    }

    /// The hosts `on` names.
    pub fn hosts(&self, on: &[String]) -> Result<Vec<HostEntry>, String> {
        match &self.inventory {
            Some(Ok(inventory)) => inventory.resolve(on).map_err(|e| e.to_string()),
            Some(Err(e)) => Err(e.clone()),
            None => Err("the runbook declares no hosts".into()),
        }
    }

    /// The outline's line for a step on hosts: `on web → 20 hosts: web01, web02, …`.
    pub fn outline_line(&self, on: &[String], options: &str) -> String {
        let targets = on.join(",");
        let hosts = match self.hosts(on) {
            Ok(hosts) => {
                let mut names: Vec<&str> =
                    hosts.iter().take(SHOWN).map(|h| h.name.as_str()).collect();
                if hosts.len() > SHOWN {
                    names.push("…");
                }
                format!(
                    "{}: {}",
                    crate::cli::outline::plural(hosts.len(), "host"),
                    names.join(", ")
                )
            }
            Err(e) => format!("cannot tell: {e}"),
        };
        let options = if options.is_empty() {
            String::new()
        } else {
            format!(" · {options}")
        };
        format!("on {targets} → {hosts}{options}")
    }

    /// Adds `"hosts"` (names) to every step of `show --json` that runs on hosts, or
    /// `"hosts_error"` when they cannot be told.
    pub fn annotate(&self, json: &mut Value) {
        for section in json
            .get_mut("sections")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            self.annotate_section(section);
        }
    }

    fn annotate_section(&self, section: &mut Value) {
        for step in section
            .get_mut("steps")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let on: Vec<String> = step
                .get("on")
                .and_then(Value::as_array)
                .map(|on| {
                    on.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            if on.is_empty() {
                continue;
            }
            if let Value::Object(fields) = step {
                match self.hosts(&on) {
                    Ok(hosts) => fields.insert(
                        "hosts".into(),
                        hosts.iter().map(|h| h.name.clone()).collect(),
                    ),
                    Err(e) => fields.insert("hosts_error".into(), Value::String(e)),
                };
            }
        }
        for child in section
            .get_mut("sections")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            self.annotate_section(child);
        }
    }
}

/// `check`'s part for hosts: every step's `on` resolves, and every host those steps reach
/// passes `ssh -G`. Prints problems to `err`, a summary to `out`; the exit code.
pub fn check_hosts(
    runbook: &Runbook,
    ssh: &SshSettings,
    out: &mut impl Write,
    err: &mut impl Write,
) -> i32 {
    let hosts = StepHosts::of(runbook);
    let mut reached: Vec<HostEntry> = Vec::new();
    let mut code = 0;
    for r in runbook.steps() {
        let StepKind::Run(run) = &r.step.kind else {
            continue;
        };
        if !run.fleet.is_remote() {
            continue;
        }
        match hosts.hosts(&run.fleet.on) {
            Ok(found) => {
                for host in found {
                    if !reached.contains(&host) {
                        reached.push(host);
                    }
                }
            }
            Err(e) => {
                let _ = writeln!(
                    err,
                    "{}:{}: error: step {}: {e}",
                    runbook.path.display(),
                    r.step.line,
                    r.id()
                );
                code = super::inspect::EXIT_INVALID;
            }
        }
    }
    if reached.is_empty() {
        return code;
    }
    let mut refused = 0;
    for (host, result) in reached.iter().zip(resolve_all(ssh, &reached)) {
        if let Err(e) = result {
            refused += 1;
            let _ = writeln!(
                err,
                "{}: error: host {}: ssh -G: {e}",
                runbook.path.display(),
                host.name
            );
        }
    }
    let _ = writeln!(
        out,
        "hosts  {} — {} checked with ssh -G{}",
        runbook.path.display(),
        crate::cli::outline::plural(reached.len(), "host"),
        if refused == 0 {
            String::new()
        } else {
            format!(", {refused} refused")
        }
    );
    if refused > 0 {
        super::inspect::EXIT_INVALID
    } else {
        code
    }
}
