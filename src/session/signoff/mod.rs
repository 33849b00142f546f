//! Second-person sign-off: a follower asks, through a sidecar file next to the
//! session log, for a gate role to be signed; the driver reads, judges and records it.
//!
//! The follower writes one [`Request`] per line to its own sidecar
//! `<session-id>.<uid>.signoffs` ([`request`]); the driver's engine tails
//! every such sidecar ([`Inbox`]), judges each request against the session
//! state ([`judge`]) and records a `signed` or `signoff_rejected` event that
//! carries the request's nonce, which the follower waits for in the log
//! ([`wait_for_answer`]). The file format and the permission model are part
//! of the audit log contract in [`crate::session::log`].

mod answer;
mod inbox;
mod judge;
mod limit;
mod request;
mod tail;

pub use answer::{Answer, wait_for_answer};
pub use inbox::{Inbox, Incoming};
pub use judge::{Ask, DriverUser, Verdict, clip, judge};
pub use request::{SignoffError, request, sidecar_path};

use serde::{Deserialize, Serialize};

/// The file name suffix of sign-off sidecars: `<session-id>.<uid>.signoffs`.
pub const SIDECAR_SUFFIX: &str = "signoffs";

/// One line of a sidecar: a follower asks for a role to be signed by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The gate's step id; `None` means the gate the driver is at when it reads the request.
    #[serde(default)]
    pub step: Option<String>,
    pub role: String,
    pub name: String,
    /// The follower's host name, as it says (shown in `via`; not a proof of anything).
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub pid: u32,
    /// When the follower wrote the request (UTC, RFC 3339).
    #[serde(default)]
    pub ts: String,
    /// Random hex that ties the request to the event that answers it.
    pub nonce: String,
}

impl Request {
    /// How the request reached the driver, as recorded in `via`.
    pub fn via(&self) -> String {
        if self.host.is_empty() {
            "follower".into()
        } else {
            format!("follower@{}", self.host)
        }
    }
}

/// The name of the OS user with `uid`, else `uid N`.
pub fn user_name(uid: u32) -> String {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map_or_else(|| format!("uid {uid}"), |u| u.name)
}
