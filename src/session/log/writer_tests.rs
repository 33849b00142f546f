//! Writer tests on real files and failing sinks: chain, files, sync policy, poisoning, resume.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use super::test_support::{clock, header, lines, note, write_log};
use super::writer::sweep_partials;
use super::*;

#[derive(Debug, Default)]
struct Calls {
    writes: Vec<Vec<u8>>,
    syncs: usize,
    fail_writes_after: Option<usize>,
    fail_syncs: bool,
}

/// A sink that records every call and can be told to fail.
#[derive(Debug, Clone, Default)]
struct Recorder(Arc<Mutex<Calls>>);

impl LogSink for Recorder {
    fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        let mut calls = self.0.lock().unwrap();
        if calls
            .fail_writes_after
            .is_some_and(|n| calls.writes.len() >= n)
        {
            return Err(io::Error::from_raw_os_error(28)); // ENOSPC
        }
        calls.writes.push(record.to_vec());
        Ok(())
    }

    fn sync_data(&mut self) -> io::Result<()> {
        let mut calls = self.0.lock().unwrap();
        if calls.fail_syncs {
            return Err(io::Error::from_raw_os_error(5)); // EIO
        }
        calls.syncs += 1;
        Ok(())
    }
}

fn recording_writer(clock: &ManualClock) -> (AuditWriter, Recorder) {
    let sink = Recorder::default();
    let writer = AuditWriter::with_sink(
        Box::new(sink.clone()),
        "mem.jsonl".into(),
        "mem",
        &header(),
        clock.clone(),
    )
    .unwrap();
    (writer, sink)
}

#[test]
fn writer_can_move_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<AuditWriter>();
}

#[test]
fn chain_verifies_after_1000_appends() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), "day7-a", 1000);
    let report = verify(&path).unwrap();
    let VerifyReport::Ok {
        events, torn_tail, ..
    } = report
    else {
        panic!("{report:?}");
    };
    assert_eq!((events, torn_tail), (1000, false));
    let records: Vec<Record> = read_records(&path).unwrap().map(Result::unwrap).collect();
    assert_eq!(records.len(), 1001);
    assert!(matches!(&records[0], Record::Header(h) if h.session_id == "day7-a"));
    assert!(matches!(&records[1000], Record::Event(e) if e.seq == 1000 && e.mono_ms == 5000));
}

#[test]
fn header_and_event_fields_come_from_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), "day7-b", 2);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut it = text.lines();
    let first = it.next().unwrap();
    assert!(first.starts_with(
        r#"{"format":"runbook-audit/1","runbook":{"path":"runbooks/deploy-day7.md","#
    ));
    assert!(first.contains(r#""started":"2026-11-22T09:03:12.345Z","session_id":"day7-b""#));
    assert!(it.next().unwrap().starts_with(
        r#"{"seq":1,"ts":"2026-11-22T09:03:12.350Z","mono_ms":5,"kind":"note","step":"step-1","data":{"text":"note 1"},"prev":""#
    ));
}

#[cfg(unix)]
#[test]
fn files_are_private_and_never_overwritten() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let sessions = dir.path().join("state/sessions");
    let path = write_log(&sessions, "day7-c", 1);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&sessions), 0o700);
    let again = AuditWriter::create(&sessions, "day7-c", &header(), clock());
    assert!(
        matches!(again, Err(AuditError::Io { source, .. }) if source.kind() == io::ErrorKind::AlreadyExists)
    );
    assert_eq!(lines(&path).len(), 2);
}

#[test]
fn a_log_appears_whole_and_is_still_guarded_at_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut writer = AuditWriter::create(dir.path(), "day7-w", &header(), clock.clone()).unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["day7-w.jsonl"],
        "no partial file is left beside the log"
    );
    assert_eq!(
        lines(writer.path()).len(),
        1,
        "the header is there from the start"
    );
    std::fs::remove_file(dir.path().join("day7-w.jsonl")).unwrap();
    let err = writer
        .append(&note(1), SyncPolicy::Now)
        .unwrap_err()
        .to_string();
    assert!(err.contains("deleted"), "{err}");
}

#[test]
fn partial_logs_of_killed_starts_are_swept_but_not_a_start_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join(".day7-k.jsonl.partial");
    std::fs::write(&stale, "").unwrap();
    let log = write_log(dir.path(), "day7-x", 0);
    assert_eq!(
        sweep_partials(dir.path(), Duration::from_secs(60)),
        0,
        "too young"
    );
    assert!(stale.exists());
    assert_eq!(sweep_partials(dir.path(), Duration::ZERO), 1);
    assert!(!stale.exists());
    assert!(log.exists(), "a log is never swept");
}

#[cfg(unix)]
#[test]
fn a_shared_directory_gives_its_group_read_access() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("team");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o2770)).unwrap();
    let path = write_log(&shared, "day7-s", 1);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn session_id_must_be_a_plain_file_name() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["", "../x", "a/b", ".hidden"] {
        let result = AuditWriter::create(dir.path(), bad, &header(), clock());
        assert!(
            matches!(result, Err(AuditError::InvalidSessionId(_))),
            "{bad}"
        );
    }
}

#[test]
fn each_record_is_one_write_ending_in_newline() {
    let clock = clock();
    let (mut writer, sink) = recording_writer(&clock);
    let chunk = "x\n".repeat(40_000);
    writer
        .append(
            &EventDraft::new("output", Some("s"), encode_output(chunk.as_bytes())),
            SyncPolicy::Lazy,
        )
        .unwrap();
    writer.append(&note(2), SyncPolicy::Lazy).unwrap();
    let calls = sink.0.lock().unwrap();
    assert_eq!(calls.writes.len(), 3);
    for write in &calls.writes {
        assert_eq!(write.iter().filter(|&&b| b == b'\n').count(), 1);
        assert_eq!(write.last(), Some(&b'\n'));
    }
}

#[test]
fn now_syncs_and_lazy_syncs_at_least_every_200ms() {
    let clock = clock();
    let (mut writer, sink) = recording_writer(&clock);
    let syncs = || sink.0.lock().unwrap().syncs;
    assert_eq!(syncs(), 1, "header is synced");
    writer.append(&note(1), SyncPolicy::Now).unwrap();
    assert_eq!(syncs(), 2);

    writer.append(&note(2), SyncPolicy::Lazy).unwrap();
    clock.advance(Duration::from_millis(199));
    writer.append(&note(3), SyncPolicy::Lazy).unwrap();
    assert_eq!(syncs(), 2);
    assert!(!writer.flush_due());
    clock.advance(Duration::from_millis(1));
    assert!(writer.flush_due());
    writer.append(&note(4), SyncPolicy::Lazy).unwrap();
    assert_eq!(syncs(), 3, "the 200 ms rule holds while lazy records flow");

    writer.append(&note(5), SyncPolicy::Lazy).unwrap();
    assert!(!writer.sync_if_due().unwrap());
    clock.advance(Duration::from_millis(250));
    assert!(
        writer.sync_if_due().unwrap(),
        "a timer can flush a quiet stream"
    );
    assert!(!writer.sync_if_due().unwrap());
    assert_eq!(syncs(), 4);
}

#[test]
fn write_failure_poisons_the_writer() {
    let clock = clock();
    let (mut writer, sink) = recording_writer(&clock);
    writer.append(&note(1), SyncPolicy::Lazy).unwrap();
    sink.0.lock().unwrap().fail_writes_after = Some(2);
    let err = writer.append(&note(2), SyncPolicy::Lazy).unwrap_err();
    assert!(matches!(err, AuditError::Io { .. }), "{err}");
    assert!(writer.is_poisoned());
    sink.0.lock().unwrap().fail_writes_after = None;
    assert!(matches!(
        writer.append(&note(3), SyncPolicy::Now),
        Err(AuditError::Poisoned { .. })
    ));
    assert!(matches!(writer.sync(), Err(AuditError::Poisoned { .. })));
    assert!(matches!(
        writer.sync_if_due(),
        Err(AuditError::Poisoned { .. })
    ));
    assert_eq!(
        sink.0.lock().unwrap().writes.len(),
        2,
        "no retry, nothing more written"
    );
}

#[test]
fn sync_failure_poisons_the_writer() {
    let clock = clock();
    let (mut writer, sink) = recording_writer(&clock);
    sink.0.lock().unwrap().fail_syncs = true;
    assert!(matches!(
        writer.append(&note(1), SyncPolicy::Now),
        Err(AuditError::Io { .. })
    ));
    assert!(matches!(
        writer.append(&note(2), SyncPolicy::Lazy),
        Err(AuditError::Poisoned { .. })
    ));
}

#[cfg(target_os = "linux")]
#[test]
fn full_disk_fails_the_session_start() {
    let Ok(full) = std::fs::OpenOptions::new().append(true).open("/dev/full") else {
        return;
    };
    let result =
        AuditWriter::with_sink(Box::new(full), "/dev/full".into(), "x", &header(), clock());
    let err = result.unwrap_err();
    assert!(err.to_string().contains("/dev/full"), "{err}");
}

#[test]
fn oversized_events_are_refused_without_poisoning() {
    let clock = clock();
    let (mut writer, sink) = recording_writer(&clock);
    let huge = "y".repeat(MAX_LINE_BYTES);
    let err = writer
        .append(&EventDraft::new("x", None, json!(huge)), SyncPolicy::Now)
        .unwrap_err();
    assert!(matches!(err, AuditError::TooLarge { .. }), "{err}");
    assert!(!writer.is_poisoned());
    assert_eq!(writer.append(&note(1), SyncPolicy::Now).unwrap(), 1);
    assert_eq!(sink.0.lock().unwrap().writes.len(), 2);
}

#[test]
fn mono_ms_holds_when_the_wall_clock_steps_back() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut writer = AuditWriter::create(dir.path(), "step", &header(), clock.clone()).unwrap();
    clock.advance(Duration::from_secs(60));
    writer.append(&note(1), SyncPolicy::Now).unwrap();
    clock.set_utc(chrono::DateTime::from_timestamp_millis(0).unwrap());
    writer.append(&note(2), SyncPolicy::Now).unwrap();
    assert!(verify(writer.path()).unwrap().is_ok());
}

#[test]
fn resume_continues_the_chain_and_mono_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), "resume", 10);
    let fresh = super::test_support::clock();
    let (mut writer, report) = AuditWriter::open_for_resume(&path, fresh.clone()).unwrap();
    assert!(!report.repaired());
    assert_eq!(writer.next_seq(), 11);
    fresh.advance(Duration::from_millis(3));
    writer.append(&note(11), SyncPolicy::Now).unwrap();
    let records: Vec<Record> = read_records(&path).unwrap().map(Result::unwrap).collect();
    assert!(matches!(&records[11], Record::Event(e) if e.seq == 11 && e.mono_ms == 53));
    assert!(matches!(
        verify(&path).unwrap(),
        VerifyReport::Ok { events: 11, .. }
    ));
}

#[test]
fn resume_drops_a_torn_tail_and_the_drop_can_be_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), "torn", 3);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(br#"{"seq":4,"ts":"2026-11-2"#);
    std::fs::write(&path, &bytes).unwrap();

    let (mut writer, report) = AuditWriter::open_for_resume(&path, clock()).unwrap();
    assert_eq!(report.torn, Some(TornKind::NoNewline));
    assert_eq!(report.dropped_bytes, 24);
    let data = json!({"dropped_bytes": report.dropped_bytes});
    assert_eq!(
        writer
            .append(
                &EventDraft::new("torn_line_dropped", None, data),
                SyncPolicy::Now
            )
            .unwrap(),
        4
    );
    assert!(matches!(
        verify(&path).unwrap(),
        VerifyReport::Ok {
            events: 4,
            torn_tail: false,
            ..
        }
    ));
}

#[test]
fn resume_of_a_header_only_log_starts_at_seq_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), "header-only", 0);
    let (mut writer, _) = AuditWriter::open_for_resume(&path, clock()).unwrap();
    assert_eq!(writer.append(&note(1), SyncPolicy::Now).unwrap(), 1);
    assert!(matches!(
        verify(&path).unwrap(),
        VerifyReport::Ok { events: 1, .. }
    ));
}

#[test]
fn resume_refuses_a_log_whose_last_line_is_not_an_event() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), "odd", 2);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"hello\":1}\n");
    std::fs::write(&path, &bytes).unwrap();
    let err = AuditWriter::open_for_resume(&path, clock()).unwrap_err();
    assert!(
        matches!(err, AuditError::Malformed { line_no: 4, .. }),
        "{err}"
    );
}
