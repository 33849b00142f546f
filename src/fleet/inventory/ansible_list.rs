//! Any inventory Ansible reads (INI, scripts, directories, plugins), through
//! `ansible-inventory -i FILE --list`: its JSON groups, children and `_meta.hostvars`.

use super::Inventory;
use crate::doc::hosts::HostEntry;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Dynamic inventories may query a cloud API; this is how long they get.
const LIST_LIMIT: Duration = Duration::from_secs(120);

/// Why `ansible-inventory` gave no inventory.
#[derive(Debug)]
pub enum ListError {
    /// It is not on PATH.
    Missing,
    Failed(String),
}

/// Runs `ansible-inventory --list` on `path` and reads its answer.
pub fn run(path: &Path) -> Result<Inventory, ListError> {
    let program = on_path("ansible-inventory").ok_or(ListError::Missing)?;
    let mut command = Command::new(program);
    command.arg("-i").arg(path).arg("--list");
    let done = crate::child::run(command, b"", LIST_LIMIT).map_err(ListError::Failed)?;
    let listed: Value = serde_json::from_slice(&done.stdout)
        .map_err(|e| ListError::Failed(format!("its answer is not JSON: {e}")))?;
    Ok(from_list(&listed))
}

/// The first `name` in a directory of `$PATH`.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Groups of `ansible-inventory --list` JSON, children's hosts included.
pub fn from_list(listed: &Value) -> Inventory {
    let Some(groups) = listed.as_object() else {
        return Inventory::default();
    };
    let hostvars = listed.pointer("/_meta/hostvars").and_then(Value::as_object);
    let entry = |name: &str| {
        let vars = hostvars.and_then(|h| h.get(name));
        let text = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| vars.and_then(|v| v.get(*k)))
                .and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
        };
        HostEntry {
            name: name.to_string(),
            address: text(&["ansible_host", "ansible_ssh_host"])
                .unwrap_or_else(|| name.to_string()),
            user: text(&["ansible_user", "ansible_ssh_user"]),
            port: text(&["ansible_port", "ansible_ssh_port"]).and_then(|p| p.parse().ok()),
        }
    };
    let direct: HashMap<&str, (Vec<&str>, Vec<&str>)> = groups
        .iter()
        .filter(|(name, _)| name.as_str() != "_meta")
        .map(|(name, group)| {
            let list = |key: &str| -> Vec<&str> {
                group
                    .get(key)
                    .and_then(Value::as_array)
                    .map(|items| items.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default()
            };
            (name.as_str(), (list("hosts"), list("children")))
        })
        .collect();
    let mut inventory = Inventory::default();
    for name in groups.keys().filter(|name| name.as_str() != "_meta") {
        let mut members: Vec<&str> = Vec::new();
        collect(name, &direct, &mut members, &mut Vec::new());
        let hosts: Vec<HostEntry> = members.iter().map(|m| entry(m)).collect();
        inventory.add(name, &hosts);
    }
    inventory
}

fn collect<'a>(
    group: &'a str,
    direct: &HashMap<&'a str, (Vec<&'a str>, Vec<&'a str>)>,
    members: &mut Vec<&'a str>,
    seen: &mut Vec<&'a str>,
) {
    if seen.contains(&group) {
        return;
    }
    seen.push(group);
    let Some((hosts, children)) = direct.get(group) else {
        return;
    };
    for host in hosts {
        if !members.contains(host) {
            members.push(host);
        }
    }
    for child in children {
        collect(child, direct, members, seen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_children_and_hostvars_of_a_listing() {
        let listed = serde_json::json!({
            "_meta": {"hostvars": {
                "web1": {"ansible_host": "10.0.0.1", "ansible_port": 2222, "ansible_user": "deploy"},
                "db1": {}
            }},
            "all": {"children": ["ungrouped", "web", "db"]},
            "web": {"hosts": ["web1", "web2"]},
            "db": {"hosts": ["db1"], "children": ["web"]},
            "ungrouped": {}
        });
        let inventory = from_list(&listed);
        let db: Vec<&str> = inventory
            .groups()
            .find(|(name, _)| *name == "db")
            .map(|(_, hosts)| hosts.iter().map(|h| h.name.as_str()).collect())
            .expect("db");
        assert_eq!(db, ["db1", "web1", "web2"]);
        let web1 = inventory
            .hosts()
            .into_iter()
            .find(|h| h.name == "web1")
            .expect("web1");
        assert_eq!(
            (web1.address.as_str(), web1.port, web1.user.as_deref()),
            ("10.0.0.1", Some(2222), Some("deploy"))
        );
        assert_eq!(inventory.hosts().len(), 3);
    }
}
