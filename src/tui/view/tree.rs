//! The section/step tree with status marks and progress per section.

use super::title::clip;
use super::{View, status_mark};
use crate::doc::model::{Section, SectionRole, StepRef};
use crate::session::state::Status;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use std::collections::HashMap;

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let block = Block::new()
        .borders(Borders::RIGHT)
        .border_style(Style::new().fg(Color::DarkGray));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let (lines, selected_line) = lines(view, width);
    let height = inner.height as usize;
    let top = selected_line
        .saturating_sub(height / 2)
        .min(lines.len().saturating_sub(height));
    let shown: Vec<Line> = lines.into_iter().skip(top).take(height).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// Every tree line, and which one holds the selected step.
fn lines(view: &View, width: usize) -> (Vec<Line<'static>>, usize) {
    let mut out = Vec::new();
    let mut selected_line = 0;
    let mut chain: Vec<&[usize]> = Vec::new();
    let counts = progress(view);
    for (i, r) in view.refs.iter().enumerate() {
        for depth in 1..=r.section_path.len() {
            let prefix = &r.section_path[..depth];
            if chain.get(depth - 1) != Some(&prefix) {
                chain.truncate(depth - 1);
                chain.push(prefix);
                if let Some(section) = section_at(&view.runbook.sections, prefix) {
                    let count = counts.get(prefix).copied().unwrap_or_default();
                    out.push(section_line(
                        view, section, prefix, count, r.rollback, width,
                    ));
                }
            }
        }
        if i == view.app.selected {
            selected_line = out.len();
        }
        out.push(step_line(view, i, r, width));
    }
    (out, selected_line)
}

/// The section at a path of indices.
fn section_at<'a>(sections: &'a [Section], path: &[usize]) -> Option<&'a Section> {
    let (first, rest) = path.split_first()?;
    let section = sections.get(*first)?;
    if rest.is_empty() {
        Some(section)
    } else {
        section_at(&section.sections, rest)
    }
}

fn section_line(
    view: &View,
    section: &Section,
    path: &[usize],
    (done, total): (usize, usize),
    rollback: bool,
    width: usize,
) -> Line<'static> {
    let depth = path.len().saturating_sub(1);
    // Every step under it belongs to an option that was not chosen.
    let counts = if total == 0 {
        " not chosen".to_string()
    } else {
        format!(" {done}/{total}")
    };
    let marker = match section.role {
        _ if rollback => "↺ ",
        SectionRole::Reference => "☰ ",
        SectionRole::Choice | SectionRole::Option => "◇ ",
        SectionRole::Forward | SectionRole::Rollback => "§ ",
    };
    let title = clip(
        &view.text(&section.title),
        width.saturating_sub(depth + counts.len() + 2),
    );
    let style = if rollback {
        Style::new().fg(Color::Red)
    } else {
        Style::new().fg(Color::Blue)
    };
    Line::from(vec![
        Span::raw(" ".repeat(depth)),
        Span::styled(
            format!("{marker}{title}"),
            style.add_modifier(Modifier::BOLD),
        ),
        Span::styled(counts, Style::new().fg(Color::DarkGray)),
    ])
}

/// Settled and total steps of every section, its subsections included, in one pass;
/// steps of options not chosen are not counted.
fn progress<'v>(view: &View<'v>) -> HashMap<&'v [usize], (usize, usize)> {
    let mut counts: HashMap<&[usize], (usize, usize)> = HashMap::new();
    for (r, s) in view.refs.iter().zip(&view.state.steps) {
        let counted = usize::from(s.status != Status::NotChosen);
        for depth in 1..=r.section_path.len() {
            let entry = counts.entry(&r.section_path[..depth]).or_default();
            entry.0 += usize::from(s.status.is_settled());
            entry.1 += counted;
        }
    }
    counts
}

fn step_line(view: &View, i: usize, r: &StepRef, width: usize) -> Line<'static> {
    let Some(step) = view.state.steps.get(i) else {
        return Line::default();
    };
    let (mark, colour) = status_mark(step);
    let depth = r.section_path.len();
    let cursor = if i == view.state.cursor { "›" } else { " " };
    let room = if step.notes.is_empty() { 4 } else { 6 };
    let label = clip(&step_label(view, r), width.saturating_sub(depth + room));
    let mut style = Style::new();
    if i == view.app.selected {
        style = style.add_modifier(Modifier::REVERSED);
    }
    if step.status == Status::Pending && i != view.state.cursor {
        style = style.fg(Color::Gray);
    }
    if step.status == Status::NotChosen || step.reference {
        style = style.fg(Color::DarkGray);
    }
    let noted = if step.notes.is_empty() { "" } else { " ✎" };
    Line::from(vec![
        Span::raw(" ".repeat(depth.saturating_sub(1))),
        Span::styled(
            cursor.to_string(),
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!("{mark} "), Style::new().fg(colour)),
        Span::styled(label, style),
        Span::styled(noted, Style::new().fg(Color::Yellow)),
    ])
}

/// A step in a few words.
pub fn step_label(view: &View, r: &StepRef) -> String {
    r.step
        .label(&|t| view.text(t), &|c| view.secrets.mask_str(c))
}
