//! `prometheus` checks: one instant query; the first result's value is the sample.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::doc::health::{Header, Unit};

use super::super::error::ProbeError;
use super::super::verdict::Reading;
use super::http::{classify, masked, resolve_headers};

/// What one prometheus check asks: where, what, with which headers.
pub struct Query<'q> {
    pub base: &'q str,
    pub query: &'q str,
    pub headers: &'q [Header],
}

/// One instant query; header values never appear in the reason.
pub async fn probe(
    client: &reqwest::Client,
    query: &Query<'_>,
    timeout: Duration,
    env: &BTreeMap<String, String>,
) -> Result<Reading, ProbeError> {
    let headers = resolve_headers(query.headers, env)?;
    let reading = ask(client, query, timeout, headers.map).await;
    if let Err(e) = &reading {
        let reason = headers.secrets.mask_str(&e.to_string());
        tracing::debug!(query = query.query, %reason, "prometheus probe failed");
    }
    reading.map_err(|e| masked(e, &headers.secrets))
}

async fn ask(
    client: &reqwest::Client,
    query: &Query<'_>,
    timeout: Duration,
    headers: HeaderMap,
) -> Result<Reading, ProbeError> {
    let url = query_url(query.base, query.query)?;
    let response = client
        .get(url)
        .headers(headers)
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| classify(&e, timeout))?;
    let code = response.status();
    let body = response.bytes().await.map_err(|e| classify(&e, timeout))?;
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    match json {
        Some(json) if json["status"] == "success" => {
            first_value(&json["data"]).map(|v| Reading::number(v, Unit::Plain))
        }
        Some(json) => Err(ProbeError::Query(error_text(&json, code.as_u16()))),
        None if !code.is_success() => Err(ProbeError::Status(code.as_u16())),
        None => Err(ProbeError::Query(
            "the answer is not Prometheus JSON".into(),
        )),
    }
}

/// `{base}/api/v1/query?query=...`, the query URL-encoded.
pub fn query_url(base: &str, query: &str) -> Result<reqwest::Url, ProbeError> {
    let endpoint = format!("{}/api/v1/query", base.trim_end_matches('/'));
    let mut url = reqwest::Url::parse(&endpoint)
        .map_err(|e| ProbeError::Request(format!("bad URL {endpoint}: {e}")))?;
    url.query_pairs_mut().append_pair("query", query);
    Ok(url)
}

fn error_text(json: &Value, code: u16) -> String {
    match json["error"].as_str() {
        Some(error) => error.to_string(),
        None => format!("HTTP {code}"),
    }
}

/// The first result of an instant vector, a scalar, or the last point of a matrix.
pub fn first_value(data: &Value) -> Result<f64, ProbeError> {
    let result = &data["result"];
    let pair = match data["resultType"].as_str() {
        Some("scalar") | Some("string") => result,
        Some("matrix") => result[0]["values"]
            .as_array()
            .and_then(|points| points.last())
            .unwrap_or(&Value::Null),
        _ => &result[0]["value"],
    };
    let text = pair[1].as_str().ok_or(ProbeError::NoData)?;
    match text.parse::<f64>() {
        Ok(value) if !value.is_nan() => Ok(value),
        _ => Err(ProbeError::NoData),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_vectors_scalars_and_matrices() {
        let vector =
            json!({"resultType": "vector", "result": [{"metric": {}, "value": [1.0, "0.012"]}]});
        assert_eq!(first_value(&vector), Ok(0.012));
        let scalar = json!({"resultType": "scalar", "result": [1.0, "7"]});
        assert_eq!(first_value(&scalar), Ok(7.0));
        let matrix =
            json!({"resultType": "matrix", "result": [{"values": [[1.0, "1"], [2.0, "2"]]}]});
        assert_eq!(first_value(&matrix), Ok(2.0));
    }

    #[test]
    fn empty_results_and_nan_are_no_data() {
        let empty = json!({"resultType": "vector", "result": []});
        assert_eq!(first_value(&empty), Err(ProbeError::NoData));
        let nan = json!({"resultType": "vector", "result": [{"value": [1.0, "NaN"]}]});
        assert_eq!(first_value(&nan), Err(ProbeError::NoData));
    }

    #[test]
    fn the_query_is_url_encoded() {
        let url = query_url("http://prom:9090/", "rate(x{a=\"b c\"}[5m]) > 0.1").expect("url");
        assert_eq!(
            url.as_str(),
            "http://prom:9090/api/v1/query?query=rate%28x%7Ba%3D%22b+c%22%7D%5B5m%5D%29+%3E+0.1"
        );
    }
}
