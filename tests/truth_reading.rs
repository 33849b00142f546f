//! Everything the document says can be brought into view: at 80×24 and 120×40, the
//! keys open the whole document (`d`) and page through it — or, without it, walk the
//! tree item by item (steps and passages to read) and page each — and every line of
//! seeds 000 and 003 is found on some screen.

mod screen;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use runbook::doc::load_str;
use runbook::session::state::SessionState;
use runbook::tui::app::{App, Ctx, handle_key};
use std::path::Path;

fn seed(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/seeds")
            .join(name),
    )
    .expect("seed")
}

/// Letters and digits only, lower-cased: what a line says, whatever the layout did to it.
fn letters(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// How the keys bring the text into view.
#[derive(Clone, Copy)]
enum Way {
    /// Open the whole document (`d`) and page through it.
    Document,
    /// Walk the tree item by item from its first (`g`, then `j`), paging each (PgDn).
    Tree,
}

/// The column ranges `cols` of each screen met while bringing the document into view
/// the `way` given, each range read top to bottom, joined in order.
fn pages(source: &str, (width, height): (u16, u16), cols: &[(u16, u16)], way: Way) -> String {
    let rb = load_str(source, Path::new("seed.md")).expect("seed loads");
    let refs = rb.steps();
    let state = SessionState::new(&rb);
    let mut app = App::new(state.cursor);
    let ctx = Ctx {
        runbook: &rb,
        refs: &refs,
        state: &state,
        running: false,
    };
    let press = |app: &mut App, code: KeyCode| {
        handle_key(app, KeyEvent::new(code, KeyModifiers::NONE), &ctx);
    };
    // Below the body: the footer's two rows, and the document's own status row.
    let rows_below = match way {
        Way::Document => 3,
        Way::Tree => 2,
    };
    let look = |app: &App| {
        let buffer = screen::walk(&rb, &state, app, (width, height));
        let mut page = String::new();
        for &(from, to) in cols {
            for y in 1..height.saturating_sub(rows_below) {
                for x in from..to {
                    page.push_str(buffer[(x, y)].symbol());
                }
            }
        }
        page
    };
    let mut seen = String::new();
    match way {
        Way::Document => {
            press(&mut app, KeyCode::Char('d'));
            press(&mut app, KeyCode::Home);
        }
        Way::Tree => press(&mut app, KeyCode::Char('g')),
    }
    let mut item = String::new();
    for _ in 0..2000 {
        // Page through what is shown until it no longer moves.
        let mut last = String::new();
        loop {
            let page = look(&app);
            if page == last {
                break;
            }
            seen.push_str(&letters(&page));
            last = page;
            press(&mut app, KeyCode::PageDown);
        }
        if matches!(way, Way::Document) {
            return seen;
        }
        // The next item of the tree; the last one stays put.
        press(&mut app, KeyCode::Char('j'));
        let next = look(&app);
        if next == item {
            return seen;
        }
        item = next;
    }
    panic!("the document never ended");
}

/// Source lines that are layout only: fences, rules, table separators, blank lines.
fn says_something(line: &str) -> bool {
    let t = line.trim();
    !(t.starts_with("```") || t.chars().all(|c| "-=|:*_ ".contains(c)) || letters(t).is_empty())
}

/// A task item's text without its box (`- [x] `), which the screen draws as a mark; a
/// numbered item read as a check (`1. `) likewise shows its box instead of its number.
fn without_checkbox(line: &str) -> &str {
    let t = line
        .trim_start()
        .trim_start_matches(['-', '*', '+'])
        .trim_start();
    let numbered = t
        .split_once(". ")
        .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .map(|(_, rest)| rest);
    ["[ ]", "[x]", "[X]"]
        .iter()
        .find_map(|b| t.strip_prefix(b))
        .or(numbered)
        .unwrap_or(line)
}

fn every_line_is_reachable(name: &str, way: Way) {
    let raw = seed(name);
    // Text read with its encoding repaired is shown repaired (and compared so).
    let source = runbook::doc::mojibake::repair(&raw).map_or(raw, |r| r.text);
    // The document is read in the centre; walking the tree, the tree is read too.
    let columns = |tree: u16, end: u16| match way {
        Way::Document => vec![(tree, end)],
        Way::Tree => vec![(0, tree), (tree, end)],
    };
    for (size, cols) in [((80, 24), columns(28, 80)), ((120, 40), columns(32, 90))] {
        let seen = pages(&source, size, &cols, way);
        let missing: Vec<(usize, &str)> = source
            .lines()
            .enumerate()
            .filter(|(_, l)| says_something(l))
            .filter(|(_, l)| !seen.contains(&letters(without_checkbox(l))))
            .map(|(n, l)| (n + 1, l))
            .collect();
        assert!(
            missing.is_empty(),
            "{name} at {size:?}: lines never on screen: {missing:#?}"
        );
    }
}

#[test]
fn every_line_of_seed_000_can_be_brought_into_view() {
    every_line_is_reachable("000_ebdede70e6c1452d.txt", Way::Document);
}

#[test]
fn every_line_of_seed_003_can_be_brought_into_view() {
    every_line_is_reachable("003_163514e4c4b2b279.txt", Way::Document);
}

#[test]
fn every_line_of_seed_000_is_read_walking_the_tree_without_the_document() {
    every_line_is_reachable("000_ebdede70e6c1452d.txt", Way::Tree);
}

#[test]
fn every_line_of_seed_003_is_read_walking_the_tree_without_the_document() {
    every_line_is_reachable("003_163514e4c4b2b279.txt", Way::Tree);
}
