//! Hosts in `check` and `show`: the runbook's groups and inventory read, each step's `on`
//! (and each health check's) resolved to its hosts, and (for `check`) every host those
//! steps and checks reach checked with `ssh -G`.

use crate::doc::hosts::HostEntry;
use crate::doc::model::{Runbook, StepKind};
use crate::fleet::check::resolve_all;
use crate::fleet::{Inventory, SshSettings};
use serde_json::Value;
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

    /// The one host a health check's `on` names.
    pub fn one_host(&self, on: &str) -> Result<HostEntry, String> {
        match &self.inventory {
            Some(Ok(inventory)) => crate::fleet::sample::one_host(inventory, on),
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

/// What `check` found about a runbook's hosts.
#[derive(Debug, Default)]
pub struct HostsReport {
    /// Hosts the steps reach, all asked about with `ssh -G`.
    pub checked: usize,
    /// Steps whose `on` cannot be resolved, hosts `ssh -G` refused: one line each.
    pub errors: Vec<String>,
    refused: usize,
    path: String,
}

impl HostsReport {
    /// Appends the summary line to `stdout` and the errors to `stderr`.
    pub fn render(&self, stdout: &mut String, stderr: &mut String) {
        for error in &self.errors {
            stderr.push_str(error);
            stderr.push('\n');
        }
        if self.checked > 0 {
            let refused = if self.refused == 0 {
                String::new()
            } else {
                format!(", {} refused", self.refused)
            };
            stdout.push_str(&format!(
                "\nhosts  {} — {} checked with ssh -G{refused}",
                self.path,
                crate::cli::outline::plural(self.checked, "host")
            ));
        }
    }

    /// `check --json`: `{"checked": N, "errors": [...]}`.
    pub fn json(&self) -> Value {
        serde_json::json!({ "checked": self.checked, "errors": self.errors })
    }
}

/// `check`'s part for hosts: every step's `on` resolves, and every host those steps reach
/// passes `ssh -G`.
pub fn check_hosts(runbook: &Runbook, ssh: &SshSettings) -> HostsReport {
    let hosts = StepHosts::of(runbook);
    let mut reached: Vec<HostEntry> = Vec::new();
    let mut report = HostsReport {
        path: runbook.path.display().to_string(),
        ..HostsReport::default()
    };
    let path = runbook.path.display();
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
            Err(e) => report.errors.push(format!(
                "{path}:{}: error: step {}: {e}",
                r.step.line,
                r.id()
            )),
        }
    }
    for check in &runbook.meta.health {
        let Some(on) = &check.on else {
            continue;
        };
        match hosts.one_host(on) {
            Ok(host) if !reached.contains(&host) => reached.push(host),
            Ok(_) => {}
            Err(e) => report.errors.push(format!(
                "{path}:{}: error: health check {}: {e}",
                check.line, check.name
            )),
        }
    }
    for (host, result) in reached.iter().zip(resolve_all(ssh, &reached)) {
        if let Err(e) = result {
            report.refused += 1;
            report
                .errors
                .push(format!("{path}: error: host {}: ssh -G: {e}", host.name));
        }
    }
    report.checked = reached.len();
    report
}
