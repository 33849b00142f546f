//! `health:` entries → [`HealthCheck`]s.

use super::fields::{Fields, expect_text};
use super::node::{Node, Value};
use crate::doc::health::{
    Header, HealthCheck, HttpProbe, Limit, Probe, RollbackIf, SystemMetric, Unit,
};
use crate::doc::sink::Sink;
use std::time::Duration;

const PROBE_KINDS: &[&str] = &["http", "tcp", "cmd", "system", "prometheus"];
const COMMON_KEYS: &[&str] = &[
    "name",
    "every",
    "timeout",
    "warn",
    "crit",
    "warn_below",
    "crit_below",
    "warn_ms",
    "crit_ms",
    "fail_after",
    "rollback_if",
    "headers",
    "on",
];
const HTTP_KEYS: &[&str] = &["expect_status", "expect_body", "json_path", "expect_value"];
const DEFAULT_EVERY: Duration = Duration::from_secs(5);

/// Reads the `health:` list.
pub fn health_checks(node: &Node, sink: &mut Sink) -> Vec<HealthCheck> {
    let Value::Seq(items) = &node.value else {
        sink.at_node(
            node,
            "`health` must be a list of checks",
            "a list such as `- {name: api, http: http://localhost:8080/health}`",
        );
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| health_check(item, sink))
        .collect()
}

fn health_check(node: &Node, sink: &mut Sink) -> Option<HealthCheck> {
    let fields = Fields::of(node, "a health check", sink)?;
    let accepted: Vec<&str> = COMMON_KEYS
        .iter()
        .chain(PROBE_KINDS)
        .chain(HTTP_KEYS)
        .copied()
        .collect();
    fields.reject_unknown(&accepted, sink);
    let name = fields.required_text("name", sink)?;
    let probe = probe(&fields, sink)?;
    let every = fields.duration("every", sink).unwrap_or(DEFAULT_EVERY);
    let timeout = fields
        .duration("timeout", sink)
        .unwrap_or_else(|| every.min(DEFAULT_EVERY));
    let (warn, crit) = limits(&fields, sink);
    let fail_after = match fields.get("fail_after") {
        Some(n) => match n.value {
            Value::Int(v) if (1..=100).contains(&v) => v as u32,
            _ => {
                sink.at_node(
                    n,
                    "`fail_after` must be a whole number from 1 to 100",
                    "e.g. `fail_after: 3`",
                );
                1
            }
        },
        None => 1,
    };
    let rollback_if = fields.get("rollback_if").and_then(|n| rollback_if(n, sink));
    let on = on_host(&fields, &probe, sink);
    Some(HealthCheck {
        name,
        line: node.line,
        probe,
        every,
        timeout,
        warn,
        crit,
        fail_after,
        rollback_if,
        on,
    })
}

/// `on: web01`: only `cmd` and `system` checks run on a host; one host, as ssh knows it.
fn on_host(fields: &Fields, probe: &Probe, sink: &mut Sink) -> Option<String> {
    let node = fields.get("on")?;
    let host = expect_text(node, "on", sink)?;
    if !matches!(probe, Probe::Cmd { .. } | Probe::System(_)) {
        sink.at_node(
            node,
            format!(
                "`on` applies only to cmd and system checks, not {}",
                probe.label()
            ),
            "remove it: http, tcp and prometheus checks name their target themselves",
        );
        return None;
    }
    if !crate::doc::hosts::is_host_name(&host) {
        sink.at_node(
            node,
            format!("`on: {host}` is not one host"),
            "a host or alias of `hosts:` or the inventory, e.g. `on: web01` or `on: deploy@db:2222`",
        );
        return None;
    }
    Some(host)
}

fn probe(fields: &Fields, sink: &mut Sink) -> Option<Probe> {
    let present: Vec<&str> = PROBE_KINDS
        .iter()
        .copied()
        .filter(|k| fields.has(k))
        .collect();
    match present.as_slice() {
        [kind] => probe_of(kind, fields, sink),
        [] => {
            sink.at_node(
                fields.node,
                "a health check needs a probe",
                "one of the keys http, tcp, cmd, system, prometheus",
            );
            None
        }
        [_, second, ..] => {
            let at = fields.key_node(second).unwrap_or(fields.node);
            sink.at_node(
                at,
                format!(
                    "a health check has one probe, found {}",
                    present.join(" and ")
                ),
                "exactly one of http, tcp, cmd, system, prometheus",
            );
            None
        }
    }
}

fn probe_of(kind: &str, fields: &Fields, sink: &mut Sink) -> Option<Probe> {
    let headers = match fields.get("headers") {
        Some(node) if kind == "http" || kind == "prometheus" => headers(node, sink),
        Some(_) => {
            let at = fields.key_node("headers").unwrap_or(fields.node);
            sink.at_node(
                at,
                "`headers` applies only to http and prometheus checks",
                "remove it, or make this an http or prometheus check",
            );
            Vec::new()
        }
        None => Vec::new(),
    };
    if kind != "http" {
        for key in HTTP_KEYS {
            if let Some(at) = fields.key_node(key) {
                sink.at_node(
                    at,
                    format!("`{key}` applies only to http checks"),
                    "remove it, or make this an http check",
                );
            }
        }
    }
    match kind {
        "http" => Some(Probe::Http(HttpProbe {
            url: url(fields, "http", sink)?,
            expect_status: status(fields, sink),
            expect_body: fields.text("expect_body", sink),
            json_path: fields.text("json_path", sink),
            expect_value: fields.text("expect_value", sink),
            headers,
        })),
        "tcp" => {
            let address = fields.text("tcp", sink)?;
            if !address.contains(':') {
                sink.at_node(
                    fields.get("tcp")?,
                    format!("`{address}` has no port"),
                    "host:port, e.g. localhost:5432",
                );
            }
            Some(Probe::Tcp { address })
        }
        "cmd" => Some(Probe::Cmd {
            command: fields.text("cmd", sink)?,
        }),
        "system" => system_metric(fields.get("system")?, sink).map(Probe::System),
        _ => prometheus(fields.get("prometheus")?, headers, sink),
    }
}

fn url(fields: &Fields, key: &str, sink: &mut Sink) -> Option<String> {
    let text = fields.text(key, sink)?;
    if !(text.starts_with("http://") || text.starts_with("https://")) {
        sink.at_node(
            fields.get(key)?,
            format!("`{text}` is not an http(s) URL"),
            "a URL starting with http:// or https://",
        );
        return None;
    }
    Some(text)
}

fn status(fields: &Fields, sink: &mut Sink) -> Option<u16> {
    let node = fields.get("expect_status")?;
    match node.value {
        Value::Int(code) if (100..=599).contains(&code) => Some(code as u16),
        _ => {
            sink.at_node(
                node,
                "`expect_status` must be an HTTP status code",
                "a number from 100 to 599, e.g. 200",
            );
            None
        }
    }
}

fn system_metric(node: &Node, sink: &mut Sink) -> Option<SystemMetric> {
    let text = expect_text(node, "system", sink)?;
    let metric = match text.as_str() {
        "cpu" => SystemMetric::Cpu,
        "memory" => SystemMetric::Memory,
        "load" => SystemMetric::Load,
        "disk" => SystemMetric::Disk("/".into()),
        other => match other.strip_prefix("disk:") {
            Some(path) if !path.is_empty() => SystemMetric::Disk(path.into()),
            _ => {
                sink.at_node(
                    node,
                    format!("`{text}` is not a system metric"),
                    "one of cpu, memory, load, disk, disk:PATH",
                );
                return None;
            }
        },
    };
    Some(metric)
}

fn prometheus(node: &Node, headers: Vec<Header>, sink: &mut Sink) -> Option<Probe> {
    let fields = Fields::of(node, "a prometheus probe", sink)?;
    fields.reject_unknown(&["url", "query"], sink);
    let url = url(&fields, "url", sink)?;
    let query = fields.required_text("query", sink)?;
    Some(Probe::Prometheus {
        url,
        query,
        headers,
    })
}

/// `headers: {Authorization: "Bearer ${API_TOKEN}"}`: names are HTTP tokens, values one
/// line, and each `${NAME}` a well-formed variable name (read when the check runs).
fn headers(node: &Node, sink: &mut Sink) -> Vec<Header> {
    let Value::Map(entries) = &node.value else {
        sink.at_node(
            node,
            "`headers` must be a mapping of header names to values",
            "e.g. `headers: {Authorization: \"Bearer ${API_TOKEN}\"}`",
        );
        return Vec::new();
    };
    let mut headers = Vec::new();
    for (key, value) in entries {
        let name = key.key_text();
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            sink.at_node(
                key,
                format!("`{name}` is not an HTTP header name"),
                "letters, digits and !#$%&'*+-.^_`|~ only, e.g. Authorization",
            );
            continue;
        }
        let Some(text) = expect_text(value, &name, sink) else {
            continue;
        };
        if let Err(problem) = check_header_value(&text) {
            sink.at_node(
                value,
                format!("header `{name}`: {problem}"),
                HEADER_VALUE_HELP,
            );
            continue;
        }
        headers.push(Header { name, value: text });
    }
    headers
}

const HEADER_VALUE_HELP: &str =
    "one line of text; ${NAME} takes the value of the environment variable NAME";

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A value is one line, and every `${` opens a variable name that is closed.
fn check_header_value(text: &str) -> Result<(), String> {
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err("a header value cannot hold line breaks or control characters".into());
    }
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err("`${` is not closed with `}`".into());
        };
        let name = &after[..end];
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!("`${{{name}}}` is not a variable name"));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

fn limits(fields: &Fields, sink: &mut Sink) -> (Option<Limit>, Option<Limit>) {
    let mut read = |keys: [&str; 3]| -> Option<Limit> {
        let mut found = None;
        for (key, below, unit) in [
            (keys[0], false, None),
            (keys[1], true, None),
            (keys[2], false, Some(Unit::Millis)),
        ] {
            let Some(node) = fields.get(key) else {
                continue;
            };
            if found.is_some() {
                sink.at_node(
                    node,
                    format!("`{key}` repeats a threshold already given"),
                    format!("only one of {}", keys.join(", ")),
                );
                continue;
            }
            found = limit(node, key, below, unit, sink);
        }
        found
    };
    let warn = read(["warn", "warn_below", "warn_ms"]);
    let crit = read(["crit", "crit_below", "crit_ms"]);
    (warn, crit)
}

fn limit(
    node: &Node,
    key: &str,
    below: bool,
    forced: Option<Unit>,
    sink: &mut Sink,
) -> Option<Limit> {
    let text = expect_text(node, key, sink)?;
    let trimmed = text.trim();
    let (number, unit) = if let Some(n) = trimmed.strip_suffix('%') {
        (n, Unit::Percent)
    } else if let Some(n) = trimmed.strip_suffix("ms") {
        (n, Unit::Millis)
    } else {
        (trimmed, forced.unwrap_or(Unit::Plain))
    };
    match number.trim().parse::<f64>() {
        Ok(value) if value.is_finite() => Some(Limit { value, unit, below }),
        _ => {
            sink.at_node(
                node,
                format!("`{key}: {text}` is not a threshold"),
                "a number, optionally with % or ms, e.g. 80% or 0.05",
            );
            None
        }
    }
}

fn rollback_if(node: &Node, sink: &mut Sink) -> Option<RollbackIf> {
    let fields = Fields::of(node, "`rollback_if`", sink)?;
    fields.reject_unknown(&["crit_for"], sink);
    let Some(crit_for) = fields.duration("crit_for", sink) else {
        if !fields.has("crit_for") {
            sink.at_node(
                node,
                "`rollback_if` needs `crit_for`",
                "e.g. `rollback_if: {crit_for: 5m}`",
            );
        }
        return None;
    };
    Some(RollbackIf { crit_for })
}
