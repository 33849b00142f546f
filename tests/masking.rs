//! Secrets masked everywhere from the first byte: a value a step exports and prints in
//! the same step never reaches the screen, the log, replay or an export in clear.

mod pty;
mod support;

use pty::Term;
use std::ffi::OsStr;
use support::{Sandbox, text};

const SECRET: &str = "s3cr3t-vault-value";

fn leaky_step(sb: &Sandbox) -> String {
    std::fs::write(sb.path().join("vault.txt"), format!("{SECRET}\n")).expect("vault");
    let book = "# Leak\n\n```bash {name=connect}\n\
                export DB_TOKEN=$(cat vault.txt); echo \"connecting with $DB_TOKEN\"\n\
                echo \"on stderr too: $DB_TOKEN\" >&2\n```\n\n\
                ```bash {name=later}\necho \"later: $DB_TOKEN\"\n```\n";
    sb.runbook("leak.md", book).display().to_string()
}

fn assert_masked(what: &str, shown: &str) {
    assert!(!shown.contains(SECRET), "{what} shows the secret:\n{shown}");
    assert!(
        !shown.contains("s3cr3t"),
        "{what} shows part of it:\n{shown}"
    );
}

#[test]
fn a_secret_exported_and_printed_in_one_step_is_masked_everywhere() {
    let sb = Sandbox::new();
    let book = leaky_step(&sb);
    let run = sb.run(&["run", &book, "--plain", "--yes"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let screen = text(&run.stdout);
    assert_masked("the --plain screen", &screen);
    assert!(screen.contains("connecting with ***"), "{screen}");
    assert!(screen.contains("on stderr too: ***"), "{screen}");
    assert!(screen.contains("later: ***"), "{screen}");

    let log = sb.only_log();
    let raw = std::fs::read_to_string(&log).expect("log");
    assert_masked("the audit log", &raw);
    let log = log.display().to_string();
    let replay = sb.run(&["replay", &log, "--plain"]);
    assert_masked("replay --plain", &text(&replay.stdout));
    assert!(text(&replay.stdout).contains("connecting with ***"));
    for format in ["md", "cast", "json"] {
        let export = sb.run(&["export", &log, "--format", format]);
        assert_eq!(export.status.code(), Some(0), "{format}");
        assert_masked(&format!("the {format} export"), &text(&export.stdout));
    }
}

#[test]
fn the_full_screen_never_shows_it_either() {
    let sb = Sandbox::new();
    let book = leaky_step(&sb);
    let audit = sb.audit_dir();
    let env: [(&str, &OsStr); 1] = [("RUNBOOK_AUDIT_DIR", audit.as_os_str())];
    let mut term = Term::spawn(&["run", &book, "--yes"], sb.path(), &env);
    // Every frame seen on the way is checked, not only the last one.
    term.wait_until("the walk's end", |screen| {
        assert_masked("the full screen", screen);
        screen.contains("later: ***")
    });
    term.send("k");
    term.wait_until("the first step's output", |screen| {
        assert_masked("the full screen", screen);
        screen.contains("connecting with ***")
    });
}

/// A declared secret shorter than 8 characters is masked where it stands alone, never
/// inside another word (where the `***` would both mislead and give it away).
#[test]
fn a_short_declared_secret_does_not_mask_inside_words() {
    let sb = Sandbox::new();
    let book = "---\nenv:\n  secret: [DECLARED]\n---\n# Short\n\n```bash\necho \"declared: $DECLARED.\"\n```\n";
    let path = sb.runbook("short.md", book).display().to_string();
    let run = sb
        .command(&["run", &path, "--plain", "--yes"])
        .env("DECLARED", "dec")
        .output()
        .expect("runs");
    let screen = text(&run.stdout);
    assert!(screen.contains("declared: ***."), "{screen}");
    let log = std::fs::read_to_string(sb.only_log()).expect("log");
    assert!(log.contains("declared: ***."), "{log}");
}
