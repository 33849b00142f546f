//! Finding runbooks: a path, or a NAME looked up in `./runbooks`, `$RUNBOOK_PATH`
//! and the user's data directory, in that order.

use std::path::{Path, PathBuf};

/// Extensions a runbook NAME may have, in the order they are tried.
pub const EXTENSIONS: &[&str] = &["md", "yaml", "yml"];

/// A runbook found in one of the search directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    pub path: PathBuf,
}

/// The directories NAMEs are looked up in.
#[derive(Debug, Clone)]
pub struct SearchPath {
    pub dirs: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("no runbook named `{name}`{}\n{}", closest_hint(.closest), available_list(.available, .searched))]
    NotFound {
        name: String,
        closest: Option<String>,
        available: Vec<Found>,
        searched: Vec<PathBuf>,
    },
    #[error("{} does not exist", .0.display())]
    MissingPath(PathBuf),
}

fn closest_hint(closest: &Option<String>) -> String {
    closest
        .as_ref()
        .map(|c| format!(" — did you mean `{c}`?"))
        .unwrap_or_default()
}

fn available_list(available: &[Found], searched: &[PathBuf]) -> String {
    let dirs: Vec<String> = searched.iter().map(|d| d.display().to_string()).collect();
    let mut out = format!("searched: {}\n", dirs.join(", "));
    if available.is_empty() {
        out.push_str("no runbooks found there (runbooks are NAME.md, NAME.yaml or NAME.yml)");
    } else {
        out.push_str("available:");
        for found in available {
            out.push_str(&format!("\n  {:<24} {}", found.name, found.path.display()));
        }
    }
    out
}

impl SearchPath {
    /// `./runbooks`, each directory of `$RUNBOOK_PATH`, then `<data dir>/runbook/runbooks`.
    pub fn from_env() -> Self {
        let mut dirs = vec![PathBuf::from("runbooks")];
        if let Some(paths) = std::env::var_os("RUNBOOK_PATH") {
            dirs.extend(std::env::split_paths(&paths).filter(|p| !p.as_os_str().is_empty()));
        }
        if let Some(project) = directories::ProjectDirs::from("", "", "runbook") {
            dirs.push(project.data_dir().join("runbooks"));
        }
        SearchPath { dirs }
    }

    /// Resolves a NAME or PATH argument to a file.
    pub fn resolve(&self, arg: &str) -> Result<PathBuf, ResolveError> {
        if looks_like_path(arg) {
            let path = PathBuf::from(arg);
            return if path.is_file() {
                Ok(path)
            } else {
                Err(ResolveError::MissingPath(path))
            };
        }
        for dir in &self.dirs {
            for ext in EXTENSIONS {
                let candidate = dir.join(format!("{arg}.{ext}"));
                if candidate.is_file() {
                    return Ok(candidate);
                }
            }
        }
        let available = self.available();
        let closest = closest_name(arg, &available);
        Err(ResolveError::NotFound {
            name: arg.to_string(),
            closest,
            available,
            searched: self.dirs.clone(),
        })
    }

    /// Every runbook in the search directories; a name found twice is listed once (the first wins).
    pub fn available(&self) -> Vec<Found> {
        let mut found: Vec<Found> = Vec::new();
        for dir in &self.dirs {
            let mut here = runbooks_in(dir);
            here.sort_by(|a, b| a.name.cmp(&b.name));
            for item in here {
                if !found.iter().any(|f| f.name == item.name) {
                    found.push(item);
                }
            }
        }
        found
    }
}

fn looks_like_path(arg: &str) -> bool {
    arg.contains('/')
        || arg.contains(std::path::MAIN_SEPARATOR)
        || Path::new(arg).extension().is_some()
        || Path::new(arg).is_file()
}

fn runbooks_in(dir: &Path) -> Vec<Found> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.contains(&e))
        })
        .filter_map(|path| {
            let name = path.file_stem()?.to_str()?.to_string();
            Some(Found { name, path })
        })
        .collect()
}

fn closest_name(name: &str, available: &[Found]) -> Option<String> {
    available
        .iter()
        .map(|f| (strsim::jaro_winkler(name, &f.name), &f.name))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempfile::TempDir, SearchPath) {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = dir.path().join("first");
        let second = dir.path().join("second");
        std::fs::create_dir_all(&first).expect("mkdir");
        std::fs::create_dir_all(&second).expect("mkdir");
        std::fs::write(first.join("deploy-day7.md"), "# A\n- [ ] x\n").expect("write");
        std::fs::write(second.join("deploy-day7.yaml"), "steps: [{check: x}]\n").expect("write");
        std::fs::write(second.join("canary.yml"), "steps: [{check: x}]\n").expect("write");
        std::fs::write(second.join("notes.txt"), "not a runbook name").expect("write");
        let search = SearchPath {
            dirs: vec![first, second],
        };
        (dir, search)
    }

    #[test]
    fn names_resolve_in_search_order() {
        let (_dir, search) = tree();
        assert!(
            search
                .resolve("deploy-day7")
                .expect("found")
                .ends_with("first/deploy-day7.md")
        );
        assert!(
            search
                .resolve("canary")
                .expect("found")
                .ends_with("second/canary.yml")
        );
    }

    #[test]
    fn unknown_names_list_what_exists_and_the_closest() {
        let (_dir, search) = tree();
        let err = search.resolve("deploy-day8").expect_err("missing");
        let text = err.to_string();
        assert!(text.contains("did you mean `deploy-day7`?"), "{text}");
        assert!(text.contains("canary"), "{text}");
        let names: Vec<String> = search.available().into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["deploy-day7", "canary"]);
    }

    #[test]
    fn paths_are_taken_as_given() {
        let (dir, search) = tree();
        let path = dir.path().join("second/notes.txt");
        assert_eq!(
            search.resolve(path.to_str().expect("utf8")).expect("file"),
            path
        );
        assert!(matches!(
            search.resolve("./missing.md"),
            Err(ResolveError::MissingPath(_))
        ));
    }
}
