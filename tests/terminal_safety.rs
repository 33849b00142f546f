//! Line mode never hands the operator's terminal a control sequence it did not mean
//! to: step output and `--param` values lose every escape sequence but colours.

mod support;

use support::{Sandbox, text};

const BOOK: &str = "---\nparams:\n  version: {}\n---\n# Release {{version}}\n\n```bash\n\
echo \"deploying $VERSION\"\nprintf '\\033]0;pwned\\007\\033[2Jcleared \\033[31mred\\033[0m\\n'\n\
printf '\\033]52;c;ZXZpbA==\\033\\\\clipboard\\n' >&2\n```\n";

/// Every ESC in `shown` starts a colour (SGR) sequence.
fn assert_only_colours(what: &str, shown: &str) {
    for (at, _) in shown.match_indices('\x1b') {
        let rest = &shown[at + 1..];
        let sgr = rest.starts_with('[')
            && rest[1..]
                .find(|c: char| !(c.is_ascii_digit() || c == ';'))
                .is_some_and(|end| rest.as_bytes()[1 + end] == b'm');
        assert!(
            sgr,
            "{what} lets a control sequence through: {:?}",
            &shown[at..]
        );
    }
    assert!(!shown.contains('\u{9b}'), "{what}: a C1 CSI");
}

#[test]
fn plain_follow_and_replay_pass_colours_and_nothing_else() {
    let sb = Sandbox::new();
    sb.runbook("esc.md", BOOK);
    let param = "version=1.0\x1b]52;c;ZXZpbA==\x07";
    let run = sb.run(&["run", "esc.md", "--plain", "--yes", "--param", param]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let shown = text(&run.stdout);
    assert_only_colours("--plain", &shown);
    assert!(shown.contains("deploying 1.0\n"), "{shown}");
    assert!(
        shown.contains("cleared \x1b[31mred\x1b[0m"),
        "colours stay: {shown}"
    );
    assert!(shown.contains("clipboard"), "{shown}");
    let log = sb.only_log().display().to_string();
    for args in [
        ["replay", log.as_str(), "--plain"],
        ["follow", log.as_str(), "--plain"],
    ] {
        let out = sb.run(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let shown = text(&out.stdout);
        assert_only_colours(&args.join(" "), &shown);
        assert!(shown.contains("cleared \x1b[31mred"), "{shown}");
    }
}
