//! One bad log never stalls or breaks a reader: a line over the 8 MiB record limit is
//! skipped (and said so) by replay and follow, and a directory with one bad log still
//! lists and follows the others.

mod support;

use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};
use support::{Sandbox, text};

/// More than a record may be (8 MiB).
const HUGE: usize = 9 * 1024 * 1024;

/// A completed session's log, with an overlong line put in before its last line.
fn session_with_a_huge_line(sb: &Sandbox) -> std::path::PathBuf {
    sb.runbook("t.md", "# T\n\n```bash\necho hello\n```\n");
    let out = sb.run(&["run", "t.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = sb.only_log();
    let mut lines: Vec<Vec<u8>> = std::fs::read(&log)
        .expect("log")
        .split(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    lines.insert(3, vec![b'x'; HUGE]);
    std::fs::write(&log, lines.join(&b'\n')).expect("write");
    log
}

/// Waits for the child at most 30 s: a reader that spins is a failure, not a hang.
fn finish_in_time(mut child: Child, what: &str) -> Output {
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} never finished on a log with a {HUGE}-byte line");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn replay_and_follow_skip_a_line_over_the_limit_and_finish() {
    let sb = Sandbox::new();
    let log = session_with_a_huge_line(&sb);
    let log = log.display().to_string();
    for args in [
        vec!["replay", log.as_str(), "--plain"],
        vec!["replay", log.as_str(), "--json-state"],
        vec!["follow", log.as_str(), "--plain"],
    ] {
        let child = sb
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        let what = args.join(" ");
        let out = finish_in_time(child, &what);
        // The added line breaks the hash chain: a replay says so (exit 1), follow does not check.
        let code = if args[0] == "replay" { 1 } else { 0 };
        assert_eq!(
            out.status.code(),
            Some(code),
            "{what}: {}",
            text(&out.stderr)
        );
        let said = text(&out.stdout);
        if args.contains(&"--json-state") {
            assert!(said.contains("\"completed\""), "{what}: {said}");
        } else {
            assert!(
                said.contains("skipped line 4"),
                "{what} says what it skipped: {said}"
            );
            assert!(said.contains("hello"), "{what}: {said}");
            assert!(said.contains("session completed"), "{what}: {said}");
        }
    }
}

#[test]
fn one_bad_log_does_not_hide_the_others() {
    let sb = Sandbox::new();
    sb.runbook("good.md", "# Good\n\n```bash\necho good\n```\n");
    let out = sb.run(&["run", "good.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(0));
    let good = sb.only_log();
    let bad = good.with_file_name("zz-bad.jsonl");
    let mut bytes = std::fs::read(&good).expect("log");
    bytes.extend(vec![b'y'; HUGE]);
    bytes.push(b'\n');
    std::fs::write(&bad, bytes).expect("bad log");

    let list = sb.run(&["sessions"]);
    assert_eq!(list.status.code(), Some(0), "{}", text(&list.stderr));
    let listed = text(&list.stdout);
    let good_id = good
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    assert!(listed.contains(&good_id), "{listed}");
    assert!(listed.contains("unreadable"), "{listed}");
    assert!(
        text(&list.stderr).contains("zz-bad.jsonl"),
        "{}",
        text(&list.stderr)
    );

    let child = sb
        .command(&["follow", "--latest", "--plain"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let out = finish_in_time(child, "follow --latest");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("good"), "{}", text(&out.stdout));
}

/// A replay shows what the log says: when it was altered, the replay says so.
#[test]
fn a_tampered_log_replays_with_a_warning() {
    let sb = Sandbox::new();
    sb.runbook("t.md", "# T\n\n```bash\necho hello\n```\n");
    assert_eq!(
        sb.run(&["run", "t.md", "--plain", "--yes"]).status.code(),
        Some(0)
    );
    let log = sb.only_log();
    let original = std::fs::read_to_string(&log).expect("log");
    std::fs::write(&log, original.replace("hello", "HELLO")).expect("tamper");
    let log = log.display().to_string();
    let out = sb.run(&["replay", &log, "--plain"]);
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("HELLO"), "it still shows the log: {shown}");
    let last = shown.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("WARNING: this log does not verify"),
        "{shown}"
    );
    assert!(
        text(&out.stderr).contains("first bad seq"),
        "{}",
        text(&out.stderr)
    );
    let state = sb.run(&["replay", &log, "--json-state"]);
    assert_eq!(state.status.code(), Some(1));
    assert!(text(&state.stderr).contains("does not verify"));
}
