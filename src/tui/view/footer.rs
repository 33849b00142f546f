//! The bottom lines: a message, if any, and only the keys that apply now.

use super::View;
use crate::doc::model::StepKind;
use crate::session::state::Status;
use crate::tui::dialog::Dialog;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let message = match (&view.app.message, &view.app.search) {
        (_, Some(_)) | (Some(_), None) => status_line(view, ""),
        (None, None) if view.app.passage.is_some() => reading_line(view),
        (None, None) if view.state.walk_finished() && view.state.running.is_none() => {
            walk_end_line(view)
        }
        (None, None) => autopilot_line(view),
    };
    bar(frame, area, message, &keys_now(view));
}

/// The message line: search being typed, else the latest message, else `status` (dim).
pub fn status_line(view: &View, status: &str) -> Line<'static> {
    match (&view.app.message, &view.app.search) {
        (_, Some(search)) => Line::from(vec![
            Span::styled("/", Style::new().fg(Color::Cyan)),
            Span::raw(search.clone()),
            Span::raw("▏"),
        ]),
        (Some(text), None) => Line::from(Span::styled(
            text.clone(),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )),
        (None, None) => Line::from(Span::styled(
            status.to_string(),
            Style::new().fg(Color::Magenta),
        )),
    }
}

/// A message line over a row of keys (as many as fit).
pub fn bar(frame: &mut Frame, area: Rect, message: Line<'static>, keys_now: &[(&str, &str)]) {
    let mut keys: Vec<Span> = Vec::new();
    let mut used = 0;
    for (key, what) in keys_now {
        let width = key.chars().count() + what.chars().count() + 5;
        if used + width > area.width as usize {
            break;
        }
        used += width;
        keys.push(Span::styled(
            format!(" {key} "),
            Style::new().fg(Color::Black).bg(Color::Gray),
        ));
        keys.push(Span::raw(format!(" {what}  ")));
    }
    frame.render_widget(Paragraph::new(vec![message, Line::from(keys)]), area);
}

/// The end of the walk, counted honestly, and what to do next.
fn walk_end_line(view: &View) -> Line<'static> {
    let who = if view.autopilot {
        "autopilot (--yes) · "
    } else {
        ""
    };
    let text = format!(
        "{who}walk finished: {} — q ends the session; then runbook export / runbook verify",
        crate::session::truth::counts(view.state)
    );
    Line::from(Span::styled(
        text,
        Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
    ))
}

/// While a passage is shown: that no key here acts on a step, and which step is current.
fn reading_line(view: &View) -> Line<'static> {
    let current = match view.state.steps.get(view.state.cursor) {
        Some(step) if !view.state.walk_finished() => {
            format!("current step {} (. goes back)", step.id)
        }
        _ => "the walk is over".to_string(),
    };
    Line::from(Span::styled(
        format!("¶ to read, not a step — no key here acts; {current}"),
        Style::new().fg(Color::Cyan),
    ))
}

fn autopilot_line(view: &View) -> Line<'static> {
    if !view.autopilot {
        return Line::default();
    }
    let text = if view.app.paused {
        "autopilot paused (--yes) — p resumes"
    } else {
        "autopilot (--yes): confirmations answered automatically — p pauses"
    };
    Line::from(Span::styled(text, Style::new().fg(Color::Magenta)))
}

/// The keys that do something right now, most useful first.
pub fn keys_now(view: &View) -> Vec<(&'static str, &'static str)> {
    if let Some(dialog) = &view.app.dialog {
        return dialog_keys(dialog);
    }
    if view.app.search.is_some() {
        return vec![("Enter", "find"), ("Esc", "cancel")];
    }
    if view.app.reading.is_some() {
        return vec![
            ("PgUp/PgDn j/k", "scroll"),
            ("Home/End", "top/end"),
            ("d/Esc", "close the document"),
            ("q", "quit"),
        ];
    }
    let state = view.state;
    let mut keys = Vec::new();
    if state.rollback_prompt.is_some() {
        // The box holds every other key that would act beneath it.
        return vec![
            ("b", "roll back now"),
            ("c", "continue (asks why)"),
            ("j/k", "move"),
            ("?", "help"),
            ("q", "quit"),
        ];
    }
    if view.app.passage.is_some() {
        // Text to read: nothing here acts on a step.
        return vec![
            (".", "back to the current step"),
            ("j/k", "next/previous item"),
            ("PgUp/PgDn", "scroll"),
            ("Home/End", "top/end"),
            ("/", "search"),
            ("d", "document"),
            ("?", "help"),
            ("q", "quit"),
        ];
    }
    let running = state.running.is_some_and(|i| {
        state
            .steps
            .get(i)
            .is_some_and(|s| s.kind == crate::session::state::Kind::Run)
    });
    if running {
        keys.push(("x", "cancel step"));
        keys.push(("PgUp/PgDn", "scroll"));
    } else if view.app.hold && !failed_here(view) {
        keys.push(("Enter", "continue"));
        keys.push(("PgUp/PgDn", "scroll"));
    } else if state
        .steps
        .get(view.app.selected)
        .is_some_and(|s| s.reference)
    {
        keys.push(("o", "run on demand (reference)"));
        keys.push((".", "back to current"));
    } else if view.app.selected != state.cursor && !state.walk_finished() {
        keys.push(("Enter", "make this step current"));
        keys.push((".", "back to the current step"));
    } else if let (Some(r), Some(step)) =
        (view.refs.get(state.cursor), state.steps.get(state.cursor))
    {
        keys.extend(step_keys(view, &r.step.kind, step.status));
    } else {
        return vec![
            ("q", "end the session"),
            ("j/k", "look back"),
            ("?", "help"),
        ];
    }
    if can_roll_back(view) && !failed_here(view) && !running {
        keys.push(("b", "roll back"));
    }
    keys.extend([
        ("?", "help"),
        ("q", "quit"),
        ("j/k", "move"),
        ("d", "document"),
        ("n", "note"),
    ]);
    if view.autopilot {
        keys.push(("p", "pause"));
    }
    keys
}

/// Whether the walk could leave the forward path for rollback (a path exists).
fn can_roll_back(view: &View) -> bool {
    !view.state.in_rollback && view.state.steps.iter().any(|s| s.rollback)
}

/// The step at the walk's cursor failed (or was cancelled, timed out, interrupted).
fn failed_here(view: &View) -> bool {
    view.state.steps.get(view.state.cursor).is_some_and(|s| {
        matches!(
            s.status,
            Status::Failed | Status::TimedOut | Status::Cancelled | Status::Interrupted
        )
    })
}

fn step_keys(view: &View, kind: &StepKind, status: Status) -> Vec<(&'static str, &'static str)> {
    let failed = matches!(
        status,
        Status::Failed | Status::TimedOut | Status::Cancelled | Status::Interrupted
    );
    match (kind, status) {
        (StepKind::Run(_), _) if failed => {
            let mut keys = vec![("r", "retry"), ("s", "skip"), ("m", "mark done")];
            if can_roll_back(view) {
                keys.push(("b", "roll back"));
            }
            keys
        }
        (StepKind::Wait(_), _) if failed => {
            let mut keys = vec![("r", "wait again"), ("s", "skip")];
            if can_roll_back(view) {
                keys.push(("b", "roll back"));
            }
            keys
        }
        (StepKind::Run(_), _) => vec![("Enter", "run"), ("s", "skip")],
        (StepKind::Check(_), _) => vec![("Space", "done"), ("s", "skip")],
        (StepKind::Wait(_), Status::Running) => vec![("e", "end early")],
        (StepKind::Wait(_), _) => vec![("Enter", "start wait"), ("s", "skip")],
        (StepKind::Gate(g), _) if !g.signoffs.is_empty() => vec![("Enter", "sign"), ("s", "skip")],
        (StepKind::Gate(_), _) => vec![("Enter", "decide")],
        (StepKind::Note(_), _) => vec![("Enter", "read")],
    }
}

fn dialog_keys(dialog: &Dialog) -> Vec<(&'static str, &'static str)> {
    match dialog {
        Dialog::ConfirmRun { .. } | Dialog::Jump { .. } | Dialog::CancelRun => {
            vec![("y/Enter", "yes"), ("n/Esc", "no")]
        }
        Dialog::TypeName { .. } | Dialog::Reason { .. } | Dialog::Signoff { .. } => {
            vec![("Enter", "confirm"), ("Esc", "cancel")]
        }
        Dialog::Gate { .. } => vec![("g", "GO"), ("x", "NO-GO"), ("Esc", "later")],
        Dialog::Batch { .. } => vec![("g", "next batch"), ("x", "stop here"), ("Esc", "later")],
        Dialog::NoGo { .. } => vec![("b", "roll back"), ("a", "abort"), ("Esc", "stay")],
        Dialog::Quit { running: true } => vec![("c", "cancel step and quit"), ("s/Esc", "stay")],
        Dialog::Quit { running: false } => vec![
            ("l", "leave (resumable)"),
            ("a", "abort session"),
            ("s/Esc", "stay"),
        ],
        Dialog::Proposed { .. } => vec![("y", "run it"), ("n/Esc", "not now")],
        Dialog::Placeholder { .. } => vec![("Enter", "give the value"), ("Esc", "later")],
        Dialog::Warnings { .. } => vec![("Enter", "acknowledge"), ("↑/↓ PgUp/PgDn", "scroll")],
        Dialog::Choose { .. } => vec![("Enter/1-9", "choose"), ("↑/↓", "select"), ("q", "quit")],
    }
}
