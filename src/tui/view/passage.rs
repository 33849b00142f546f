//! The centre when a passage is selected: the preamble or a section without steps, its
//! heading and prose rendered like the rest of the document, scrolled with the page keys.
//! It says that it is text to read, not a step.

use super::View;
use super::title::clip;
use crate::tui::outline::{Outline, Passage, Source};
use crate::tui::passage::PassageView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The passage as lines `width` wide.
fn lines(view: &View, passage: &Passage, width: u16) -> Vec<Line<'static>> {
    let dim = Style::new().fg(Color::DarkGray);
    let mut out = vec![Line::from(Span::styled(
        format!("¶ {}", view.text(passage.heading())),
        Style::new().add_modifier(Modifier::BOLD),
    ))];
    let place = match passage.source {
        Source::Preamble(_) => "the text before the first section".to_string(),
        Source::Section(_) => {
            let number: Vec<String> = passage.path.iter().map(|i| (i + 1).to_string()).collect();
            format!("section {} · line {}", number.join("."), passage.line())
        }
    };
    let place = format!("{place} · to read, not a step");
    for row in super::wide::wrap_words(&place, usize::from(width)) {
        out.push(Line::from(Span::styled(row, dim)));
    }
    for subtitle in passage.subtitles() {
        out.push(Line::from(view.text(subtitle)));
    }
    out.push(Line::default());
    let mut said = false;
    for markdown in passage.markdown() {
        if markdown.trim().is_empty() {
            continue;
        }
        out.extend(crate::tui::markdown::render(&view.text(markdown), width).lines);
        out.push(Line::default());
        said = true;
    }
    if !said {
        out.push(Line::from(Span::styled(
            "(the section has nothing but its heading)",
            dim,
        )));
    }
    out
}

/// Draws the passage `shown` in `area`, scrolled as its view says.
pub fn draw(frame: &mut Frame, area: Rect, view: &View, shown: &PassageView) {
    let inner = Rect {
        x: area.x + 1,
        width: area.width.saturating_sub(2),
        ..area
    };
    let outline = Outline::of(view.runbook);
    let Some(passage) = outline.passages.get(shown.index) else {
        return;
    };
    let lines = lines(view, passage, inner.width);
    let height = usize::from(inner.height.saturating_sub(1));
    let top = shown
        .scroll
        .place(0, lines.len().saturating_sub(height), height);
    let end = (top + height).min(lines.len());
    let mut visible: Vec<Line> = lines[top..end].to_vec();
    if lines.len() > height {
        let status = format!(
            "lines {}–{end} of {} · PgUp/PgDn Home/End scroll",
            top + 1,
            lines.len()
        );
        visible.resize(height, Line::default());
        visible.push(Line::from(Span::styled(
            clip(&status, usize::from(inner.width)),
            Style::new().fg(Color::DarkGray),
        )));
    }
    frame.render_widget(Paragraph::new(visible), inner);
}
