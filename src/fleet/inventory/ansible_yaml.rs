//! Ansible YAML inventories read directly: groups with `hosts`, `children` and `vars`,
//! host patterns (`www[01:50].example.com`), and the variables that say how ssh reaches
//! a host — `ansible_host`, `ansible_port`, `ansible_user` (and their `ansible_ssh_`
//! forms) — from the host or, deeper group first, from its groups. Anything this cannot
//! read faithfully (a plugin, a Jinja template) goes to `ansible-inventory` instead.

use super::Inventory;
use crate::doc::hosts::{HostEntry, pattern};
use crate::doc::yaml::node::{self, Node, Value};
use std::collections::HashMap;
use std::path::Path;

/// Why a file is not read here.
#[derive(Debug)]
pub enum NotDirect {
    /// A YAML inventory with a mistake: reported as it is.
    Invalid(String),
    /// Another kind of inventory: `ansible-inventory` may read it.
    Other(String),
}

/// Groups nested deeper than this are taken for a loop.
const MAX_DEPTH: usize = 64;

/// How ssh reaches a host, as far as the inventory says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Reach {
    host: Option<String>,
    port: Option<u16>,
    user: Option<String>,
}

impl Reach {
    fn overlay(&mut self, over: &Reach) {
        if over.host.is_some() {
            self.host.clone_from(&over.host);
        }
        if over.port.is_some() {
            self.port = over.port;
        }
        if over.user.is_some() {
            self.user.clone_from(&over.user);
        }
    }
}

#[derive(Debug, Default)]
struct Group {
    hosts: Vec<String>,
    children: Vec<String>,
    vars: Reach,
    depth: usize,
}

#[derive(Default)]
struct Reader {
    order: Vec<String>,
    groups: HashMap<String, Group>,
    /// Host names in order of first mention, and what their own entries say.
    hosts: Vec<(String, Reach)>,
}

/// Reads an Ansible YAML inventory.
pub fn read(bytes: &[u8], path: &Path) -> Result<Inventory, NotDirect> {
    let yaml_named = crate::doc::is_yaml_path(path);
    let text = std::str::from_utf8(bytes).map_err(|_| NotDirect::Other("not UTF-8 text".into()))?;
    let root = match node::parse(text) {
        Ok(root) => root,
        Err(e) if yaml_named => {
            return Err(NotDirect::Invalid(format!(
                "line {}: {}",
                e.line, e.message
            )));
        }
        Err(_) => return Err(NotDirect::Other("not YAML".into())),
    };
    let Value::Map(entries) = &root.value else {
        let why = format!("its top is {}, not a mapping of groups", root.type_name());
        return Err(if yaml_named {
            NotDirect::Invalid(why)
        } else {
            NotDirect::Other(why)
        });
    };
    if entries
        .iter()
        .any(|(k, _)| k.as_text().as_deref() == Some("plugin"))
    {
        return Err(NotDirect::Other("an inventory plugin configuration".into()));
    }
    let mut reader = Reader::default();
    for (key, value) in entries {
        reader.group(&key.key_text(), value, 1)?;
    }
    reader.finish()
}

impl Reader {
    fn group(&mut self, name: &str, node: &Node, depth: usize) -> Result<(), NotDirect> {
        if depth > MAX_DEPTH {
            return Err(NotDirect::Invalid(format!(
                "groups nest deeper than {MAX_DEPTH} at `{name}`"
            )));
        }
        if !self.groups.contains_key(name) {
            self.order.push(name.to_string());
        }
        let depth = if name == crate::doc::hosts::ALL {
            0
        } else {
            depth
        };
        let entry = self.groups.entry(name.to_string()).or_default();
        entry.depth = entry.depth.max(depth);
        let entries = entries_of(node, || {
            format!("the group `{name}` must be a mapping with `hosts`, `children` or `vars`")
        })?;
        for (key, value) in entries {
            match key.key_text().as_str() {
                "hosts" => self.hosts_of(name, value)?,
                "vars" => {
                    let vars = reach(value, &format!("group `{name}`"))?;
                    if let Some(group) = self.groups.get_mut(name) {
                        group.vars.overlay(&vars);
                    }
                }
                "children" => self.children_of(name, value, depth)?,
                other => {
                    return Err(invalid_at(
                        key,
                        &format!(
                            "unknown key `{other}` in the group `{name}` (expected hosts, children, vars)"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn hosts_of(&mut self, group: &str, node: &Node) -> Result<(), NotDirect> {
        let entries = entries_of(node, || {
            format!("`hosts` of `{group}` must map host names to their variables")
        })?;
        for (key, value) in entries {
            let written = key.key_text();
            let found = pattern::entries(&written).map_err(|e| invalid_at(key, &e))?;
            let own = reach(value, &format!("host `{written}`"))?;
            for entry in found {
                let mut mine = Reach {
                    port: entry.port,
                    ..Reach::default()
                };
                mine.overlay(&own);
                self.add_host(group, &entry.address, &mine);
            }
        }
        Ok(())
    }

    fn add_host(&mut self, group: &str, name: &str, own: &Reach) {
        match self.hosts.iter_mut().find(|(n, _)| n == name) {
            Some((_, reach)) => reach.overlay(own),
            None => self.hosts.push((name.to_string(), own.clone())),
        }
        if let Some(g) = self.groups.get_mut(group)
            && !g.hosts.iter().any(|h| h == name)
        {
            g.hosts.push(name.to_string());
        }
    }

    fn children_of(&mut self, group: &str, node: &Node, depth: usize) -> Result<(), NotDirect> {
        let entries = entries_of(node, || {
            format!("`children` of `{group}` must be a mapping of groups")
        })?;
        for (key, value) in entries {
            let child = key.key_text();
            if let Some(g) = self.groups.get_mut(group)
                && !g.children.contains(&child)
            {
                g.children.push(child.clone());
            }
            self.group(&child, value, depth + 1)?;
        }
        Ok(())
    }

    /// Members of every group (children's hosts included) and how each host is reached.
    fn finish(self) -> Result<Inventory, NotDirect> {
        let mut memberships: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut inventory = Inventory::default();
        let mut members_of: Vec<(&str, Vec<&str>)> = Vec::new();
        for name in &self.order {
            let members = self.members(name, 0)?;
            for host in &members {
                memberships.entry(host).or_default().push(name);
            }
            members_of.push((name, members));
        }
        let entries: HashMap<&str, HostEntry> = self
            .hosts
            .iter()
            .map(|(name, own)| {
                let mut groups = memberships.remove(name.as_str()).unwrap_or_default();
                groups.sort_by_key(|g| (self.groups.get(*g).map_or(0, |g| g.depth), *g));
                let mut reach = Reach::default();
                for group in groups {
                    if let Some(g) = self.groups.get(group) {
                        reach.overlay(&g.vars);
                    }
                }
                reach.overlay(own);
                (name.as_str(), entry(name, reach))
            })
            .collect();
        for (group, members) in members_of {
            let hosts: Vec<HostEntry> = members
                .iter()
                .filter_map(|m| entries.get(m).cloned())
                .collect();
            inventory.add(group, &hosts);
        }
        Ok(inventory)
    }

    fn members(&self, group: &str, depth: usize) -> Result<Vec<&str>, NotDirect> {
        if depth > MAX_DEPTH {
            return Err(NotDirect::Invalid(format!(
                "the group `{group}` contains itself"
            )));
        }
        let Some(g) = self.groups.get(group) else {
            return Ok(Vec::new());
        };
        let mut members: Vec<&str> = g.hosts.iter().map(String::as_str).collect();
        for child in &g.children {
            for host in self.members(child, depth + 1)? {
                if !members.contains(&host) {
                    members.push(host);
                }
            }
        }
        Ok(members)
    }
}

fn entry(name: &str, reach: Reach) -> HostEntry {
    HostEntry {
        name: name.to_string(),
        address: reach.host.unwrap_or_else(|| name.to_string()),
        user: reach.user,
        port: reach.port,
    }
}

/// The ssh-related variables of a `vars` mapping (or a host's mapping).
fn reach(node: &Node, whose: &str) -> Result<Reach, NotDirect> {
    let entries = entries_of(node, || {
        format!("the variables of {whose} must be a mapping")
    })?;
    let mut reach = Reach::default();
    for (key, value) in entries {
        let key = key.key_text();
        let field = match key.as_str() {
            "ansible_host" | "ansible_ssh_host" => "host",
            "ansible_port" | "ansible_ssh_port" => "port",
            "ansible_user" | "ansible_ssh_user" => "user",
            _ => continue,
        };
        let Some(text) = value.as_text() else {
            return Err(invalid_at(
                value,
                &format!("`{key}` of {whose} must be a single value"),
            ));
        };
        if text.contains("{{") || text.contains("{%") {
            return Err(NotDirect::Other(format!(
                "`{key}` of {whose} is a Jinja template"
            )));
        }
        match field {
            "host" => reach.host = Some(text),
            "user" => reach.user = Some(text),
            _ => {
                let port = text.parse::<u16>().ok().filter(|p| *p > 0);
                reach.port = Some(port.ok_or_else(|| {
                    invalid_at(value, &format!("`{key}` of {whose} is not a port number"))
                })?);
            }
        }
    }
    Ok(reach)
}

/// A mapping's entries (none for an empty value), or `problem` as the error.
fn entries_of(node: &Node, problem: impl FnOnce() -> String) -> Result<&[(Node, Node)], NotDirect> {
    match &node.value {
        Value::Null => Ok(&[]),
        Value::Map(entries) => Ok(entries),
        _ => Err(invalid_at(node, &problem())),
    }
}

fn invalid_at(node: &Node, message: &str) -> NotDirect {
    NotDirect::Invalid(format!("line {}: {message}", node.line))
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVENTORY: &str = "\
all:
  hosts:
    bastion:
      ansible_host: 192.0.2.10
  children:
    web:
      hosts:
        web[01:03].example.com:
        web09.example.com:5309:
      vars:
        ansible_user: deploy
    db:
      children:
        primary:
          hosts:
            db1: {ansible_port: 2222, ansible_ssh_user: postgres}
          vars: {ansible_user: admin}
        replicas:
          hosts:
            db2:
      vars:
        ansible_user: dba
";

    fn inventory(text: &str) -> Inventory {
        match read(text.as_bytes(), Path::new("inventory.yml")) {
            Ok(inventory) => inventory,
            Err(NotDirect::Invalid(e) | NotDirect::Other(e)) => panic!("{e}"),
        }
    }

    fn names(hosts: &[HostEntry]) -> Vec<&str> {
        hosts.iter().map(|h| h.name.as_str()).collect()
    }

    #[test]
    fn groups_hold_their_children_hosts() {
        let inventory = inventory(INVENTORY);
        let groups: Vec<(&str, Vec<&str>)> = inventory
            .groups()
            .map(|(name, hosts)| (name, names(hosts)))
            .collect();
        assert_eq!(
            groups,
            [
                (
                    "web",
                    vec![
                        "web01.example.com",
                        "web02.example.com",
                        "web03.example.com",
                        "web09.example.com"
                    ]
                ),
                ("db", vec!["db1", "db2"]),
                ("primary", vec!["db1"]),
                ("replicas", vec!["db2"]),
            ]
        );
        assert_eq!(inventory.hosts().len(), 7);
    }

    #[test]
    fn host_variables_beat_deeper_groups_which_beat_shallower_ones() {
        let inventory = inventory(INVENTORY);
        let host = |name: &str| {
            inventory
                .hosts()
                .into_iter()
                .find(|h| h.name == name)
                .expect(name)
        };
        let bastion = host("bastion");
        assert_eq!(
            (bastion.address.as_str(), bastion.user.as_deref()),
            ("192.0.2.10", None)
        );
        let web = host("web09.example.com");
        assert_eq!(
            (web.user.as_deref(), web.port),
            (Some("deploy"), Some(5309))
        );
        let primary = host("db1");
        assert_eq!(
            (primary.user.as_deref(), primary.port),
            (Some("postgres"), Some(2222))
        );
        assert_eq!(host("db2").user.as_deref(), Some("dba"));
    }

    #[test]
    fn what_needs_ansible_is_told_apart_from_mistakes() {
        let other = |text: &str, file: &str| {
            matches!(
                read(text.as_bytes(), Path::new(file)),
                Err(NotDirect::Other(_))
            )
        };
        let invalid = |text: &str| match read(text.as_bytes(), Path::new("inv.yml")) {
            Err(NotDirect::Invalid(e)) => e,
            _ => panic!("{text} should be invalid"),
        };
        assert!(other("[web]\nweb01\nweb02 ansible_port=2222\n", "hosts"));
        assert!(other(
            "plugin: aws_ec2\nregions: [eu-west-1]\n",
            "aws_ec2.yml"
        ));
        assert!(other(
            "all:\n  hosts:\n    a: {ansible_host: '{{ lookup(\"x\") }}'}\n",
            "inv.yml"
        ));
        assert_eq!(
            invalid("web:\n  hostz: {a: }\n"),
            "line 2: unknown key `hostz` in the group `web` (expected hosts, children, vars)"
        );
        assert_eq!(
            invalid("web:\n  hosts:\n    a: {ansible_port: http}\n"),
            "line 3: `ansible_port` of host `a` is not a port number"
        );
        assert_eq!(
            invalid("- a\n- b\n"),
            "its top is a list, not a mapping of groups"
        );
        assert_eq!(
            invalid("web:\n  children:\n    web:\n"),
            "the group `web` contains itself"
        );
    }
}
