//! `runbook health NAME [--watch]`: the runbook's health checks as a table, once or every second.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::doc::model::Runbook;
use crate::doc::resolve::SearchPath;
use crate::health::{CheckState, Monitor, Sample, Status, probe_once_on, target};
use crate::signals::Signals;

use super::inspect::EXIT_INVALID;

/// Exit code when any check is not OK.
pub const EXIT_UNHEALTHY: i32 = 1;
/// Exit code when `--watch` ends on Ctrl-C (PRODUCT.md §5).
pub const EXIT_INTERRUPTED: i32 = 130;
const REDRAW: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(50);
const CLEAR: &str = "\x1b[H\x1b[2J";

/// One table row.
pub struct Row {
    pub name: String,
    pub kind: &'static str,
    pub status: Status,
    pub value: String,
    /// The reason it is not OK, else what is probed.
    pub detail: String,
}

/// How `runbook health` reports.
#[derive(Debug, Clone, Default)]
pub struct Mode {
    /// Keep probing and redraw every second until Ctrl-C.
    pub watch: bool,
    /// One probe of each, printed as JSON.
    pub json: bool,
    /// How checks `on:` a host reach it (`--ssh-config`).
    pub ssh: crate::fleet::SshSettings,
}

/// Probes once (exit 0 all OK, 1 otherwise) or, with `watch`, redraws until Ctrl-C.
pub fn health(
    target_arg: &str,
    mode: Mode,
    search: &SearchPath,
    out: &mut impl Write,
    err: &mut impl Write,
) -> i32 {
    let runbook = match super::inspect::resolve_and_load(target_arg, search) {
        Ok(runbook) => runbook,
        Err(e) => {
            let _ = writeln!(err, "{}", e.trim_end());
            return EXIT_INVALID;
        }
    };
    if runbook.meta.health.is_empty() && !mode.json {
        let _ = writeln!(out, "no health checks in {}", runbook.path.display());
        return 0;
    }
    let (env, cwd) = (check_env(&runbook), current_dir());
    // Held until the checks end: closing them closes the masters checks on hosts opened.
    let (connections, hosts) = super::health_hosts::open(&runbook, &mode.ssh);
    if mode.watch {
        let code = watch_loop(&runbook, (env, cwd), hosts, out, err);
        drop(connections);
        return code;
    }
    let results = probe_once_on(&runbook.meta.health, &env, &cwd, hosts);
    drop(connections);
    let rows: Vec<Row> = runbook
        .meta
        .health
        .iter()
        .zip(&results)
        .map(|(check, (name, sample))| {
            row(
                &on_host(name, check.on.as_deref()),
                check.probe.label(),
                target(&check.probe),
                sample.status,
                Some(sample),
            )
        })
        .collect();
    if mode.json {
        let json = rows_json(&runbook, &rows, &results);
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
    } else {
        let _ = write!(out, "{}", table(&rows));
    }
    if rows.iter().all(|r| r.status == Status::Ok) {
        0
    } else {
        EXIT_UNHEALTHY
    }
}

/// `{"schema": 1, "runbook", "ok", "checks": [{"name", "kind", "target", "status", "value",
/// "shown", "reason"}]}`; `status` is `ok`, `warn`, `crit`, `down` or `unknown`.
fn rows_json(runbook: &Runbook, rows: &[Row], results: &[(String, Sample)]) -> serde_json::Value {
    let checks: Vec<serde_json::Value> = rows
        .iter()
        .zip(results)
        .zip(&runbook.meta.health)
        .map(|((row, (_, sample)), check)| {
            serde_json::json!({
                "name": check.name,
                "kind": row.kind,
                "target": target(&check.probe),
                "on": check.on,
                "status": row.status,
                "value": sample.value,
                "shown": sample.shown,
                "reason": sample.reason,
            })
        })
        .collect();
    serde_json::json!({
        "schema": 1,
        "runbook": runbook.path.display().to_string(),
        "ok": rows.iter().all(|r| r.status == Status::Ok),
        "checks": checks,
    })
}

/// `disk@web01` for a check on a host, else its name.
fn on_host(name: &str, on: Option<&str>) -> String {
    on.map_or_else(|| name.to_string(), |host| format!("{name}@{host}"))
}

/// The inherited environment plus the defaults of parameters not set there.
fn check_env(runbook: &Runbook) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = std::env::vars().collect();
    for param in &runbook.meta.params {
        if let Some(default) = &param.default {
            env.entry(param.env_name())
                .or_insert_with(|| default.clone());
        }
    }
    env
}

fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
}

fn watch_loop(
    runbook: &Runbook,
    place: (BTreeMap<String, String>, PathBuf),
    hosts: crate::health::Hosts,
    out: &mut impl Write,
    err: &mut impl Write,
) -> i32 {
    let signals = match Signals::catch() {
        Ok(signals) => signals,
        Err(e) => {
            let _ = writeln!(err, "error: cannot catch signals: {e}");
            return EXIT_INVALID;
        }
    };
    let monitor = Monitor::start_on(runbook.meta.health.clone(), place, hosts, None);
    // A dumb terminal cannot clear: frames follow each other instead.
    let dumb = crate::config::settings::dumb_terminal(&crate::config::process_env);
    let clear = std::io::stdout().is_terminal() && !dumb;
    let mut next = Instant::now() + REDRAW;
    let mut drawn = false;
    while signals.received().is_none() {
        let states = monitor.snapshot();
        let first_ready = !drawn && states.iter().all(|s| s.last.is_some());
        if first_ready || Instant::now() >= next {
            let frame = frame(runbook, &states, clear);
            if out
                .write_all(frame.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                break;
            }
            next = Instant::now() + REDRAW;
            drawn = true;
        }
        std::thread::sleep(TICK);
    }
    monitor.stop();
    EXIT_INTERRUPTED
}

/// The first frame comes as soon as every check has a sample (or after a second).
fn frame(runbook: &Runbook, states: &[CheckState], clear: bool) -> String {
    let header = format!(
        "runbook health {} — {} UTC — Ctrl-C to stop",
        runbook.path.display(),
        chrono::Utc::now().format("%H:%M:%S")
    );
    let rows: Vec<Row> = states.iter().map(state_row).collect();
    let clear = if clear { CLEAR } else { "" };
    format!("{clear}{header}\n\n{}", table(&rows))
}

fn state_row(state: &CheckState) -> Row {
    row(
        &state.label(),
        state.kind,
        state.target.clone(),
        state.status,
        state.last.as_ref(),
    )
}

fn row(
    name: &str,
    kind: &'static str,
    target: String,
    status: Status,
    sample: Option<&Sample>,
) -> Row {
    let value = sample.map(|s| s.shown.clone()).filter(|v| !v.is_empty());
    let reason = sample.and_then(|s| s.reason.clone());
    Row {
        name: name.to_string(),
        kind,
        status,
        value: value.unwrap_or_else(|| "-".into()),
        detail: reason.unwrap_or(target),
    }
}

/// Aligned columns: NAME, KIND, STATUS, VALUE, REASON/TARGET.
pub fn table(rows: &[Row]) -> String {
    let width = |header: &str, cell: &dyn Fn(&Row) -> usize| {
        rows.iter().map(cell).max().unwrap_or(0).max(header.len())
    };
    let name_w = width("NAME", &|r| r.name.chars().count());
    let kind_w = width("KIND", &|r| r.kind.len());
    let status_w = width("STATUS", &|r| r.status.as_str().len());
    let value_w = width("VALUE", &|r| r.value.chars().count());
    let mut text = format!(
        "{:<name_w$}  {:<kind_w$}  {:<status_w$}  {:<value_w$}  REASON/TARGET\n",
        "NAME", "KIND", "STATUS", "VALUE"
    );
    for r in rows {
        // One row per check: a multi-line command or reason shows its breaks as ⏎.
        let detail = r.detail.trim_end().lines().collect::<Vec<_>>().join(" ⏎ ");
        let line = format!(
            "{:<name_w$}  {:<kind_w$}  {:<status_w$}  {:<value_w$}  {detail}",
            r.name, r.kind, r.status, r.value
        );
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_line_command_keeps_to_one_row() {
        let rows = [Row {
            name: "load@host01".into(),
            kind: "cmd",
            status: Status::Ok,
            value: "3.33".into(),
            detail: "read one rest < /proc/loadavg\necho \"load $one\"\n".into(),
        }];
        assert_eq!(
            table(&rows),
            "NAME         KIND  STATUS  VALUE  REASON/TARGET\n\
             load@host01  cmd   OK      3.33   read one rest < /proc/loadavg ⏎ echo \"load $one\"\n"
        );
    }
}
