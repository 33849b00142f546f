//! `tcp` checks: a connection opens (the value is the connect time).

use std::time::Instant;

use tokio::net::TcpStream;

use super::super::error::ProbeError;
use super::super::verdict::Reading;

pub async fn probe(address: &str) -> Result<Reading, ProbeError> {
    let started = Instant::now();
    match TcpStream::connect(address).await {
        Ok(stream) => {
            drop(stream);
            Ok(Reading::latency(started.elapsed().as_secs_f64() * 1000.0))
        }
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Err(ProbeError::Refused),
        Err(e) => Err(ProbeError::Connect(e.to_string())),
    }
}
