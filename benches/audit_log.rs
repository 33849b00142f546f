//! Audit log throughput: a step printing 3,000,000 lines (22.9 MB) arrives as
//! ~350 chunks of 64 KiB; appending them (JSON escaping, hashing, one write
//! each) must stay well under 100 ms. Also: verifying the resulting log.

use std::path::PathBuf;

use divan::Bencher;
use runbook::session::log::{
    AuditWriter, EventDraft, HeaderDraft, RunbookRef, SyncPolicy, SystemClock, encode_output,
    split_utf8_boundary, verify,
};
use serde_json::Value;

const LINES: u32 = 3_000_000;
const CHUNK_BYTES: usize = 64 * 1024;

fn main() {
    divan::main();
}

/// The output of `seq 1 3000000`, cut into 64 KiB chunks at UTF-8 boundaries.
fn chunks() -> Vec<Vec<u8>> {
    let mut all = Vec::with_capacity(23_000_000);
    for n in 1..=LINES {
        all.extend_from_slice(n.to_string().as_bytes());
        all.push(b'\n');
    }
    let mut chunks = Vec::new();
    let mut rest = &all[..];
    while !rest.is_empty() {
        let take = rest.len().min(CHUNK_BYTES);
        let cut = split_utf8_boundary(&rest[..take]).max(1);
        chunks.push(rest[..cut].to_vec());
        rest = &rest[cut..];
    }
    chunks
}

struct Fresh {
    _dir: tempfile::TempDir,
    writer: AuditWriter,
}

fn fresh() -> Fresh {
    let dir = tempfile::tempdir().expect("temp dir");
    let header = HeaderDraft {
        runbook: RunbookRef {
            path: "runbooks/flood.md".into(),
            sha256: "0".repeat(64),
        },
        operator: "bench".into(),
        host: "localhost".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        params: serde_json::Map::new(),
    };
    let writer =
        AuditWriter::create(dir.path(), "flood", &header, SystemClock::new()).expect("create");
    Fresh { _dir: dir, writer }
}

/// `{"stream":"stdout","text":…}` per chunk, as the session engine sends them.
#[divan::bench(sample_count = 20)]
fn append_3m_lines(bencher: Bencher) {
    let chunks = chunks();
    bencher.with_inputs(fresh).bench_local_refs(|f| {
        for chunk in &chunks {
            let mut data = encode_output(chunk);
            if let Value::Object(map) = &mut data {
                map.insert("stream".into(), "stdout".into());
            }
            let draft = EventDraft::new("output", Some("flood"), data);
            f.writer.append(&draft, SyncPolicy::Lazy).expect("append");
        }
    });
}

/// `runbook verify` on the log those appends produce (~26 MB).
#[divan::bench(sample_count = 10)]
fn verify_3m_line_log(bencher: Bencher) {
    let mut f = fresh();
    for chunk in chunks() {
        let draft = EventDraft::new("output", Some("flood"), encode_output(&chunk));
        f.writer.append(&draft, SyncPolicy::Lazy).expect("append");
    }
    f.writer.sync().expect("sync");
    let path: PathBuf = f.writer.path().to_path_buf();
    bencher.bench_local(|| verify(&path).expect("verify"));
}
