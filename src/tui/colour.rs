//! Colour on the full screen: whether it may be used (`--color`, `NO_COLOR`, the `color`
//! setting), and a drawn frame stripped of it with its emphasis kept.
//!
//! Whether the terminal shows colour is a fact about the whole process, like the terminal
//! itself, so it is set once at start-up rather than threaded through every screen.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use std::sync::atomic::{AtomicBool, Ordering};

static COLOUR: AtomicBool = AtomicBool::new(true);

/// Allows or forbids colour on every screen drawn from now on. crossterm reads `NO_COLOR`
/// on its own; this overrides it, so `--color always` wins as a flag should.
pub fn set_enabled(enabled: bool) {
    COLOUR.store(enabled, Ordering::Relaxed);
    crossterm::style::force_color_output(enabled);
}

/// Whether screens are drawn in colour.
pub fn enabled() -> bool {
    COLOUR.load(Ordering::Relaxed)
}

/// Removes every colour from a frame. What stood out only by its background (the title
/// bar, key badges, the replay position) is shown reversed instead; dark grey text (hints)
/// becomes dim. Marks and text are untouched, so the screen reads the same without colour.
pub fn strip(buffer: &mut Buffer) {
    for cell in &mut buffer.content {
        let mut modifier = cell.modifier;
        if cell.bg != Color::Reset {
            modifier.insert(Modifier::REVERSED);
        }
        if cell.fg == Color::DarkGray {
            modifier.insert(Modifier::DIM);
        }
        cell.modifier = modifier;
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
        cell.underline_color = Color::Reset;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn colours_go_and_emphasis_stays() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 4, 1));
        buffer.set_string(
            0,
            0,
            "✓",
            Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        );
        buffer.set_string(1, 0, "q", Style::new().fg(Color::Black).bg(Color::Gray));
        buffer.set_string(2, 0, "h", Style::new().fg(Color::DarkGray));
        buffer.set_string(3, 0, "x", Style::new());
        strip(&mut buffer);
        let styles: Vec<(Color, Color, Modifier, &str)> = buffer
            .content
            .iter()
            .map(|c| (c.fg, c.bg, c.modifier, c.symbol()))
            .collect();
        assert_eq!(
            styles,
            [
                (Color::Reset, Color::Reset, Modifier::BOLD, "✓"),
                (Color::Reset, Color::Reset, Modifier::REVERSED, "q"),
                (Color::Reset, Color::Reset, Modifier::DIM, "h"),
                (Color::Reset, Color::Reset, Modifier::empty(), "x"),
            ]
        );
    }
}
