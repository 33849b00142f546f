//! `runbook export --format jsonl`: one JSON object per line, each carrying the session,
//! runbook, operator and host, with the log's own `hash`; `--no-output` leaves output out.

mod support;

use serde_json::Value;
use support::{Sandbox, records, text};

fn export(sb: &Sandbox, args: &[&str]) -> Vec<Value> {
    let out = sb.run(args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is one JSON object"))
        .collect()
}

#[test]
fn every_line_names_its_session_and_driver_and_keeps_the_chain() {
    let sb = Sandbox::new();
    sb.runbook(
        "j.md",
        "# J\n## One\n```bash {name=one}\necho one; echo two >&2\n```\n## Two\n```bash {name=two}\necho three\n```\n",
    );
    let out = sb.run(&["run", "j.md", "--plain", "--yes", "--operator", "ana"]);
    assert_eq!(out.status.code(), Some(0));
    let log = sb.only_log();
    let log_records = records(&log);
    let id = log_records[0]["session_id"]
        .as_str()
        .expect("id")
        .to_string();
    let path = log.display().to_string();

    let lines = export(&sb, &["export", &path, "--format", "jsonl"]);
    assert_eq!(
        lines.len(),
        log_records.len(),
        "one line per record, header included"
    );
    assert_eq!(lines[0]["kind"], "header");
    assert_eq!(lines[0]["hash"], log_records[0]["hash"]);
    for (line, record) in lines.iter().zip(&log_records) {
        assert_eq!(line["session_id"], id.as_str());
        assert_eq!(line["runbook"], log_records[0]["runbook"]["path"]);
        assert_eq!(line["operator"], "ana");
        assert_eq!(line["host"], log_records[0]["host"]);
        if record.get("seq").is_some() {
            for key in [
                "seq", "ts", "mono_ms", "kind", "step", "data", "prev", "hash",
            ] {
                assert_eq!(line[key], record[key], "{key} as in the log");
            }
        }
    }
    assert!(lines.iter().any(|l| l["kind"] == "output"));

    let quiet = export(&sb, &["export", &path, "--format", "jsonl", "--no-output"]);
    assert!(quiet.iter().all(|l| l["kind"] != "output"));
    let outputs = log_records.iter().filter(|r| r["kind"] == "output").count();
    assert_eq!(quiet.len(), lines.len() - outputs);

    let refused = sb.run(&["export", &path, "--format", "md", "--no-output"]);
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn after_a_handover_lines_name_the_new_driver() {
    let sb = Sandbox::new();
    sb.runbook(
        "h.md",
        "# H\n## One\n```bash {name=one}\necho one\n```\n## Check\n- [ ] Looked at it\n",
    );
    // Ana leaves at the check (stdin closes); Bo resumes from another host name.
    let out = sb.run(&["run", "h.md", "--plain", "--operator", "ana"]);
    assert_ne!(out.status.code(), Some(0));
    let log = sb.only_log();
    let id = log
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("id")
        .to_string();
    let out = sb.run(&["resume", &id, "--plain", "--yes", "--operator", "bo"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let lines = export(&sb, &["export", &id, "--format", "jsonl"]);
    let resumed = lines
        .iter()
        .position(|l| l["kind"] == "session_resumed")
        .expect("resumed");
    assert!(lines[..resumed].iter().all(|l| l["operator"] == "ana"));
    assert!(lines[resumed..].iter().all(|l| l["operator"] == "bo"));
}
