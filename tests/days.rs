//! Plans across days (PRODUCT.md §1.5): one day walked at a time, each day's session
//! knowing the day before, dated days held until their time, the plan's status.

mod pty;
mod support;

use pty::Term;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use support::{Sandbox, events, records, text};

const SIGNOFFS: [&str; 5] = [
    "Engineering Lead=ana",
    "Product Manager=pia",
    "Security Officer=sol",
    "Operations Manager=oli",
    "CTO Final Approval=cat",
];

fn seed(sb: &Sandbox, prefix: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let file = std::fs::read_dir(&dir)
        .expect("seeds")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .expect("the seed");
    let copy = sb.path().join(format!("seed-{prefix}.md"));
    std::fs::copy(&file, &copy).expect("copy the seed");
    copy.display().to_string()
}

fn with_signoffs<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    for s in SIGNOFFS {
        all.extend(["--signoff", s]);
    }
    all
}

fn env_of(sb: &Sandbox) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("RUNBOOK_AUDIT_DIR", sb.audit_dir()),
        ("XDG_CONFIG_HOME", sb.path().join("xdg-config")),
        ("XDG_STATE_HOME", sb.path().join("xdg-state")),
    ]
}

fn spawn(sb: &Sandbox, args: &[&str], extra: &[(&'static str, &str)]) -> Term {
    let env = env_of(sb);
    let mut all: Vec<(&str, &OsStr)> = env.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
    all.extend(extra.iter().map(|(k, v)| (*k, OsStr::new(*v))));
    Term::spawn(args, sb.path(), &all)
}

/// `runbook run PLAN --day next --plain --yes --operator OPERATOR`.
fn next_day_by(sb: &Sandbox, plan: &str, operator: &str) -> std::process::Output {
    sb.run(&[
        "run",
        plan,
        "--day",
        "next",
        "--plain",
        "--yes",
        "--operator",
        operator,
    ])
}

/// `runbook run PLAN --day DAY --plain --yes --operator OPERATOR`.
fn day_by(sb: &Sandbox, plan: &str, day: &str, operator: &str) -> std::process::Output {
    sb.run(&[
        "run",
        plan,
        "--day",
        day,
        "--plain",
        "--yes",
        "--operator",
        operator,
    ])
}

/// Runs a day that must complete.
fn completed(sb: &Sandbox, args: &[&str]) -> String {
    let run = sb.run(args);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    text(&run.stdout)
}

/// Types `answer` once `prompt` is on screen and the line dialogue is reading.
fn answer(term: &mut Term, prompt: &str, answer: &str) {
    term.wait_for(prompt);
    std::thread::sleep(std::time::Duration::from_millis(400));
    term.send(&format!("{answer}\r"));
}

/// The `day_opened` event of the newest log.
fn day_opened(sb: &Sandbox) -> (PathBuf, Value) {
    let log = newest_log(sb);
    let recs = records(&log);
    let opened = events(&recs, "day_opened")
        .first()
        .map(|e| e["data"].clone())
        .expect("a day_opened event");
    (log, opened)
}

fn newest_log(sb: &Sandbox) -> PathBuf {
    let mut logs = sb.logs();
    logs.sort_by_key(|l| {
        records(l)[0]["started"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    });
    logs.pop().expect("a log")
}

fn walked_steps(log: &Path) -> Vec<String> {
    let recs = records(log);
    let mut ids: Vec<String> = recs
        .iter()
        .filter(|r| {
            [
                "step_started",
                "check_confirmed",
                "gate_decided",
                "wait_started",
            ]
            .contains(&r["kind"].as_str().unwrap_or_default())
        })
        .filter_map(|r| r["step"].as_str().map(str::to_string))
        .collect();
    ids.dedup();
    ids
}

#[test]
fn day_7_of_seed_000_walks_phase_b_only() {
    let sb = Sandbox::new();
    let plan = seed(&sb, "000");
    completed(
        &sb,
        &with_signoffs(&["run", &plan, "--day", "6", "--plain", "--yes", "--dry-run"]),
    );
    let mut term = spawn(
        &sb,
        &with_signoffs(&["run", &plan, "--day", "7", "--plain", "--yes", "--dry-run"]),
        &[],
    );
    term.wait_for("session completed");
    let exit = term.wait_exit();
    assert_eq!(exit.code(), Some(0));
    let (log, opened) = day_opened(&sb);
    assert_eq!(opened["label"], "Day 7");
    assert_eq!(
        opened["preflight"], false,
        "the preflight was walked on Day 6"
    );
    assert_eq!(opened["previous"]["status"], "completed");
    let walked = walked_steps(&log);
    assert_eq!(
        walked,
        ["3.1#1", "3.1#2", "3.2#1"],
        "the plan's gates, then Phase B"
    );
    let verify = sb.run(&["verify", &log.display().to_string()]);
    assert_eq!(verify.status.code(), Some(0));
}

#[test]
fn day_7_without_day_6_asks_why_and_records_the_reason() {
    let sb = Sandbox::new();
    let plan = seed(&sb, "000");
    let refused = sb.run(&["run", &plan, "--day", "7", "--plain", "--yes", "--dry-run"]);
    assert_eq!(refused.status.code(), Some(1));
    let said = text(&refused.stderr);
    assert!(
        said.contains("Day 6 has no completed session") && said.contains("--force-day"),
        "{said}"
    );
    assert!(sb.logs().is_empty(), "a refused day opens no session");

    let mut term = spawn(
        &sb,
        &["run", &plan, "--day", "7", "--plain", "--dry-run"],
        &[],
    );
    term.wait_for("Day 6 has no completed session");
    answer(
        &mut term,
        "(empty: do not open):",
        "Day 6 was done by hand on the old tooling",
    );
    term.wait_for("Press Enter to acknowledge");
    term.send("\x03");
    term.wait_exit();
    let (_, opened) = day_opened(&sb);
    assert_eq!(
        opened["out_of_order_reason"],
        "Day 6 was done by hand on the old tooling"
    );
    assert_eq!(
        opened["previous"]["concern"],
        "Day 6 has no completed session"
    );
}

#[test]
fn a_stage_whose_time_is_ahead_is_held_and_an_early_start_records_why() {
    let sb = Sandbox::new();
    let plan = seed(&sb, "003");
    let now = [("RUNBOOK_NOW", "2026-01-09T05:48:00Z")];
    let args = [
        "run",
        &plan,
        "--day",
        "Jan 9",
        "--plain",
        "--dry-run",
        "--force-day",
        "canary checked by hand",
    ];
    let held = sb
        .command(&args[..6])
        .env("RUNBOOK_NOW", now[0].1)
        .output()
        .expect("runs");
    assert_eq!(held.status.code(), Some(1), "no answer: not started");

    let mut term = spawn(&sb, &args[..6], &now);
    answer(
        &mut term,
        "Open Stage 1 · Jan 9, 09:00 UTC anyway? Say why (empty: do not open):",
        "the 5% stage was watched live",
    );
    term.wait_for("not before Jan 9 09:00 UTC (in 3h12m;");
    answer(
        &mut term,
        "(empty: wait until then):",
        "the change window moved forward",
    );
    term.wait_for("Press Enter to acknowledge");
    term.send("\x03");
    term.wait_exit();
    let (_, opened) = day_opened(&sb);
    assert_eq!(opened["early_reason"], "the change window moved forward");
    assert_eq!(opened["not_before"], "2026-01-09T09:00:00Z");

    let forced = sb
        .command(&[&args[..], &["--yes"]].concat())
        .env("RUNBOOK_NOW", now[0].1)
        .output()
        .expect("runs");
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    let said = text(&forced.stdout);
    assert!(
        said.contains("starting Stage 1 · Jan 9, 09:00 UTC early (--force-day)"),
        "{said}"
    );
    let (_, opened) = day_opened(&sb);
    assert_eq!(opened["early_reason"], "canary checked by hand");
}

const TWO_DAYS: &str = "# Rehearsal\n\n## Prepare\n\n```bash\ntrue\n```\n\n\
    ## Day 6: databases\n\n```bash\necho databases up\n```\n\n\
    ## Day 7: services\n\n```bash\necho starting; false\n```\n\n\
    ## Day 8: cutover\n\n```bash\necho cut over\n```\n";

#[test]
fn plan_shows_a_completed_day_6_and_a_failed_day_7_with_operator_and_time() {
    let sb = Sandbox::new();
    let plan = sb.runbook("plan.md", TWO_DAYS).display().to_string();
    let day6 = sb.run(&["run", &plan, "--plain", "--yes", "--operator", "ana"]);
    assert_eq!(day6.status.code(), Some(0), "{}", text(&day6.stderr));
    assert!(text(&day6.stdout).contains("taking the next day, Day 6"));
    let day7 = next_day_by(&sb, &plan, "bob");
    assert_eq!(day7.status.code(), Some(1));

    let mut term = spawn(&sb, &["plan", &plan], &[]);
    term.wait_for("next: Day 7");
    let screen = term.contents();
    let row = |label: &str| {
        screen
            .lines()
            .find(|l| l.contains(label))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row("Day 6").contains("completed by ana at 20"), "{screen}");
    assert!(
        row("Day 7").contains("failed at step 3#1 by bob at 20"),
        "{screen}"
    );
    assert!(row("Day 8").contains("not started"), "{screen}");

    let json = sb.run(&["plan", &plan, "--json"]);
    let doc: Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(doc["next"], "Day 7");
    assert_eq!(doc["days"][0]["sessions"][0]["operator"], "ana");
    assert_eq!(doc["days"][1]["sessions"][0]["failed_step"], "3#1");
}

const THREE_DAYS: &str = "# Rehearsal\n\n## Day 6: databases\n\n```bash\necho databases up\n```\n\n\
    ## Day 7: services\n\n```bash\necho services up\n```\n\n\
    ## Day 8: cutover\n\n```bash\necho cut over\n```\n";

#[test]
fn a_plan_exported_across_three_day_sessions_reads_as_one_timeline() {
    let sb = Sandbox::new();
    let plan = sb.runbook("plan.md", THREE_DAYS).display().to_string();
    for operator in ["ana", "bob", "cy"] {
        let day = next_day_by(&sb, &plan, operator);
        assert_eq!(day.status.code(), Some(0), "{}", text(&day.stderr));
    }
    let md = text(
        &sb.run(&["export", "--plan", &plan, "--format", "md"])
            .stdout,
    );
    let at = |needle: &str| {
        md.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` in:\n{md}"))
    };
    assert!(at("## Day 6") < at("databases up") && at("databases up") < at("## Day 7"));
    assert!(at("## Day 7") < at("services up") && at("services up") < at("## Day 8"));
    assert!(at("## Day 8") < at("cut over"));
    assert_eq!(md.matches("log verifies").count(), 3, "{md}");
    assert!(md.contains("completed by bob at"), "{md}");

    let day7 = sb
        .logs()
        .into_iter()
        .find(|l| {
            events(&records(l), "day_opened")
                .first()
                .is_some_and(|e| e["data"]["label"] == "Day 7")
        })
        .expect("Day 7's log");
    let altered = std::fs::read_to_string(&day7)
        .expect("log")
        .replace("services up", "services UP");
    std::fs::write(&day7, altered).expect("alter the log");
    let json = sb.run(&["export", "--plan", &plan, "--format", "json"]);
    let doc: Value = serde_json::from_slice(&json.stdout).expect("json");
    let verified: Vec<&Value> = (0..3)
        .map(|i| &doc["days"][i]["sessions"][0]["verified"])
        .collect();
    assert_eq!(
        verified,
        [&Value::Bool(true), &Value::Bool(false), &Value::Bool(true)]
    );
    assert_eq!(doc["days"][2]["sessions"][0]["operator"], "cy");
}

#[test]
fn the_bundled_deploy_plan_runs_day_by_day_end_to_end() {
    let sb = Sandbox::new();
    let sandbox = sb.path().join("rehearsal");
    for day in ["Day 6", "Day 7", "Day 8"] {
        let run = sb
            .command(&["deploy-plan", "--plain", "--yes", "--skip-waits"])
            .env("RUNBOOK_SANDBOX", &sandbox)
            .output()
            .expect("runs");
        assert_eq!(run.status.code(), Some(0), "{day}: {}", text(&run.stderr));
        assert!(text(&run.stdout).contains(&format!("taking the next day, {day}")));
    }
    let route = std::fs::read_to_string(sandbox.join("route.txt")).expect("Day 8's route");
    assert_eq!(route.trim(), "api.example.com -> api-gateway v1.0.0");
    let plan = text(&sb.run(&["plan", "deploy-plan"]).stdout);
    assert_eq!(plan.matches("completed by").count(), 3, "{plan}");
    assert!(plan.contains("every day is completed"), "{plan}");
}

#[test]
fn the_full_screen_title_bar_shows_the_day_and_the_day_before() {
    let sb = Sandbox::new();
    let plan = sb.runbook("plan.md", THREE_DAYS).display().to_string();
    completed(
        &sb,
        &[
            "run",
            &plan,
            "--day",
            "6",
            "--plain",
            "--yes",
            "--operator",
            "ana",
        ],
    );
    let mut term = spawn(
        &sb,
        &["run", &plan, "--day", "7", "--yes", "--plain=false"],
        &[],
    );
    term.wait_until("the day strip", |screen| {
        screen
            .lines()
            .next()
            .is_some_and(|title| title.contains("Day 7 of 6–8 · Day 6 ✓ ana 20"))
    });
    term.wait_for("end the session");
    term.send("q");
    assert_eq!(term.wait_exit().code(), Some(0));
}

const DAY_7_TWICE: &str = "# Rehearsal\n\n## Day 6: databases\n\n```bash\necho databases up\n```\n\n\
    ## Day 7: services\n\n```bash\necho services up\n```\n\n```bash\necho second service up\n```\n\n\
    ## Day 8: cutover\n\n```bash\necho cut over\n```\n";

#[test]
fn runbook_plan_asks_which_day_and_a_resumed_day_walks_that_day_only() {
    let sb = Sandbox::new();
    let plan = sb.runbook("plan.md", DAY_7_TWICE).display().to_string();
    let mut term = spawn(&sb, &["run", &plan, "--plain"], &[]);
    term.wait_for("This plan runs over days:");
    answer(&mut term, "Which day? [Day 6]", "7");
    answer(&mut term, "(empty: do not open):", "rehearsing Day 7 alone");
    answer(&mut term, "(resumable):", "q");
    term.wait_exit();
    let (log, opened) = day_opened(&sb);
    assert_eq!(opened["label"], "Day 7");
    assert_eq!(opened["out_of_order_reason"], "rehearsing Day 7 alone");

    let resumed = sb.run(&["resume", "--plain", "--yes"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed.stderr));
    let said = text(&resumed.stdout);
    assert!(said.contains("second service up"), "{said}");
    assert!(
        !said.contains("cut over") && !said.contains("databases up"),
        "{said}"
    );
    assert_eq!(walked_steps(&log), ["2#1", "2#2"]);
}

#[test]
fn a_plan_changed_since_the_day_before_is_questioned_and_a_plan_without_days_has_no_day() {
    let sb = Sandbox::new();
    let plan = sb.runbook("plan.md", THREE_DAYS).display().to_string();
    completed(&sb, &["run", &plan, "--day", "6", "--plain", "--yes"]);
    let changed = format!("{THREE_DAYS}\n## Notes\n\nA line added after Day 6.\n");
    std::fs::write(&plan, changed).expect("change the plan");
    let refused = sb.run(&["run", &plan, "--day", "7", "--plain", "--yes"]);
    assert_eq!(refused.status.code(), Some(1));
    let said = text(&refused.stderr);
    assert!(
        said.contains("the plan changed since Day 6 was completed"),
        "{said}"
    );

    let flat = sb
        .runbook("flat.md", "# Flat\n\n## Only\n\n```bash\ntrue\n```\n")
        .display()
        .to_string();
    let no_days = sb.run(&["run", &flat, "--day", "7", "--plain", "--yes"]);
    assert_eq!(no_days.status.code(), Some(2));
    assert!(text(&no_days.stderr).contains("this plan has no days"));
    let plain = sb.run(&["run", &flat, "--plain", "--yes"]);
    assert_eq!(
        plain.status.code(),
        Some(0),
        "a plan without days walks as before"
    );
}

#[test]
fn show_json_gives_each_section_its_day() {
    let sb = Sandbox::new();
    let plan = seed(&sb, "000");
    let out = sb.run(&["show", &plan, "--json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let labels: Vec<&str> = doc["days"]
        .as_array()
        .expect("days")
        .iter()
        .filter_map(|d| d["label"].as_str())
        .collect();
    assert_eq!(labels, ["Day 6", "Day 7", "Day 8"]);
    let deployment = &doc["sections"][2];
    assert_eq!(
        deployment["sections"][1]["title"],
        "Phase B: Services (Day 7)"
    );
    assert_eq!(
        deployment["sections"][1]["day"],
        serde_json::json!({"label": "Day 7", "index": 2, "not_before": null})
    );
    assert_eq!(
        doc["sections"][0]["day"],
        Value::Null,
        "the preflight belongs to no day"
    );
    assert_eq!(doc["sections"][3]["role"], "rollback");
    assert_eq!(
        doc["sections"][3]["day"],
        Value::Null,
        "rollback belongs to every day"
    );

    let staged = seed(&sb, "003");
    let out = sb.run(&["show", &staged, "--json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["days"][1]["not_before"], "2026-01-09T09:00:00Z");
    assert_eq!(doc["days"][5]["title"], "Go-Live Declaration");
}

#[test]
fn a_plan_whose_sessions_cannot_be_read_says_so_instead_of_not_started() {
    let sb = Sandbox::new();
    let plan = seed(&sb, "000");
    let not_a_dir = sb.path().join("sessions-file");
    std::fs::write(&not_a_dir, "").expect("file");
    for args in [
        vec!["plan", plan.as_str()],
        vec!["export", "--plan", plan.as_str(), "--format", "md"],
    ] {
        let out = sb
            .command(&args)
            .env("RUNBOOK_AUDIT_DIR", &not_a_dir)
            .output()
            .expect("runbook");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stdout)
        );
        assert!(!text(&out.stdout).contains("not started"));
        assert!(
            text(&out.stderr).contains("cannot read the sessions in"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

const ROLLED_BACK_DAY: &str = "# Rehearsal\n\n## Day 6: databases\n\n```bash {on_fail=rollback}\necho databases; exit 4\n```\n\n\
    ## Day 7: services\n\n```bash\necho services up\n```\n\n\
    ## Rollback\n\n```bash\necho undoing\n```\n";

#[test]
fn a_day_after_a_rolled_back_day_warns_and_records_it_rolled_back() {
    let sb = Sandbox::new();
    let plan = sb.runbook("plan.md", ROLLED_BACK_DAY).display().to_string();
    let day6 = day_by(&sb, &plan, "6", "ana");
    assert_eq!(day6.status.code(), Some(1), "{}", text(&day6.stderr));
    assert!(text(&day6.stdout).contains("session rolled back"));

    let refused = day_by(&sb, &plan, "7", "bob");
    assert_eq!(refused.status.code(), Some(1));
    let warned = text(&refused.stdout);
    assert!(
        warned.contains("⚠ Day 6 was not completed: rolled back by ana at 20"),
        "{warned}"
    );
    assert!(text(&refused.stderr).contains("--force-day"));
    assert_eq!(sb.logs().len(), 1, "a refused day opens no session");

    let day7 = sb.run(&[
        "run",
        &plan,
        "--day",
        "7",
        "--plain",
        "--yes",
        "--operator",
        "bob",
        "--force-day",
        "the databases were restored by hand",
    ]);
    assert_eq!(day7.status.code(), Some(0), "{}", text(&day7.stderr));
    let (log, opened) = day_opened(&sb);
    let previous = &opened["previous"];
    assert_eq!(previous["label"], "Day 6");
    assert_eq!(previous["status"], "rolled back", "{opened}");
    assert_eq!(previous["operator"], "ana");
    let concern = previous["concern"].as_str().expect("a concern");
    assert!(concern.contains("rolled back by ana"), "{concern}");
    assert_eq!(
        opened["out_of_order_reason"],
        "the databases were restored by hand"
    );
    let export = sb.run(&["export", log.to_str().expect("utf8"), "--format", "md"]);
    assert!(
        text(&export.stdout).contains("the day before: Day 6 rolled back (session"),
        "{}",
        text(&export.stdout)
    );

    let json = sb.run(&["plan", &plan, "--json"]);
    let doc: Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(doc["next"], "Day 6", "a rolled back day is walked again");
}
