//! Signed chain heads: a key in ssh-agent and a key file sign every moment; `runbook
//! verify --allowed-signers` and plain `ssh-keygen -Y verify` (run as the README says)
//! accept them; an altered log, an altered signature or a stranger's key fails.

mod proof;
mod support;

use proof::{Agent, DRILL, keygen, lines, readme_check_script, rechain, write_lines};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use support::{Sandbox, records, text};

const MOMENTS: &[&str] = &[
    "session_started",
    "gate_decided",
    "signed",
    "rollback_entered",
    "session_ended",
];

/// Runs the drill with `flags`; the session's log.
fn drill(sb: &Sandbox, flags: &[&str], agent: Option<&Agent>) -> std::path::PathBuf {
    sb.runbook("drill.md", DRILL);
    let mut args = vec!["run", "drill.md", "--plain", "--yes", "--signoff", "SRE=Bo"];
    args.extend_from_slice(flags);
    let mut command = sb.command(&args);
    command.env_remove("SSH_AUTH_SOCK");
    if let Some(agent) = agent {
        command.env("SSH_AUTH_SOCK", &agent.socket);
    }
    let out = command.output().expect("runbook runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the drill rolls back: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        !text(&out.stdout).contains("warning"),
        "{}",
        text(&out.stdout)
    );
    sb.only_log()
}

/// Every moment is followed by a `chain_signed` line over it; returns those lines.
fn signatures_follow_every_moment(log: &Path, principal: &str) -> Vec<Value> {
    let records = records(log);
    let mut signed = Vec::new();
    for kind in MOMENTS {
        assert!(
            records.iter().any(|r| r["kind"] == *kind),
            "the drill records {kind}"
        );
    }
    for (i, record) in records.iter().enumerate() {
        if !MOMENTS.contains(&record["kind"].as_str().unwrap_or("")) {
            continue;
        }
        let next = &records[i + 1];
        assert_eq!(next["kind"], "chain_signed", "after {record}");
        assert_eq!(next["data"]["signed_seq"], record["seq"]);
        assert_eq!(next["data"]["signed_hash"], record["hash"]);
        assert_eq!(next["data"]["principal"], principal);
        let signature = next["data"]["signature"].as_str().unwrap_or("");
        assert!(
            signature.starts_with("-----BEGIN SSH SIGNATURE-----\n"),
            "{signature}"
        );
        assert!(
            next["data"]["fingerprint"]
                .as_str()
                .unwrap_or("")
                .starts_with("SHA256:")
        );
        signed.push(next.clone());
    }
    signed
}

fn verify(sb: &Sandbox, log: &Path, allowed: Option<&Path>) -> (Option<i32>, String) {
    let mut args = vec!["verify".to_string(), log.display().to_string()];
    if let Some(allowed) = allowed {
        args.extend([
            "--allowed-signers".to_string(),
            allowed.display().to_string(),
        ]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sb.run(&args);
    (out.status.code(), text(&out.stdout))
}

/// The README's auditor commands, run by bash in `dir` (where `allowed_signers` is).
fn auditor_check(dir: &Path, log: &Path) -> (bool, String) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(readme_check_script())
        .current_dir(dir)
        .env("LOG", log)
        .output()
        .expect("bash runs");
    (
        out.status.success(),
        format!("{}{}", text(&out.stdout), text(&out.stderr)),
    )
}

#[test]
fn a_key_held_by_ssh_agent_signs_every_moment_and_both_verifiers_agree() {
    let sb = Sandbox::new();
    let keys = sb.path().join("keys");
    std::fs::create_dir(&keys).expect("keys dir");
    let (key, public) = keygen(&keys, "ana", "ana@laptop");
    let agent = Agent::start(sb.path());
    agent.add(&key);
    // Only the agent can sign now.
    std::fs::remove_file(&key).expect("private key gone");
    std::fs::remove_file(key.with_extension("pub")).expect("public key gone");
    let log = drill(
        &sb,
        &["--sign-key", "agent", "--operator", "ana"],
        Some(&agent),
    );
    let signed = signatures_follow_every_moment(&log, "ana");
    assert_eq!(
        signed.len(),
        6,
        "start, 2 gate decisions, 1 sign-off, rollback, end"
    );

    let allowed = sb.path().join("allowed_signers");
    std::fs::write(
        &allowed,
        format!("ana namespaces=\"runbook-audit\" {public}\n"),
    )
    .expect("allowed signers");
    let (code, said) = verify(&sb, &log, Some(&allowed));
    assert_eq!(code, Some(0), "{said}");
    assert!(said.starts_with("ok: "), "{said}");
    assert!(
        said.contains("signed: 6 signatures by ana (SHA256:"),
        "{said}"
    );

    let (good, said) = auditor_check(sb.path(), &log);
    assert!(good, "{said}");
    assert_eq!(
        said.matches("Good \"runbook-audit\" signature for ana")
            .count(),
        6,
        "{said}"
    );
}

#[test]
fn a_key_file_signs_and_any_alteration_fails_verify_naming_the_seq() {
    let sb = Sandbox::new();
    let (key, public) = keygen(sb.path(), "ops_key", "ops");
    let log = drill(
        &sb,
        &[
            "--sign-key",
            key.to_str().expect("utf-8"),
            "--sign-principal",
            "ana@example.com",
        ],
        None,
    );
    let signed = signatures_follow_every_moment(&log, "ana@example.com");
    let allowed = sb.path().join("allowed_signers");
    std::fs::write(&allowed, format!("ana@example.com {public}\n")).expect("allowed signers");
    assert_eq!(verify(&sb, &log, Some(&allowed)).0, Some(0));
    let (good, said) = auditor_check(sb.path(), &log);
    assert!(good, "{said}");
    assert_eq!(
        said.matches("Good \"runbook-audit\" signature").count(),
        signed.len()
    );

    let original = lines(&log);
    let gate_signature = signed[1]["seq"].as_u64().expect("seq") as usize;

    // One byte of the log flipped: the chain breaks.
    let mut flipped = original.clone();
    let output = flipped
        .iter()
        .position(|l| String::from_utf8_lossy(l).contains("deploying v2"))
        .expect("the deploy output");
    let at = flipped[output].len() / 2;
    flipped[output][at] ^= 0x01;
    write_lines(&log, &flipped);
    let (code, said) = verify(&sb, &log, Some(&allowed));
    assert_eq!(code, Some(1), "{said}");
    assert!(said.starts_with("TAMPERED"), "{said}");

    // One byte of a signature's signature bytes (the end of the armor) flipped, and the
    // chain rebuilt around it.
    let mut forged = original.clone();
    let line = &mut forged[gate_signature];
    let body = String::from_utf8_lossy(line).into_owned();
    let at = body.find("\\n-----END SSH SIGNATURE-----").expect("armor") - 10;
    line[at] = if line[at] == b'A' { b'B' } else { b'A' };
    rechain(&mut forged);
    write_lines(&log, &forged);
    let (code, said) = verify(&sb, &log, Some(&allowed));
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains(&format!(
            "seq {gate_signature} (signature over seq {}): bad signature",
            gate_signature - 1
        )),
        "{said}"
    );
    assert!(
        !auditor_check(sb.path(), &log).0,
        "ssh-keygen refuses it too"
    );

    // The deploy's output rewritten, the chain rebuilt: every later signature signs a head
    // the log no longer holds.
    let mut rewritten = original.clone();
    let text = String::from_utf8_lossy(&rewritten[output]).replace("deploying v2", "deploying v1");
    rewritten[output] = text.into_bytes();
    rechain(&mut rewritten);
    write_lines(&log, &rewritten);
    let (code, said) = verify(&sb, &log, Some(&allowed));
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains(&format!(
            "seq {gate_signature} (signature over seq {}): it signs hash",
            gate_signature - 1
        )),
        "{said}"
    );
    assert!(!auditor_check(sb.path(), &log).0);

    // The original log, but an allowed-signers file that knows another key.
    write_lines(&log, &original);
    let (_, stranger) = keygen(sb.path(), "stranger", "x");
    std::fs::write(&allowed, format!("ana@example.com {stranger}\n")).expect("allowed signers");
    let (code, said) = verify(&sb, &log, Some(&allowed));
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("the key is not in the allowed signers"),
        "{said}"
    );
    assert!(
        said.contains(&format!("seq {} (signature over seq", signed[0]["seq"])),
        "{said}"
    );
}

#[test]
fn without_a_key_the_session_runs_and_verify_says_unsigned() {
    let sb = Sandbox::new();
    let log = drill(&sb, &[], None);
    let records = records(&log);
    assert!(records.iter().all(|r| r["kind"] != "chain_signed"));
    let (code, said) = verify(&sb, &log, None);
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains("\nunsigned: the log carries no signature\n"),
        "{said}"
    );
    let (_, public) = keygen(sb.path(), "k", "k");
    let allowed = sb.path().join("allowed_signers");
    std::fs::write(&allowed, format!("ana {public}\n")).expect("allowed signers");
    let (code, said) = verify(&sb, &log, Some(&allowed));
    assert_eq!(
        code,
        Some(1),
        "asking for signatures where there are none fails: {said}"
    );
    assert!(
        said.contains("unsigned: the log carries no signature to check against"),
        "{said}"
    );
}

#[test]
fn a_signing_failure_is_a_warning_and_the_walk_goes_on() {
    let sb = Sandbox::new();
    let (key, _) = keygen(sb.path(), "k", "k");
    sb.runbook("drill.md", DRILL);
    // The key file is there when the session starts, gone at the first moment to sign.
    let mut broken = std::fs::read(&key).expect("key");
    broken.truncate(40);
    std::fs::write(&key, broken).expect("broken key");
    let mut command = sb.command(&[
        "run",
        "drill.md",
        "--plain",
        "--yes",
        "--signoff",
        "SRE=Bo",
        "--sign-key",
        key.to_str().expect("utf-8"),
    ]);
    let out = command.env_remove("SSH_AUTH_SOCK").output().expect("runs");
    assert_eq!(out.status.code(), Some(1), "the drill ran to its rollback");
    let said = text(&out.stdout);
    assert!(
        said.contains("warning: the chain head (seq 1) could not be signed: ssh-keygen"),
        "{said}"
    );
    let records = records(&sb.only_log());
    assert!(records.iter().any(|r| r["kind"] == "signing_failed"));
    assert!(records.iter().any(|r| r["kind"] == "session_ended"));
}
