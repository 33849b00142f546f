//! The centre: the selected step — its prose, what it does, and its output.

use super::output;
use super::title::clip;
use super::{View, short_duration, status_mark};
use crate::doc::duration::format_duration;
use crate::doc::model::{StepKind, StepRef};
use crate::session::state::{Status, StepState};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let index = view.app.selected;
    let (Some(r), Some(step)) = (view.refs.get(index), view.state.steps.get(index)) else {
        frame.render_widget(Paragraph::new("The runbook has no steps."), area);
        return;
    };
    let inner = Rect {
        x: area.x + 1,
        width: area.width.saturating_sub(2),
        ..area
    };
    let mut top = header(view, r, step, inner.width as usize);
    top.extend(prose(view, r, inner.width));
    top.extend(super::wide::wrap_all(
        body(view, r, step),
        inner.width as usize,
    ));
    top.extend(prose_after(view, r, inner.width));
    let has_output = matches!(r.step.kind, StepKind::Run(_))
        && (step.tail.total > 0 || !matches!(step.status, Status::Pending | Status::NotChosen));
    if !has_output {
        frame.render_widget(Paragraph::new(Text::from(top)), inner);
        return;
    }
    let wanted = u16::try_from(top.len()).unwrap_or(u16::MAX);
    let top_height = if step.status == Status::Pending {
        wanted.min(inner.height.saturating_sub(6))
    } else {
        wanted.min((inner.height / 3).max(4))
    };
    let [top_area, output_area] =
        Layout::vertical([Constraint::Length(top_height), Constraint::Min(3)]).areas(inner);
    frame.render_widget(Paragraph::new(Text::from(top)), top_area);
    if let Some(fleet) = &step.fleet {
        super::hosts::draw(frame, output_area, view, fleet);
    } else {
        output::draw(frame, output_area, view, index, step);
    }
}

fn header(view: &View, r: &StepRef, step: &StepState, width: usize) -> Vec<Line<'static>> {
    let (mark, colour) = status_mark(step);
    let not_chosen = view.state.why_not_chosen(r.index);
    let region = match &not_chosen {
        _ if r.rollback => " · ROLLBACK",
        _ if r.reference => " · REFERENCE",
        Some(_) => " · NOT CHOSEN",
        None => "",
    };
    let below = match not_chosen {
        _ if r.reference => Line::from(Span::styled(
            "reference material: the walk never runs it — o runs it on demand",
            Style::new().fg(Color::DarkGray),
        )),
        Some(why) => Line::from(Span::styled(
            format!("not chosen: {why}; it never runs"),
            Style::new().fg(Color::DarkGray),
        )),
        None => Line::default(),
    };
    let here = if view.app.selected == view.state.cursor {
        ""
    } else {
        " (not the current step)"
    };
    let full = format!(
        "{} · {}{region}{here}",
        step.id,
        view.text(&r.section.title)
    );
    let title = clip(&full, width.saturating_sub(14));
    let cut = title != full;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!("{mark} "),
                Style::new().fg(colour).add_modifier(Modifier::BOLD),
            ),
            Span::styled(title, Style::new().add_modifier(Modifier::BOLD)),
            Span::styled(
                format!("  {}", step.kind.word()),
                Style::new().fg(Color::DarkGray),
            ),
        ]),
        below,
    ];
    // Where the step stands, whole, when the title line cannot say it all.
    if r.section_path.len() > 1 || cut {
        if lines[1].spans.is_empty() {
            lines.pop();
        }
        let trail = super::wide::wrap_words(&section_trail(view, r), width);
        lines.extend(
            trail
                .into_iter()
                .map(|row| Line::from(Span::styled(row, Style::new().fg(Color::DarkGray)))),
        );
    }
    lines
}

/// The titles of the sections the step is in, outermost first: `in A › B › C`.
fn section_trail(view: &View, r: &StepRef) -> String {
    let titles: Vec<String> = (1..=r.section_path.len())
        .filter_map(|depth| {
            super::tree::section_at(&view.runbook.sections, &r.section_path[..depth])
        })
        .map(|s| view.text(&s.title))
        .collect();
    format!("in {}", titles.join(" › "))
}

fn prose(view: &View, r: &StepRef, width: u16) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for passage in r
        .section
        .prose
        .iter()
        .filter(|p| p.before_step == r.position)
    {
        lines.extend(crate::tui::markdown::render(&view.text(&passage.markdown), width).lines);
        lines.push(Line::default());
    }
    lines
}

/// What the step does, as the step view shows it under its prose (also in the document).
pub(super) fn body_lines(view: &View, r: &StepRef, step: &StepState) -> Vec<Line<'static>> {
    body(view, r, step)
}

/// What the section says after its last step (success criteria, when to roll back),
/// shown with that step.
fn prose_after(view: &View, r: &StepRef, width: u16) -> Vec<Line<'static>> {
    let last = r.section.steps.len();
    if r.position + 1 != last {
        return Vec::new();
    }
    let mut lines = Vec::new();
    // Prose a moved step left behind its section's last step is read here too.
    for passage in r.section.prose.iter().filter(|p| p.before_step >= last) {
        if lines.is_empty() {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                "after this step, the runbook says:",
                Style::new().fg(Color::DarkGray),
            )));
        }
        lines.extend(crate::tui::markdown::render(&view.text(&passage.markdown), width).lines);
    }
    lines
}

fn body(view: &View, r: &StepRef, step: &StepState) -> Vec<Line<'static>> {
    let dim = Style::new().fg(Color::DarkGray);
    match &r.step.kind {
        StepKind::Run(run) => {
            let mut lines: Vec<Line> = view
                .secrets
                .mask_str(&run.script)
                .lines()
                .map(|l| {
                    Line::from(vec![
                        Span::styled("$ ", dim),
                        Span::styled(l.to_string(), Style::new().fg(Color::Yellow)),
                    ])
                })
                .collect();
            let mut flags = Vec::new();
            if let Some(t) = run.timeout {
                flags.push(format!("timeout {}", format_duration(t)));
            }
            if run.confirm == crate::doc::model::Confirm::Danger {
                flags.push("DANGER: type the step name to run".into());
            }
            if let Some(cwd) = &run.cwd {
                flags.push(format!("in {cwd}"));
            }
            if !flags.is_empty() {
                lines.push(Line::from(Span::styled(flags.join(" · "), dim)));
            }
            lines.extend(super::proposed::run_lines(view, view.app.selected));
            lines
        }
        StepKind::Check(check) => {
            let mark = if step.status == Status::Done {
                "☑"
            } else {
                "☐"
            };
            vec![Line::from(format!("{mark} {}", view.text(&check.text)))]
        }
        StepKind::Wait(wait) => wait_lines(view, step, wait),
        StepKind::Gate(gate) => super::overlay::gate_lines(view, gate, step),
        StepKind::Note(note) => vec![Line::from(view.text(&note.text))],
    }
    .into_iter()
    .chain(reason_line(step))
    .collect()
}

fn wait_lines(
    view: &View,
    step: &StepState,
    wait: &crate::doc::model::WaitStep,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(format!(
        "⏱ wait {}",
        format_duration(wait.duration)
    ))];
    if let Some(text) = &wait.text {
        lines.extend(
            view.text(text)
                .lines()
                .map(|l| Line::from(format!("  {l}"))),
        );
    }
    if !wait.until.is_empty() {
        let (is, has) = if wait.until.len() == 1 {
            ("is", "has")
        } else {
            ("are", "have")
        };
        let when = match wait.stable_for {
            Some(stable) => format!("{has} been OK for {}", format_duration(stable)),
            None => format!("{is} OK"),
        };
        lines.push(Line::from(format!(
            "  ends early once {} {when}",
            wait.until.join(", ")
        )));
    }
    if let Some(ends) = step.wait_ends_at {
        let left = (ends - view.now).to_std().unwrap_or_default();
        lines.push(Line::from(Span::styled(
            format!(
                "  {} left (until {} UTC)",
                short_duration(left),
                ends.format("%H:%M:%S")
            ),
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        )));
    }
    lines
}

fn reason_line(step: &StepState) -> Option<Line<'static>> {
    let reason = step.reason.as_ref()?;
    let label = match step.status {
        Status::Skipped | Status::Done => crate::session::truth::Mark::of(step).words(),
        Status::Failed => "failed".into(),
        Status::Interrupted => "interrupted".into(),
        Status::Cancelled => "cancelled".into(),
        _ => "note".into(),
    };
    Some(Line::from(Span::styled(
        format!("{label}: {reason}"),
        Style::new().fg(Color::Yellow),
    )))
}
