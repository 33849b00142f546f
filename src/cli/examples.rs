//! The example runbooks built into the binary, so an installed copy works without the
//! source tree: `runbook examples` lists them, and their names resolve last.
//!
//! A session records its runbook's path and resume re-reads that file, so an example is run
//! from a real file: a copy in the user's data directory (`examples/`), written when missing
//! or when this binary carries a different text.

use std::io::Write;
use std::path::{Path, PathBuf};

/// One built-in example: its NAME, file name and text.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    pub name: &'static str,
    pub file: &'static str,
    pub text: &'static str,
}

/// Every built-in example, in the order `runbook examples` lists them.
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "deploy-day7",
        file: "deploy-day7.md",
        text: include_str!("../../runbooks/deploy-day7.md"),
    },
    Example {
        name: "deploy-plan",
        file: "deploy-plan.md",
        text: include_str!("../../runbooks/deploy-plan.md"),
    },
    Example {
        name: "canary-rollout",
        file: "canary-rollout.yaml",
        text: include_str!("../../runbooks/canary-rollout.yaml"),
    },
    Example {
        name: "release-checklist",
        file: "release-checklist.md",
        text: include_str!("../../runbooks/release-checklist.md"),
    },
];

/// Where the examples' copies live: `examples/` in the user's data directory.
pub fn examples_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "runbook").map(|d| d.data_dir().join("examples"))
}

/// Writes each example's copy that is missing or differs.
pub fn install(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for example in EXAMPLES {
        let path = dir.join(example.file);
        if std::fs::read(&path).is_ok_and(|bytes| bytes == example.text.as_bytes()) {
            continue;
        }
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        file.write_all(example.text.as_bytes())?;
        file.persist(&path).map_err(|e| e.error)?;
        tracing::debug!(path = %path.display(), "wrote the bundled example");
    }
    Ok(())
}

/// The examples directory with every copy in place, or `None` (said in the diagnostics log)
/// when it cannot be written: then the examples' names do not resolve.
pub fn ready_dir() -> Option<PathBuf> {
    let dir = examples_dir()?;
    match install(&dir) {
        Ok(()) => Some(dir),
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot write the bundled examples");
            None
        }
    }
}

/// `runbook examples`: NAME, TITLE and whether a runbook of the same name found earlier
/// in the search path hides it.
pub fn list(
    search: &crate::doc::resolve::SearchPath,
    examples: Option<&Path>,
    out: &mut impl Write,
) -> i32 {
    let width = EXAMPLES.iter().map(|e| e.name.len()).max().unwrap_or(4);
    let _ = writeln!(out, "{:<width$}  TITLE", "NAME");
    for example in EXAMPLES {
        let title = crate::doc::load_str(example.text, Path::new(example.file))
            .map(|r| r.title)
            .unwrap_or_else(|e| format!("(invalid: {})", e.diagnostics.len()));
        let shadowed = search
            .resolve(example.name)
            .ok()
            .filter(|found| found.parent() != examples);
        let note = shadowed
            .map(|p| format!("  (runs {} instead)", p.display()))
            .unwrap_or_default();
        let _ = writeln!(out, "{:<width$}  {title}{note}", example.name);
    }
    let _ = writeln!(
        out,
        "\nrun one with `runbook NAME` (e.g. `runbook deploy-day7 --plain --dry-run`); \
         `runbook init NAME` writes a starter runbook"
    );
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_loads() {
        for example in EXAMPLES {
            let runbook = crate::doc::load_str(example.text, Path::new(example.file));
            assert!(runbook.is_ok(), "{}: {:?}", example.name, runbook.err());
        }
    }

    #[test]
    fn copies_are_written_once_and_mended_when_changed() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("examples");
        install(&target).expect("install");
        let day7 = target.join("deploy-day7.md");
        assert_eq!(
            std::fs::read_to_string(&day7).expect("copy"),
            EXAMPLES[0].text
        );
        std::fs::write(&day7, "edited").expect("edit");
        install(&target).expect("install again");
        assert_eq!(
            std::fs::read_to_string(&day7).expect("copy"),
            EXAMPLES[0].text
        );
        assert_eq!(
            std::fs::read_dir(&target).expect("dir").count(),
            EXAMPLES.len()
        );
    }
}
