//! `runbook init NAME`: a starter runbook to edit — one of each kind of step, valid as written,
//! and safe to run (its commands only print).

use super::inspect::EXIT_INVALID;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where `init NAME` writes: `runbooks/NAME.md`, or NAME itself when it is a path.
pub fn target_path(name: &str) -> PathBuf {
    let given = Path::new(name);
    if name.contains('/') || given.extension().is_some() {
        given.to_path_buf()
    } else {
        Path::new("runbooks").join(format!("{name}.md"))
    }
}

/// The starter text; `title` is the runbook's title.
pub fn starter(title: &str) -> String {
    format!(
        r##"---
title: {title} — {{{{version}}}}
description: What this runbook does, in one sentence.
params:
  version: {{default: v1.0.0, pattern: '^v\d+\.\d+\.\d+$', prompt: Version to deploy}}
env:
  secret: [DEPLOY_TOKEN]      # masked on screen and in the audit log when set
health:
  - {{name: root-disk, system: "disk:/", warn: 85%, crit: 95%}}
  # - {{name: api, http: https://api.example.com/health, headers: {{Authorization: "Bearer ${{API_TOKEN}}"}}}}
contacts:
  - {{role: On-call, name: Your name, chat: "#your-channel"}}
---

# {title}

Say why this runbook exists and when to use it. Prose is shown with the steps.

## Pre-flight

- [ ] Change ticket approved
- [ ] Announced in the team channel

```bash {{name=show-version timeout=1m}}
echo "deploying $VERSION"
```

## Deploy

```bash {{name=deploy timeout=10m confirm=danger}}
echo "replace this line with the real deployment command for $VERSION"
```

```runbook
- wait: 1m
  until: [root-disk]
  stable_for: 30s
```

## Go/No-Go

- Health checks OK for a minute
- No new alerts

## Rollback

```bash {{name=roll-back}}
echo "replace this line with the command that undoes the deployment"
```
"##
    )
}

/// Writes the starter runbook; never overwrites. Exit 0 written, 2 when it exists or cannot be written.
pub fn init(name: &str, out: &mut impl Write, err: &mut impl Write) -> i32 {
    let path = target_path(name);
    let title = path
        .file_stem()
        .map(|s| s.to_string_lossy().replace(['-', '_'], " "))
        .unwrap_or_else(|| "New runbook".into());
    let written = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
        })
        .and_then(|mut file| file.write_all(starter(&capitalised(&title)).as_bytes()));
    match written {
        Ok(()) => {
            let run = path.file_stem().map(|s| s.to_string_lossy().into_owned());
            let _ = writeln!(out, "wrote {}", path.display());
            if path.parent() == Some(Path::new("runbooks")) {
                let name = run.unwrap_or_default();
                let _ = writeln!(out, "try it: runbook {name} --plain --dry-run");
            }
            0
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = writeln!(
                err,
                "error: {} exists; init never overwrites",
                path.display()
            );
            EXIT_INVALID
        }
        Err(e) => {
            let _ = writeln!(err, "error: cannot write {}: {e}", path.display());
            EXIT_INVALID
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_is_a_valid_runbook_with_every_kind_of_step() {
        let runbook = crate::doc::load_str(&starter("Payments deploy"), Path::new("p.md"))
            .expect("the starter loads");
        let kinds: Vec<&str> = runbook
            .steps()
            .iter()
            .map(|r| r.step.kind.label())
            .collect();
        for kind in ["check", "run", "wait", "gate"] {
            assert!(kinds.contains(&kind), "{kind} missing: {kinds:?}");
        }
        assert!(runbook.steps().iter().any(|r| r.rollback));
        assert_eq!(runbook.meta.health.len(), 1);
    }

    #[test]
    fn names_go_to_the_runbooks_directory_and_paths_stay_as_given() {
        assert_eq!(
            target_path("payments"),
            PathBuf::from("runbooks/payments.md")
        );
        assert_eq!(target_path("ops/x.yaml"), PathBuf::from("ops/x.yaml"));
    }

    #[test]
    fn an_existing_file_is_never_overwritten() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("mine.md");
        std::fs::write(&path, "keep me").expect("write");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = init(path.to_str().expect("utf8"), &mut out, &mut err);
        assert_eq!(code, EXIT_INVALID);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "keep me");
        assert!(String::from_utf8_lossy(&err).contains("never overwrites"));
    }
}
