//! The audit log can be trusted: altering it is detected, and a session killed
//! at any moment leaves a log that verifies and resumes at the right step.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::{Sandbox, events, records, text};

const STEPS: usize = 6;

fn crash_runbook(sb: &Sandbox) {
    let mut md = String::from("# Crash\n");
    for i in 1..=STEPS {
        md.push_str(&format!("```bash {{name=s{i}}}\nfor n in $(seq 1 200); do echo \"step {i} line $n\"; done\nsleep 0.03\n```\n"));
    }
    sb.runbook("crash.md", &md);
}

/// Lines of a log, as bytes, for surgery.
fn lines(path: &std::path::Path) -> Vec<Vec<u8>> {
    std::fs::read(path)
        .expect("read")
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn verify(sb: &Sandbox, path: &std::path::Path) -> (Option<i32>, String) {
    let out = sb.run(&["verify", path.to_str().expect("utf8")]);
    (out.status.code(), text(&out.stdout))
}

#[test]
fn altering_a_finished_log_is_detected_and_the_first_bad_seq_named() {
    let sb = Sandbox::new();
    crash_runbook(&sb);
    let out = sb.run(&["run", "crash.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(0));
    let log = sb.only_log();
    assert_eq!(verify(&sb, &log).0, Some(0));
    let original = lines(&log);
    let seq3 = 3;
    let cases: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("flip", {
            let mut l = original.clone();
            let at = l[seq3].len() / 2;
            l[seq3][at] ^= 0x01;
            l
        }),
        ("delete", {
            let mut l = original.clone();
            l.remove(seq3);
            l
        }),
        ("swap", {
            let mut l = original.clone();
            l.swap(seq3, seq3 + 1);
            l
        }),
        ("insert", {
            let mut l = original.clone();
            let copy = l[seq3].clone();
            l.insert(seq3 + 1, copy);
            l
        }),
    ];
    for (name, altered) in cases {
        let path = sb.path().join(format!("{name}.jsonl"));
        std::fs::write(&path, altered.concat()).expect("write");
        let (code, stdout) = verify(&sb, &path);
        assert_eq!(code, Some(1), "{name}: {stdout}");
        let expected = if name == "insert" { 4 } else { 3 };
        assert!(
            stdout.contains(&format!("first bad seq {expected}")),
            "{name}: {stdout}"
        );
    }
}

/// A small deterministic sequence of kill delays.
fn delays(count: usize) -> Vec<Duration> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Duration::from_millis(x % 320)
        })
        .collect()
}

#[test]
fn sessions_killed_at_random_moments_verify_and_resume_at_the_right_step() {
    let sb = Sandbox::new();
    crash_runbook(&sb);
    let (mut resumed_rounds, mut mid_step_rounds) = (0, 0);
    for (round, delay) in delays(50).into_iter().enumerate() {
        let audit = sb.path().join(format!("audit-{round}"));
        let mut child = sb
            .command(&["run", "crash.md", "--plain", "--yes"])
            .env("RUNBOOK_AUDIT_DIR", &audit)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        // Odd rounds count from the log's appearance, so a slow start on a loaded machine
        // does not move every kill before the first step; even rounds from the spawn.
        if round % 2 == 1 {
            let waited = Instant::now();
            while !has_log(&audit) && waited.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let started = Instant::now();
        while started.elapsed() < delay {
            std::thread::sleep(Duration::from_millis(2));
        }
        let _ = child.kill();
        let _ = child.wait();
        let Some(log) = std::fs::read_dir(&audit).ok().and_then(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        }) else {
            continue;
        };
        let verified = sb.run(&["verify", log.to_str().expect("utf8")]);
        assert_eq!(
            verified.status.code(),
            Some(0),
            "round {round} ({delay:?}): {}",
            text(&verified.stdout)
        );
        let before = records(&log);
        if before.len() <= 1 || !events(&before, "session_ended").is_empty() {
            continue;
        }
        let finished_before: Vec<String> = ok_steps(&before);
        let resumed = sb
            .command(&["resume", log.to_str().expect("utf8"), "--plain", "--yes"])
            .env("RUNBOOK_AUDIT_DIR", &audit)
            .output()
            .expect("resume");
        let interrupted = !events(&records(&log), "step_interrupted").is_empty();
        assert_eq!(
            resumed.status.code(),
            Some(if interrupted { 1 } else { 0 }),
            "round {round}: --yes stops only at a step whose end was not recorded: {}{}",
            text(&resumed.stdout),
            text(&resumed.stderr)
        );
        if interrupted {
            // The operator decides: run it again (and confirms each step after it).
            let mut again = sb
                .command(&["resume", log.to_str().expect("utf8"), "--plain"])
                .env("RUNBOOK_AUDIT_DIR", &audit)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("resume");
            std::io::Write::write_all(
                &mut again.stdin.take().expect("stdin"),
                &b"y\n".repeat(STEPS),
            )
            .expect("answers");
            let again = again.wait_with_output().expect("resumed");
            assert_eq!(
                again.status.code(),
                Some(0),
                "round {round}: {}",
                text(&again.stdout)
            );
        }
        let after = records(&log);
        resumed_rounds += 1;
        if !events(&after, "step_interrupted").is_empty() {
            mid_step_rounds += 1;
        }
        assert_eq!(
            sb.run(&["verify", log.to_str().expect("utf8")])
                .status
                .code(),
            Some(0),
            "round {round}: verifies after resume"
        );
        let resumed_at = after
            .iter()
            .position(|r| r["kind"] == "session_resumed")
            .expect("resume recorded");
        let rerun: Vec<&str> = after[resumed_at..]
            .iter()
            .filter(|r| r["kind"] == "step_started")
            .filter_map(|r| r["step"].as_str())
            .collect();
        for done in &finished_before {
            assert!(
                !rerun.contains(&done.as_str()),
                "round {round}: {done} finished before the crash and ran again"
            );
        }
        let mut ok_count: BTreeMap<String, usize> = BTreeMap::new();
        for step in ok_steps(&after) {
            *ok_count.entry(step).or_default() += 1;
        }
        assert_eq!(ok_count.len(), STEPS, "round {round}: every step finished");
        assert!(
            ok_count.values().all(|&n| n == 1),
            "round {round}: each step succeeded exactly once: {ok_count:?}"
        );
    }
    eprintln!("{resumed_rounds} rounds resumed, {mid_step_rounds} of them killed mid-step");
    assert!(
        resumed_rounds >= 25,
        "most kills land inside the session: {resumed_rounds}"
    );
    assert!(
        mid_step_rounds >= 10,
        "many kills land while a step runs: {mid_step_rounds}"
    );
}

fn has_log(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|d| {
        d.filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
    })
}

fn ok_steps(records: &[serde_json::Value]) -> Vec<String> {
    events(records, "step_finished")
        .iter()
        .filter(|e| e["data"]["ok"] == true)
        .filter_map(|e| e["step"].as_str().map(String::from))
        .collect()
}
