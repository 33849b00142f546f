//! Markdown prose as styled lines (interim: plain lines until the full renderer lands).

use ratatui::text::{Line, Text};

pub fn render(markdown: &str, _width: u16) -> Text<'static> {
    Text::from(
        markdown
            .lines()
            .map(|l| Line::from(l.to_string()))
            .collect::<Vec<_>>(),
    )
}
