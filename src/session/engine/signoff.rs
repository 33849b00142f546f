//! Sign-offs in the engine: the driver's own and the followers' (read from
//! their sidecar files) are judged by the same rules and recorded alike.

use super::Engine;
use crate::doc::model::{Signoff, StepKind};
use crate::session::event::Body;
use crate::session::log::{AuditError, SyncPolicy};
use crate::session::signoff::{Ask, DriverUser, Incoming, Verdict, judge};
use std::path::Path;

/// What the engine did with a sign-off, for the driver to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignoffNews {
    Signed {
        index: usize,
        role: String,
        name: String,
        os_user: String,
        via: String,
    },
    Rejected {
        index: Option<usize>,
        role: String,
        name: String,
        os_user: String,
        via: String,
        reason: String,
    },
    /// GO was asked for while roles were unsigned; nothing was recorded.
    GoRefused { index: usize, missing: Vec<String> },
}

impl SignoffNews {
    /// One line for the operator, e.g. `SRE signed by Bob (bob@host, from a follower)`.
    pub fn describe(&self) -> String {
        match self {
            SignoffNews::Signed {
                role,
                name,
                os_user,
                via,
                ..
            } => format!("{role} signed by {name} ({})", origin(os_user, via)),
            SignoffNews::Rejected {
                role,
                os_user,
                via,
                reason,
                ..
            } if role.is_empty() => format!(
                "sign-off request from {} rejected: {reason}",
                origin(os_user, via)
            ),
            SignoffNews::Rejected {
                role,
                name,
                os_user,
                via,
                reason,
                ..
            } => format!(
                "sign-off of {role} by {name} ({}) rejected: {reason}",
                origin(os_user, via)
            ),
            SignoffNews::GoRefused { missing, .. } => {
                format!(
                    "GO needs every role signed; missing: {}",
                    missing.join(", ")
                )
            }
        }
    }
}

/// Where a sign-off came from: `ana`, or `bob@host, from a follower`.
pub fn origin(os_user: &str, via: &str) -> String {
    match via.strip_prefix("follower") {
        Some(rest) => format!(
            "{os_user}{}, from a follower",
            rest.strip_prefix('@')
                .map(|h| format!("@{h}"))
                .unwrap_or_default()
        ),
        None => os_user.to_string(),
    }
}

impl Engine<'_> {
    /// A role signed from the driver's terminal: judged like a follower's
    /// request (a `distinct` role is refused), recorded, and reported as a notice.
    pub fn sign(
        &mut self,
        index: usize,
        role: &str,
        name: &str,
        os_user: &str,
        via: &str,
    ) -> Result<(), AuditError> {
        let id = self.step_id(index);
        let ask = Ask {
            step: Some(&id),
            role,
            name,
            uid: nix::unistd::getuid().as_raw(),
        };
        self.settle(&ask, os_user, via, None)
    }

    /// A follower's request, read from their sidecar: signed or rejected, and recorded.
    pub(super) fn take_request(&mut self, incoming: Incoming) {
        let _ = self.judge_request(incoming);
    }

    fn judge_request(&mut self, incoming: Incoming) -> Result<(), AuditError> {
        let Incoming {
            uid,
            os_user,
            request,
        } = incoming;
        match request {
            Ok(req) => {
                let ask = Ask {
                    step: req.step.as_deref(),
                    role: &req.role,
                    name: &req.name,
                    uid,
                };
                self.settle(&ask, &os_user, &req.via(), Some(req.nonce.clone()))
            }
            Err(reason) => {
                let verdict = Verdict::Reject {
                    index: None,
                    reason,
                };
                let ask = Ask {
                    step: None,
                    role: "",
                    name: "",
                    uid,
                };
                self.record_verdict(verdict, &ask, &os_user, "follower", None)
            }
        }
    }

    fn settle(
        &mut self,
        ask: &Ask,
        os_user: &str,
        via: &str,
        request: Option<String>,
    ) -> Result<(), AuditError> {
        let driver = DriverUser {
            uid: nix::unistd::getuid().as_raw(),
            name: &self.os_user,
        };
        let verdict = judge(&self.refs, &self.projection.state, ask, driver);
        self.record_verdict(verdict, ask, os_user, via, request)
    }

    fn record_verdict(
        &mut self,
        verdict: Verdict,
        ask: &Ask,
        os_user: &str,
        via: &str,
        request: Option<String>,
    ) -> Result<(), AuditError> {
        let name = self.mask(ask.name.trim());
        let (index, news, body) = match verdict {
            Verdict::Sign { index, role } => (
                Some(index),
                SignoffNews::Signed {
                    index,
                    role: role.clone(),
                    name: name.clone(),
                    os_user: os_user.into(),
                    via: via.into(),
                },
                Body::Signed {
                    role,
                    name,
                    os_user: os_user.into(),
                    via: via.into(),
                    request,
                },
            ),
            Verdict::Reject { index, reason } => {
                let role = self.mask(ask.role.trim());
                let reason = self.mask(&reason);
                let news = SignoffNews::Rejected {
                    index,
                    role: role.clone(),
                    name: name.clone(),
                    os_user: os_user.into(),
                    via: via.into(),
                    reason: reason.clone(),
                };
                let body = Body::SignoffRejected {
                    role,
                    name,
                    os_user: os_user.into(),
                    via: via.into(),
                    reason,
                    request,
                };
                (index, news, body)
            }
        };
        let id = index.map(|i| self.step_id(i));
        let recorded = self.record(id.as_deref(), body, SyncPolicy::Now);
        self.notice(super::Notice::Signoff(news));
        recorded
    }

    /// The roles of the gate at `index` nobody has signed yet, in the runbook's order.
    pub fn unsigned_roles(&self, index: usize) -> Vec<Signoff> {
        let Some(StepKind::Gate(gate)) = self.refs.get(index).map(|r| &r.step.kind) else {
            return Vec::new();
        };
        let signers = self
            .projection
            .state
            .steps
            .get(index)
            .map(|s| s.signers.as_slice())
            .unwrap_or_default();
        gate.signoffs
            .iter()
            .filter(|s| !signers.iter().any(|x| x.role == s.role))
            .cloned()
            .collect()
    }

    /// `Some` (and the refusal noted) when GO at `index` would leave roles unsigned.
    pub(super) fn refuse_go(&mut self, index: usize) -> Option<()> {
        let missing: Vec<String> = self
            .unsigned_roles(index)
            .into_iter()
            .map(|s| s.role)
            .collect();
        if missing.is_empty() {
            return None;
        }
        self.notice(super::Notice::Signoff(SignoffNews::GoRefused {
            index,
            missing,
        }));
        Some(())
    }

    /// The command a follower types to sign `role` at this session's current gate
    /// (`--audit-dir` last, and only when the log is not in the default directory).
    pub fn sign_command(&self, role: &str) -> String {
        let log = self.log_path();
        let id = log
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut command = format!(
            "runbook sign {} --role {} --name NAME",
            shell_word(&id),
            shell_word(role)
        );
        let dir = log.parent().unwrap_or(Path::new("."));
        if crate::session::log::sessions_dir(None).ok().as_deref() != Some(dir) {
            command.push_str(&format!(
                " --audit-dir {}",
                shell_word(&dir.display().to_string())
            ));
        }
        command
    }
}

/// `text` as one shell word: as is when plain, else single-quoted.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_say_who_signed_and_from_where() {
        let signed = SignoffNews::Signed {
            index: 0,
            role: "SRE".into(),
            name: "Bob".into(),
            os_user: "bob".into(),
            via: "follower@laptop".into(),
        };
        assert_eq!(
            signed.describe(),
            "SRE signed by Bob (bob@laptop, from a follower)"
        );
        assert_eq!(origin("ana", "driver"), "ana");
        assert_eq!(shell_word("Engineering Lead"), "'Engineering Lead'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("SRE"), "SRE");
    }
}
