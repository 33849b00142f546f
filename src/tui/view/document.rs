//! The whole document in the centre (`d`): the preamble, every section's heading and
//! prose in order with its steps, sections without steps and the prose after a section's
//! last step — so everything the runbook says can be brought into view and read.

use super::title::clip;
use super::{View, status_mark};
use crate::doc::model::Section;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The document as lines `width` wide, and the line where the selected step's section starts.
pub fn lines(view: &View, width: u16) -> (Vec<Line<'static>>, usize) {
    let mut out = vec![Line::from(Span::styled(
        view.text(&view.runbook.title),
        Style::new().add_modifier(Modifier::BOLD),
    ))];
    for subtitle in &view.runbook.subtitles {
        out.push(Line::from(view.text(subtitle)));
    }
    out.push(Line::default());
    push_markdown(&mut out, view, &view.runbook.preamble, width);
    let outline = crate::tui::outline::Outline::of(view.runbook);
    let passage = view
        .app
        .passage
        .as_ref()
        .and_then(|p| outline.passages.get(p.index));
    let selected = match passage.map(|p| p.source) {
        Some(crate::tui::outline::Source::Section(section)) => Some(section),
        Some(crate::tui::outline::Source::Preamble(_)) => None,
        None => view.refs.get(view.app.selected).map(|r| r.section),
    };
    let mut anchor = 0;
    for section in view.runbook.all_sections() {
        if selected.is_some_and(|s| std::ptr::eq(s, section)) {
            anchor = out.len();
        }
        push_section(&mut out, view, section, width);
    }
    (out, anchor)
}

fn push_section(out: &mut Vec<Line<'static>>, view: &View, section: &Section, width: u16) {
    let marker = if section.is_rollback() { "↺" } else { "§" };
    out.push(Line::from(Span::styled(
        format!(
            "{} {marker} {}",
            "#".repeat(usize::from(section.level.max(1))),
            view.text(&section.title)
        ),
        Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
    )));
    let steps: Vec<usize> = view
        .refs
        .iter()
        .filter(|r| std::ptr::eq(r.section, section))
        .map(|r| r.index)
        .collect();
    let last = section.steps.len();
    for position in 0..=last {
        // Prose placed after the last step (a step moved elsewhere leaves it there) comes last.
        let here = |p: &&crate::doc::model::Prose| {
            p.before_step == position || (position == last && p.before_step > last)
        };
        for prose in section.prose.iter().filter(here) {
            push_markdown(out, view, &prose.markdown, width);
        }
        if let Some(&index) = steps.get(position) {
            push_step(out, view, index, width);
        }
    }
    out.push(Line::default());
}

fn push_step(out: &mut Vec<Line<'static>>, view: &View, index: usize, width: u16) {
    let (Some(r), Some(step)) = (view.refs.get(index), view.state.steps.get(index)) else {
        return;
    };
    let (mark, colour) = status_mark(step);
    let label = super::tree::step_label(view, r);
    let here = if index == view.app.selected {
        "› "
    } else {
        "  "
    };
    out.push(Line::from(vec![
        Span::raw(here),
        Span::styled(format!("{mark} "), Style::new().fg(colour)),
        Span::styled(
            format!("{} · {label}", step.id),
            Style::new().add_modifier(Modifier::BOLD),
        ),
    ]));
    let avail = usize::from(width).saturating_sub(4).max(8);
    for line in super::step::body_lines(view, r, step) {
        let style = line.spans.first().map(|s| s.style).unwrap_or_default();
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        for piece in pieces(&text, avail) {
            out.push(Line::from(vec![
                Span::raw("    "),
                Span::styled(piece, style),
            ]));
        }
    }
}

/// `text` cut into pieces of at most `avail` characters (long commands are read whole).
fn pieces(text: &str, avail: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars.chunks(avail).map(|c| c.iter().collect()).collect()
}

fn push_markdown(out: &mut Vec<Line<'static>>, view: &View, markdown: &str, width: u16) {
    if markdown.trim().is_empty() {
        return;
    }
    out.extend(crate::tui::markdown::render(&view.text(markdown), width).lines);
    out.push(Line::default());
}

/// Draws the document scrolled to `scroll` lines from its top.
pub fn draw(frame: &mut Frame, area: Rect, view: &View, reading: &crate::tui::reading::Reading) {
    let inner = Rect {
        x: area.x + 1,
        width: area.width.saturating_sub(2),
        ..area
    };
    let (lines, anchor) = lines(view, inner.width);
    let height = usize::from(inner.height.saturating_sub(1));
    let top = reading.place(anchor, lines.len().saturating_sub(height), height);
    let end = (top + height).min(lines.len());
    let mut shown: Vec<Line> = lines[top..end].to_vec();
    let width = usize::from(inner.width);
    shown.push(Line::from(Span::styled(
        clip(
            &format!(
                "document · lines {}–{end} of {} · PgUp/PgDn j/k Home/End scroll · d closes",
                top + 1,
                lines.len()
            ),
            width,
        ),
        Style::new().fg(Color::DarkGray),
    )));
    frame.render_widget(Paragraph::new(shown), inner);
}
