//! Anchor sinks: where a head is written so the operator cannot quietly rewrite it.
//!
//! | `--anchor` | where | how |
//! |---|---|---|
//! | `syslog` | the local syslog socket (`/dev/log`) | one datagram, BSD format as `syslog(3)` sends it |
//! | `syslog:/PATH` | another local syslog socket | the same |
//! | `syslog://HOST[:PORT]`, `syslog+udp://…` | a syslog server over UDP (port 514) | one RFC 5424 datagram |
//! | `syslog+tcp://HOST[:PORT]` | a syslog server over TCP (port 514) | RFC 5424, octet-counting framing (RFC 6587) |
//! | `file:PATH` | a file (created 0600 if missing) | one appended line, then `fsync` |
//! | `ssh://[USER@]HOST[:PORT]/PATH` | a file on another host | one line appended by `cat >>` over the system `ssh` (BatchMode, `--ssh-config`) |
//!
//! In `ssh://host/var/log/x` the path is `/var/log/x`; `ssh://host/~/x` is `x` in the
//! remote user's home. Every sink carries the same text: [`anchor_line`].

mod remote;
mod syslog;

use std::fmt;
use std::path::PathBuf;

/// One configured sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// A local syslog socket (`/dev/log` for plain `syslog`).
    LocalSyslog(PathBuf),
    Syslog {
        host: String,
        port: u16,
        tcp: bool,
    },
    File(PathBuf),
    Ssh {
        /// `[user@]host`, as `ssh` takes it.
        destination: String,
        port: Option<u16>,
        /// Absolute, or relative to the remote home.
        path: String,
        /// How ssh is called (`--ssh-config`); not part of the sink's text.
        ssh: crate::fleet::SshSettings,
    },
}

/// What a sink is told: the head and where it came from, one line.
#[derive(Debug, Clone)]
pub struct Stamp<'a> {
    /// `runbook-audit v1 <session-id> <seq> <hash>` ([`super::head_text`]).
    pub head: &'a str,
    pub host: &'a str,
    pub ts: chrono::DateTime<chrono::Utc>,
}

/// The line a file or remote file gets (without the newline): `<ts> <host> <head>`.
pub fn anchor_line(stamp: &Stamp) -> String {
    format!(
        "{} {} {}",
        stamp.ts.format(crate::session::log::TS_FORMAT),
        stamp.host,
        stamp.head
    )
}

impl Anchor {
    /// Writes the head to this sink; `Err` says why it could not.
    pub fn write(&self, stamp: &Stamp) -> Result<(), String> {
        match self {
            Anchor::LocalSyslog(socket) => syslog::local(socket, stamp),
            Anchor::Syslog { host, port, tcp } => syslog::remote(host, *port, *tcp, stamp),
            Anchor::File(path) => remote::append_file(path, &anchor_line(stamp)),
            Anchor::Ssh {
                destination,
                port,
                path,
                ssh,
            } => remote::append_ssh(ssh, destination, *port, path, &anchor_line(stamp)),
        }
    }
}

impl Anchor {
    /// The sink, its ssh calls made with `settings` (`-F FILE`).
    pub fn with_ssh(mut self, settings: &crate::fleet::SshSettings) -> Self {
        if let Anchor::Ssh { ssh, .. } = &mut self {
            ssh.clone_from(settings);
        }
        self
    }
}

impl std::str::FromStr for Anchor {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("--anchor {text:?}: {why}");
        if text == "syslog" {
            return Ok(Anchor::LocalSyslog(PathBuf::from("/dev/log")));
        }
        if let Some(rest) = text.strip_prefix("syslog+tcp://") {
            let (host, port) = host_port(rest).map_err(|e| bad(&e))?;
            return Ok(Anchor::Syslog {
                host,
                port: port.unwrap_or(514),
                tcp: true,
            });
        }
        if let Some(rest) = text
            .strip_prefix("syslog://")
            .or_else(|| text.strip_prefix("syslog+udp://"))
        {
            let (host, port) = host_port(rest).map_err(|e| bad(&e))?;
            return Ok(Anchor::Syslog {
                host,
                port: port.unwrap_or(514),
                tcp: false,
            });
        }
        if let Some(path) = text.strip_prefix("syslog:") {
            return non_empty(path)
                .map(|p| Anchor::LocalSyslog(PathBuf::from(p)))
                .ok_or_else(|| bad("no socket path after `syslog:`"));
        }
        if let Some(path) = text.strip_prefix("file:") {
            return non_empty(path)
                .map(|p| Anchor::File(PathBuf::from(p)))
                .ok_or_else(|| bad("no path after `file:`"));
        }
        if let Some(rest) = text.strip_prefix("ssh://") {
            return ssh(rest).map_err(|e| bad(&e));
        }
        Err(bad(
            "use syslog, syslog://HOST[:PORT], syslog+tcp://HOST[:PORT], file:PATH or ssh://HOST/PATH",
        ))
    }
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Anchor::LocalSyslog(path) if path.as_os_str() == "/dev/log" => write!(f, "syslog"),
            Anchor::LocalSyslog(path) => write!(f, "syslog:{}", path.display()),
            Anchor::Syslog { host, port, tcp } => {
                let scheme = if *tcp { "syslog+tcp" } else { "syslog" };
                if host.contains(':') {
                    write!(f, "{scheme}://[{host}]:{port}")
                } else {
                    write!(f, "{scheme}://{host}:{port}")
                }
            }
            Anchor::File(path) => write!(f, "file:{}", path.display()),
            Anchor::Ssh {
                destination,
                port,
                path,
                ..
            } => {
                let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                let path = if path.starts_with('/') {
                    path.clone()
                } else {
                    format!("/~/{path}")
                };
                write!(f, "ssh://{destination}{port}{path}")
            }
        }
    }
}

fn non_empty(text: &str) -> Option<&str> {
    Some(text).filter(|t| !t.is_empty())
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn host_port(text: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or("an IPv6 address needs its `]`")?;
        (host, after.strip_prefix(':'))
    } else {
        match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    check_host(host)?;
    let port = port
        .map(|p| {
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or(format!("port {p:?} is not a number from 1 to 65535"))
        })
        .transpose()?;
    Ok((host.to_string(), port))
}

fn check_host(host: &str) -> Result<(), String> {
    let fine = !host.is_empty()
        && !host.starts_with('-')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '%'));
    if fine {
        Ok(())
    } else {
        Err(format!("{host:?} is not a host name or address"))
    }
}

/// `[user@]host[:port]/path`.
fn ssh(text: &str) -> Result<Anchor, String> {
    let slash = text.find('/').ok_or("no path after the host")?;
    let (authority, path) = text.split_at(slash);
    let (user, host_and_port) = match authority.rsplit_once('@') {
        Some((user, rest)) => (Some(user), rest),
        None => (None, authority),
    };
    if let Some(user) = user {
        let fine = !user.is_empty()
            && !user.starts_with('-')
            && user
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !fine {
            return Err(format!("{user:?} is not a user name"));
        }
    }
    let (host, port) = host_port(host_and_port)?;
    let path = match path.strip_prefix("/~/") {
        Some(home_relative) => home_relative.to_string(),
        None => path.to_string(),
    };
    if path.is_empty() || path.ends_with('/') {
        return Err("the path must name a file".into());
    }
    let destination = match user {
        Some(user) => format!("{user}@{host}"),
        None => host,
    };
    Ok(Anchor::Ssh {
        destination,
        port,
        path,
        ssh: crate::fleet::SshSettings::default(),
    })
}

#[cfg(test)]
mod tests;
