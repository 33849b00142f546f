//! `runbook lint` on the documents this project keeps: the five seeds, the bundled
//! runbooks and the corpus of real-style runbooks — loading and linting without shellcheck
//! (target < 1 s each; in practice milliseconds), and with shellcheck (one process for all
//! of a set's steps) when it is on PATH.
//!
//! Run with `cargo bench --bench lint`.

use runbook::cli::lint::{Loaded, lint_loaded, load};
use runbook::doc::resolve::SearchPath;
use std::path::PathBuf;

fn main() {
    divan::main();
}

fn set(dir: &str) -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<String> = std::fs::read_dir(&root)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.file_name().is_some_and(|n| n != "SOURCES.md"))
                .map(|p| p.display().to_string())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn lint_set(files: &[String], shellcheck: bool) -> usize {
    let search = SearchPath::from_env();
    let loaded: Vec<Loaded> = files.iter().map(|f| load(f, &search)).collect();
    let (found, _) = lint_loaded(&loaded, shellcheck);
    found.iter().flatten().map(Vec::len).sum()
}

const SETS: &[&str] = &["tests/fixtures/seeds", "runbooks", "tests/fixtures/real"];

#[divan::bench(args = SETS, sample_count = 20)]
fn without_shellcheck(bencher: divan::Bencher, dir: &str) {
    let files = set(dir);
    bencher.bench(|| lint_set(&files, false));
}

#[divan::bench(args = SETS, sample_count = 5)]
fn with_shellcheck(bencher: divan::Bencher, dir: &str) {
    let files = set(dir);
    bencher.bench(|| lint_set(&files, true));
}
