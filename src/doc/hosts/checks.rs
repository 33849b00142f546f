//! `on:` of health checks against the runbook's own `hosts:`: each names one host the
//! runbook declares (with an inventory, names are checked once it is read: `runbook check`).

use super::{HostEntry, all_hosts};
use crate::doc::model::Runbook;
use crate::doc::sink::Sink;

/// Every health check's `on` names exactly one host of `hosts:`.
pub fn validate_checks(runbook: &Runbook, sink: &mut Sink) {
    let hosts = &runbook.meta.hosts;
    for check in &runbook.meta.health {
        let Some(on) = &check.on else {
            continue;
        };
        let problem = if hosts.is_empty() {
            Some((
                format!(
                    "health check `{}` is `on: {on}` but the runbook declares no hosts",
                    check.name
                ),
                "`hosts:` groups or an `inventory:` file in the metadata".to_string(),
            ))
        } else if hosts.inventory.is_some() {
            None
        } else {
            let declared = all_hosts(&hosts.groups);
            one_of(&declared, on).err().map(|why| {
                (
                    format!("health check `{}`: {why}", check.name),
                    format!("one host of: {}", names(&declared)),
                )
            })
        };
        if let Some((message, expected)) = problem {
            let text = sink.map.line_text(check.line);
            let indent = text.chars().take_while(|c| c.is_whitespace()).count();
            let width = text.trim().chars().count().max(1);
            sink.at_line(
                check.line,
                indent as u32 + 1,
                width as u32,
                message,
                expected,
            );
        }
    }
}

/// The one host `on` names among `hosts` (by name, or by address when only one has it).
pub fn one_of(hosts: &[HostEntry], on: &str) -> Result<HostEntry, String> {
    if let Some(host) = hosts.iter().find(|h| h.name == on) {
        return Ok(host.clone());
    }
    let by_address: Vec<&HostEntry> = hosts.iter().filter(|h| h.address == on).collect();
    match by_address.as_slice() {
        [host] => Ok((*host).clone()),
        [] => Err(format!("`on: {on}` is not a host the runbook declares")),
        many => Err(format!(
            "`on: {on}` is the address of {} hosts ({}); name one",
            many.len(),
            many.iter()
                .map(|h| h.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn names(hosts: &[HostEntry]) -> String {
    const SHOWN: usize = 8;
    let mut shown: Vec<&str> = hosts.iter().take(SHOWN).map(|h| h.name.as_str()).collect();
    if hosts.len() > SHOWN {
        shown.push("…");
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_host_by_name_or_by_an_address_only_one_has() {
        let hosts = vec![
            HostEntry::plain("web01"),
            HostEntry {
                name: "deploy@db:2222".into(),
                address: "db".into(),
                user: Some("deploy".into()),
                port: Some(2222),
            },
        ];
        assert_eq!(one_of(&hosts, "web01").expect("by name").name, "web01");
        assert_eq!(
            one_of(&hosts, "db").expect("by address").name,
            "deploy@db:2222"
        );
        let why = one_of(&hosts, "web09").expect_err("unknown");
        assert!(why.contains("`on: web09` is not a host"), "{why}");
    }
}
