//! The screen, the line dialogue and the exports tell the truth, end to end with the real
//! binary: a dry run says so on every screen and its export has no exit codes; a walk
//! with a cancelled step, a failed wait and skips ends with a summary that counts them.

mod pty;
mod support;

use pty::Term;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{Sandbox, events, records, text};

fn seed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds")
        .join(name)
}

fn open(sb: &Sandbox, args: &[&str]) -> Term {
    Term::spawn_sandboxed(args, sb.path(), &sb.audit_dir())
}

/// The Steps table of a Markdown export: one row of cells per step.
fn step_rows(md: &str) -> Vec<Vec<String>> {
    md.lines()
        .skip_while(|l| !l.starts_with("| Step | Section |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.split(" | ")
                .map(|c| c.trim_matches('|').trim().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn a_dry_run_of_seed_000_says_dry_run_on_every_screen_and_its_export_has_no_exit_codes() {
    let sb = Sandbox::new();
    let runbook = sb.runbook(
        "seed000.md",
        &std::fs::read_to_string(seed("000_ebdede70e6c1452d.txt")).expect("seed 000"),
    );
    let runbook = runbook.display().to_string();
    let mut term = open(&sb, &["run", &runbook, "--yes", "--dry-run"]);
    term.wait_for("DRY RUN");
    term.wait_for("acknowledge");
    term.send("\r");
    let deadline = Instant::now() + pty::PATIENCE * 3;
    let mut screens = 0;
    loop {
        let screen = term.contents();
        let title = screen.lines().next().unwrap_or_default();
        if !screen.trim().is_empty() {
            screens += 1;
            assert!(
                title.contains("DRY RUN"),
                "a screen without DRY RUN:\n{screen}"
            );
            assert!(!title.contains("LIVE"), "{screen}");
            assert!(!screen.contains("✓ exit"), "{screen}");
        }
        if screen.contains("walk finished:") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the dry run never finished:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(40));
    }
    assert!(screens > 1);
    term.send("q");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(0));

    let log = sb.only_log().display().to_string();
    let md = text(&sb.run(&["export", &log, "--format", "md"]).stdout);
    assert!(md.contains("**DRY RUN**"), "{md}");
    let rows = step_rows(&md);
    assert!(rows.len() > 10, "{md}");
    for row in &rows {
        assert_eq!(
            row.get(5).map(String::as_str),
            Some(""),
            "an exit code in {row:?}"
        );
        assert!(
            !row[3].contains("done"),
            "a dry-run step claimed done: {row:?}"
        );
    }
    assert!(!md.contains("exit 0"), "{md}");
    let listed = text(&sb.run(&["sessions"]).stdout);
    assert!(listed.contains("(dry run)"), "{listed}");
}

#[test]
fn a_plain_dry_run_of_day7_without_signoffs_neither_hangs_nor_claims_a_signature() {
    let sb = Sandbox::new();
    let started = Instant::now();
    let out = sb.run(&["deploy-day7", "--plain", "--yes", "--dry-run"]);
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}{}", text(&out.stderr));
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(said.contains("DRY RUN"), "{said}");
    assert!(said.contains("not signed (dry run)"), "{said}");
    assert!(
        !said.contains("✓"),
        "nothing ran, nothing succeeded:\n{said}"
    );
    let log = sb.only_log();
    let recs = records(&log);
    assert!(events(&recs, "signed").is_empty(), "nobody signed");
    assert!(
        events(&recs, "step_finished")
            .iter()
            .all(|e| e["data"]["exit_code"].is_null())
    );
}

#[test]
fn a_plain_day_walk_prints_the_sections_without_steps_where_the_document_has_them() {
    let sb = Sandbox::new();
    let plan = seed("000_ebdede70e6c1452d.txt");
    let out = sb.run(&[
        "run",
        plan.to_str().expect("utf8"),
        "--day",
        "6",
        "--plain",
        "--yes",
        "--dry-run",
    ]);
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}{}", text(&out.stderr));
    let at = |needle: &str| {
        said.find(needle)
            .unwrap_or_else(|| panic!("{needle}:\n{said}"))
    };
    assert!(
        at("── ¶ Prerequisites ──") < at("── 2.1#1 "),
        "before the first step"
    );
    assert!(
        at("── ¶ Emergency Contacts ──") > at("── 3.1#"),
        "after Day 6's steps"
    );
    assert!(at("DevOps Lead") < at("session completed"), "{said}");
    assert_eq!(said.matches("── ¶ Success Criteria ──").count(), 1, "once");
}

const DRILL: &str = "---\nhealth:\n  - {name: api, tcp: '127.0.0.1:1', every: 1s}\n---\n# Drill\n\n## Steps\n\n```bash {name=slow}\nsleep 30\n```\n\n```runbook\n- wait: 2s\n  until: [api]\n```\n\n```bash {name=last}\necho all good\n```\n";

#[test]
fn a_walk_with_a_cancelled_step_a_failed_wait_and_skips_ends_with_a_summary_that_counts_them() {
    let sb = Sandbox::new();
    let runbook = sb.runbook("drill.md", DRILL).display().to_string();
    let mut term = open(&sb, &["run", &runbook]);
    term.wait_for("slow · Steps");
    term.send("\r");
    term.wait_for("Run this step?");
    term.send("y");
    term.wait_for("▶ running");
    term.send("x");
    term.wait_for("The running step is slow.");
    term.send("y");
    term.wait_for("⊘ cancelled (signal");
    term.send("s");
    term.wait_for("Why skip this step?");
    term.send("not needed today\r");
    term.wait_for("1#2 · Steps");
    term.send("\r");
    term.wait_for("r  wait again");
    assert!(!term.contents().contains("✓ wait"), "{}", term.contents());
    term.send("s");
    term.wait_for("Why skip this step?");
    term.send("api checked by hand\r");
    term.wait_for("last · Steps");
    term.send("\r");
    term.wait_for("Run this step?");
    term.send("y");
    term.wait_for("walk finished: 1 done, 1 cancelled and skipped, 1 failed and skipped");
    term.send("q");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(0));
    let recs = records(&sb.only_log());
    let ended = events(&recs, "session_ended");
    assert_eq!(
        ended[0]["data"]["reason"],
        "1 done, 1 cancelled and skipped, 1 failed and skipped"
    );
    assert_eq!(events(&recs, "wait_ended")[0]["data"]["failed"], true);
}

#[test]
fn plain_yes_stops_with_exit_1_at_a_wait_whose_checks_missed_the_deadline() {
    let sb = Sandbox::new();
    let runbook = sb
        .runbook("drill.md", &DRILL.replace("sleep 30", "true"))
        .display()
        .to_string();
    let out = sb.run(&["run", &runbook, "--plain", "--yes"]);
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("✗ wait failed: deadline reached before api"),
        "{said}"
    );
    assert!(
        !said.contains("all good"),
        "the walk stopped at the wait:\n{said}"
    );
    assert!(said.contains("session failed"), "{said}");
}

#[test]
fn v_opens_the_steps_whole_output_from_the_audit_log_in_the_pager() {
    let sb = Sandbox::new();
    let runbook = sb
        .runbook(
            "many.md",
            "# Many\n\n## Lines\n\n```bash {name=count}\nfor i in $(seq 1 300); do echo \"row $i\"; done\n```\n",
        )
        .display()
        .to_string();
    let paged = sb.path().join("paged.txt");
    let pager = format!("sh -c 'cat \"$0\" > {}'", paged.display());
    let audit = sb.audit_dir();
    let mut term = Term::spawn(
        &["run", &runbook],
        sb.path(),
        &[
            ("RUNBOOK_AUDIT_DIR", audit.as_os_str()),
            ("PAGER", std::ffi::OsStr::new(&pager)),
        ],
    );
    term.wait_for("count · Lines");
    term.send("\r");
    term.wait_for("Run this step?");
    term.send("y");
    term.wait_for("✓ exit 0");
    term.send("v");
    let deadline = Instant::now() + pty::PATIENCE;
    while !std::fs::read_to_string(&paged).is_ok_and(|t| t.contains("row 300")) {
        assert!(Instant::now() < deadline, "the pager never got the output");
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&paged).expect("paged");
    assert!(text.contains("row 1\nrow 2\n"), "{text}");
    term.wait_for("count · Lines");
    term.send("q");
    term.wait_exit();
}

#[test]
fn what_an_interactive_step_printed_stays_readable_until_the_operator_returns() {
    let sb = Sandbox::new();
    let runbook = sb
        .runbook(
            "ask.md",
            "# Ask\n\n## Who\n\n```bash {name=greet interactive=true}\nread -r -p 'name? ' who\necho \"hi $who\"\n```\n",
        )
        .display()
        .to_string();
    let mut term = open(&sb, &["run", &runbook]);
    term.wait_for("greet · Who");
    term.send("\r");
    term.wait_for("Run this step?");
    term.send("y");
    term.wait_for("name?");
    // Typed before `read` has the terminal, the line could be flushed by its mode change.
    std::thread::sleep(Duration::from_millis(500));
    term.send("Ana\r");
    term.wait_for("press Enter to return to the runbook");
    assert!(term.contents().contains("hi Ana"), "{}", term.contents());
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        term.contents().contains("hi Ana"),
        "the output stays until Enter"
    );
    term.send("\r");
    term.wait_for("greet · Who");
    term.send("q");
    term.wait_exit();
}

/// The seconds the title's elapsed counter shows (`… UTC · 3.4s · ana · LIVE`).
fn title_elapsed(screen: &str) -> Option<f64> {
    let title = screen.lines().next()?;
    let after = title.split(" UTC · ").nth(1)?;
    after.split(' ').next()?.strip_suffix('s')?.parse().ok()
}

#[test]
fn the_elapsed_time_counts_from_the_sessions_first_start_after_a_resume() {
    let sb = Sandbox::new();
    sb.runbook(
        "pause.md",
        "# Pause\n\n## First\n\n```bash\nsleep 3\n```\n\n## Option 1: Here\n\n```bash\ntrue\n```\n\n## Option 2: There\n\n```bash\ntrue\n```\n",
    );
    let out = sb.run(&["run", "pause.md", "--plain", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the choice stops --yes: {}",
        text(&out.stdout)
    );
    let session = sb.only_session();
    let mut term = open(&sb, &["resume", &session]);
    term.wait_until("the title's elapsed time", |s| title_elapsed(s).is_some());
    let elapsed = title_elapsed(&term.contents()).unwrap_or_default();
    assert!(
        elapsed >= 3.0,
        "the first run's 3 seconds count: {elapsed}s\n{}",
        term.contents()
    );
    term.send("q");
    term.wait_for("l: leave");
    term.send("l");
    term.wait_exit();
}
