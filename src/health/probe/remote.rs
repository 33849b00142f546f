//! `cmd` and `system` checks `on:` a host, sampled over the session's ssh ControlMaster
//! ([`crate::fleet::HostSampler`]): a `cmd` check's command runs in the host's login
//! environment; a `system` check reads `/proc/loadavg`, `/proc/meminfo`, `/proc/stat` or
//! `df -P PATH` there and the numbers are worked out here. An unreachable host is DOWN
//! with ssh's reason; the check's timeout kills the local ssh, and the host then kills
//! what the sample left ([`crate::fleet::sample`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{ExitStatus, Stdio};

use crate::doc::health::{HealthCheck, Probe, SystemMetric, Unit};
use crate::doc::hosts::{HostEntry, HostsSpec};
use crate::fleet::{HostSampler, Inventory};

use super::super::error::ProbeError;
use super::super::verdict::Reading;
use super::cmd::{STDERR_LIMIT, STDOUT_LIMIT, exit_reason, read_capped, reading};

/// How often a sample looks again while another one opens its host's master.
const CONNECTING_POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// The checks' hosts, resolved once, and the connections to sample them over.
#[derive(Debug, Clone, Default)]
pub struct Hosts {
    sampler: Option<HostSampler>,
    /// By `on` as written: the host, or why it cannot be reached.
    hosts: BTreeMap<String, Result<HostEntry, String>>,
}

impl Hosts {
    /// Whether any check runs on a host.
    pub fn needed(checks: &[HealthCheck]) -> bool {
        checks.iter().any(|c| c.on.is_some())
    }

    /// Resolves every check's `on` against the runbook's `hosts:` and inventory (relative
    /// to `base_dir`); `sampler` reaches them.
    pub fn resolve(
        checks: &[HealthCheck],
        spec: &HostsSpec,
        base_dir: &Path,
        sampler: Option<HostSampler>,
    ) -> Hosts {
        let inventory = Inventory::load(spec, base_dir).map_err(|e| e.to_string());
        let hosts = checks
            .iter()
            .filter_map(|c| c.on.clone())
            .map(|on| {
                let host = match &inventory {
                    Ok(inventory) => crate::fleet::sample::one_host(inventory, &on),
                    Err(e) => Err(e.clone()),
                };
                (on, host)
            })
            .collect();
        Hosts { sampler, hosts }
    }

    fn host(&self, on: &str) -> Result<(&HostSampler, &HostEntry), ProbeError> {
        let host = match self.hosts.get(on) {
            Some(Ok(host)) => host,
            Some(Err(why)) => return Err(ProbeError::Connect(why.clone())),
            None => return Err(ProbeError::Connect(format!("`{on}` was not resolved"))),
        };
        let sampler = self
            .sampler
            .as_ref()
            .ok_or_else(|| ProbeError::Connect("no ssh connections in this session".into()))?;
        Ok((sampler, host))
    }
}

/// What a check on a host keeps between samples: the CPU counters of the last one.
#[derive(Debug, Default)]
pub struct RemoteState {
    cpu: Option<CpuTimes>,
}

/// One probe of `check` on host `on`.
pub async fn probe(
    hosts: &Hosts,
    on: &str,
    check: &HealthCheck,
    state: &mut RemoteState,
) -> Result<Reading, ProbeError> {
    let (sampler, host) = hosts.host(on)?;
    match &check.probe {
        Probe::Cmd { command } => {
            let (status, stdout, stderr) = run(sampler, host, command).await?;
            reading(status, &stdout, &stderr, check)
        }
        Probe::System(metric) => system(sampler, host, metric, state).await,
        other => Err(ProbeError::Metric(format!(
            "{} checks do not run on hosts",
            other.label()
        ))),
    }
}

async fn system(
    sampler: &HostSampler,
    host: &HostEntry,
    metric: &SystemMetric,
    state: &mut RemoteState,
) -> Result<Reading, ProbeError> {
    let script = match metric {
        SystemMetric::Load => "cat /proc/loadavg".to_string(),
        SystemMetric::Memory => "cat /proc/meminfo".to_string(),
        SystemMetric::Disk(path) => format!(
            "df -P -- {} | tail -n 1",
            crate::fleet::ssh::shell_quote(path)
        ),
        SystemMetric::Cpu if state.cpu.is_some() => "head -n 1 /proc/stat".to_string(),
        SystemMetric::Cpu => "head -n 1 /proc/stat; sleep 0.25; head -n 1 /proc/stat".to_string(),
    };
    let (status, stdout, stderr) = run(sampler, host, &script).await?;
    if !status.success() {
        return Err(ProbeError::Metric(exit_reason(status, &stderr)));
    }
    let unreadable = || {
        ProbeError::Metric(format!(
            "cannot read {} from: {}",
            label(metric),
            stdout.lines().next().unwrap_or_default().trim()
        ))
    };
    let (value, unit) = match metric {
        SystemMetric::Load => (load(&stdout).ok_or_else(unreadable)?, Unit::Plain),
        SystemMetric::Memory => (memory(&stdout).ok_or_else(unreadable)?, Unit::Percent),
        SystemMetric::Disk(_) => (disk(&stdout).ok_or_else(unreadable)?, Unit::Percent),
        SystemMetric::Cpu => (
            cpu(&stdout, &mut state.cpu).ok_or_else(unreadable)?,
            Unit::Percent,
        ),
    };
    Ok(Reading::number(value, unit))
}

fn label(metric: &SystemMetric) -> &'static str {
    match metric {
        SystemMetric::Load => "the load",
        SystemMetric::Memory => "memory use",
        SystemMetric::Disk(_) => "disk use",
        SystemMetric::Cpu => "CPU use",
    }
}

/// Runs `script` on `host` to its end: (status, stdout, stderr). ssh's own failure (exit
/// 255: no connection, refused login) is DOWN with its last words.
async fn run(
    sampler: &HostSampler,
    host: &HostEntry,
    script: &str,
) -> Result<(ExitStatus, String, String), ProbeError> {
    while sampler.connecting(host) {
        tokio::time::sleep(CONNECTING_POLL).await;
    }
    let (opener, target) = (sampler.clone(), host.clone());
    tokio::task::spawn_blocking(move || opener.ensure(&target))
        .await
        .map_err(|e| ProbeError::Connect(format!("the connection attempt failed: {e}")))?
        .map_err(ProbeError::Connect)?;
    let (command, input) = sampler.command(host, script);
    let mut child = tokio::process::Command::from(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| ProbeError::Spawn {
            shell: "ssh".into(),
            message: e.to_string(),
        })?;
    // The script first, then held open until the end: the host ends the sample when it
    // closes.
    let mut stdin = child.stdin.take();
    if let Some(pipe) = stdin.as_mut() {
        use tokio::io::AsyncWriteExt;
        let _ = pipe.write_all(&input).await;
    }
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let (status, out, err) = tokio::join!(
        child.wait(),
        read_capped(stdout, STDOUT_LIMIT),
        read_capped(stderr, STDERR_LIMIT)
    );
    drop(stdin);
    let status = status.map_err(|e| ProbeError::Connect(e.to_string()))?;
    if status.code() == Some(255) {
        let said = crate::child::last_line(err.trim()).to_string();
        return Err(ProbeError::Connect(if said.is_empty() {
            "ssh exited with 255".into()
        } else {
            said
        }));
    }
    Ok((status, out, err))
}

/// The one-minute load of `/proc/loadavg`.
fn load(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// Percent of memory in use, as `free` counts it: (MemTotal - MemAvailable) / MemTotal.
fn memory(text: &str) -> Option<f64> {
    let field = |name: &str| -> Option<f64> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    let total = field("MemTotal:").filter(|t| *t > 0.0)?;
    let available = field("MemAvailable:").or_else(|| {
        Some(
            field("MemFree:")? + field("Buffers:").unwrap_or(0.0) + field("Cached:").unwrap_or(0.0),
        )
    })?;
    Some(((total - available) * 100.0 / total).clamp(0.0, 100.0))
}

/// Used space of a `df -P` line as `df` counts it: used / (used + available).
fn disk(text: &str) -> Option<f64> {
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let capacity = fields.iter().position(|f| f.ends_with('%'))?;
    let used: f64 = fields.get(capacity.checked_sub(2)?)?.parse().ok()?;
    let available: f64 = fields.get(capacity - 1)?.parse().ok()?;
    let usable = used + available;
    (usable > 0.0).then(|| used * 100.0 / usable)
}

/// The CPU counters of a `/proc/stat` `cpu` line: (busy + idle, idle) in ticks.
#[derive(Debug, Clone, Copy, PartialEq)]
struct CpuTimes {
    total: u64,
    idle: u64,
}

fn cpu_times(line: &str) -> Option<CpuTimes> {
    let mut fields = line.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let ticks: Vec<u64> = fields.take(8).filter_map(|f| f.parse().ok()).collect();
    if ticks.len() < 4 {
        return None;
    }
    let idle = ticks[3] + ticks.get(4).copied().unwrap_or(0);
    Some(CpuTimes {
        total: ticks.iter().sum(),
        idle,
    })
}

/// Percent busy between the previous counters (or the first of two lines) and the last.
fn cpu(text: &str, previous: &mut Option<CpuTimes>) -> Option<f64> {
    let readings: Vec<CpuTimes> = text.lines().filter_map(cpu_times).collect();
    let last = *readings.last()?;
    let before = match (readings.len(), *previous) {
        (2.., _) => readings[readings.len() - 2],
        (_, Some(before)) => before,
        _ => return None,
    };
    *previous = Some(last);
    let total = last.total.checked_sub(before.total)?;
    let idle = last.idle.checked_sub(before.idle)?;
    if total == 0 {
        return Some(0.0);
    }
    Some((total.saturating_sub(idle)) as f64 * 100.0 / total as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_and_df_outputs_read_as_their_numbers() {
        assert_eq!(load("0.52 0.58 0.59 1/523 12345\n"), Some(0.52));
        let meminfo =
            "MemTotal:       8000000 kB\nMemFree:  1000000 kB\nMemAvailable:   2000000 kB\n";
        assert_eq!(memory(meminfo), Some(75.0));
        let old_kernel = "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 100 kB\nCached: 300 kB\n";
        assert_eq!(memory(old_kernel), Some(50.0));
        let df = "/dev/mapper/vg root  1000  600  400  60% /srv/my data\n";
        assert_eq!(disk(df), Some(60.0));
        assert_eq!(disk("garbage"), None);
    }

    #[test]
    fn cpu_use_is_the_busy_share_between_two_readings() {
        let mut previous = None;
        let two = "cpu  100 0 100 800 0 0 0 0 0 0\ncpu  150 0 150 900 0 0 0 0 0 0\n";
        assert_eq!(cpu(two, &mut previous), Some(50.0));
        let next = "cpu  150 0 150 1000 0 0 0 0 0 0\n";
        assert_eq!(cpu(next, &mut previous), Some(0.0));
        assert_eq!(cpu(next, &mut None), None, "one reading and nothing before");
    }

    #[test]
    fn a_check_whose_host_is_unknown_says_why() {
        let spec = HostsSpec::default();
        let check = HealthCheck {
            name: "disk".into(),
            line: 1,
            probe: Probe::System(SystemMetric::Disk("/".into())),
            every: std::time::Duration::from_secs(5),
            timeout: std::time::Duration::from_secs(2),
            warn: None,
            crit: None,
            fail_after: 1,
            rollback_if: None,
            on: Some("web01".into()),
        };
        let hosts = Hosts::resolve(std::slice::from_ref(&check), &spec, Path::new("."), None);
        let err = hosts.host("web01").expect_err("unknown host");
        assert_eq!(err.status(), crate::health::Status::Down);
        assert!(err.to_string().contains("web01"), "{err}");
    }
}
