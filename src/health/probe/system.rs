//! `system` checks on this host: CPU and memory use, disk use of a path's filesystem, load.

use std::path::{Path, PathBuf};
use std::time::Instant;

use sysinfo::{MINIMUM_CPU_UPDATE_INTERVAL, System};

use crate::doc::health::{SystemMetric, Unit};

use super::super::error::ProbeError;
use super::super::verdict::Reading;

/// The CPU counters of the previous sample, so later samples need not wait to measure.
#[derive(Default)]
pub struct SystemState {
    cpu: Option<(System, Instant)>,
}

pub async fn probe(metric: &SystemMetric, state: &mut SystemState) -> Result<Reading, ProbeError> {
    match metric {
        SystemMetric::Cpu => Ok(Reading::number(cpu(state).await, Unit::Percent)),
        SystemMetric::Memory => memory().map(|v| Reading::number(v, Unit::Percent)),
        SystemMetric::Load => Ok(Reading::number(System::load_average().one, Unit::Plain)),
        SystemMetric::Disk(path) => disk(PathBuf::from(path))
            .await
            .map(|v| Reading::number(v, Unit::Percent)),
    }
}

/// Percent of all cores busy since the previous sample (or over a short first measurement).
async fn cpu(state: &mut SystemState) -> f64 {
    let (mut system, measured) = match state.cpu.take() {
        Some(previous) => previous,
        None => {
            let mut system = System::new();
            system.refresh_cpu_usage();
            (system, Instant::now())
        }
    };
    let since = measured.elapsed();
    if since < MINIMUM_CPU_UPDATE_INTERVAL {
        tokio::time::sleep(MINIMUM_CPU_UPDATE_INTERVAL - since).await;
    }
    system.refresh_cpu_usage();
    let usage = f64::from(system.global_cpu_usage());
    state.cpu = Some((system, Instant::now()));
    usage
}

fn memory() -> Result<f64, ProbeError> {
    let mut system = System::new();
    system.refresh_memory();
    let total = system.total_memory();
    if total == 0 {
        return Err(ProbeError::Metric("memory size unknown".into()));
    }
    Ok(percent(system.used_memory(), total))
}

/// Disk use of the filesystem holding `path`. Only that filesystem is asked (statvfs on the
/// path), so a hung network mount elsewhere cannot hold the check; the path itself may be
/// one, so the call runs off the runtime, cut at the check's timeout.
async fn disk(path: PathBuf) -> Result<f64, ProbeError> {
    tokio::task::spawn_blocking(move || disk_use(&path))
        .await
        .map_err(|e| ProbeError::Metric(format!("disk probe failed: {e}")))?
}

/// Used space as `df` counts it: used / (used + available to unprivileged users).
// statvfs field widths differ between platforms (u32 on some BSDs): widen to u64 everywhere.
#[allow(clippy::useless_conversion)]
fn disk_use(path: &Path) -> Result<f64, ProbeError> {
    let stat = nix::sys::statvfs::statvfs(path)
        .map_err(|e| ProbeError::Metric(format!("{}: {}", path.display(), e.desc())))?;
    let fragment = u64::from(stat.fragment_size());
    let blocks = u64::from(stat.blocks());
    let free = u64::from(stat.blocks_free());
    let available = u64::from(stat.blocks_available());
    let used = blocks.saturating_sub(free).saturating_mul(fragment);
    let usable = used.saturating_add(available.saturating_mul(fragment));
    if usable == 0 {
        return Err(ProbeError::Metric(format!(
            "{} reports no size",
            path.display()
        )));
    }
    Ok(percent(used, usable))
}

fn percent(part: u64, whole: u64) -> f64 {
    part as f64 * 100.0 / whole as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_metric_reads_a_plausible_value() {
        let mut state = SystemState::default();
        for metric in [
            SystemMetric::Cpu,
            SystemMetric::Memory,
            SystemMetric::Load,
            SystemMetric::Disk("/".into()),
        ] {
            let reading = probe(&metric, &mut state).await.expect("a reading");
            let value = reading.value.expect("a value");
            assert!(value >= 0.0, "{metric:?}: {value}");
            if metric != SystemMetric::Load {
                assert!(value <= 100.0, "{metric:?}: {value}");
                assert!(reading.shown.ends_with('%'), "{}", reading.shown);
            }
        }
        assert!(state.cpu.is_some(), "CPU counters kept for the next sample");
    }

    #[tokio::test]
    async fn a_missing_path_is_reported() {
        let err = disk("/no/such/dir".into()).await.expect_err("no such path");
        assert_eq!(err.status(), crate::health::Status::Unknown);
    }
}
