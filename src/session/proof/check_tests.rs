use super::*;
use crate::session::log::{
    AuditWriter, EventDraft, HeaderDraft, ManualClock, RunbookRef, SyncPolicy,
};
use crate::session::proof::allowed::AllowedSigners;
use crate::session::proof::anchors_file::Anchored;
use crate::session::proof::test_keys::{public_line, sign};
use serde_json::json;
use std::path::{Path, PathBuf};

const SESSION: &str = "deploy-20261122T0903Z-3f2a";

/// A log being written for a test: notes, and signatures over chosen heads.
struct Log {
    writer: AuditWriter,
    heads: Vec<String>,
}

impl Log {
    fn new(dir: &Path) -> Self {
        let header = HeaderDraft {
            runbook: RunbookRef {
                path: "deploy.md".into(),
                sha256: "ab".repeat(32),
            },
            operator: "ana".into(),
            host: "bastion".into(),
            tool_version: "0".into(),
            params: serde_json::Map::new(),
        };
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-22T09:03:12.345Z")
            .unwrap()
            .to_utc();
        let writer = AuditWriter::create(dir, SESSION, &header, ManualClock::new(start)).unwrap();
        let heads = vec![writer.last_hash().as_str().to_string()];
        Log { writer, heads }
    }

    fn append(&mut self, kind: &str, data: serde_json::Value) -> u64 {
        let seq = self
            .writer
            .append(&EventDraft::new(kind, None, data), SyncPolicy::Lazy)
            .unwrap();
        self.heads
            .push(self.writer.last_hash().as_str().to_string());
        seq
    }

    fn notes(&mut self, n: usize) {
        for i in 0..n {
            self.append("note", json!({"text": format!("note {i}")}));
        }
    }

    /// A `chain_signed` line by key `key` over `(seq, hash)` as given.
    fn signed(&mut self, key: u8, seq: u64, hash: &str, principal: &str) -> u64 {
        let message = crate::session::proof::signed_message(SESSION, seq, hash);
        let signature = sign(key, crate::session::proof::NAMESPACE, &message);
        let fingerprint = crate::session::proof::test_keys::key(key)
            .public_key()
            .fingerprint(ssh_key::HashAlg::Sha256)
            .to_string();
        self.append(
            "chain_signed",
            json!({"signed_seq": seq, "signed_hash": hash, "signature": signature,
                   "fingerprint": fingerprint, "principal": principal}),
        )
    }

    /// Signs the line just written, honestly.
    fn sign_head(&mut self, key: u8) -> u64 {
        let seq = self.writer.next_seq() - 1;
        let hash = self.heads[seq as usize].clone();
        self.signed(key, seq, &hash, "ana")
    }

    fn done(mut self) -> PathBuf {
        self.writer.sync().unwrap();
        self.writer.path().to_path_buf()
    }
}

fn allowed(line: &str) -> Option<(String, AllowedSigners)> {
    Some((
        "allowed_signers".into(),
        AllowedSigners::parse(line).unwrap(),
    ))
}

fn check(path: &Path, against: Against) -> ProofReport {
    let (chain, proof) = verify_with_proof(path, against).unwrap();
    assert!(chain.is_ok(), "{chain:?}");
    proof.unwrap()
}

#[test]
fn honest_signatures_check_out_against_the_allowed_signers() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new(dir.path());
    log.notes(3);
    log.sign_head(1);
    log.notes(2);
    log.sign_head(1);
    let path = log.done();
    let report = check(
        &path,
        Against {
            allowed: allowed(&format!("ana {}", public_line(1))),
            anchors: None,
        },
    );
    assert_eq!(report.problems, Vec::<String>::new());
    assert!(
        report.findings[0].starts_with("signed: 2 signatures by ana (SHA256:")
            && report.findings[0]
                .ends_with("checked against allowed_signers; last signed head seq 6"),
        "{:?}",
        report.findings
    );
}

#[test]
fn a_foreign_key_a_forged_head_or_a_bad_signature_names_its_seq() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new(dir.path());
    log.notes(2);
    log.sign_head(2); // seq 3: a key the file does not list
    let forged = "f".repeat(64);
    log.signed(1, 1, &forged, "ana"); // seq 4: a head the log does not hold
    log.signed(1, 9, &forged, "ana"); // seq 5: a seq after it
    let hash = log.heads[2].clone();
    log.signed(1, 2, &hash, "bo"); // seq 6: listed for ana, signing as bo
    let path = log.done();
    let report = check(
        &path,
        Against {
            allowed: allowed(&format!("ana {}", public_line(1))),
            anchors: None,
        },
    );
    let problems = report.problems.join("\n");
    assert!(
        problems.contains("seq 3 (signature over seq 2): key SHA256:"),
        "{problems}"
    );
    assert!(
        problems.contains("the key is not in the allowed signers"),
        "{problems}"
    );
    assert!(
        problems.contains(&format!(
            "seq 4 (signature over seq 1): it signs hash {forged} for seq 1"
        )),
        "{problems}"
    );
    assert!(
        problems.contains(
            "seq 5 (signature over seq 9): it claims to sign seq 9, which is not before it"
        ),
        "{problems}"
    );
    assert!(
        problems.contains("seq 6 (signature over seq 2): key SHA256:")
            && problems
                .contains("\"bo\": the allowed signers list the key, but not for this principal"),
        "{problems}"
    );
    assert_eq!(report.problems.len(), 4);
}

#[test]
fn a_signature_that_does_not_match_its_head_is_bad() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new(dir.path());
    log.notes(1);
    let hash = log.heads[1].clone();
    let other = crate::session::proof::signed_message(SESSION, 1, &"0".repeat(64));
    let signature = sign(1, crate::session::proof::NAMESPACE, &other);
    let fingerprint = crate::session::proof::test_keys::key(1)
        .public_key()
        .fingerprint(ssh_key::HashAlg::Sha256)
        .to_string();
    log.append(
        "chain_signed",
        json!({"signed_seq": 1, "signed_hash": hash, "signature": signature,
               "fingerprint": fingerprint, "principal": "ana"}),
    );
    let wrong_namespace = sign(
        1,
        "git",
        &crate::session::proof::signed_message(SESSION, 1, &hash),
    );
    log.append(
        "chain_signed",
        json!({"signed_seq": 1, "signed_hash": hash, "signature": wrong_namespace,
               "fingerprint": fingerprint, "principal": "ana"}),
    );
    let path = log.done();
    let report = check(&path, Against::default());
    assert_eq!(
        report.problems,
        [
            "seq 2 (signature over seq 1): bad signature: it does not sign this head with this key",
            "seq 3 (signature over seq 1): signed in namespace \"git\", not \"runbook-audit\"",
        ]
    );
}

#[test]
fn a_head_far_back_is_found_by_a_second_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new(dir.path());
    log.notes(2);
    let hash = log.heads[1].clone();
    log.notes(RECENT + 10);
    let seq = log.signed(1, 1, &hash, "ana");
    let path = log.done();
    let report = check(&path, Against::default());
    assert_eq!(report.problems, Vec::<String>::new());
    assert!(report.findings[0].contains("last signed head seq 1"));
    assert!(report.findings[0].contains("not checked against allowed signers"));
    assert!(seq > RECENT as u64);
}

#[test]
fn unsigned_logs_are_named_and_fail_only_when_signatures_were_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new(dir.path());
    log.notes(2);
    let path = log.done();
    let report = check(&path, Against::default());
    assert_eq!(report.problems, Vec::<String>::new());
    assert_eq!(report.findings, ["unsigned: the log carries no signature"]);
    let report = check(
        &path,
        Against {
            allowed: allowed(&format!("ana {}", public_line(1))),
            anchors: None,
        },
    );
    assert_eq!(
        report.problems,
        ["unsigned: the log carries no signature to check against allowed_signers"]
    );
}

#[test]
fn anchors_beyond_the_end_or_off_the_chain_fail() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new(dir.path());
    log.notes(5);
    let heads = log.heads.clone();
    let path = log.done();
    let anchor = |seq: u64, hash: &str, line_no: u64| Anchored {
        seq,
        hash: hash.to_string(),
        line_no,
    };
    let against = |anchors: Vec<Anchored>| Against {
        allowed: None,
        anchors: Some(("anchors.log".into(), anchors)),
    };
    let fine = check(
        &path,
        against(vec![anchor(2, &heads[2], 1), anchor(5, &heads[5], 2)]),
    );
    assert_eq!(fine.problems, Vec::<String>::new());
    assert!(fine.findings.contains(
        &"anchored: 2 heads in anchors.log, all on the chain; highest anchored seq 5".to_string()
    ));
    let cut = check(
        &path,
        against(vec![anchor(2, &heads[2], 1), anchor(812, &heads[1], 2)]),
    );
    assert_eq!(cut.problems, ["cut short: anchored seq 812, log ends at 5"]);
    let off = check(&path, against(vec![anchor(3, &heads[2], 7)]));
    assert_eq!(
        off.problems,
        [format!(
            "anchored seq 3 (anchors.log line 7) has hash {}, the log's seq 3 has {}",
            heads[2], heads[3]
        )]
    );
    let none = check(&path, against(vec![]));
    assert_eq!(
        none.problems,
        [format!("anchors.log holds no anchor of session {SESSION}")]
    );
}
