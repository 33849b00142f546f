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
