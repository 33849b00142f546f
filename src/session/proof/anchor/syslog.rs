//! Anchors sent to syslog: the local socket in the format `syslog(3)` uses (what every
//! local daemon reads), a server over UDP or TCP in RFC 5424 (TCP framed by octet
//! counting, RFC 6587).

use super::Stamp;
use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::path::Path;
use std::time::Duration;

/// Facility `user` (1), severity `notice` (5): 1 × 8 + 5.
const PRIORITY: u8 = 13;
const APP_NAME: &str = "runbook";
const MSG_ID: &str = "anchor";
const NETWORK_LIMIT: Duration = Duration::from_secs(5);

/// `<13>Nov 22 09:41:03 runbook[4242]: runbook-audit v1 …`, to a local datagram socket.
pub(super) fn local(socket: &Path, stamp: &Stamp) -> Result<(), String> {
    let message = bsd_message(stamp);
    let sender = std::os::unix::net::UnixDatagram::unbound().map_err(|e| e.to_string())?;
    sender
        .send_to(message.as_bytes(), socket)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// One RFC 5424 message to `host:port`, over UDP or (octet-counted) TCP.
pub(super) fn remote(host: &str, port: u16, tcp: bool, stamp: &Stamp) -> Result<(), String> {
    let message = rfc5424_message(stamp);
    let addresses: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}: {e}"))?
        .collect();
    let mut last_error = format!("{host}: no address");
    for address in addresses {
        let sent = if tcp {
            send_tcp(address, &octet_counted(&message))
        } else {
            send_udp(address, message.as_bytes())
        };
        match sent {
            Ok(()) => return Ok(()),
            Err(e) => last_error = format!("{address}: {e}"),
        }
    }
    Err(last_error)
}

fn send_udp(address: SocketAddr, message: &[u8]) -> std::io::Result<()> {
    let local: SocketAddr = if address.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let socket = UdpSocket::bind(local)?;
    socket.send_to(message, address).map(|_| ())
}

fn send_tcp(address: SocketAddr, frame: &[u8]) -> std::io::Result<()> {
    let mut stream = TcpStream::connect_timeout(&address, NETWORK_LIMIT)?;
    stream.set_write_timeout(Some(NETWORK_LIMIT))?;
    stream.write_all(frame)?;
    stream.flush()?;
    stream.shutdown(std::net::Shutdown::Write)
}

/// What `syslog(3)` sends to `/dev/log`: local time, no year, no host.
pub(super) fn bsd_message(stamp: &Stamp) -> String {
    let local = stamp.ts.with_timezone(&chrono::Local);
    format!(
        "<{PRIORITY}>{} {APP_NAME}[{}]: {}",
        local.format("%b %e %H:%M:%S"),
        std::process::id(),
        stamp.head
    )
}

/// `<13>1 TIMESTAMP HOSTNAME runbook PID anchor - MSG` (RFC 5424 §6).
pub(super) fn rfc5424_message(stamp: &Stamp) -> String {
    format!(
        "<{PRIORITY}>1 {} {} {APP_NAME} {} {MSG_ID} - {}",
        stamp.ts.format(crate::session::log::TS_FORMAT),
        header_field(stamp.host),
        std::process::id(),
        stamp.head
    )
}

/// `MSG-LEN SP SYSLOG-MSG` (RFC 6587 §3.4.1).
pub(super) fn octet_counted(message: &str) -> Vec<u8> {
    format!("{} {message}", message.len()).into_bytes()
}

/// A header field: printable ASCII without spaces, at most 255 characters, `-` when empty.
fn header_field(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(255)
        .collect();
    if cleaned.is_empty() {
        "-".into()
    } else {
        cleaned
    }
}
