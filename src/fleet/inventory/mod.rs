//! The hosts a runbook can reach, by group: its own `hosts:` groups and its `inventory:`
//! file — an Ansible YAML inventory read directly, any other inventory (INI, a script, a
//! directory, a plugin configuration) through `ansible-inventory --list` when it is on
//! PATH — and `on` resolved against them.

mod ansible_list;
mod ansible_yaml;

use crate::doc::hosts::{ALL, HostEntry, HostsSpec};
use std::path::{Path, PathBuf};

/// Why an inventory could not be read, or `on` names something it does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    #[error("cannot read the inventory {}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("the inventory {}: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error(
        "the inventory {} is not a YAML inventory runbook reads itself ({why}), and `ansible-inventory` is not on PATH: install ansible-core, or convert it once with `ansible-inventory -i {} --list -y > inventory.yml`",
        path.display(),
        path.display()
    )]
    NeedsAnsible { path: PathBuf, why: String },
    #[error("`{target}` is not a group or host of {where_}; known groups: {known}")]
    UnknownTarget {
        target: String,
        where_: String,
        known: String,
    },
}

/// Groups of hosts in the order they were first named; `all` holds every host.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inventory {
    groups: Vec<(String, Vec<HostEntry>)>,
    /// Where the groups came from, for messages ("`hosts:`", "inventory.yml").
    source: String,
}

impl Inventory {
    /// The runbook's groups, and those of its inventory file (relative to `base_dir`, the
    /// runbook's directory) when it names one; a group in both holds the hosts of both.
    pub fn load(spec: &HostsSpec, base_dir: &Path) -> Result<Inventory, InventoryError> {
        let mut inventory = match &spec.inventory {
            Some(file) => {
                let path = base_dir.join(&file.path);
                let mut read = read_file(&path)?;
                read.source = file.path.clone();
                read
            }
            None => Inventory {
                source: "`hosts:`".into(),
                ..Inventory::default()
            },
        };
        for group in &spec.groups {
            inventory.add(&group.name, &group.hosts);
        }
        Ok(inventory)
    }

    /// Adds hosts to a group (created if new), each host once.
    pub fn add(&mut self, group: &str, hosts: &[HostEntry]) {
        let index = match self.groups.iter().position(|(name, _)| name == group) {
            Some(index) => index,
            None => {
                self.groups.push((group.to_string(), Vec::new()));
                self.groups.len() - 1
            }
        };
        let members = &mut self.groups[index].1;
        for host in hosts {
            if !members.iter().any(|m| m.name == host.name) {
                members.push(host.clone());
            }
        }
    }

    /// The groups, `all` excepted, in order.
    pub fn groups(&self) -> impl Iterator<Item = (&str, &[HostEntry])> {
        self.groups
            .iter()
            .filter(|(name, _)| name != ALL)
            .map(|(name, hosts)| (name.as_str(), hosts.as_slice()))
    }

    /// Every host once, in order of first mention.
    pub fn hosts(&self) -> Vec<HostEntry> {
        let mut all: Vec<HostEntry> = Vec::new();
        for (_, hosts) in &self.groups {
            for host in hosts {
                if !all.iter().any(|h| h.name == host.name) {
                    all.push(host.clone());
                }
            }
        }
        all
    }

    /// The hosts `on` names (groups, `all`, or hosts by name or address), each once, in
    /// the order `on` gives them.
    pub fn resolve(&self, on: &[String]) -> Result<Vec<HostEntry>, InventoryError> {
        let everyone = self.hosts();
        let mut chosen: Vec<HostEntry> = Vec::new();
        for target in on {
            let found: Vec<HostEntry> = if target == ALL {
                everyone.clone()
            } else if let Some((_, hosts)) = self.groups.iter().find(|(name, _)| name == target) {
                hosts.clone()
            } else {
                everyone
                    .iter()
                    .filter(|h| &h.name == target || &h.address == target)
                    .cloned()
                    .collect()
            };
            if found.is_empty() {
                return Err(self.unknown(target));
            }
            for host in found {
                if !chosen.iter().any(|c| c.name == host.name) {
                    chosen.push(host);
                }
            }
        }
        Ok(chosen)
    }

    fn unknown(&self, target: &str) -> InventoryError {
        let mut known: Vec<&str> = vec![ALL];
        known.extend(self.groups().map(|(name, _)| name));
        InventoryError::UnknownTarget {
            target: target.to_string(),
            where_: self.source.clone(),
            known: known.join(", "),
        }
    }
}

/// Reads an inventory file: YAML directly; anything else through `ansible-inventory`.
fn read_file(path: &Path) -> Result<Inventory, InventoryError> {
    let unreadable = |reason: String| InventoryError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
    let why = if meta.is_dir() {
        "a directory".to_string()
    } else {
        let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
        match ansible_yaml::read(&bytes, path) {
            Ok(inventory) => return Ok(inventory),
            Err(ansible_yaml::NotDirect::Invalid(reason)) => {
                return Err(InventoryError::Invalid {
                    path: path.to_path_buf(),
                    reason,
                });
            }
            Err(ansible_yaml::NotDirect::Other(why)) => why,
        }
    };
    ansible_list::run(path).map_err(|e| match e {
        ansible_list::ListError::Missing => InventoryError::NeedsAnsible {
            path: path.to_path_buf(),
            why,
        },
        ansible_list::ListError::Failed(reason) => InventoryError::Invalid {
            path: path.to_path_buf(),
            reason: format!("ansible-inventory: {reason}"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::hosts::{HostGroup, InventoryRef};

    fn spec(groups: &[(&str, &[&str])]) -> HostsSpec {
        HostsSpec {
            groups: groups
                .iter()
                .map(|(name, hosts)| HostGroup {
                    name: name.to_string(),
                    line: 1,
                    hosts: hosts.iter().map(|h| HostEntry::plain(h)).collect(),
                })
                .collect(),
            inventory: None,
        }
    }

    fn names(hosts: &[HostEntry]) -> Vec<&str> {
        hosts.iter().map(|h| h.name.as_str()).collect()
    }

    #[test]
    fn on_resolves_groups_hosts_and_all_once_each() {
        let inventory = Inventory::load(
            &spec(&[("web", &["w1", "w2"]), ("db", &["d1", "w2"])]),
            Path::new("."),
        )
        .expect("no file to read");
        let on = |targets: &[&str]| {
            let targets: Vec<String> = targets.iter().map(|t| t.to_string()).collect();
            inventory.resolve(&targets)
        };
        assert_eq!(
            names(&on(&["db", "web"]).expect("known")),
            ["d1", "w2", "w1"]
        );
        assert_eq!(names(&on(&["all"]).expect("all")), ["w1", "w2", "d1"]);
        assert_eq!(names(&on(&["w1"]).expect("a host")), ["w1"]);
        let error = on(&["cache"]).expect_err("unknown").to_string();
        assert_eq!(
            error,
            "`cache` is not a group or host of `hosts:`; known groups: all, web, db"
        );
    }

    #[test]
    fn a_missing_inventory_file_says_which() {
        let mut with_file = spec(&[]);
        with_file.inventory = Some(InventoryRef {
            path: "nowhere.yml".into(),
            line: 2,
        });
        let error = Inventory::load(&with_file, Path::new("/nonexistent"))
            .expect_err("missing")
            .to_string();
        assert!(
            error.starts_with("cannot read the inventory /nonexistent/nowhere.yml: "),
            "{error}"
        );
    }
}
