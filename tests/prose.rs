//! Prose in the step view: snapshots of each Markdown construct and a seed runbook,
//! and arbitrary input at any width never panics nor overflows.

use proptest::prelude::*;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Text};
use runbook::tui::markdown::render;
use std::fmt::Write;

const SEED_000: &str = include_str!("fixtures/seeds/000_ebdede70e6c1452d.txt");
const SEED_004: &str = include_str!("fixtures/seeds/004_7067a63b44cad426.txt");

/// The lines framed at `width` (to show alignment and overflow), then each styled run
/// as `line:start-end codes` in display columns.
fn describe(text: &Text<'_>, width: u16) -> String {
    let width = usize::from(width);
    let mut out = format!("┌{}┐\n", "─".repeat(width));
    for line in &text.lines {
        let content: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let pad = " ".repeat(width.saturating_sub(line.width()));
        let _ = writeln!(out, "│{content}{pad}│");
    }
    let _ = writeln!(out, "└{}┘", "─".repeat(width));
    for (number, line) in text.lines.iter().enumerate() {
        styles(&mut out, number + 1, line);
    }
    out
}

fn styles(out: &mut String, number: usize, line: &Line<'_>) {
    let mut column = 0;
    let mut runs: Vec<(usize, usize, String)> = Vec::new();
    for span in &line.spans {
        let (start, codes) = (column, codes(span.style));
        column += span.width();
        match runs.last_mut() {
            Some(last) if last.1 == start && last.2 == codes => last.1 = column,
            _ => runs.push((start, column, codes)),
        }
    }
    for (start, end, codes) in runs.into_iter().filter(|run| !run.2.is_empty()) {
        let _ = writeln!(out, "{number}:{start}-{end} {codes}");
    }
}

fn codes(style: Style) -> String {
    let names = [
        (Modifier::BOLD, "bold"),
        (Modifier::ITALIC, "italic"),
        (Modifier::UNDERLINED, "underline"),
        (Modifier::CROSSED_OUT, "strike"),
        (Modifier::DIM, "dim"),
    ];
    let mut codes: Vec<String> = names
        .iter()
        .filter(|(modifier, _)| style.add_modifier.contains(*modifier))
        .map(|(_, name)| (*name).to_owned())
        .collect();
    if let Some(fg) = style.fg {
        codes.push(format!("fg={fg}").to_lowercase());
    }
    codes.join(" ")
}

fn snapshot(name: &str, markdown: &str, width: u16) {
    insta::assert_snapshot!(name, describe(&render(markdown, width), width));
}

#[test]
fn paragraph_with_mixed_inline_styles() {
    let md = "Before the **cutover**, run `make check` and read the *runbook notes*; \
              the ~~old~~ procedure is gone. See [the dashboard](https://grafana.example.com/d/deploy) \
              or <https://status.example.com>.";
    snapshot("paragraph_inline_styles", md, 40);
}

#[test]
fn nested_lists_with_task_items() {
    let md = "- [x] Database backed up to the standby cluster in the second region\n\
              - [ ] Alert rules configured\n  \
                - Service down > 1 minute\n  \
                - Error rate > 1%\n    \
                  - page the on-call engineer with a long explanation of why\n\
              - [ ] Uptime monitoring\n\n\
              3. Deploy databases\n\
              4. Run migrations that take a while and need a wrapped line\n   \
                 1. [ ] verify\n";
    snapshot("nested_lists_tasks", md, 40);
}

const TABLE: &str = "| Service | Port | Health endpoint | Owner |\n\
                     |:--------|-----:|:---------------:|-------|\n\
                     | api-gateway | 8080 | `/health` | Platform ✅ |\n\
                     | financial-service | 9001 | `/internal/health/ready` | Payments |\n\
                     | redis | 6379 | — | ðŸŸ¢ SRE |\n";

#[test]
fn table_that_fits() {
    snapshot("table_fits", TABLE, 80);
}

#[test]
fn table_that_must_shrink() {
    snapshot("table_shrinks", TABLE, 44);
}

#[test]
fn block_quote() {
    let md = "> **Warning:** do not run this during business hours unless the incident commander agrees.\n>\n> > Nested: the payments team must be on the bridge.\n>\n> - check the queue depth";
    snapshot("block_quote", md, 40);
}

#[test]
fn code_block() {
    let md = "Run:\n\n```bash {name=deploy}\n# 1. Deploy databases\ndocker-compose -f docker-compose.prod.yml up -d postgres-financial postgres-trading\n\n\tnpm run migrate:prod\n```\n\n    indented sample\n";
    snapshot("code_block", md, 50);
}

#[test]
fn seed_000_at_80_columns() {
    snapshot("seed_000_w80", SEED_000, 80);
}

fn assert_fits(markdown: &str, width: u16) -> Result<(), TestCaseError> {
    for line in render(markdown, width).lines {
        prop_assert!(
            line.width() <= usize::from(width),
            "{line:?} wider than {width}"
        );
    }
    Ok(())
}

const PIECES: &[&str] = &[
    "# Title ✅\n",
    "- [ ] check ",
    "  - nested ",
    "1. one ",
    "> ",
    "| a | b |\n|---|--:|\n| ðŸŸ¢ | `c` |\n",
    "```yaml\nkey: value\n```\n",
    "    code\n",
    "**bold** ",
    "*em* ",
    "`code` ",
    "[link](http://x.y/z) ",
    "<b>html</b> ",
    "\n",
    "\n\n",
    "  \n",
    "\t",
    "---\n",
    "👨‍👩‍👧 ",
    "☑️ ",
    "漢字かな ",
    "e\u{301} ",
    "\u{1b}[2J",
    "averyveryverylongwordwithoutanyspacesatall ",
];

fn markdownish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics_nor_overflows(text in any::<String>(), width in 0u16..120) {
        assert_fits(&text, width)?;
    }

    #[test]
    fn markdown_pieces_never_overflow(text in markdownish(), width in 0u16..120) {
        assert_fits(&text, width)?;
    }

    #[test]
    fn seed_at_any_width_never_overflows(width in 0u16..120) {
        assert_fits(SEED_004, width)?;
    }
}
