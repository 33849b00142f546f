//! `runbook verify`'s proof checks, fed each line of a log whose chain checks out:
//! every `chain_signed` line signs a head the log really holds, with a good SSHSIG by a
//! key the allowed signers list for its principal; every anchored head is on the chain,
//! and none lies beyond the log's end.

use super::allowed::AllowedSigners;
use super::anchors_file::Anchored;
use crate::session::event::{Body, Event as Typed};
use crate::session::log::{ChainHash, Checked, Event, Record};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Heads kept for resolving what a signature claims; older ones take a second read.
const RECENT: usize = 4096;

/// What the auditor gave to check against.
#[derive(Debug, Default)]
pub struct Against {
    /// The allowed signers, and the file's name for messages.
    pub allowed: Option<(String, AllowedSigners)>,
    /// This session's anchors, and the file's name.
    pub anchors: Option<(String, Vec<Anchored>)>,
}

/// One `chain_signed` line, as far as it has been judged.
#[derive(Debug)]
struct Claim {
    seq: u64,
    signed_seq: u64,
    signed_hash: String,
    principal: String,
    fingerprint: String,
    /// The signature itself (and the allowed signers): `Err` says what is wrong.
    verdict: Result<(), String>,
    /// Whether the log holds the signed head; `None` until its seq's hash is known.
    on_chain: Option<Result<(), String>>,
}

/// The verdict beyond the chain.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ProofReport {
    /// Each a failure naming its seq: the log cannot be trusted as it stands.
    pub problems: Vec<String>,
    /// What an auditor should read: who signed, what was anchored, what failed on the way.
    pub findings: Vec<String>,
}

/// Collects what the lines say while `verify` reads them.
#[derive(Debug)]
pub struct ProofCheck {
    against: Against,
    session_id: String,
    recent: VecDeque<(u64, ChainHash)>,
    claims: Vec<Claim>,
    /// Anchored heads by seq, checked off as the log reaches them.
    anchored: BTreeMap<u64, Vec<Anchored>>,
    problems: Vec<String>,
    failures: Vec<String>,
    last_seq: u64,
    /// The last line that is not itself a signature or a failure to seal.
    last_recorded: u64,
}

impl ProofCheck {
    pub fn new(against: Against) -> Self {
        let mut anchored: BTreeMap<u64, Vec<Anchored>> = BTreeMap::new();
        if let Some((_, anchors)) = &against.anchors {
            for anchor in anchors {
                anchored.entry(anchor.seq).or_default().push(anchor.clone());
            }
        }
        ProofCheck {
            against,
            session_id: String::new(),
            recent: VecDeque::with_capacity(RECENT),
            claims: Vec::new(),
            anchored,
            problems: Vec::new(),
            failures: Vec::new(),
            last_seq: 0,
            last_recorded: 0,
        }
    }

    /// One line that checked out.
    pub fn observe(&mut self, checked: Checked<'_>) {
        let seq = match checked.record {
            Record::Header(header) => {
                self.session_id.clone_from(&header.session_id);
                0
            }
            Record::Event(event) => {
                if !super::is_proof_kind(&event.kind) {
                    self.last_recorded = event.seq;
                }
                self.event(event);
                event.seq
            }
        };
        self.last_seq = seq;
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back((seq, *checked.hash));
        if let Some(anchors) = self.anchored.remove(&seq) {
            self.match_anchors(seq, checked.hash, &anchors);
        }
    }

    /// The seqs whose hashes a second read must supply.
    pub fn unresolved(&self) -> BTreeSet<u64> {
        self.claims
            .iter()
            .filter(|c| c.on_chain.is_none())
            .map(|c| c.signed_seq)
            .collect()
    }

    /// Settles claims on heads that fell out of the recent window.
    pub fn resolve(&mut self, hashes: &BTreeMap<u64, ChainHash>) {
        for claim in self.claims.iter_mut().filter(|c| c.on_chain.is_none()) {
            claim.on_chain = Some(head_matches(claim, hashes.get(&claim.signed_seq)));
        }
    }

    fn event(&mut self, event: &Event) {
        let Some(typed) = Typed::from_record(&event.kind, event.step.clone(), &event.data) else {
            return;
        };
        match typed.body {
            Body::ChainSigned {
                signed_seq,
                signed_hash,
                signature,
                fingerprint,
                principal,
            } => {
                let mut claim = Claim {
                    seq: event.seq,
                    signed_seq,
                    signed_hash,
                    principal,
                    fingerprint,
                    verdict: Ok(()),
                    on_chain: None,
                };
                claim.verdict = self.judge(&claim, &signature, event.ts);
                if signed_seq >= event.seq {
                    claim.on_chain = Some(Err(format!(
                        "it claims to sign seq {signed_seq}, which is not before it"
                    )));
                } else if let Some((_, hash)) = self.recent.iter().find(|(s, _)| *s == signed_seq) {
                    claim.on_chain = Some(head_matches(&claim, Some(hash)));
                }
                self.claims.push(claim);
            }
            Body::SigningFailed {
                signed_seq, error, ..
            } => self.failures.push(format!(
                "warning: seq {}: signing the head at seq {signed_seq} failed: {error}",
                event.seq
            )),
            Body::AnchorFailed {
                sink,
                anchored_seq,
                error,
                ..
            } => self.failures.push(format!(
                "warning: seq {}: anchoring seq {anchored_seq} to {sink} failed: {error}",
                event.seq
            )),
            // Only the lines sealing wrote are checked here.
            Body::SessionStarted { .. }
            | Body::SessionResumed { .. }
            | Body::SessionEnded { .. }
            | Body::LogRepaired { .. }
            | Body::StepStarted { .. }
            | Body::Output { .. }
            | Body::StepFinished { .. }
            | Body::StepProcess { .. }
            | Body::StepTimedOut { .. }
            | Body::StepCancelled { .. }
            | Body::StepInterrupted { .. }
            | Body::StepSkipped { .. }
            | Body::StepMarkedDone { .. }
            | Body::CheckConfirmed { .. }
            | Body::WaitStarted { .. }
            | Body::WaitEnded { .. }
            | Body::Signed { .. }
            | Body::GateDecided { .. }
            | Body::Note { .. }
            | Body::Jumped { .. }
            | Body::DriverLeft { .. }
            | Body::RollbackEntered { .. }
            | Body::RollbackPrompted { .. }
            | Body::RollbackDeclined { .. }
            | Body::HealthChanged { .. }
            | Body::EnvChanged { .. }
            | Body::SignoffRejected { .. }
            | Body::DriverChanged { .. }
            | Body::PlaceholderFilled { .. }
            | Body::WarningsAcknowledged { .. }
            | Body::DayOpened(_)
            | Body::OptionChosen { .. }
            | Body::FleetPlanned(_)
            | Body::BatchStarted(_)
            | Body::HostStarted(_)
            | Body::HostOutput(_)
            | Body::HostFinished(_)
            | Body::BatchFinished(_)
            | Body::BatchDecided(_)
            | Body::FleetStopped(_) => {}
        }
    }

    fn judge(&self, claim: &Claim, armored: &str, when: DateTime<Utc>) -> Result<(), String> {
        let signature = ssh_key::SshSig::from_pem(armored)
            .map_err(|e| format!("the signature cannot be read ({e})"))?;
        if signature.namespace() != super::NAMESPACE {
            return Err(format!(
                "signed in namespace {:?}, not {:?}",
                signature.namespace(),
                super::NAMESPACE
            ));
        }
        let key = signature.public_key();
        let fingerprint = key.fingerprint(ssh_key::HashAlg::Sha256).to_string();
        if fingerprint != claim.fingerprint {
            return Err(format!(
                "the recorded fingerprint {} is not the signing key's ({fingerprint})",
                claim.fingerprint
            ));
        }
        let message = super::signed_message(&self.session_id, claim.signed_seq, &claim.signed_hash);
        ssh_key::PublicKey::new(key.clone(), "")
            .verify(super::NAMESPACE, message.as_bytes(), &signature)
            .map_err(|_| "bad signature: it does not sign this head with this key".to_string())?;
        if let Some((name, allowed)) = &self.against.allowed {
            allowed
                .judge(&claim.principal, key, super::NAMESPACE, when)
                .map_err(|refusal| {
                    format!(
                        "key {fingerprint} signing as {:?}: {refusal} ({name})",
                        claim.principal
                    )
                })?;
        }
        Ok(())
    }

    fn match_anchors(&mut self, seq: u64, hash: &ChainHash, anchors: &[Anchored]) {
        let name = self.anchors_name();
        for anchor in anchors.iter().filter(|a| a.hash != hash.as_str()) {
            self.problems.push(format!(
                "anchored seq {seq} ({name} line {}) has hash {}, the log's seq {seq} has {hash}",
                anchor.line_no, anchor.hash
            ));
        }
    }

    fn anchors_name(&self) -> String {
        self.against
            .anchors
            .as_ref()
            .map(|(name, _)| name.clone())
            .unwrap_or_default()
    }

    /// The verdict, once every line has been seen (and [`ProofCheck::resolve`] run).
    pub fn finish(mut self) -> ProofReport {
        let mut report = ProofReport::default();
        report.problems.append(&mut self.problems);
        self.signatures(&mut report);
        self.anchors(&mut report);
        report.findings.append(&mut self.failures);
        report
    }

    fn signatures(&self, report: &mut ProofReport) {
        for claim in &self.claims {
            let on_chain = claim.on_chain.clone().unwrap_or(Ok(()));
            if let Err(why) = claim.verdict.clone().and(on_chain) {
                report.problems.push(format!(
                    "seq {} (signature over seq {}): {why}",
                    claim.seq, claim.signed_seq
                ));
            }
        }
        let Some(covered) = self.claims.iter().map(|c| c.signed_seq).max() else {
            report.findings.push(match &self.against.allowed {
                Some((name, _)) => {
                    report.problems.push(format!(
                        "unsigned: the log carries no signature to check against {name}"
                    ));
                    "unsigned".into()
                }
                None => "unsigned: the log carries no signature".into(),
            });
            return;
        };
        let signers: BTreeSet<String> = self
            .claims
            .iter()
            .map(|c| format!("{} ({})", c.principal, c.fingerprint))
            .collect();
        let checked = match &self.against.allowed {
            Some((name, _)) => format!("checked against {name}"),
            None => "not checked against allowed signers (give --allowed-signers)".into(),
        };
        report.findings.push(format!(
            "signed: {} signature{} by {}; {checked}; last signed head seq {covered}",
            self.claims.len(),
            if self.claims.len() == 1 { "" } else { "s" },
            signers.into_iter().collect::<Vec<_>>().join(", "),
        ));
        if covered < self.last_recorded {
            report.findings.push(format!(
                "not covered by a signature: seq {} to {} (after the last signed head)",
                covered + 1,
                self.last_recorded
            ));
        }
    }

    fn anchors(&self, report: &mut ProofReport) {
        let Some((name, anchors)) = &self.against.anchors else {
            return;
        };
        if let Some(beyond) = self.anchored.keys().next_back() {
            report.problems.push(format!(
                "cut short: anchored seq {beyond}, log ends at {}",
                self.last_seq
            ));
            return;
        }
        match anchors.iter().map(|a| a.seq).max() {
            None => report.problems.push(format!(
                "{name} holds no anchor of session {}",
                self.session_id
            )),
            Some(highest) => report.findings.push(format!(
                "anchored: {} head{} in {name}, all on the chain; highest anchored seq {highest}",
                anchors.len(),
                if anchors.len() == 1 { "" } else { "s" }
            )),
        }
    }
}

/// Verifies the chain of the log at `path` and, when it holds, the proof: `None` for the
/// proof when the chain itself is broken (the chain's report says where).
pub fn verify_with_proof(
    path: &std::path::Path,
    against: Against,
) -> Result<(crate::session::log::VerifyReport, Option<ProofReport>), crate::session::log::AuditError>
{
    use crate::session::log::verify_observed;
    let mut check = ProofCheck::new(against);
    let report = verify_observed(path, &mut |line| check.observe(line))?;
    if !report.is_ok() {
        return Ok((report, None));
    }
    let wanted = check.unresolved();
    if !wanted.is_empty() {
        let mut hashes = BTreeMap::new();
        verify_observed(path, &mut |line| {
            let seq = match line.record {
                Record::Header(_) => 0,
                Record::Event(event) => event.seq,
            };
            if wanted.contains(&seq) {
                hashes.insert(seq, *line.hash);
            }
        })?;
        check.resolve(&hashes);
    }
    Ok((report, Some(check.finish())))
}

fn head_matches(claim: &Claim, hash: Option<&ChainHash>) -> Result<(), String> {
    match hash {
        Some(hash) if hash.as_str() == claim.signed_hash => Ok(()),
        Some(hash) => Err(format!(
            "it signs hash {} for seq {}, but the log's seq {} has {hash}",
            claim.signed_hash, claim.signed_seq, claim.signed_seq
        )),
        None => Err(format!(
            "it signs seq {}, which the log does not hold",
            claim.signed_seq
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "check_tests.rs"]
mod tests;
