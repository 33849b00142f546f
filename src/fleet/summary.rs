//! Where a run step on hosts runs, before it runs: its hosts resolved from the runbook's
//! inventory, and the one line a confirmation shows of them — how many, which, the
//! batches they run in and the failures allowed
//! (`on 5 hosts: host01–host05 · batches 1,2,2 · max_fail 0`), or on a rerun the hosts
//! that will run (`remaining 3 of 5: host03–host05 · batches 1,2 · max_fail 0`).

use crate::doc::hosts::HostEntry;
use crate::doc::model::{RunStep, Runbook};
use crate::fleet::Inventory;
use crate::session::fleet_state::FleetProgress;
use std::path::Path;

/// The hosts `run` names, resolved from the runbook's `hosts:` (and inventory file).
pub fn step_hosts(runbook: &Runbook, run: &RunStep) -> Result<Vec<HostEntry>, String> {
    let base = runbook.path.parent().unwrap_or(Path::new("."));
    let inventory = Inventory::load(&runbook.meta.hosts, base).map_err(|e| e.to_string())?;
    inventory.resolve(&run.fleet.on).map_err(|e| e.to_string())
}

/// The hosts of the runbook's steps on hosts whose names are in `names`, each once.
pub fn hosts_named(
    runbook: &Runbook,
    names: &std::collections::BTreeSet<String>,
) -> Vec<HostEntry> {
    let mut found: Vec<HostEntry> = Vec::new();
    let runs = runbook
        .sections
        .iter()
        .flat_map(|section| &section.steps)
        .filter_map(|step| match &step.kind {
            crate::doc::model::StepKind::Run(run) if run.fleet.is_remote() => Some(run),
            _ => None,
        });
    for run in runs {
        for host in step_hosts(runbook, run).unwrap_or_default() {
            if names.contains(&host.name) && !found.contains(&host) {
                found.push(host);
            }
        }
    }
    found
}

/// The confirmation's line about where `run` runs; `None` for a step run here.
pub fn where_it_runs(runbook: &Runbook, run: &RunStep) -> Option<String> {
    where_it_runs_now(runbook, run, None)
}

/// [`where_it_runs`] for a step an earlier attempt left `partial` ([`partial`]): only the
/// hosts that will run are named (`remaining 3 of 5: host03–host05 · batches 1,2 · …`).
///
/// [`partial`]: crate::session::fleet_state::partial
pub fn where_it_runs_now(
    runbook: &Runbook,
    run: &RunStep,
    partial: Option<&FleetProgress>,
) -> Option<String> {
    if !run.fleet.is_remote() {
        return None;
    }
    let hosts = match step_hosts(runbook, run) {
        Ok(hosts) => hosts,
        Err(why) => return Some(format!("on {}: {why}", run.fleet.on.join(","))),
    };
    let finished_ok = partial.map(FleetProgress::finished_ok).unwrap_or_default();
    let names: Vec<&str> = hosts
        .iter()
        .map(|h| h.name.as_str())
        .filter(|name| !finished_ok.contains(name))
        .collect();
    let sizes: Vec<String> = super::plan::batches(names.len(), &run.fleet.serial)
        .iter()
        .map(usize::to_string)
        .collect();
    let max_fail = run
        .fleet
        .max_fail
        .map_or_else(|| "0".to_string(), |m| m.to_string());
    let count = match names.len() {
        _ if partial.is_some() => format!("remaining {} of {}", names.len(), hosts.len()),
        1 => "on 1 host".to_string(),
        n => format!("on {n} hosts"),
    };
    Some(format!(
        "{count}: {} · batches {} · max_fail {max_fail}",
        host_list(&names),
        sizes.join(",")
    ))
}

/// `host01–host05` for names numbered one after the other, else the first few.
fn host_list(names: &[&str]) -> String {
    const SHOWN: usize = 3;
    match names {
        [] => "none".into(),
        [first, .., last] if names.len() > 2 && numbered_in_a_row(names) => {
            format!("{first}–{last}")
        }
        _ if names.len() <= SHOWN + 1 => names.join(", "),
        _ => format!(
            "{} and {} more",
            names[..SHOWN].join(", "),
            names.len() - SHOWN
        ),
    }
}

/// Whether the names are one stem and numbers counting up by one (`web08`, `web09`, `web10`).
fn numbered_in_a_row(names: &[&str]) -> bool {
    let split = |name: &str| {
        let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (stem, number) = name.split_at(name.len() - digits);
        number.parse::<u64>().ok().map(|n| (stem.to_string(), n))
    };
    let parts: Option<Vec<(String, u64)>> = names.iter().map(|n| split(n)).collect();
    parts.is_some_and(|parts| {
        parts
            .windows(2)
            .all(|w| w[0].0 == w[1].0 && w[0].1.checked_add(1) == Some(w[1].1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_step(text: &str) -> (Runbook, RunStep) {
        let rb = crate::doc::load_str(text, Path::new("t.yaml")).expect("valid");
        let run = match rb.steps().first().map(|r| r.step.kind.clone()) {
            Some(crate::doc::model::StepKind::Run(run)) => run,
            other => panic!("a run step: {other:?}"),
        };
        (rb, run)
    }

    #[test]
    fn a_step_on_hosts_says_its_hosts_batches_and_max_fail() {
        let (rb, run) = run_step(
            "title: T\nhosts:\n  web: [\"host[01:05]\"]\nsteps:\n  - run: ./r\n    on: [web]\n    serial: [1, 2]\n",
        );
        assert_eq!(
            where_it_runs(&rb, &run).as_deref(),
            Some("on 5 hosts: host01–host05 · batches 1,2,2 · max_fail 0")
        );
    }

    #[test]
    fn hosts_not_in_a_row_are_listed_and_a_long_list_is_cut() {
        let (rb, run) = run_step(
            "title: T\nhosts:\n  db: [db-primary, db-replica]\n  web: [web1, web3, web4, web5, web6]\nsteps:\n  - run: ./r\n    on: [db]\n    max_fail: 50%\n  - run: ./s\n    on: [web]\n",
        );
        assert_eq!(
            where_it_runs(&rb, &run).as_deref(),
            Some("on 2 hosts: db-primary, db-replica · batches 2 · max_fail 50%")
        );
        let names = ["web1", "web3", "web4", "web5", "web6"];
        assert_eq!(host_list(&names), "web1, web3, web4 and 2 more");
        assert_eq!(host_list(&["a9", "a10", "a11"]), "a9–a11");
    }

    #[test]
    fn a_rerun_names_only_the_hosts_that_will_run() {
        use crate::session::event::Body;
        use crate::session::fleet_events::{FleetPlan, HostEnd};
        let (rb, run) = run_step(
            "title: T\nhosts:\n  web: [\"host[01:05]\"]\nsteps:\n  - run: ./r\n    on: [web]\n    serial: [1, 2]\n",
        );
        let names: Vec<String> = (1..=5).map(|n| format!("host{n:02}")).collect();
        let mut fleet = FleetProgress::default();
        fleet.apply(&Body::FleetPlanned(FleetPlan {
            hosts: names.clone(),
            run: names,
            batches: vec![1, 2, 2],
            remaining_only: false,
        }));
        for host in ["host01", "host02"] {
            fleet.apply(&Body::HostFinished(HostEnd {
                host: host.into(),
                exit_code: Some(0),
                signal: None,
                duration_ms: 5,
                ok: true,
                timed_out: false,
                cancelled: false,
                failure: None,
            }));
        }
        assert_eq!(
            where_it_runs_now(&rb, &run, Some(&fleet)).as_deref(),
            Some("remaining 3 of 5: host03–host05 · batches 1,2 · max_fail 0")
        );
    }

    #[test]
    fn a_step_run_here_says_nothing_and_unknown_hosts_say_why() {
        let (rb, run) = run_step("title: T\nsteps:\n  - run: ./r\n");
        assert_eq!(where_it_runs(&rb, &run), None);
        let mut far = run.clone();
        far.fleet.on = vec!["nowhere".into()];
        let line = where_it_runs(&rb, &far).expect("a line");
        assert!(line.starts_with("on nowhere: "), "{line}");
    }
}
