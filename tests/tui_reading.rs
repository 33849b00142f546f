//! How a runbook was read, on the full screen in a real pseudo-terminal: the loader's
//! warnings are listed in a dialog at the start (scrollable; the operator's Enter is
//! recorded), the autopilot stops at a proposed step and waits for the operator, and only
//! the operator's `y` runs it — recorded as proposed.

mod pty;
mod support;

use pty::Term;
use std::path::Path;
use std::time::Duration;
use support::{Sandbox, events, output_of, records};

fn open(sb: &Sandbox, args: &[&str]) -> Term {
    let audit = sb.audit_dir();
    Term::spawn(args, sb.path(), &[("RUNBOOK_AUDIT_DIR", audit.as_os_str())])
}

fn real(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/real")
            .join(name),
    )
    .expect("fixture")
}

#[test]
fn the_autopilot_stops_at_a_proposed_step_after_the_warnings_are_acknowledged() {
    let sb = Sandbox::new();
    let runbook = sb.runbook("details-html-fences.md", &real("details-html-fences.md"));
    let mut term = open(&sb, &["run", &runbook.display().to_string(), "--yes"]);
    term.wait_for("How this runbook was read");
    term.wait_for("details-html-fences.md:8:1: warning: commands in a fence inside an HTML");
    term.wait_for("Enter: acknowledge (recorded in the audit log) and start");
    term.send("\r");
    term.wait_for("1#1 is a proposed command: --yes never runs it");
    term.wait_for("?$ openssl rand -hex 32");
    term.wait_for("?$ PROPOSED command: runs only when you confirm it");
    term.wait_for("from a fence inside an HTML block, line 8");
    // The autopilot does not go on by itself.
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        events(&records(&sb.only_log()), "step_started").is_empty(),
        "the autopilot ran a proposed step"
    );
    term.send("\r");
    term.wait_for("Proposed command — run it?");
    term.wait_for("$ openssl rand -hex 32 > /tmp/new-webhook-secret");
    term.send("n");
    term.wait_until("the dialog closed", |s| {
        !s.contains("Proposed command — run it?")
    });
    term.send("q");
    term.wait_for("l: leave");
    term.send("l");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(1));
    exit.assert_terminal_restored();
    let recs = records(&sb.only_log());
    let acknowledged = events(&recs, "warnings_acknowledged");
    assert_eq!(acknowledged.len(), 1);
    assert_eq!(
        acknowledged[0]["data"]["auto"], false,
        "the operator's Enter"
    );
    assert_eq!(
        acknowledged[0]["data"]["warnings"][0],
        "8:1: commands in a fence inside an HTML block read as shell: a proposed step, for the operator to confirm [proposed]"
    );
    assert!(events(&recs, "step_started").is_empty(), "nothing ran");
}

#[test]
fn the_warnings_dialog_scrolls_and_the_operators_y_runs_a_proposed_step() {
    let sb = Sandbox::new();
    let mut text = String::from("# Many guesses\n");
    for n in 1..=30 {
        text.push_str(&format!("\n## Part {n}\n\n```\necho guessed {n}\n```\n"));
    }
    let runbook = sb.runbook("many.md", &text);
    let mut term = open(&sb, &["run", &runbook.display().to_string()]);
    term.wait_for("How this runbook was read");
    term.wait_until("the first page of warnings", |s| {
        s.contains("│1–") && s.contains("of 30")
    });
    assert!(
        !term.contents().contains("many.md:149:1"),
        "the last one is further down"
    );
    for _ in 0..3 {
        term.send("\x1b[6~");
    }
    term.wait_for("many.md:149:1: warning");
    term.wait_until("scrolled to the end", |s| s.contains("–30 of 30"));
    term.send("\r");
    term.wait_until("the dialog closed", |s| {
        !s.contains("How this runbook was read")
    });
    term.send("\r");
    term.wait_for("Proposed command — run it?");
    term.send("\r");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        term.contents().contains("Proposed command — run it?"),
        "Enter does not run a proposed step"
    );
    term.send("y");
    term.wait_for("guessed 1");
    term.wait_for("✓ exit 0");
    term.send("q");
    term.wait_for("l: leave");
    term.send("l");
    let exit = term.wait_exit();
    exit.assert_terminal_restored();
    let recs = records(&sb.only_log());
    assert_eq!(events(&recs, "warnings_acknowledged").len(), 1);
    let started = events(&recs, "step_started");
    assert_eq!(started.len(), 1);
    assert_eq!(started[0]["data"]["proposed"], true);
    assert_eq!(started[0]["data"]["auto"], false);
    assert_eq!(output_of(&recs, "1#1", "stdout"), "guessed 1\n");
}
