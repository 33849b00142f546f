//! What a document's reading promises an operator, end to end through `--plain --yes`:
//! output pasted under a prompted command is never run, and a failing command stops its
//! step.

mod support;

use support::{Sandbox, output_of, records, text};

#[test]
fn an_output_table_under_a_prompted_command_is_never_run() {
    let sb = Sandbox::new();
    let marker = sb.path().join("output-line-ran");
    sb.runbook(
        "console.md",
        &format!(
            "# Check\n```bash\n$ echo checking\nchecking\ntouch {m}\n| NAME | READY |\n```\n",
            m = marker.display()
        ),
    );
    let out = sb.run(&["run", "console.md", "--plain", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(!marker.exists(), "an output line was run as a command");
    let log = records(&sb.only_log());
    assert_eq!(output_of(&log, "1#1", "stdout"), "checking\n");
}

#[test]
fn a_failing_first_command_fails_the_step_and_nothing_after_it_runs() {
    let sb = Sandbox::new();
    sb.runbook("fails.md", "# Fails\n```bash\nfalse\necho after\n```\n");
    let out = sb.run(&["run", "fails.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert_eq!(output_of(&records(&sb.only_log()), "1#1", "stdout"), "");

    let sb = Sandbox::new();
    sb.runbook(
        "goes-on.md",
        "# Goes on\n```bash {errexit=false}\nfalse\necho after\n```\n",
    );
    let out = sb.run(&["run", "goes-on.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(
        output_of(&records(&sb.only_log()), "1#1", "stdout"),
        "after\n"
    );
}

#[test]
fn a_garbled_document_is_shown_repaired_and_logged_with_the_files_own_hash() {
    use sha2::{Digest, Sha256};
    let sb = Sandbox::new();
    let written = "# \u{f8ff}üöÄ Deploy\n\nStatus: ‚úÖ ready\n\n- [ ] Window announced\n";
    let path = sb.runbook("garbled.md", written);
    let out = sb.run(&["run", "garbled.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("🚀 Deploy"),
        "{}",
        text(&out.stdout)
    );
    let header: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(sb.only_log())
            .expect("log")
            .lines()
            .next()
            .expect("header"),
    )
    .expect("json");
    let bytes = std::fs::read(path).expect("runbook");
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(header["runbook"]["sha256"], digest.as_str());
    let check = sb.run(&["check", "garbled.md"]);
    assert!(
        text(&check.stderr)
            .contains("garbled.md:1:3: warning: the text is UTF-8 that was once read as Mac Roman"),
        "{}",
        text(&check.stderr)
    );
}
