//! Nothing holding a step's state or secrets is left behind or readable by another user:
//! the session's private directory while it runs, and what a driver killed with SIGKILL
//! left of it once the session is resumed or another session starts.

mod support;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Sandbox, events, records, text};

/// A step that makes a secret and prints it, then waits to be killed.
const SECRET_STEP: &str = "# Secret\n```bash {name=secret}\nexport DB_TOKEN=s3cr3t-0f-the-day\necho \"connecting with $DB_TOKEN\"\ntouch started\nsleep 120\n```\n- [ ] Dashboards green\n";

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Where this user's session directories are: the state directory, no runtime directory.
fn private_root(sb: &Sandbox) -> PathBuf {
    sb.path().join("xdg-state/runbook/private")
}

fn command(sb: &Sandbox, args: &[&str]) -> Command {
    let mut cmd = sb.command(args);
    cmd.env_remove("XDG_RUNTIME_DIR");
    cmd
}

/// Everything below `dir`, itself included.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut found = vec![dir.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                found.extend(tree(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

fn step_dirs(session_dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(session_dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default()
}

/// Starts a session of the secret runbook and waits until its step runs; its id.
fn start_secret_step(sb: &Sandbox) -> (Child, String) {
    let started = sb.path().join("started");
    let _ = std::fs::remove_file(&started);
    let before = sb.logs();
    let driver = command(sb, &["run", "secret.md", "--plain", "--yes"])
        .stdout(Stdio::null())
        .spawn()
        .expect("the driver starts");
    wait_for("the secret step", || started.exists());
    let log = sb
        .logs()
        .into_iter()
        .find(|l| !before.contains(l))
        .expect("a new session log");
    wait_for("the step's process in the log", || {
        !events(&records(&log), "step_process").is_empty()
    });
    let id = log.file_stem().and_then(|s| s.to_str()).expect("id");
    (driver, id.to_owned())
}

/// Takes the killed session over and quits at once (stopping what its step left running);
/// `during` looks at the private files while the resumed driver waits for its answer.
fn resume_and_quit(sb: &Sandbox, id: &str, during: impl FnOnce()) {
    let log = sb.audit_dir().join(format!("{id}.jsonl"));
    let mut resume = command(sb, &["resume", id, "--plain"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("resume starts");
    wait_for("the resumed driver", || {
        !events(&records(&log), "step_interrupted").is_empty()
    });
    during();
    let mut stdin = resume.stdin.take().expect("stdin");
    stdin.write_all(b"q\n").expect("answer");
    drop(stdin);
    let out = resume.wait_with_output().expect("resume ends");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
}

/// Whether `user` can read `path` (a file) or list it (a directory).
fn readable_by(user: (u32, u32), path: &Path) -> bool {
    let tool = if path.is_dir() { "ls" } else { "cat" };
    Command::new("setpriv")
        .args([
            "--reuid",
            &user.0.to_string(),
            "--regid",
            &user.1.to_string(),
        ])
        .args(["--clear-groups", "--", tool])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("setpriv runs")
        .success()
}

#[test]
fn a_killed_drivers_private_files_go_at_resume_and_at_the_next_start() {
    let sb = Sandbox::new();
    sb.runbook("secret.md", SECRET_STEP);
    sb.runbook("quick.md", "# Quick\n- [ ] All good\n");
    // Anyone may walk up to the private root: only its own modes keep them out.
    std::fs::set_permissions(sb.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let root = private_root(&sb);

    let (mut first, first_id) = start_secret_step(&sb);
    let running = tree(&root);
    assert!(
        running.iter().any(|p| p.ends_with("step")),
        "the step's script is in the session's private directory: {running:?}"
    );
    for path in &running {
        let mode = std::fs::symlink_metadata(path)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{} is open to others", path.display());
    }
    match support::os_user("runbook-dana") {
        Some(dana) => {
            assert!(
                readable_by(dana, root.parent().expect("up")),
                "the test can tell"
            );
            for path in &running {
                assert!(!readable_by(dana, path), "{} is readable", path.display());
            }
        }
        None => eprintln!("note: no second OS user; checked the modes only"),
    }
    first.kill().expect("SIGKILL the driver");
    first.wait().expect("reaped");
    let first_dir = root.join(&first_id);
    assert_eq!(
        step_dirs(&first_dir).len(),
        1,
        "SIGKILL left the step's private directory"
    );

    resume_and_quit(&sb, &first_id, || {
        assert!(
            step_dirs(&first_dir).is_empty(),
            "the killed driver's step files are gone while the resumed session runs: {:?}",
            tree(&first_dir)
        );
    });
    assert!(
        !first_dir.exists(),
        "the session's directory goes when it ends"
    );

    let (mut second, second_id) = start_secret_step(&sb);
    second.kill().expect("SIGKILL the driver");
    second.wait().expect("reaped");
    assert!(root.join(&second_id).exists(), "SIGKILL left it");
    let quick = command(&sb, &["run", "quick.md", "--plain", "--yes"])
        .output()
        .expect("another session runs");
    assert_eq!(quick.status.code(), Some(0), "{}", text(&quick.stderr));
    assert_eq!(
        tree(&root),
        vec![root.clone()],
        "a new session sweeps what the killed one left, and leaves nothing itself"
    );
    // What the killed step left running is stopped by taking the session over.
    resume_and_quit(&sb, &second_id, || {});
}
