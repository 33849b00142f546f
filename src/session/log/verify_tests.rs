//! Verify tests: each kind of tampering is caught at the right seq; a torn tail alone passes.

use chrono::DateTime;
use serde_json::json;

use super::record::{Stamp, encode_event, seal};
use super::test_support::{lines, write_lines, write_log};
use super::*;

fn tampered(path: &std::path::Path) -> (u64, u64, String) {
    match verify(path).unwrap() {
        VerifyReport::Tampered {
            first_bad_seq,
            line_no,
            reason,
        } => (first_bad_seq, line_no, reason),
        ok => panic!("expected tampering to be found, got {ok:?}"),
    }
}

fn log_with(events: u64) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), "t", events);
    (dir, path)
}

#[test]
fn flipped_byte_in_an_event_names_its_seq() {
    let (_dir, path) = log_with(20);
    let mut all = lines(&path);
    // Line 8 holds seq 7: turn "note 7" into "note 8".
    let at = all[7].windows(6).position(|w| w == b"note 7").unwrap() + 5;
    all[7][at] = b'8';
    write_lines(&path, &all);
    let (seq, line_no, reason) = tampered(&path);
    assert_eq!((seq, line_no), (7, 8));
    assert!(reason.contains("hash does not match"), "{reason}");
}

#[test]
fn flipped_byte_in_the_hash_field_is_caught() {
    let (_dir, path) = log_with(5);
    let mut all = lines(&path);
    let last = all[3].len() - 4;
    all[3][last] = if all[3][last] == b'0' { b'1' } else { b'0' };
    write_lines(&path, &all);
    assert_eq!(tampered(&path).0, 3);
}

#[test]
fn flipped_byte_in_the_header_names_seq_0() {
    let (_dir, path) = log_with(3);
    let mut all = lines(&path);
    let at = all[0].windows(3).position(|w| w == b"ana").unwrap();
    all[0][at] = b'e';
    write_lines(&path, &all);
    assert_eq!(
        tampered(&path),
        (0, 1, "hash does not match the line's contents".into())
    );
}

#[test]
fn deleted_line_names_the_missing_seq() {
    let (_dir, path) = log_with(20);
    let mut all = lines(&path);
    all.remove(10); // seq 10
    write_lines(&path, &all);
    let (seq, line_no, reason) = tampered(&path);
    assert_eq!((seq, line_no), (10, 11));
    assert!(reason.contains("seq 11 where 10"), "{reason}");
}

#[test]
fn swapped_lines_name_the_first_seq_out_of_place() {
    let (_dir, path) = log_with(20);
    let mut all = lines(&path);
    all.swap(5, 6); // seq 5 and 6
    write_lines(&path, &all);
    assert_eq!(tampered(&path).0, 5);
}

#[test]
fn inserted_copy_of_a_line_is_caught() {
    let (_dir, path) = log_with(20);
    let mut all = lines(&path);
    let copy = all[4].clone();
    all.insert(9, copy);
    write_lines(&path, &all);
    assert_eq!(tampered(&path).0, 9);
}

#[test]
fn inserted_forged_line_with_right_seq_and_prev_is_caught() {
    let (_dir, path) = log_with(20);
    let mut all = lines(&path);
    // Forge seq 9 chained to seq 8, but the real seq 9 follows it.
    let prev = chain_hash_of(&all[8]);
    let forged = event_line(9, 40, &prev);
    all.insert(9, forged);
    write_lines(&path, &all);
    let (seq, line_no, _) = tampered(&path);
    assert_eq!((seq, line_no), (10, 11));
}

#[test]
fn torn_final_line_alone_is_ok_with_a_note() {
    let (_dir, path) = log_with(5);
    let mut all = lines(&path);
    all[5].truncate(30);
    write_lines(&path, &all);
    assert!(matches!(
        verify(&path).unwrap(),
        VerifyReport::Ok {
            events: 4,
            torn_tail: true,
            ..
        }
    ));
}

#[test]
fn garbage_instead_of_json_is_tampering() {
    let (_dir, path) = log_with(5);
    let mut all = lines(&path);
    all[3] = b"not json at all\n".to_vec();
    write_lines(&path, &all);
    let (seq, line_no, reason) = tampered(&path);
    assert_eq!((seq, line_no), (3, 4));
    assert!(reason.contains("hash"), "{reason}");
}

#[test]
fn mono_ms_going_back_is_caught_even_with_a_valid_chain() {
    let (_dir, path) = log_with(3);
    let mut all = lines(&path);
    let prev = chain_hash_of(&all[3]);
    all.push(event_line(4, 1, &prev));
    write_lines(&path, &all);
    let (seq, _, reason) = tampered(&path);
    assert_eq!(seq, 4);
    assert!(
        reason.contains("mono_ms goes back from 15 to 1"),
        "{reason}"
    );
}

#[test]
fn empty_file_and_wrong_format_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(tampered(&empty).0, 0);

    let path = write_log(dir.path(), "fmt", 1);
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("runbook-audit/1", "runbook-audit/9");
    std::fs::write(&path, text).unwrap();
    let (seq, line_no, reason) = tampered(&path);
    assert_eq!((seq, line_no), (0, 1));
    assert!(reason.contains("format"), "{reason}");
}

fn chain_hash_of(line: &[u8]) -> ChainHash {
    let Record::Event(event) = Record::parse(2, line.trim_ascii_end()).unwrap() else {
        panic!("not an event");
    };
    ChainHash::parse(event.hash.as_bytes()).unwrap()
}

/// A correctly sealed event line, as a forger with the format spec would write it.
fn event_line(seq: u64, mono_ms: u64, prev: &ChainHash) -> Vec<u8> {
    let stamp = Stamp {
        seq,
        ts: DateTime::from_timestamp_millis(super::test_support::START_MS).unwrap(),
        mono_ms,
        prev,
    };
    let mut buf = Vec::new();
    encode_event(
        &mut buf,
        &stamp,
        &EventDraft::new("note", None, json!("forged")),
    );
    seal(&mut buf, prev);
    buf
}
