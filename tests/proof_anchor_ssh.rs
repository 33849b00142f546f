//! The `ssh://` anchor sink end to end, against a real sshd on loopback (tests/sshd): every
//! signed moment's head is appended to a file on the host, `verify --anchors` accepts it,
//! and an unreachable host is a warning with ssh's reason (a stop when anchors are
//! required). `--ssh-config` reaches the sink's ssh calls as `-F`.

mod proof;
mod sshd;
mod support;

use proof::DRILL;
use sshd::Sshd;
use support::{Sandbox, records, text};

#[test]
fn heads_are_appended_to_a_file_on_the_host_and_verify_against_it() {
    let sshd = Sshd::start(1);
    let sb = Sandbox::new();
    sb.runbook("drill.md", DRILL);
    let remote_file = sb.path().join("on-the-host/anchors.log");
    std::fs::create_dir(remote_file.parent().expect("dir")).expect("dir");
    let sink = format!("ssh://host01{}", remote_file.display());
    let config = sshd.config();
    let out = sb.run(&[
        "run",
        "drill.md",
        "--plain",
        "--yes",
        "--signoff",
        "SRE=Bo",
        "--anchor",
        &sink,
        "--ssh-config",
        config.to_str().expect("utf8"),
    ]);
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "rolled back: {said}");
    assert!(!said.contains("warning"), "{said}");
    let log = sb.only_log();
    let session = records(&log)[0]["session_id"]
        .as_str()
        .expect("id")
        .to_string();
    let lines: Vec<String> = std::fs::read_to_string(&remote_file)
        .expect("the host's anchor file")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines.len(), 6, "one line per signed moment: {lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains(&format!("runbook-audit v1 {session} "))),
        "{lines:?}"
    );
    let out = sb.run(&[
        "verify",
        log.to_str().expect("utf8"),
        "--anchors",
        remote_file.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("anchored: 6 heads in"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn an_unreachable_host_warns_with_sshs_reason_and_stops_the_walk_when_required() {
    let sshd = Sshd::start(1);
    let sb = Sandbox::new();
    sb.runbook("s.md", "# S\n## One\n```bash {name=one}\necho one\n```\n");
    let config = sshd.config();
    let config = config.to_str().expect("utf8");
    let out = sb.run(&[
        "run",
        "s.md",
        "--plain",
        "--yes",
        "--anchor",
        "ssh://dead/tmp/a.log",
        "--ssh-config",
        config,
    ]);
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains("warning: anchor ssh://dead/tmp/a.log could not be written"),
        "{said}"
    );
    assert!(
        records(&sb.only_log())
            .iter()
            .any(|r| r["kind"] == "anchor_failed"
                && r["data"].to_string().contains("Connection refused")),
        "the log keeps ssh's reason"
    );
    std::fs::remove_file(sb.only_log()).expect("clear");
    let out = sb.run(&[
        "run",
        "s.md",
        "--plain",
        "--yes",
        "--anchor",
        "ssh://dead/tmp/a.log",
        "--anchor-required",
        "--ssh-config",
        config,
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("Connection refused"),
        "{}",
        text(&out.stdout)
    );
}
