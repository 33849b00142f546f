//! `runbook check` on hosts: `ssh -G` (with the operator's `-F FILE`) says how ssh would
//! reach each host without connecting — a bad config file or a name ssh refuses is an
//! error before any step runs.

use super::ssh::SshSettings;
use crate::doc::hosts::HostEntry;
use std::time::Duration;

/// `ssh -G` only reads configuration; this is generous.
const RESOLVE_LIMIT: Duration = Duration::from_secs(10);
/// Hosts resolved at once.
const PARALLEL: usize = 8;

/// Where ssh would connect for a host, after its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub hostname: String,
    pub user: String,
    pub port: u16,
}

/// What `ssh -G` says of one host; `Err` is what ssh said was wrong.
pub fn resolve(settings: &SshSettings, host: &HostEntry) -> Result<Resolved, String> {
    let command = settings.to_host(host, &["-G"]);
    let ended = crate::child::run_to_end(command, b"", RESOLVE_LIMIT)?;
    if !ended.status.success() {
        let said = ended.said();
        return Err(if said.is_empty() {
            format!("ssh -G failed ({})", ended.status)
        } else {
            said
        });
    }
    let text = String::from_utf8_lossy(&ended.stdout);
    let value = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(' '))
            .map(str::to_string)
    };
    Ok(Resolved {
        hostname: value("hostname").unwrap_or_else(|| host.address.clone()),
        user: value("user").unwrap_or_default(),
        port: value("port").and_then(|p| p.parse().ok()).unwrap_or(22),
    })
}

/// Every host resolved, a few at a time, in the order given.
pub fn resolve_all(settings: &SshSettings, hosts: &[HostEntry]) -> Vec<Result<Resolved, String>> {
    let mut results = Vec::with_capacity(hosts.len());
    for chunk in hosts.chunks(PARALLEL) {
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|host| scope.spawn(move || resolve(settings, host)))
                .collect();
            for handle in handles {
                results.push(
                    handle
                        .join()
                        .unwrap_or_else(|_| Err("ssh -G could not be run".into())),
                );
            }
        });
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_through_the_given_config_and_bad_ones_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let config = dir.path().join("ssh_config");
        std::fs::write(
            &config,
            "Host web01\n  HostName 192.0.2.7\n  User deploy\n  Port 2222\n",
        )
        .expect("config");
        let settings = SshSettings::with_config(Some(config));
        let web = resolve(&settings, &HostEntry::plain("web01")).expect("known alias");
        assert_eq!(
            web,
            Resolved {
                hostname: "192.0.2.7".into(),
                user: "deploy".into(),
                port: 2222
            }
        );
        let results = resolve_all(
            &settings,
            &[HostEntry::plain("web01"), HostEntry::plain("we b")],
        );
        assert!(results[0].is_ok());
        let error = results[1].clone().expect_err("a space");
        assert!(error.contains("invalid characters"), "{error}");
        let missing = SshSettings::with_config(Some(dir.path().join("none")));
        let error = resolve(&missing, &HostEntry::plain("web01")).expect_err("no config");
        assert!(error.contains("none"), "{error}");
    }
}
