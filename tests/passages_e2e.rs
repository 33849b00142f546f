//! The reading space end to end, with the real binary in a pseudo-terminal: a dry run of
//! seed 000 selects a section without steps through the tree and another through search,
//! reads its prose, and the keys that act do nothing there — the log holds no step event
//! for a passage and the current step is ticked only once the walk is back on it.

mod pty;
mod support;

use pty::Term;
use std::path::Path;
use std::time::Duration;
use support::{Sandbox, events, records};

fn open(sb: &Sandbox, args: &[&str]) -> Term {
    Term::spawn_sandboxed(args, sb.path(), &sb.audit_dir())
}

#[test]
fn a_dry_run_of_seed_000_reads_step_less_sections_from_the_tree_and_from_search() {
    let sb = Sandbox::new();
    let seed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds/000_ebdede70e6c1452d.txt"),
    )
    .expect("seed 000");
    let runbook = sb.runbook("seed000.md", &seed).display().to_string();
    // Day 8 keeps the sections that close the plan (Success Criteria, Emergency Contacts).
    let args = [
        "run",
        &runbook,
        "--dry-run",
        "--day",
        "8",
        "--force-day",
        "rehearsal",
    ];
    let mut term = open(&sb, &args);
    term.wait_for("How this runbook was read");
    term.send("\r");
    term.wait_for("☐ Production `.env` files created");
    term.wait_for("¶ About this runbook");

    // Through the tree: one up from the first step is Prerequisites.
    term.send("k");
    term.wait_for("section 1 · line 7 · to read, not a step");
    term.wait_for("All integration tests passing");
    term.wait_for("current step 2.1#1 (. goes back)");
    for key in [" ", "\r", "y", "s", "m"] {
        term.send(key);
        term.wait_for("this is text to read, not a step: . goes back to the current step 2.1#1");
    }
    assert!(
        !term.contents().contains("Skip") && !term.contents().contains("Mark done"),
        "a dialog opened on a passage:\n{}",
        term.contents()
    );

    // Through search: a hit in a section's title lands on it.
    term.send("/emergency contacts\r");
    term.wait_for("section 7 · line 141 · to read, not a step");
    term.wait_for("DevOps Lead: [PHONE]");
    term.send(" ");
    term.wait_for("this is text to read, not a step");
    // A hit in a passage's prose lands on that passage.
    term.send("/better to delay\r");
    term.wait_for("section 9 · line 163 · to read, not a step");

    // Back on the current step, Space ticks it.
    term.send(".");
    term.wait_for("☐ Production `.env` files created");
    std::thread::sleep(Duration::from_millis(300));
    let recs = records(&sb.only_log());
    assert!(
        events(&recs, "check_confirmed").is_empty(),
        "a key on a passage ticked the current step"
    );
    term.send(" ");
    term.wait_for("2.1#2 · 1. Environment Configuration");
    term.send("q");
    term.wait_for("l: leave");
    term.send("l");
    let exit = term.wait_exit();
    exit.assert_terminal_restored();

    let recs = records(&sb.only_log());
    let confirmed = events(&recs, "check_confirmed");
    assert_eq!(confirmed.len(), 1, "{confirmed:?}");
    assert_eq!(confirmed[0]["step"], "2.1#1");
    for kind in ["step_skipped", "step_marked_done", "step_started", "note"] {
        assert!(events(&recs, kind).is_empty(), "{kind} recorded");
    }
    for record in &recs {
        let step = record["step"].as_str().unwrap_or_default();
        assert!(
            !["Prerequisites", "Emergency Contacts", "Sign-offs Required"].contains(&step),
            "a passage recorded as a step: {record}"
        );
    }
}
