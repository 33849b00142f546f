//! Hosts in a runbook (PRODUCT.md §8, §1.3): the `hosts:` groups and `inventory:` file of
//! the metadata, and the fleet options of a run step (`on`, `serial`, `max_fail`,
//! `batch_gate`, `batch_wait`) in both syntaxes. Only what the document says: reading an
//! inventory and reaching hosts is [`crate::fleet`]'s.

mod checks;
mod meta;
mod options;
pub mod pattern;

pub use checks::validate_checks;
pub use meta::{HOSTS_KEYS, hosts_spec};
pub use options::{FLEET_OPTIONS, LIST_OPTIONS, apply_option, validate, yaml_option_text};

use std::time::Duration;

/// The metadata's hosts: groups written in the runbook, and an inventory file to read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostsSpec {
    pub groups: Vec<HostGroup>,
    pub inventory: Option<InventoryRef>,
}

impl HostsSpec {
    /// Nothing declared: no step can run elsewhere.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.inventory.is_none()
    }
}

/// `inventory: FILE`, as written (relative paths are relative to the runbook's directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryRef {
    pub path: String,
    pub line: u32,
}

/// One group of `hosts:`, its patterns expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostGroup {
    pub name: String,
    pub line: u32,
    pub hosts: Vec<HostEntry>,
}

/// One host as ssh reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostEntry {
    /// How the runbook (or inventory) names it: shown on screen and matched by `on`.
    pub name: String,
    /// What ssh is given to connect to: an alias of the ssh config, a name or an address.
    pub address: String,
    pub user: Option<String>,
    pub port: Option<u16>,
}

impl HostEntry {
    /// A host known by its address alone.
    pub fn plain(address: &str) -> Self {
        HostEntry {
            name: address.to_string(),
            address: address.to_string(),
            user: None,
            port: None,
        }
    }
}

/// A count or a share of a step's hosts (`serial`, `max_fail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    Count(u32),
    Percent(u8),
}

impl Amount {
    /// This amount of `total` hosts: a percentage rounds down.
    pub fn of(self, total: usize) -> usize {
        match self {
            Amount::Count(n) => usize::try_from(n).unwrap_or(usize::MAX),
            Amount::Percent(p) => total * usize::from(p) / 100,
        }
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Amount::Count(n) => write!(f, "{n}"),
            Amount::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Where and how a run step runs on hosts; `on` empty means here, on this machine.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FleetOptions {
    /// Groups and hosts, as written (`on=web,db-primary`).
    pub on: Vec<String>,
    /// Batch sizes; the last repeats (`1,25%`: one host, then a quarter at a time).
    pub serial: Vec<Amount>,
    /// More failed hosts than this ends the step after the current batch (default 0).
    pub max_fail: Option<Amount>,
    /// Ask GO/NO-GO after each batch.
    pub batch_gate: bool,
    /// Pause between batches.
    pub batch_wait: Option<Duration>,
}

impl FleetOptions {
    /// The step runs on hosts rather than here.
    pub fn is_remote(&self) -> bool {
        !self.on.is_empty()
    }

    /// Which fleet options are set, by key (to say which need `on`).
    pub fn keys_set(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        if !self.serial.is_empty() {
            keys.push("serial");
        }
        if self.max_fail.is_some() {
            keys.push("max_fail");
        }
        if self.batch_gate {
            keys.push("batch_gate");
        }
        if self.batch_wait.is_some() {
            keys.push("batch_wait");
        }
        keys
    }

    /// `serial 1,25% · max_fail 0 · batch_gate · batch_wait 30s`, for outlines.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.serial.is_empty() {
            let sizes: Vec<String> = self.serial.iter().map(Amount::to_string).collect();
            parts.push(format!("serial {}", sizes.join(",")));
        }
        if let Some(max) = self.max_fail {
            parts.push(format!("max_fail {max}"));
        }
        if self.batch_gate {
            parts.push("batch_gate".to_string());
        }
        if let Some(wait) = self.batch_wait {
            parts.push(format!(
                "batch_wait {}",
                crate::doc::duration::format_duration(wait)
            ));
        }
        parts.join(" · ")
    }
}

/// The `show --json` fields of a run step's fleet options (`on` empty: runs here).
pub fn options_json(fleet: &FleetOptions) -> serde_json::Value {
    serde_json::json!({
        "on": fleet.on,
        "serial": fleet.serial.iter().map(Amount::to_string).collect::<Vec<_>>(),
        "max_fail": fleet.max_fail.map(|m| m.to_string()),
        "batch_gate": fleet.batch_gate,
        "batch_wait_seconds": fleet.batch_wait.map(|d| d.as_secs_f64()),
    })
}

/// The `show --json` form of the metadata's hosts: groups with their hosts, the inventory.
pub fn spec_json(spec: &HostsSpec) -> serde_json::Value {
    serde_json::json!({
        "groups": spec.groups.iter().map(|g| serde_json::json!({
            "name": g.name,
            "line": g.line,
            "hosts": g.hosts.iter().map(|h| h.name.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "inventory": spec.inventory.as_ref().map(|i| i.path.clone()),
    })
}

/// Every host of a runbook's `hosts:` groups once, in order of first mention.
pub fn all_hosts(groups: &[HostGroup]) -> Vec<HostEntry> {
    let mut seen = std::collections::HashSet::new();
    groups
        .iter()
        .flat_map(|g| g.hosts.iter())
        .filter(|h| seen.insert(h.name.clone()))
        .cloned()
        .collect()
}

/// The group every host belongs to without being listed in it.
pub const ALL: &str = "all";

/// Whether `text` can name a group: letters, digits, `_`, `-`, `.`.
pub fn is_group_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Whether `text` can name one host as `on:` of a health check: a name, an address or
/// `user@host:port` (no range, no list).
pub fn is_host_name(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | ':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_of_a_fleet() {
        assert_eq!(Amount::Percent(25).of(20), 5);
        assert_eq!(Amount::Percent(25).of(3), 0);
        assert_eq!(Amount::Count(3).of(20), 3);
        assert_eq!(Amount::Percent(100).to_string(), "100%");
    }

    #[test]
    fn options_describe_themselves() {
        let options = FleetOptions {
            on: vec!["web".into()],
            serial: vec![Amount::Count(1), Amount::Percent(25)],
            max_fail: Some(Amount::Count(0)),
            batch_gate: true,
            batch_wait: Some(Duration::from_secs(30)),
        };
        assert_eq!(
            options.describe(),
            "serial 1,25% · max_fail 0 · batch_gate · batch_wait 30s"
        );
        assert_eq!(
            options.keys_set(),
            ["serial", "max_fail", "batch_gate", "batch_wait"]
        );
        assert!(options.is_remote());
        assert!(!FleetOptions::default().is_remote());
    }
}
