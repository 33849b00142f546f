//! Everything that happens in a session, as typed events. The audit log is these
//! events on disk; the screen, resume, follow and replay all fold over them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

pub use super::fleet_events::{
    BatchDecision, BatchEnd, BatchStart, FleetPlan, FleetStop, HostEnd, HostOutput, HostStart,
};
pub use super::output_bytes::OutputBytes;
pub use crate::exec::Stream;
pub use crate::health::Status as HealthStatus;

/// One event: what happened, to which step (if any).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub step: Option<String>,
    pub body: Body,
}

/// The kinds of events. The variant name (snake_case) is the record's `kind`,
/// its fields the record's `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Body {
    SessionStarted {
        title: String,
        steps: usize,
        yes: bool,
        dry_run: bool,
        skip_waits: bool,
        /// The runbook's text (secrets masked), so follow, replay and export need only the log.
        #[serde(default)]
        source: String,
        /// Who drives the session (also in the header; here so the fold knows the driver).
        #[serde(default)]
        operator: String,
    },
    SessionResumed {
        operator: String,
        host: String,
        pid: u32,
        torn_bytes_dropped: u64,
    },
    SessionEnded {
        outcome: Outcome,
        reason: String,
    },
    LogRepaired {
        dropped_bytes: u64,
    },
    StepStarted {
        attempt: u32,
        script: String,
        cwd: String,
        auto: bool,
        dry_run: bool,
        /// A proposed command (read as shell without the author saying so), run after the
        /// operator's own confirmation or `--run-proposed`.
        #[serde(default, skip_serializing_if = "is_false")]
        proposed: bool,
        /// A reference step (FAQ, troubleshooting) the operator ran on demand, off the
        /// forward path.
        #[serde(default, skip_serializing_if = "is_false")]
        on_demand: bool,
    },
    Output {
        stream: Stream,
        /// Stored as `"text"` (UTF-8) or `"b64"` next to `stream`, as the log has always had it.
        #[serde(flatten)]
        bytes: OutputBytes,
    },
    StepFinished {
        exit_code: Option<i32>,
        signal: Option<i32>,
        duration_ms: u64,
        ok: bool,
        lingering: bool,
    },
    /// The step's process group, so a `resume` after the driver was killed can stop it.
    StepProcess {
        pgid: i32,
        /// The group leader's start time in clock ticks since boot.
        leader_start: u64,
        /// The step's own cgroup v2, when the session could give it one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cgroup: Option<String>,
    },
    StepTimedOut {
        after_ms: u64,
    },
    StepCancelled {
        reason: String,
    },
    StepInterrupted {
        reason: String,
    },
    StepSkipped {
        reason: String,
    },
    StepMarkedDone {
        reason: String,
    },
    CheckConfirmed {
        auto: bool,
    },
    WaitStarted {
        seconds: f64,
        until: Vec<String>,
        /// When the wait runs out (UTC).
        ends_at: chrono::DateTime<chrono::Utc>,
    },
    WaitEnded {
        early: bool,
        reason: String,
        /// The deadline came with its `until` checks not OK: the wait failed.
        #[serde(default, skip_serializing_if = "is_false")]
        failed: bool,
    },
    /// A role signed by name: `via` is `driver` (the driver's terminal) or
    /// `follower@HOST`; `os_user` is the driver's user, or the owner of the follower's sidecar file.
    Signed {
        role: String,
        name: String,
        os_user: String,
        via: String,
        /// The follower's request nonce (absent for the driver's own sign-offs).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<String>,
    },
    GateDecided {
        decision: Decision,
        auto: bool,
        criteria: Vec<String>,
        /// Each criterion's group as the runbook heads it (`GO Criteria`, `NO-GO Criteria`;
        /// empty when it has none), so the record keeps GO and NO-GO criteria apart.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        groups: Vec<String>,
        signers: Vec<Signer>,
        evidence: BTreeMap<String, Value>,
    },
    Note {
        text: String,
    },
    Jumped {
        to: String,
    },
    /// The driver quit without ending the session; it can be resumed.
    DriverLeft {
        operator: String,
        /// What leaving had to stop, as a session's end says it (`stopped what steps left
        /// running on 2 hosts`); absent when nothing was.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stopped: Option<String>,
    },
    RollbackEntered {
        reason: String,
    },
    /// A health check's `rollback_if` held: the operator is asked to roll back.
    RollbackPrompted {
        checks: Vec<String>,
        reason: String,
    },
    /// The operator chose to stay on the forward path after a rollback prompt.
    RollbackDeclined {
        reason: String,
    },
    HealthChanged {
        check: String,
        #[serde(with = "health_word")]
        from: HealthStatus,
        #[serde(with = "health_word")]
        to: HealthStatus,
        value: Option<String>,
        reason: Option<String>,
        /// When the probe saw the change; the record's `ts` is when it was written, which
        /// can be later (a `--plain` prompt waiting for an answer).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        observed: Option<chrono::DateTime<chrono::Utc>>,
    },
    EnvChanged {
        set: BTreeMap<String, String>,
        unset: Vec<String>,
        cwd: Option<String>,
    },
    /// A sign-off that was not accepted (unknown gate or role, already signed,
    /// gate not open, `distinct` role signed by the driver's own OS user, unreadable request).
    SignoffRejected {
        role: String,
        name: String,
        os_user: String,
        via: String,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<String>,
    },
    /// Another operator took over the session (recorded after `session_resumed`).
    DriverChanged {
        from: String,
        to: String,
        host: String,
    },
    /// A value for a placeholder of the runbook's commands (`<cluster-name>`), given once
    /// per session; it reaches commands only as the environment variable `env`. `value`
    /// is masked when the name says secret (`secret`), and a resumed session asks for it
    /// again. `via`: `operator` (asked at the step that needed it) or `--param`.
    PlaceholderFilled {
        placeholder: String,
        env: String,
        value: String,
        secret: bool,
        via: String,
    },
    /// The operator saw how the runbook was read (the loader's warnings) before the first
    /// step; `auto` under `--plain --yes`, where they were printed.
    WarningsAcknowledged {
        warnings: Vec<String>,
        auto: bool,
    },
    /// A step on many hosts: its hosts and batches for this attempt.
    FleetPlanned(FleetPlan),
    BatchStarted(BatchStart),
    HostStarted(HostStart),
    HostOutput(HostOutput),
    HostFinished(HostEnd),
    BatchFinished(BatchEnd),
    /// GO or NO-GO between batches (`batch_gate`).
    BatchDecided(BatchDecision),
    /// The step stopped before every host ran (`max_fail`, NO-GO, cancel).
    FleetStopped(FleetStop),
    /// Which option of a choice applies (`option: None`: none of these, for a condition);
    /// the steps of the others are not chosen and never run. `choice` is the section's
    /// number; `via` is `operator` or `--choose`.
    OptionChosen {
        choice: String,
        title: String,
        option: Option<String>,
        not_chosen: Vec<String>,
        via: String,
    },
    /// The chain head `(signed_seq, signed_hash)` signed with the operator's SSH key: SSHSIG,
    /// namespace `runbook-audit`, over `runbook-audit v1 <session-id> <seq> <hash>\n` (crate::session::proof).
    ChainSigned {
        signed_seq: u64,
        signed_hash: String,
        /// The armored `-----BEGIN SSH SIGNATURE-----` text, as `ssh-keygen -Y sign` writes it.
        signature: String,
        /// `SHA256:…` of the key that signed.
        fingerprint: String,
        /// Who the allowed-signers file must list for that key.
        principal: String,
    },
    /// The chain head could not be signed (key unreadable, agent gone): the session went on.
    SigningFailed {
        signed_seq: u64,
        signed_hash: String,
        error: String,
    },
    /// The chain head could not be written to an anchor sink. `required`: the session
    /// stops here (`--anchor-required`), as when the log itself cannot be written.
    AnchorFailed {
        sink: String,
        anchored_seq: u64,
        anchored_hash: String,
        error: String,
        required: bool,
    },
    /// The session walks one day of a plan, knowing the day before (PRODUCT.md §1.5).
    DayOpened(Box<super::plan_history::DayOpened>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    /// The forward path was left for rollback and the rollback walk ended.
    RolledBack,
    Failed,
    Aborted,
    Interrupted,
}

impl Outcome {
    /// The outcome in words, e.g. `rolled back`.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::RolledBack => "rolled back",
            Outcome::Failed => "failed",
            Outcome::Aborted => "aborted",
            Outcome::Interrupted => "interrupted",
        }
    }

    /// The process exit code for this outcome (PRODUCT.md §5).
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Completed => 0,
            Outcome::RolledBack | Outcome::Failed | Outcome::Aborted => 1,
            Outcome::Interrupted => 130,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Go,
    NoGo,
}

impl Decision {
    /// `GO` or `NO-GO`, as people say it.
    pub fn word(self) -> &'static str {
        match self {
            Decision::Go => "GO",
            Decision::NoGo => "NO-GO",
        }
    }
}

/// Who signed a gate role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    pub role: String,
    pub name: String,
    pub os_user: String,
    /// `driver`, or `follower@HOST` (empty in logs written before it was recorded).
    #[serde(default)]
    pub via: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A health status as the log writes it (`OK`, `WARN`, `CRIT`, `DOWN`, `UNKNOWN`); a word
/// this version does not know reads as UNKNOWN.
mod health_word {
    use super::HealthStatus;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(status: &HealthStatus, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(status.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<HealthStatus, D::Error> {
        let word = String::deserialize(d)?;
        Ok(HealthStatus::from_word(&word))
    }
}

impl Body {
    /// Who signed, or tried to (`signed`, `signoff_rejected`).
    pub fn signer(&self) -> Option<Signer> {
        let (Body::Signed {
            role,
            name,
            os_user,
            via,
            ..
        }
        | Body::SignoffRejected {
            role,
            name,
            os_user,
            via,
            ..
        }) = self
        else {
            return None;
        };
        Some(Signer {
            role: role.clone(),
            name: name.clone(),
            os_user: os_user.clone(),
            via: via.clone(),
        })
    }
}

impl Event {
    pub fn new(step: Option<&str>, body: Body) -> Self {
        Event {
            step: step.map(str::to_string),
            body,
        }
    }

    /// The record's `kind` and `data`, as written to the audit log.
    pub fn kind_and_data(&self) -> (String, Value) {
        match serde_json::to_value(&self.body) {
            Ok(Value::Object(mut map)) => {
                let kind = map
                    .remove("kind")
                    .and_then(|k| k.as_str().map(str::to_string))
                    .unwrap_or_default();
                let data = map.remove("data").unwrap_or(Value::Null);
                (kind, data)
            }
            _ => (String::new(), Value::Null),
        }
    }

    /// Like [`Event::kind_and_data`], consuming the event; output bytes are moved, not copied.
    pub fn into_kind_and_data(self) -> (String, Value) {
        if let Body::Output { stream, bytes } = self.body {
            return ("output".into(), bytes.into_data(stream));
        }
        self.kind_and_data()
    }

    /// Rebuilds an event from a record's fields; `None` for kinds this version does not know.
    pub fn from_record(kind: &str, step: Option<String>, data: &Value) -> Option<Self> {
        let tagged = serde_json::json!({ "kind": kind, "data": data });
        serde_json::from_value::<Body>(tagged)
            .ok()
            .map(|body| Event { step, body })
    }
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
