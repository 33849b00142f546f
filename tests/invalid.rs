//! Broken runbooks get exact, useful errors: `file:line:col`, the line, a caret, what was expected.

use runbook::doc::{DocError, load_path};
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    files
}

/// Loads a fixture by its path relative to the crate, so snapshots name it the same everywhere.
fn errors_of(path: &Path) -> String {
    let relative = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .expect("inside crate");
    let _guard = CwdGuard::enter(Path::new(env!("CARGO_MANIFEST_DIR")));
    match load_path(relative) {
        Ok(_) => panic!("{} should be invalid", relative.display()),
        Err(DocError::Invalid(e)) => e.to_string(),
        Err(other) => panic!("{} should parse: {other}", relative.display()),
    }
}

struct CwdGuard;

impl CwdGuard {
    fn enter(dir: &Path) -> Self {
        std::env::set_current_dir(dir).expect("cd");
        CwdGuard
    }
}

#[test]
fn there_are_at_least_fifteen_broken_runbooks() {
    assert!(fixtures().len() >= 15);
}

#[test]
fn every_broken_runbook_has_its_exact_errors() {
    for path in fixtures() {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .replace('.', "_");
        let text = errors_of(&path);
        for line in text.lines().filter(|l| l.contains(": error: ")) {
            let location = line.split(": error: ").next().expect("location");
            let parts: Vec<&str> = location.rsplitn(3, ':').collect();
            assert!(
                parts.len() == 3
                    && parts[0].parse::<u32>().is_ok()
                    && parts[1].parse::<u32>().is_ok(),
                "file:line:col in {line}"
            );
        }
        assert!(
            text.contains(" = expected: "),
            "{name}: says what was expected"
        );
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn foreign_yaml_names_the_first_unknown_key() {
    let actions = errors_of(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid/github-actions.yaml"),
    );
    let first = actions.lines().next().expect("a line");
    assert!(
        first.ends_with("unknown key `name` in a runbook"),
        "{first}"
    );
    let ansible = errors_of(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid/ansible-playbook.yml"),
    );
    let first = ansible.lines().next().expect("a line");
    assert!(first.ends_with("unknown key `hosts` in a step"), "{first}");
}

#[test]
fn several_errors_are_reported_together() {
    let text = errors_of(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid/health-errors.yaml"),
    );
    assert!(text.matches(": error: ").count() >= 5, "{text}");
}
