//! A frame drawn on ratatui's TestBackend and read back as text, one line
//! per row with trailing blanks trimmed: what the screen snapshots compare.

use ratatui::backend::TestBackend;
use ratatui::{Frame, Terminal};

/// Draws one `width`×`height` frame with `draw` and returns it as text.
pub fn render(width: u16, height: u16, draw: impl FnOnce(&mut Frame)) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(draw).expect("draw");
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        let line: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}
