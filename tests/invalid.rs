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
fn foreign_yaml_is_named_for_what_it_is() {
    for (file, what) in [
        ("github-actions.yaml", "a GitHub Actions workflow"),
        ("ansible-playbook.yml", "an Ansible playbook"),
        (
            "kubernetes-manifest.yaml",
            "a Kubernetes manifest (kind: Deployment)",
        ),
        ("argo-rollout.yaml", "an Argo Rollout"),
        ("rundeck-job.yaml", "a Rundeck job definition"),
    ] {
        let text = errors_of(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/invalid")
                .join(file),
        );
        let first = text.lines().next().expect("a line");
        assert!(
            first.ends_with(&format!(":1:1: error: this is {what}, not a runbook")),
            "{first}"
        );
        assert_eq!(
            text.matches(": error: ").count(),
            1,
            "one error, not a list of unknown keys"
        );
    }
}

#[test]
fn an_unclosed_fence_that_swallows_a_heading_is_an_error_at_the_fence() {
    let text = errors_of(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid/unclosed-fence.md"),
    );
    assert!(
        text.starts_with(
            "tests/fixtures/invalid/unclosed-fence.md:5:1: error: this code block is never closed"
        ),
        "{text}"
    );
}

#[test]
fn several_errors_are_reported_together() {
    let text = errors_of(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid/health-errors.yaml"),
    );
    assert!(text.matches(": error: ").count() >= 5, "{text}");
}
