//! Keys of the read-only screens (follow, replay): moving around, scrolling,
//! searching and help work as in the walk — through `app::handle_key`, which
//! is only ever given keys that cannot act — and a replay adds its transport.

use super::app::{App, Ctx, handle_key};
use crate::replay::Transport;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks of the read-only screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Browse {
    Quit,
    /// Handled on the screen (selection, scrolling, search, help, a message).
    Shown,
    Transport(Transport),
    /// A follower signs a role of the driver's current sign-off gate.
    Sign {
        step: String,
        role: String,
        name: String,
    },
}

/// Every key of a follower's screen, for `?`.
pub const FOLLOW_KEYS: &[(&str, &str)] = &[
    (
        "j k ↓ ↑ g G",
        "select steps and ¶ passages to read (read-only)",
    ),
    (".", "back to the driver's current step"),
    ("PgUp PgDn ^u ^d", "scroll output; f follows the tail again"),
    ("Home / End", "the output's first / last lines"),
    ("/", "search steps, sections and their text"),
    ("d", "read the whole document; d or Esc closes it"),
    (
        "S",
        "sign a role of the driver's sign-off gate (as yourself)",
    ),
    ("q / Ctrl-C", "stop following (the session goes on)"),
    ("?", "this help (↑ ↓ scroll it, other keys close it)"),
];

/// Every key of a replay, for `?`.
pub const REPLAY_KEYS: &[(&str, &str)] = &[
    ("Space", "play or pause"),
    ("+ / -", "twice or half as fast (0.25× to 64×)"),
    ("← → / h l", "previous or next event (pauses)"),
    ("[ / ]", "previous or next step start"),
    ("g / G", "start or end of the session"),
    ("j k ↓ ↑", "select steps and ¶ passages; . the current step"),
    ("PgUp PgDn ^u ^d", "scroll output; f follows the tail again"),
    ("Home / End", "the output's first / last lines"),
    ("/", "search steps, sections and their text"),
    ("d", "read the whole document; d or Esc closes it"),
    ("q / Ctrl-C", "quit"),
    ("?", "this help (↑ ↓ scroll it, other keys close it)"),
];

/// The keys shown in the footer.
/// `signing`: the driver is at an open sign-off gate a follower can sign (`S`).
pub fn footer_keys(
    replay: bool,
    playing: bool,
    signing: bool,
) -> Vec<(&'static str, &'static str)> {
    if replay {
        vec![
            ("Space", if playing { "pause" } else { "play" }),
            ("←/→", "event"),
            ("[/]", "step"),
            ("+/-", "speed"),
            ("g/G", "start/end"),
            ("j/k", "select"),
            ("?", "help"),
            ("q", "quit"),
        ]
    } else {
        let sign = signing.then_some(("S", "sign this gate"));
        sign.into_iter()
            .chain([
                ("j/k", "select"),
                (".", "current step"),
                ("PgUp/PgDn", "scroll"),
                ("/", "search"),
                ("?", "help"),
                ("q", "quit"),
            ])
            .collect()
    }
}

fn transport(code: KeyCode) -> Option<Transport> {
    Some(match code {
        KeyCode::Char(' ') => Transport::PlayPause,
        KeyCode::Char('+' | '=') => Transport::Faster,
        KeyCode::Char('-' | '_') => Transport::Slower,
        KeyCode::Left | KeyCode::Char('h') => Transport::PreviousEvent,
        KeyCode::Right | KeyCode::Char('l') => Transport::NextEvent,
        KeyCode::Char('[') => Transport::PreviousStep,
        KeyCode::Char(']') => Transport::NextStep,
        KeyCode::Char('g') => Transport::Start,
        KeyCode::Char('G') => Transport::End,
        _ => return None,
    })
}

/// Keys that only move the screen around (never an effect on the session).
fn moves(key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('u' | 'd') => ctrl,
        KeyCode::Char('j' | 'k' | 'g' | 'G' | '.' | 'f' | '/' | '?') => !ctrl,
        KeyCode::Up
        | KeyCode::Tab
        | KeyCode::BackTab
        | KeyCode::Esc
        | KeyCode::Down
        | KeyCode::Home
        | KeyCode::End
        | KeyCode::PageUp
        | KeyCode::PageDown => true,
        _ => false,
    }
}

/// Handles one key of a read-only screen.
pub fn key(app: &mut App, key: KeyEvent, ctx: &Ctx, replay: bool) -> Browse {
    if app.help || app.search.is_some() {
        // Closing help and typing a search never act on the session.
        let _ = handle_key(app, key, ctx);
        return Browse::Shown;
    }
    if !replay && let Some(browse) = super::countersign::key(app, key, ctx) {
        return browse;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if key.code == KeyCode::Char('q') || (ctrl && key.code == KeyCode::Char('c')) {
        return Browse::Quit;
    }
    if replay
        && !ctrl
        && let Some(t) = transport(key.code)
    {
        app.message = None;
        return Browse::Transport(t);
    }
    if moves(&key) || (key.code == KeyCode::Enter && app.host_row.is_some()) {
        let _ = handle_key(app, key, ctx);
    } else {
        app.message = Some("read-only view: ? lists the keys".into());
    }
    Browse::Shown
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::session::state::SessionState;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn walk_keys_never_act_and_navigation_works() {
        let rb = crate::doc::load_str(
            "# T\n- [ ] a\n- [ ] b\n```bash\ntrue\n```\n",
            std::path::Path::new("t.md"),
        )
        .unwrap();
        let refs = rb.steps();
        let state = SessionState::new(&rb);
        let ctx = Ctx {
            runbook: &rb,
            refs: &refs,
            state: &state,
            running: false,
        };
        let mut app = App::new(0);
        for code in [
            KeyCode::Enter,
            KeyCode::Char(' '),
            KeyCode::Char('s'),
            KeyCode::Char('b'),
        ] {
            assert_eq!(key(&mut app, press(code), &ctx, false), Browse::Shown);
            assert!(app.dialog.is_none(), "{code:?} opened a dialog");
        }
        assert_eq!(
            app.message.as_deref(),
            Some("read-only view: ? lists the keys")
        );
        key(&mut app, press(KeyCode::Char('j')), &ctx, false);
        assert_eq!(app.selected, 1);
        key(&mut app, press(KeyCode::Char('G')), &ctx, false);
        assert_eq!(app.selected, 2);
        assert_eq!(
            key(&mut app, press(KeyCode::Char('G')), &ctx, true),
            Browse::Transport(Transport::End)
        );
        assert_eq!(
            key(&mut app, press(KeyCode::Char(' ')), &ctx, true),
            Browse::Transport(Transport::PlayPause)
        );
        key(&mut app, press(KeyCode::Char('?')), &ctx, true);
        assert!(app.help);
        assert_eq!(
            key(&mut app, press(KeyCode::Char('q')), &ctx, true),
            Browse::Shown
        );
        assert!(!app.help);
        assert_eq!(
            key(&mut app, press(KeyCode::Char('q')), &ctx, true),
            Browse::Quit
        );
    }
}
