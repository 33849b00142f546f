//! The binary at home in a shell: the configuration file and its precedence, colour and
//! `NO_COLOR` on the full screen, `TERM=dumb`, diagnostics with `RUNBOOK_LOG`, `init`,
//! the built-in examples and the manual page.

mod pty;
mod support;

use pty::Term;
use std::ffi::OsStr;
use support::{Sandbox, records, text};

fn write_config(sb: &Sandbox, body: &str) -> std::path::PathBuf {
    let dir = sb.path().join("xdg-config/runbook");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join("config.toml");
    std::fs::write(&path, body).expect("write config");
    path
}

/// The line of `config --show` for `key`, its columns single-spaced: `plain true env TERM`.
fn setting(shown: &str, key: &str) -> String {
    let line = shown
        .lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("{key} not shown: {shown}"));
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_operator_comes_from_the_flag_then_the_environment_then_the_file() {
    let sb = Sandbox::new();
    write_config(&sb, "operator = \"file-op\"\naudit_dir = \"../../audit\"\n");
    sb.runbook("t.md", "# T\n\n- [ ] one\n");
    let run = |env: Option<&str>, flag: Option<&str>| {
        let before = sb.logs();
        let mut args = vec!["run", "t.md", "--plain", "--yes"];
        args.extend(flag.map(|f| ["--operator", f]).into_iter().flatten());
        let mut cmd = sb.command(&args);
        cmd.env_remove("RUNBOOK_AUDIT_DIR");
        if let Some(value) = env {
            cmd.env("RUNBOOK_OPERATOR", value);
        }
        let out = cmd.output().expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let new = sb.logs().into_iter().find(|l| !before.contains(l));
        let header = &records(&new.expect("a new session log"))[0];
        header["operator"].as_str().expect("operator").to_string()
    };
    assert_eq!(
        run(None, None),
        "file-op",
        "the file's audit_dir is used too"
    );
    assert_eq!(run(Some("env-op"), None), "env-op");
    assert_eq!(run(Some("env-op"), Some("flag-op")), "flag-op");
    let out = sb.run(&["config", "--show"]);
    assert_eq!(
        setting(&text(&out.stdout), "operator"),
        "operator file-op config"
    );
}

#[test]
fn an_unknown_key_is_an_error_naming_its_place_and_the_accepted_keys() {
    let sb = Sandbox::new();
    let path = write_config(&sb, "operator = \"ana\"\ncolour = \"never\"\n");
    let out = sb.run(&["list"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(&format!(
            "{}:2:1: error: unknown key `colour`",
            path.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 | colour = \"never\"\n  | ^^^^^^"),
        "{stderr}"
    );
    assert!(
        stderr.contains("expected: one of: operator, audit_dir, runbook_path, signoff_timeout, color, plain, sign_key, anchors"),
        "{stderr}"
    );
    let out = sb.run(&["completions", "bash"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "completions need no configuration"
    );
}

#[test]
fn runbook_path_in_the_file_is_searched_unless_the_environment_names_one() {
    let sb = Sandbox::new();
    let shelf = sb.path().join("shelf");
    std::fs::create_dir_all(&shelf).expect("mkdir");
    std::fs::write(shelf.join("payments.md"), "# Payments\n\n- [ ] one\n").expect("write");
    write_config(&sb, &format!("runbook_path = [\"{}\"]\n", shelf.display()));
    let out = sb.run(&["show", "payments"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = sb
        .command(&["show", "payments"])
        .env("RUNBOOK_PATH", sb.path().join("elsewhere"))
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "RUNBOOK_PATH takes precedence over the file"
    );
}

/// Every cell of the screen: (has a colour, is reversed).
fn cell_styles(screen: &vt100::Screen) -> Vec<(bool, bool)> {
    let (rows, cols) = screen.size();
    (0..rows)
        .flat_map(|r| (0..cols).map(move |c| (r, c)))
        .filter_map(|(r, c)| screen.cell(r, c))
        .map(|cell| {
            let coloured =
                cell.fgcolor() != vt100::Color::Default || cell.bgcolor() != vt100::Color::Default;
            (coloured, cell.inverse())
        })
        .collect()
}

fn full_screen(sb: &Sandbox, env: &[(&str, &OsStr)]) -> vt100::Screen {
    sb.runbook(
        "c.md",
        "# Colours\n\n- [ ] first check\n- [ ] second check\n",
    );
    let audit = sb.audit_dir();
    let mut all = vec![("RUNBOOK_AUDIT_DIR", audit.as_os_str())];
    all.extend_from_slice(env);
    let mut term = Term::spawn(&["run", "c.md"], sb.path(), &all);
    term.wait_for("second check");
    term.wait_for("LIVE");
    term.screen()
}

#[test]
fn no_color_draws_the_full_screen_without_colour_but_with_its_marks() {
    let sb = Sandbox::new();
    let coloured = cell_styles(&full_screen(&sb, &[]));
    assert!(
        coloured.iter().any(|(c, _)| *c),
        "the screen has colour by default"
    );
    let sb = Sandbox::new();
    let screen = full_screen(&sb, &[("NO_COLOR", OsStr::new("1"))]);
    let styles = cell_styles(&screen);
    assert!(styles.iter().all(|(c, _)| !c), "no colour with NO_COLOR");
    let title_bar = &styles[..usize::from(screen.size().1)];
    assert!(
        title_bar.iter().all(|(_, reversed)| *reversed),
        "the title bar, set apart by its background, is reversed instead"
    );
    assert!(
        screen.contents().contains("○ second check"),
        "{}",
        screen.contents()
    );
}

#[test]
fn color_never_on_the_command_line_and_always_beats_no_color() {
    let sb = Sandbox::new();
    sb.runbook("c.md", "# Colours\n\n- [ ] first check\n");
    let audit = sb.audit_dir();
    let env = [
        ("RUNBOOK_AUDIT_DIR", audit.as_os_str()),
        ("NO_COLOR", OsStr::new("1")),
    ];
    let mut term = Term::spawn(&["--color", "always", "run", "c.md"], sb.path(), &env);
    term.wait_for("first check");
    term.wait_for("LIVE");
    assert!(cell_styles(&term.screen()).iter().any(|(c, _)| *c));
    drop(term);
    let audit = sb.path().join("second-audit");
    let env = [("RUNBOOK_AUDIT_DIR", audit.as_os_str())];
    let mut term = Term::spawn(&["run", "c.md", "--color=never"], sb.path(), &env);
    term.wait_for("first check");
    term.wait_for("LIVE");
    assert!(cell_styles(&term.screen()).iter().all(|(c, _)| !c));
}

#[test]
fn a_dumb_terminal_gets_the_line_dialogue() {
    let sb = Sandbox::new();
    sb.runbook("d.md", "# Dumb\n\n- [ ] first check\n");
    let audit = sb.audit_dir();
    let env = [
        ("RUNBOOK_AUDIT_DIR", audit.as_os_str()),
        ("TERM", OsStr::new("dumb")),
    ];
    let mut term = Term::spawn(&["run", "d.md"], sb.path(), &env);
    term.wait_for("first check");
    term.wait_for("[y]");
    let screen = term.screen();
    assert!(!screen.alternate_screen(), "{}", screen.contents());
    let config = sb
        .command(&["config", "--show"])
        .env("TERM", "xterm")
        .output()
        .expect("runs");
    assert_eq!(
        setting(&text(&config.stdout), "plain"),
        "plain false default"
    );
    let dumb = sb
        .command(&["config", "--show"])
        .env("TERM", "dumb")
        .output()
        .expect("runs");
    assert_eq!(setting(&text(&dumb.stdout), "plain"), "plain true env TERM");
}

#[test]
fn runbook_log_writes_diagnostics_to_the_state_directory_and_never_the_screen() {
    let sb = Sandbox::new();
    sb.runbook(
        "h.yaml",
        "title: H\nhealth:\n  - {name: up, cmd: 'echo 1'}\nsteps: [{check: x}]\n",
    );
    let file = sb.path().join("xdg-state/runbook/runbook.log");
    let quiet = sb.run(&["health", "h.yaml"]);
    assert!(!file.exists(), "off by default");
    let logged = sb
        .command(&["health", "h.yaml"])
        .env("RUNBOOK_LOG", "debug")
        .output()
        .expect("runs");
    assert_eq!(logged.status.code(), quiet.status.code());
    assert_eq!(text(&logged.stdout), text(&quiet.stdout));
    assert_eq!(text(&logged.stderr), "");
    let diagnostics = std::fs::read_to_string(&file).expect("the diagnostics file");
    assert!(diagnostics.contains("runbook started"), "{diagnostics}");
    assert!(diagnostics.contains("DEBUG"), "{diagnostics}");
    let config = sb
        .command(&["config", "--show"])
        .env("RUNBOOK_LOG", "debug")
        .output()
        .expect("runs");
    assert!(text(&config.stdout).contains(&file.display().to_string()));
}

#[test]
fn init_writes_a_starter_that_checks_and_runs() {
    let sb = Sandbox::new();
    let out = sb.run(&["init", "payments-deploy"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("runbooks/payments-deploy.md"));
    let out = sb.run(&["check", "payments-deploy"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = sb.run(&[
        "run",
        "payments-deploy",
        "--plain",
        "--yes",
        "--dry-run",
        "--skip-waits",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = sb.run(&["init", "payments-deploy"]);
    assert_eq!(out.status.code(), Some(2), "never overwrites");
}

#[test]
fn the_built_in_examples_run_from_an_empty_directory() {
    let sb = Sandbox::new();
    let out = sb.run(&["examples"]);
    assert_eq!(out.status.code(), Some(0));
    let listed = text(&out.stdout);
    for name in ["deploy-day7", "canary-rollout", "release-checklist"] {
        assert!(listed.contains(name), "{listed}");
    }
    let out = sb.run(&[
        "deploy-day7",
        "--plain",
        "--yes",
        "--dry-run",
        "--signoff",
        "On-call engineer (operator)=Ana",
        "--signoff",
        "Engineering Lead=Bo",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let header = &records(&sb.only_log())[0];
    let path = header["runbook"]["path"].as_str().expect("path");
    assert!(
        path.ends_with("xdg-data/runbook/examples/deploy-day7.md"),
        "{path}"
    );
}

#[test]
fn the_manual_page_is_roff_with_every_subcommand() {
    let sb = Sandbox::new();
    let out = sb.run(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = text(&out.stdout);
    assert!(page.contains(".TH runbook 1"), "{page}");
    for sub in ["completions", "config", "examples", "sign", "verify"] {
        assert!(page.contains(sub), "{sub} missing");
    }
    let dir = sb.path().join("man");
    let out = sb.run(&["man", "--dir", dir.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(dir.join("runbook-run.1").is_file());
}

#[test]
fn anchors_in_the_file_are_written_unless_the_command_line_names_its_own() {
    let sb = Sandbox::new();
    let from_file = sb.path().join("heads-from-file");
    let from_flag = sb.path().join("heads-from-flag");
    write_config(
        &sb,
        &format!("anchors = [\"file:{}\"]\n", from_file.display()),
    );
    sb.runbook("t.md", "# T\n\n- [ ] one\n");
    let out = sb.run(&["run", "t.md", "--plain", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let heads = std::fs::read_to_string(&from_file).expect("the file's anchor is written");
    assert!(heads.contains("runbook-audit v1"), "{heads}");
    let flag = format!("file:{}", from_flag.display());
    let out = sb.run(&["run", "t.md", "--plain", "--yes", "--anchor", &flag]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(from_flag.is_file(), "the flag's anchor is written");
    let after = std::fs::read_to_string(&from_file).expect("read");
    assert_eq!(after, heads, "--anchor replaces the file's anchors");
}

/// A follower whose inherited `HOME` it cannot enter (`su` without `-`, `sudo -u`): the
/// configuration directory that cannot be read means no configuration file — a note in
/// the diagnostics — and `runbook sign` works; a file that is there but cannot be read
/// is still an error.
#[test]
fn a_configuration_directory_this_user_cannot_enter_is_no_configuration() {
    use std::os::unix::fs::{PermissionsExt, chown};
    let Some(cara) = support::os_user("runbook-cara") else {
        return;
    };
    let sb = Sandbox::new();
    sb.runbook("deploy.md", "# Deploy\n## Sign-off\n- [ ] SRE\n");
    sb.share_with(cara);
    let mode = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    // The shared sessions directory of the README: setgid and sticky, the follower's group.
    let audit = sb.audit_dir();
    std::fs::create_dir(&audit).expect("mkdir audit");
    chown(&audit, Some(0), Some(cara.1)).expect("chown audit");
    mode(&audit, 0o3770);
    let home_with_config = |name: &str, dir_mode: u32, file_mode: u32| {
        let home = sb.path().join(name);
        let dir = home.join(".config/runbook");
        std::fs::create_dir_all(&dir).expect("mkdir config");
        std::fs::write(dir.join("config.toml"), "operator = \"root-op\"\n").expect("config");
        chown(&home, Some(0), Some(0)).expect("chown home");
        mode(&dir.join("config.toml"), file_mode);
        mode(&home, dir_mode);
        home
    };
    let closed_home = home_with_config("closed-home", 0o700, 0o644);
    let state = sb.path().join("cara-state");
    std::fs::create_dir(&state).expect("mkdir state");
    chown(&state, Some(cara.0), Some(cara.1)).expect("chown state");

    let driver = sb
        .command(&[
            "run",
            "deploy.md",
            "--plain",
            "--yes",
            "--signoff-timeout",
            "30s",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the driver starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let log = loop {
        let started = sb
            .logs()
            .into_iter()
            .find(|log| support::events(&records(log), "session_started").len() == 1);
        if let Some(log) = started {
            break log;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the session never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let id = log
        .file_stem()
        .and_then(OsStr::to_str)
        .expect("id")
        .to_owned();
    let sign = sb
        .command_as(cara, &["sign", &id, "--role", "SRE", "--name", "Cara Diaz"])
        .env("HOME", &closed_home)
        .env("XDG_STATE_HOME", &state)
        .env("RUNBOOK_LOG", "debug")
        .output()
        .expect("sign runs");
    assert_eq!(sign.status.code(), Some(0), "{}", text(&sign.stderr));
    let out = driver.wait_with_output().expect("the driver ends");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let signed = records(&log);
    let signed = support::events(&signed, "signed");
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0]["data"]["os_user"], "runbook-cara");
    let diagnostics =
        std::fs::read_to_string(state.join("runbook/runbook.log")).expect("diagnostics");
    assert!(
        diagnostics.contains("the configuration directory cannot be read"),
        "{diagnostics}"
    );

    let unreadable_file = home_with_config("open-home", 0o755, 0o600);
    let refused = sb
        .command_as(cara, &["sessions"])
        .env("HOME", &unreadable_file)
        .output()
        .expect("sessions runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("cannot read the configuration file"),
        "{}",
        text(&refused.stderr)
    );
}
