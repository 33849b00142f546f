//! The reading space of the walk, on ratatui's TestBackend with seed 000: the tree starts
//! with the preamble and lists the sections without steps (`¶`) among the steps; selecting
//! one shows its prose, scrollable; keys that act on a step do nothing there; search finds
//! a section by its title or its prose.

mod screen;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use runbook::doc::load_str;
use runbook::doc::model::Runbook;
use runbook::session::state::SessionState;
use runbook::tui::app::{App, Ctx, Effect, handle_key};
use runbook::tui::outline::{Entry, Outline};
use runbook::tui::passage;
use std::path::Path;

fn seed_000() -> Runbook {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds/000_ebdede70e6c1452d.txt"),
    )
    .expect("seed 000");
    load_str(&text, Path::new("000.md")).expect("seed 000 loads")
}

fn press(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// Types `keys` into the walk of `rb` at its start; every effect the keys asked for.
fn keys(rb: &Runbook, app: &mut App, keys: &[KeyCode]) -> Vec<Effect> {
    let refs = rb.steps();
    let state = SessionState::new(rb);
    let ctx = Ctx {
        runbook: rb,
        refs: &refs,
        state: &state,
        running: false,
    };
    keys.iter()
        .flat_map(|&k| handle_key(app, press(k), &ctx))
        .collect()
}

fn typed(text: &str) -> Vec<KeyCode> {
    std::iter::once(KeyCode::Char('/'))
        .chain(text.chars().map(KeyCode::Char))
        .chain(std::iter::once(KeyCode::Enter))
        .collect()
}

fn render(rb: &Runbook, app: &App, size: (u16, u16)) -> String {
    screen::text(&screen::walk(rb, &SessionState::new(rb), app, size))
}

/// The label of the passage on screen, if one is.
fn shown_passage(rb: &Runbook, app: &App) -> Option<String> {
    let outline = Outline::of(rb);
    match passage::shown(app) {
        Entry::Passage(i) => outline.passages.get(i).map(|p| p.label().to_string()),
        Entry::Step(_) => None,
    }
}

#[test]
fn the_tree_starts_with_the_preamble_and_shows_it_when_selected() {
    let rb = seed_000();
    let mut app = App::new(0);
    keys(&rb, &mut app, &[KeyCode::Char('g')]);
    assert_eq!(
        shown_passage(&rb, &app).as_deref(),
        Some("About this runbook")
    );
    for (size, name) in [((80, 24), "preamble_80x24"), ((120, 40), "preamble_120x40")] {
        let shown = render(&rb, &app, size);
        let tree_top = shown.lines().nth(1).unwrap_or_default();
        assert!(tree_top.contains("¶ About this runbook"), "{shown}");
        assert!(shown.contains("Priority: CRITICAL"), "{shown}");
        insta::assert_snapshot!(name, shown);
    }
}

#[test]
fn a_section_without_steps_is_selected_in_the_tree_and_its_prose_shown() {
    let rb = seed_000();
    let mut app = App::new(0);
    // From the first step, one up is the section before it: Prerequisites.
    keys(&rb, &mut app, &[KeyCode::Char('k')]);
    assert_eq!(shown_passage(&rb, &app).as_deref(), Some("Prerequisites"));
    let shown = render(&rb, &app, (80, 24));
    assert!(shown.contains("All integration tests passing"), "{shown}");
    assert!(shown.contains("to read, not a step"), "{shown}");
    insta::assert_snapshot!("prerequisites_80x24", shown);
    let footer = shown.lines().last().unwrap_or_default();
    assert!(footer.contains("back to the current step"), "{footer}");
    for key in ["Enter", "Space", " s ", "mark done", "retry"] {
        assert!(!footer.contains(key), "the footer offers {key}: {footer}");
    }
}

#[test]
fn search_lands_on_emergency_contacts_and_shows_it_at_both_sizes() {
    let rb = seed_000();
    let mut app = App::new(0);
    keys(&rb, &mut app, &typed("Emergency Contacts"));
    assert_eq!(
        shown_passage(&rb, &app).as_deref(),
        Some("Emergency Contacts")
    );
    for (size, name) in [
        ((80, 24), "emergency_contacts_80x24"),
        ((120, 40), "emergency_contacts_120x40"),
    ] {
        let shown = render(&rb, &app, size);
        assert!(shown.contains("DevOps Lead: [PHONE]"), "{shown}");
        assert!(
            shown.contains("current step 2.1#1 (. goes back)"),
            "{shown}"
        );
        insta::assert_snapshot!(name, shown);
    }
}

#[test]
fn search_finds_the_prose_of_a_passage_and_a_section_with_steps_lands_on_its_first_step() {
    let rb = seed_000();
    let mut app = App::new(0);
    keys(&rb, &mut app, &typed("better to delay"));
    assert_eq!(
        shown_passage(&rb, &app).as_deref(),
        Some("Sign-offs Required")
    );
    keys(&rb, &mut app, &typed("timeline"));
    assert_eq!(
        shown_passage(&rb, &app).as_deref(),
        Some("About this runbook")
    );
    keys(&rb, &mut app, &typed("database preparation"));
    assert_eq!(shown_passage(&rb, &app), None);
    let refs = rb.steps();
    assert_eq!(refs[app.selected].id(), "2.3#1");
    keys(&rb, &mut app, &typed("no such words anywhere"));
    assert_eq!(
        app.message.as_deref(),
        Some("no step or section matches “no such words anywhere”")
    );
}

#[test]
fn keys_that_act_do_nothing_on_a_passage_and_say_where_they_work() {
    let rb = seed_000();
    for code in [
        KeyCode::Char(' '),
        KeyCode::Enter,
        KeyCode::Char('y'),
        KeyCode::Char('s'),
        KeyCode::Char('m'),
        KeyCode::Char('r'),
        KeyCode::Char('e'),
        KeyCode::Char('x'),
        KeyCode::Char('n'),
        KeyCode::Char('o'),
        KeyCode::Char('c'),
        KeyCode::Char('v'),
    ] {
        let mut app = App::new(0);
        let effects = keys(&rb, &mut app, &[KeyCode::Char('k'), code]);
        assert!(effects.is_empty(), "{code:?} acted: {effects:?}");
        assert!(app.dialog.is_none(), "{code:?} opened a dialog");
        assert_eq!(
            shown_passage(&rb, &app).as_deref(),
            Some("Prerequisites"),
            "{code:?}"
        );
        assert_eq!(
            app.message.as_deref(),
            Some("this is text to read, not a step: . goes back to the current step 2.1#1"),
            "{code:?}"
        );
    }
    // Back on the current step, Space ticks it.
    let mut app = App::new(0);
    let effects = keys(
        &rb,
        &mut app,
        &[KeyCode::Char('k'), KeyCode::Char('.'), KeyCode::Char(' ')],
    );
    assert!(
        matches!(effects.as_slice(), [Effect::ConfirmCheck { index: 0 }]),
        "{effects:?}"
    );
}

#[test]
fn the_page_keys_scroll_a_long_passage_and_j_k_walk_the_tree_in_document_order() {
    let rb = load_str(
        &format!(
            "# Long\n\n{}\n## Work\n\n- [ ] a\n\n## After\n\nThe end.\n",
            (1..=60)
                .map(|n| format!("Line {n} of the preamble.\n\n"))
                .collect::<String>()
        ),
        Path::new("long.md"),
    )
    .expect("valid");
    let mut app = App::new(0);
    keys(&rb, &mut app, &[KeyCode::Char('g')]);
    let first = render(&rb, &app, (80, 24));
    assert!(first.contains("Line 1 of the preamble."), "{first}");
    assert!(first.contains("PgUp/PgDn"), "{first}");
    keys(&rb, &mut app, &[KeyCode::PageDown]);
    let paged = render(&rb, &app, (80, 24));
    assert!(!paged.contains("Line 1 of the preamble."), "{paged}");
    keys(&rb, &mut app, &[KeyCode::End]);
    assert!(render(&rb, &app, (80, 24)).contains("Line 60 of the preamble."));
    keys(&rb, &mut app, &[KeyCode::Home]);
    assert!(render(&rb, &app, (80, 24)).contains("Line 1 of the preamble."));
    keys(&rb, &mut app, &[KeyCode::Char('j')]);
    assert_eq!(shown_passage(&rb, &app), None);
    assert_eq!(app.selected, 0);
    keys(&rb, &mut app, &[KeyCode::Char('j')]);
    assert_eq!(shown_passage(&rb, &app).as_deref(), Some("After"));
    keys(&rb, &mut app, &[KeyCode::Char('G')]);
    assert_eq!(shown_passage(&rb, &app).as_deref(), Some("After"));
}
