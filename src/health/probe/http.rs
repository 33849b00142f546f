//! `http` checks: status, body substring, a value at a JSON path, latency; and the shared client.

use std::collections::BTreeMap;
use std::sync::Once;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::doc::health::{Header, HealthCheck, HttpProbe, Unit};
use crate::session::mask::Secrets;

use super::super::error::{ProbeError, has_io_kind, root_cause};
use super::super::verdict::{Reading, format_ms, has_value_limits};
use super::json_path::{as_number, as_text, lookup};

/// Bodies are read up to this size; a health endpoint needs far less.
pub const BODY_LIMIT: usize = 1 << 20;

/// One client for every check (connection reuse); rustls with ring, no proxy, no redirect loops.
pub fn client() -> Result<reqwest::Client, String> {
    static PROVIDER: Once = Once::new();
    // An `Err` means a provider was installed already, which is all we need.
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
        .no_proxy()
        .user_agent(concat!("runbook/", env!("CARGO_PKG_VERSION")))
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(2)
        .build()
        .map_err(|e| root_cause(&e))
}

/// One request; header values never appear in the reason (they are masked in it).
pub async fn probe(
    client: &reqwest::Client,
    probe: &HttpProbe,
    check: &HealthCheck,
    env: &BTreeMap<String, String>,
) -> Result<Reading, ProbeError> {
    let headers = resolve_headers(&probe.headers, env)?;
    let reading = request(client, probe, check, headers.map).await;
    match &reading {
        Ok(r) => tracing::debug!(check = %check.name, shown = %r.shown, "http probe"),
        Err(e) => {
            tracing::debug!(check = %check.name, reason = %headers.secrets.mask_str(&e.to_string()), "http probe failed")
        }
    }
    reading.map_err(|e| masked(e, &headers.secrets))
}

async fn request(
    client: &reqwest::Client,
    probe: &HttpProbe,
    check: &HealthCheck,
    headers: HeaderMap,
) -> Result<Reading, ProbeError> {
    let started = Instant::now();
    let response = client
        .get(&probe.url)
        .headers(headers)
        .timeout(check.timeout)
        .send()
        .await
        .map_err(|e| classify(&e, check.timeout))?;
    let code = response.status().as_u16();
    let expected = probe
        .expect_status
        .map_or(response.status().is_success(), |want| want == code);
    if !expected {
        return Err(ProbeError::Status(code));
    }
    let needs_body = probe.expect_body.is_some() || probe.json_path.is_some();
    let body = if needs_body {
        read_body(response, check.timeout).await?
    } else {
        Vec::new()
    };
    let latency = started.elapsed().as_secs_f64() * 1000.0;
    if let Some(needle) = &probe.expect_body
        && !String::from_utf8_lossy(&body).contains(needle.as_str())
    {
        return Err(ProbeError::BodyMismatch(needle.clone()));
    }
    match &probe.json_path {
        Some(path) => json_reading(&body, path, probe, check, latency),
        None => Ok(Reading::latency(latency)),
    }
}

/// The value at `json_path`: checked against `expect_value`, or else the sample's value.
fn json_reading(
    body: &[u8],
    path: &str,
    probe: &HttpProbe,
    check: &HealthCheck,
    latency: f64,
) -> Result<Reading, ProbeError> {
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|_| ProbeError::NotJson)?;
    let found = lookup(&json, path).ok_or_else(|| ProbeError::PathMissing(path.to_string()))?;
    if let Some(expected) = &probe.expect_value {
        let text = as_text(found);
        if &text != expected {
            return Err(ProbeError::ValueMismatch {
                path: path.to_string(),
                found: text,
                expected: expected.clone(),
            });
        }
    }
    match as_number(found) {
        Some(value) => Ok(Reading {
            latency_ms: Some(latency),
            ..Reading::number(value, Unit::Plain)
        }),
        None if has_value_limits(check) && probe.expect_value.is_none() => {
            Err(ProbeError::Metric(format!("{path} is not a number")))
        }
        None => Ok(Reading {
            value: Some(latency),
            latency_ms: Some(latency),
            shown: format_ms(latency),
        }),
    }
}

async fn read_body(
    mut response: reqwest::Response,
    timeout: Duration,
) -> Result<Vec<u8>, ProbeError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e, timeout))? {
        let room = BODY_LIMIT.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= BODY_LIMIT {
            break;
        }
    }
    Ok(body)
}

/// Header values shorter than this are not masked (masking `1` would garble every reason).
const MIN_MASKED_LEN: usize = 8;

/// A check's headers ready to send, and the values that must not be shown.
pub struct Resolved {
    pub map: HeaderMap,
    pub secrets: Secrets,
}

/// Fills `${NAME}` in each value from `env`; a variable that is not set is a reason
/// (UNKNOWN), never an empty credential sent.
pub fn resolve_headers(
    headers: &[Header],
    env: &BTreeMap<String, String>,
) -> Result<Resolved, ProbeError> {
    let mut resolved = Resolved {
        map: HeaderMap::new(),
        secrets: Secrets::default(),
    };
    for header in headers {
        let (value, used) = expand(&header.value, env).map_err(|name| {
            ProbeError::Metric(format!("header {}: ${name} is not set", header.name))
        })?;
        for secret in used.iter().chain([&value]) {
            if secret.chars().count() >= MIN_MASKED_LEN {
                resolved.secrets.add(secret);
            }
        }
        let name = HeaderName::from_bytes(header.name.as_bytes())
            .map_err(|_| ProbeError::Request(format!("`{}` is not a header name", header.name)))?;
        let mut value = HeaderValue::from_str(&value).map_err(|_| {
            ProbeError::Request(format!(
                "header {}: the value is not valid in HTTP",
                header.name
            ))
        })?;
        value.set_sensitive(true);
        resolved.map.append(name, value);
    }
    Ok(resolved)
}

/// `text` with each `${NAME}` replaced; also the values put in. `Err(NAME)`: not set.
fn expand(text: &str, env: &BTreeMap<String, String>) -> Result<(String, Vec<String>), String> {
    let (mut out, mut used, mut rest) = (String::new(), Vec::new(), text);
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        let name = &rest[start + 2..start + 2 + len];
        let value = env.get(name).ok_or_else(|| name.to_string())?;
        out.push_str(&rest[..start]);
        out.push_str(value);
        used.push(value.clone());
        rest = &rest[start + 3 + len..];
    }
    out.push_str(rest);
    Ok((out, used))
}

/// The error with every secret value in its text replaced by `***`.
pub fn masked(error: ProbeError, secrets: &Secrets) -> ProbeError {
    if secrets.is_empty() {
        return error;
    }
    let m = |text: String| secrets.mask_str(&text);
    match error {
        ProbeError::Connect(t) => ProbeError::Connect(m(t)),
        ProbeError::Request(t) => ProbeError::Request(m(t)),
        ProbeError::BodyMismatch(t) => ProbeError::BodyMismatch(m(t)),
        ProbeError::PathMissing(t) => ProbeError::PathMissing(m(t)),
        ProbeError::ValueMismatch {
            path,
            found,
            expected,
        } => ProbeError::ValueMismatch {
            path: m(path),
            found: m(found),
            expected: m(expected),
        },
        ProbeError::Query(t) => ProbeError::Query(m(t)),
        ProbeError::Metric(t) => ProbeError::Metric(m(t)),
        ProbeError::Exit(t) => ProbeError::Exit(m(t)),
        other => other,
    }
}

/// A client error as the reason an operator reads.
pub fn classify(error: &reqwest::Error, timeout: Duration) -> ProbeError {
    if error.is_timeout() {
        ProbeError::Timeout(timeout)
    } else if has_io_kind(error, std::io::ErrorKind::ConnectionRefused) {
        ProbeError::Refused
    } else if error.is_connect() {
        ProbeError::Connect(root_cause(error))
    } else {
        ProbeError::Request(root_cause(error))
    }
}
