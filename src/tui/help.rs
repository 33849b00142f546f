//! The help box's own keys: arrows and page keys scroll it, any other key closes it.

use super::app::App;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Rows a page key moves the help.
const PAGE: u16 = 10;

/// Handles `key` while the help is open.
pub fn key(app: &mut App, key: KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let room = app.help_room.get();
    let down = |by: u16| app.help_scroll.saturating_add(by).min(room);
    app.help_scroll = match key.code {
        KeyCode::Down | KeyCode::Char('j') => down(1),
        KeyCode::PageDown => down(PAGE),
        KeyCode::Char('d') if ctrl => down(PAGE),
        KeyCode::End | KeyCode::Char('G') => room,
        KeyCode::Up | KeyCode::Char('k') => app.help_scroll.saturating_sub(1),
        KeyCode::PageUp => app.help_scroll.saturating_sub(PAGE),
        KeyCode::Char('u') if ctrl => app.help_scroll.saturating_sub(PAGE),
        KeyCode::Home | KeyCode::Char('g') => 0,
        _ => {
            app.help = false;
            0
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(app: &mut App, code: KeyCode) {
        key(app, KeyEvent::new(code, KeyModifiers::NONE));
    }

    #[test]
    fn arrows_scroll_within_the_room_the_box_left() {
        let mut app = App {
            help: true,
            ..App::default()
        };
        app.help_room.set(3);
        press(&mut app, KeyCode::PageDown);
        assert_eq!(app.help_scroll, 3);
        press(&mut app, KeyCode::Up);
        assert_eq!(app.help_scroll, 2);
        press(&mut app, KeyCode::Home);
        assert_eq!(app.help_scroll, 0);
        assert!(app.help);
    }

    #[test]
    fn any_other_key_closes_it_and_it_opens_at_the_top() {
        let mut app = App {
            help: true,
            help_scroll: 2,
            ..App::default()
        };
        press(&mut app, KeyCode::Char('x'));
        assert!(!app.help);
        assert_eq!(app.help_scroll, 0);
    }
}
