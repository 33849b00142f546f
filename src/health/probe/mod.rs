//! Running one probe of any kind under its timeout, and `probe_once` for a single round.

mod cmd;
mod http;
mod json_path;
mod prometheus;
pub mod remote;
mod system;
mod tcp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::doc::health::{HealthCheck, Probe};

use super::error::ProbeError;
use super::types::Sample;
use super::verdict::{Judged, Reading, judge};

/// What every probe shares: the HTTP client and the environment for `cmd` checks.
#[derive(Debug, Clone)]
pub struct Prober {
    client: Result<reqwest::Client, String>,
    env: Arc<BTreeMap<String, String>>,
    cwd: Arc<PathBuf>,
    /// Where checks `on:` a host run, and how they are reached.
    hosts: Arc<remote::Hosts>,
}

/// What a check keeps between its probes (the CPU counters of the previous sample).
#[derive(Default)]
pub struct ProbeState {
    system: system::SystemState,
    remote: remote::RemoteState,
}

impl Prober {
    /// `env` is the complete environment of `cmd` checks; `cwd` their working directory.
    pub fn new(env: BTreeMap<String, String>, cwd: PathBuf) -> Self {
        Prober {
            client: http::client(),
            env: Arc::new(env),
            cwd: Arc::new(cwd),
            hosts: Arc::default(),
        }
    }

    /// Checks `on:` a host are sampled on `hosts`.
    pub fn with_hosts(mut self, hosts: remote::Hosts) -> Self {
        self.hosts = Arc::new(hosts);
        self
    }

    /// One probe, cut at the check's timeout, judged against its thresholds.
    pub async fn sample(&self, check: &HealthCheck, state: &mut ProbeState) -> Judged {
        let outcome = match tokio::time::timeout(check.timeout, self.read(check, state)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(ProbeError::Timeout(check.timeout)),
        };
        judge(check, outcome)
    }

    async fn read(
        &self,
        check: &HealthCheck,
        state: &mut ProbeState,
    ) -> Result<Reading, ProbeError> {
        if let Some(on) = &check.on {
            return remote::probe(&self.hosts, on, check, &mut state.remote).await;
        }
        match &check.probe {
            Probe::Http(probe) => http::probe(self.client()?, probe, check, &self.env).await,
            Probe::Tcp { address } => tcp::probe(address).await,
            Probe::Cmd { command } => {
                let run = cmd::CmdRun {
                    command,
                    env: &self.env,
                    cwd: &self.cwd,
                };
                cmd::probe(&run, check).await
            }
            Probe::System(metric) => system::probe(metric, &mut state.system).await,
            Probe::Prometheus {
                url,
                query,
                headers,
            } => {
                let query = prometheus::Query {
                    base: url,
                    query,
                    headers,
                };
                prometheus::probe(self.client()?, &query, check.timeout, &self.env).await
            }
        }
    }

    fn client(&self) -> Result<&reqwest::Client, ProbeError> {
        self.client
            .as_ref()
            .map_err(|e| ProbeError::Request(e.clone()))
    }
}

/// Probes every check once, all at the same time; results in declaration order.
/// For `runbook health` without `--watch`. Blocks until the slowest probe ends or times out.
pub fn probe_once(
    checks: &[HealthCheck],
    env: &BTreeMap<String, String>,
    cwd: &Path,
) -> Vec<(String, Sample)> {
    probe_once_on(checks, env, cwd, remote::Hosts::default())
}

/// [`probe_once`], with checks `on:` a host sampled on `hosts`.
pub fn probe_once_on(
    checks: &[HealthCheck],
    env: &BTreeMap<String, String>,
    cwd: &Path,
    hosts: remote::Hosts,
) -> Vec<(String, Sample)> {
    let runtime = match super::monitor::runtime() {
        Ok(runtime) => runtime,
        Err(e) => return unavailable(checks, &e.to_string()),
    };
    let prober = Prober::new(env.clone(), cwd.to_path_buf()).with_hosts(hosts);
    let results = runtime.block_on(async {
        let tasks: Vec<_> = checks
            .iter()
            .map(|check| {
                let (prober, check) = (prober.clone(), check.clone());
                tokio::spawn(async move {
                    prober
                        .sample(&check, &mut ProbeState::default())
                        .await
                        .sample
                })
            })
            .collect();
        let mut results = Vec::with_capacity(tasks.len());
        for (check, task) in checks.iter().zip(tasks) {
            let sample = task
                .await
                .unwrap_or_else(|e| failed_sample(&format!("probe failed: {e}")));
            results.push((check.name.clone(), sample));
        }
        results
    });
    runtime.shutdown_timeout(super::monitor::SHUTDOWN_WAIT);
    results
}

fn unavailable(checks: &[HealthCheck], why: &str) -> Vec<(String, Sample)> {
    let reason = format!("health checks unavailable: {why}");
    checks
        .iter()
        .map(|c| (c.name.clone(), failed_sample(&reason)))
        .collect()
}

fn failed_sample(reason: &str) -> Sample {
    Sample {
        status: super::Status::Unknown,
        value: None,
        shown: String::new(),
        reason: Some(reason.to_string()),
    }
}
