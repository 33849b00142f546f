//! The section/step tree with status marks and progress per section, and the passages
//! to read (`¶`: the preamble, sections without steps) in their place among the steps.

use super::title::clip;
use super::{View, status_mark};
use crate::doc::model::{Section, SectionRole, StepRef};
use crate::session::state::Status;
use crate::tui::outline::{Entry, Outline, Passage};
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

/// Every tree line, and which one holds the selection: the steps under their section
/// headings, and the passages to read (the preamble, sections without steps) between them.
fn lines(view: &View, width: usize) -> (Vec<Line<'static>>, usize) {
    let outline = Outline::of(view.runbook);
    let shown = crate::tui::passage::shown(view.app);
    let mut out = Vec::new();
    let mut selected_line = 0;
    let mut chain: Vec<&[usize]> = Vec::new();
    let counts = progress(view);
    for &entry in &outline.entries {
        let (path, passage, rollback) = match entry {
            Entry::Step(i) => match view.refs.get(i) {
                Some(r) => (r.section_path.as_slice(), None, r.rollback),
                None => continue,
            },
            Entry::Passage(k) => match outline.passages.get(k) {
                Some(p) => (p.path.as_slice(), Some(p), p.rollback),
                None => continue,
            },
        };
        for depth in 1..=path.len() {
            let prefix = &path[..depth];
            if chain.get(depth - 1) == Some(&prefix) {
                continue;
            }
            chain.truncate(depth - 1);
            chain.push(prefix);
            let count = counts.get(prefix).copied();
            let section = section_at(&view.runbook.sections, prefix);
            match section {
                // The passage stands for its own section's heading.
                Some(_) if passage.is_some() && depth == path.len() => {}
                Some(section) => {
                    out.push(section_line(view, section, prefix, count, rollback, width))
                }
                None => {}
            }
        }
        if entry == shown {
            selected_line = out.len();
        }
        out.push(match (entry, passage) {
            (Entry::Step(i), _) => match view.refs.get(i) {
                Some(r) => step_line(view, i, r, width),
                None => Line::default(),
            },
            (_, Some(p)) => passage_line(
                view,
                p,
                entry == shown,
                counts.get(p.path.as_slice()).copied(),
                width,
            ),
            (_, None) => Line::default(),
        });
    }
    (out, selected_line)
}

/// A passage to read: `¶` and its name, no state mark (it is not a step); the steps
/// beneath it counted when it heads some.
fn passage_line(
    view: &View,
    passage: &Passage,
    selected: bool,
    count: Option<(usize, usize)>,
    width: usize,
) -> Line<'static> {
    let depth = passage.path.len().saturating_sub(1);
    let counts = count
        .map(|(done, total)| format!(" {done}/{total}"))
        .unwrap_or_default();
    let title = clip(
        &view.text(passage.label()),
        width.saturating_sub(depth + counts.chars().count() + 2),
    );
    let mut style = Style::new().fg(if passage.rollback {
        Color::Red
    } else {
        Color::Blue
    });
    if selected {
        style = style.add_modifier(Modifier::REVERSED);
    }
    Line::from(vec![
        Span::raw(" ".repeat(depth)),
        Span::styled(format!("¶ {title}"), style),
        Span::styled(counts, Style::new().fg(Color::DarkGray)),
    ])
}

/// The section at a path of indices.
pub(super) fn section_at<'a>(sections: &'a [Section], path: &[usize]) -> Option<&'a Section> {
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
    count: Option<(usize, usize)>,
    rollback: bool,
    width: usize,
) -> Line<'static> {
    let depth = path.len().saturating_sub(1);
    let counts = match count {
        // Only passages to read beneath it: no steps to count.
        None => String::new(),
        // Every step under it belongs to an option that was not chosen.
        Some((_, 0)) => " not chosen".to_string(),
        Some((done, total)) => format!(" {done}/{total}"),
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
    if i == view.app.selected && view.app.passage.is_none() {
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
