//! `hosts:` and `inventory:` in front matter or at the top of a YAML runbook.

use super::{ALL, HostGroup, HostsSpec, InventoryRef, is_group_name, pattern};
use crate::doc::sink::Sink;
use crate::doc::yaml::fields::{Fields, expect_text, text_list_node};
use crate::doc::yaml::node::{Node, Value};

/// The metadata keys this module reads.
pub const HOSTS_KEYS: &[&str] = &["hosts", "inventory"];

/// Reads `hosts:` (groups of host patterns) and `inventory:` (a file) from the metadata.
pub fn hosts_spec(fields: &Fields, sink: &mut Sink) -> HostsSpec {
    let groups = fields
        .get("hosts")
        .map(|node| groups(node, sink))
        .unwrap_or_default();
    let inventory = fields.get("inventory").and_then(|node| {
        let path = expect_text(node, "inventory", sink)?;
        if path.trim().is_empty() {
            sink.at_node(
                node,
                "`inventory` is empty",
                "the path of an inventory file",
            );
            return None;
        }
        Some(InventoryRef {
            path,
            line: node.line,
        })
    });
    HostsSpec { groups, inventory }
}

fn groups(node: &Node, sink: &mut Sink) -> Vec<HostGroup> {
    let Value::Map(entries) = &node.value else {
        sink.at_node(
            node,
            format!(
                "`hosts` must be a mapping of groups, found {}",
                node.type_name()
            ),
            "groups of hosts, e.g. `hosts: {web: [\"web[01:20]\"], db: [db-primary]}`",
        );
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(key, value)| group(key, value, sink))
        .collect()
}

fn group(key: &Node, value: &Node, sink: &mut Sink) -> Option<HostGroup> {
    let name = key.key_text();
    if !is_group_name(&name) {
        sink.at_node(
            key,
            format!("`{name}` is not a group name"),
            "letters, digits, `_`, `-` and `.`",
        );
        return None;
    }
    if name == ALL {
        sink.at_node(
            key,
            "`all` is every host already",
            "another name for this group (`on=all` runs a step on every host)",
        );
        return None;
    }
    let listed = text_list_node(value, &name, sink);
    if listed.is_empty() {
        sink.at_node(
            key,
            format!("the group `{name}` has no hosts"),
            "at least one host",
        );
        return None;
    }
    let mut hosts = Vec::new();
    for (written, at) in listed {
        match pattern::entries(&written) {
            Ok(found) => {
                for host in found {
                    if !hosts.contains(&host) {
                        hosts.push(host);
                    }
                }
            }
            Err(problem) => sink.at_node(
                at,
                problem,
                "a host as ssh knows it: `web01`, `web[01:20].prod`, `deploy@db:2222`",
            ),
        }
    }
    Some(HostGroup {
        name,
        line: key.line,
        hosts,
    })
}
