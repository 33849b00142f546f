//! Things drawn over the screen: dialogs and the help page.

use super::View;
use crate::doc::model::{GateStep, StepKind};
use crate::session::event::Signer;
use crate::session::evidence;
use crate::session::state::StepState;
use crate::tui::dialog::{Dialog, Purpose};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    if view.app.help {
        help(frame, area, LIVE_KEYS, view.app);
    } else if let Some(dialog) = &view.app.dialog {
        let (title, lines, colour) = dialog_content(view, dialog, area);
        boxed(frame, area, title, lines, colour);
    } else if let Some(reason) = &view.state.rollback_prompt {
        boxed(
            frame,
            area,
            "ROLL BACK?",
            rollback_prompt_lines(reason),
            Color::Red,
        );
    }
}

/// Only the open dialog, if any (a follower's sign-off prompt).
pub fn dialog(frame: &mut Frame, area: Rect, view: &View) {
    if let Some(dialog) = &view.app.dialog {
        let (title, lines, colour) = dialog_content(view, dialog, area);
        boxed(frame, area, title, lines, colour);
    }
}

/// The prompt a `rollback_if` raises: prominent, and it stays until answered.
fn rollback_prompt_lines(reason: &str) -> Vec<Line<'static>> {
    let bold_red = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    vec![
        Line::from(Span::styled(
            "A health check asks for a rollback.",
            bold_red,
        )),
        Line::from(reason.to_string()),
        Line::default(),
        Line::from("b: roll back now    c: continue on the forward path (asks why)"),
    ]
}

fn boxed(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>, colour: Color) {
    let rect = box_rect(area, &lines);
    draw_box(frame, rect, title, lines, colour, 0);
}

/// Rows `lines` take inside a box `width` wide, after wrapping.
fn wrapped_rows(lines: &[Line<'static>], width: u16) -> u16 {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    u16::try_from(rows).unwrap_or(u16::MAX)
}

/// A box centred in `area`, as tall as `lines` need (after wrapping) when there is room.
fn box_rect(area: Rect, lines: &[Line<'static>]) -> Rect {
    let width = area.width.saturating_sub(4).min(76);
    let height = wrapped_rows(lines, width)
        .saturating_add(2)
        .min(area.height.saturating_sub(2));
    Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    }
}

fn draw_box(
    frame: &mut Frame,
    rect: Rect,
    title: &str,
    lines: Vec<Line<'static>>,
    colour: Color,
    scroll: u16,
) {
    frame.render_widget(Clear, rect);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(colour))
        .title(Span::styled(
            format!(" {title} "),
            Style::new().fg(colour).add_modifier(Modifier::BOLD),
        ));
    frame.render_widget(
        Paragraph::new(Text::from(lines))
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
    );
}

fn dialog_content(
    view: &View,
    dialog: &Dialog,
    area: Rect,
) -> (&'static str, Vec<Line<'static>>, Color) {
    let step_id = |i: usize| {
        view.state
            .steps
            .get(i)
            .map(|s| s.id.clone())
            .unwrap_or_default()
    };
    match dialog {
        Dialog::ConfirmRun { index } if view.state.dry_run => (
            "Walk this step? (dry run)",
            command_lines(
                view,
                *index,
                "DRY RUN: y records the step as walked — the command does NOT run. n or Esc: not now.",
            ),
            Color::Magenta,
        ),
        Dialog::ConfirmRun { index } => (
            "Run this step?",
            command_lines(view, *index, "y runs it, n or Esc does not."),
            Color::Cyan,
        ),
        Dialog::TypeName { index, typed } => {
            let name = view
                .refs
                .get(*index)
                .and_then(|r| r.step.name.clone())
                .unwrap_or_default();
            let mut lines = command_lines(view, *index, "");
            let what = if view.state.dry_run {
                "to walk it (DRY RUN: it does not run)"
            } else {
                "to run it"
            };
            lines.push(Line::from(Span::styled(
                format!("This is a dangerous step. Type its name ({name}) {what}:"),
                Style::new().fg(Color::Red),
            )));
            lines.push(input_line(typed));
            ("Dangerous step", lines, Color::Red)
        }
        Dialog::Reason { purpose, text } => {
            let colour = if matches!(purpose, Purpose::Rollback | Purpose::Abort) {
                Color::Red
            } else {
                Color::Cyan
            };
            (
                purpose.question(),
                vec![
                    input_line(text),
                    Line::from(Span::styled(
                        "Enter records it, Esc cancels.",
                        Style::new().fg(Color::DarkGray),
                    )),
                ],
                colour,
            )
        }
        Dialog::Gate { index } => {
            let mut lines = gate_of(view, *index);
            lines.push(Line::default());
            lines.push(Line::from("g: GO    x: NO-GO    Esc: decide later"));
            ("Go / No-Go", lines, Color::Yellow)
        }
        Dialog::Batch { batch, batches, .. } => (
            "Next batch?",
            vec![
                Line::from(format!(
                    "Batch {batch} of {batches} is done: its hosts' results are on screen."
                )),
                Line::default(),
                Line::from(
                    "g: GO, start the next batch    x: NO-GO, stop the step here    Esc: later",
                ),
            ],
            Color::Yellow,
        ),
        Dialog::NoGo { index } => (
            "NO-GO",
            vec![
                Line::from(format!("NO-GO recorded at {}.", step_id(*index))),
                Line::from("b: roll back    a: abort the session    Esc: stay"),
            ],
            Color::Red,
        ),
        Dialog::Signoff { index, role, name } => signoff_content(view, *index, *role, name),
        Dialog::Jump { index } => (
            "Jump?",
            vec![Line::from(format!(
                "Make {} the current step? (recorded)",
                step_id(*index)
            ))],
            Color::Cyan,
        ),
        Dialog::CancelRun => (
            "Cancel?",
            vec![
                Line::from(format!(
                    "The running step is {}.",
                    view.state.running.map(step_id).unwrap_or_default()
                )),
                Line::from("Stop the running step and every process it started (TERM, then KILL)?"),
            ],
            Color::Red,
        ),
        Dialog::Quit { running: true } => (
            "Quit?",
            vec![
                Line::from("A step is running."),
                Line::from("c: cancel it and quit (the session stays resumable)    s: stay"),
            ],
            Color::Red,
        ),
        Dialog::Quit { running: false } => (
            "Quit?",
            vec![
                Line::from("l: leave — the session stays resumable (runbook resume)"),
                Line::from("a: abort — end the session as aborted"),
                Line::from("s: stay"),
            ],
            Color::Yellow,
        ),
        Dialog::Proposed { index } => super::proposed::proposed(view, *index),
        Dialog::Placeholder {
            index,
            placeholder,
            text,
        } => super::proposed::placeholder(view, *index, placeholder, text),
        Dialog::Warnings { scroll } => super::proposed::warnings(view, *scroll, area),
        Dialog::Choose { slot, selected } => (
            "CHOICE — one of them",
            crate::tui::choice_dialog::choice_lines(view, *slot, *selected),
            Color::Magenta,
        ),
    }
}

fn command_lines(view: &View, index: usize, hint: &str) -> Vec<Line<'static>> {
    let Some(StepKind::Run(run)) = view.refs.get(index).map(|r| &r.step.kind) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if !hint.is_empty() {
        lines.push(Line::from(Span::styled(
            hint.to_string(),
            Style::new().add_modifier(Modifier::BOLD),
        )));
        lines.push(Line::default());
    }
    let partial = view
        .state
        .steps
        .get(index)
        .and_then(crate::session::fleet_state::partial);
    if let Some(place) = crate::fleet::summary::where_it_runs_now(view.runbook, run, partial) {
        lines.push(Line::from(Span::styled(
            place,
            Style::new().fg(Color::Cyan),
        )));
    }
    let script = view.secrets.mask_str(&run.script);
    let all: Vec<&str> = script.lines().collect();
    let window = COMMAND_WINDOW;
    let top = view.app.dialog_scroll.min(all.len().saturating_sub(window));
    let dim = Style::new().fg(Color::DarkGray);
    if top > 0 {
        lines.push(Line::from(Span::styled(
            format!("  ↑ {top} lines above — PgUp"),
            dim,
        )));
    }
    lines.extend(all.iter().skip(top).take(window).map(|l| {
        Line::from(Span::styled(
            format!("$ {l}"),
            Style::new().fg(Color::Yellow),
        ))
    }));
    let below = all.len().saturating_sub(top + window);
    if below > 0 {
        lines.push(Line::from(Span::styled(
            format!("  ↓ {below} more lines — PgDn reads the whole command before you confirm"),
            dim,
        )));
    }
    lines
}

/// Command lines a confirmation shows at once; PgUp/PgDn scroll through the rest.
const COMMAND_WINDOW: usize = 12;

fn input_line(text: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled("> ", Style::new().fg(Color::Cyan)),
        Span::raw(text.to_string()),
        Span::styled("▏", Style::new().fg(Color::Cyan)),
    ])
}

fn gate_of(view: &View, index: usize) -> Vec<Line<'static>> {
    match (
        view.refs.get(index).map(|r| &r.step.kind),
        view.state.steps.get(index),
    ) {
        (Some(StepKind::Gate(gate)), Some(step)) => gate_lines(view, gate, step),
        _ => Vec::new(),
    }
}

/// A gate's criteria by group, and who has signed.
pub fn gate_lines(view: &View, gate: &GateStep, step: &StepState) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(
        view.text(&gate.title),
        Style::new().add_modifier(Modifier::BOLD),
    ))];
    let mut group: Option<&str> = None;
    for c in &gate.criteria {
        if c.group.as_deref() != group || (group.is_none() && lines.len() == 1) {
            group = c.group.as_deref();
            lines.push(Line::from(Span::styled(
                group.unwrap_or("Criteria").to_string(),
                Style::new().fg(Color::Blue),
            )));
        }
        lines.push(Line::from(format!("  • {}", view.text(&c.text))));
    }
    for s in &gate.signoffs {
        let signer = step.signers.iter().find(|x| x.role == s.role);
        let line = match signer {
            Some(x) => Line::from(Span::styled(
                format!("  ✍ {}: {} ({})", s.role, x.name, signed_from(x)),
                Style::new().fg(Color::Green),
            )),
            None => Line::from(format!(
                "  ☐ {}{}",
                s.role,
                if s.distinct {
                    " — a second person signs"
                } else {
                    ""
                }
            )),
        };
        lines.push(line);
    }
    if let Some(last) = step.rejections.last() {
        lines.push(Line::from(Span::styled(
            format!(
                "  ✗ {} by {} ({}) rejected: {}",
                last.signer.role,
                last.signer.name,
                signed_from(&last.signer),
                last.reason
            ),
            Style::new().fg(Color::Red),
        )));
    }
    if step.decision.is_none() {
        lines.extend(evidence_lines(view, &gate.evidence));
    }
    if let Some(decision) = step.decision {
        lines.push(Line::from(Span::styled(
            format!("decided: {}", decision.word()),
            Style::new().fg(Color::Yellow),
        )));
    }
    lines
}

/// The gate's evidence checks as they stand; this is what the decision will record.
fn evidence_lines(view: &View, names: &[String]) -> Vec<Line<'static>> {
    if names.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![Line::from(Span::styled(
        "Evidence (recorded with the decision)",
        Style::new().fg(Color::Blue),
    ))];
    let now = std::time::Instant::now();
    for name in names {
        let (state, colour) = match view.health.iter().find(|c| &c.name == name) {
            Some(check) => {
                let reason = check.last.as_ref().and_then(|s| s.reason.clone());
                (
                    evidence::of_check(check, reason, now),
                    super::health::status_style(check.status).1,
                )
            }
            None => (evidence::missing(), Color::DarkGray),
        };
        lines.push(Line::from(Span::styled(
            format!("  {}", evidence::describe(name, &state)),
            Style::new().fg(colour),
        )));
    }
    lines
}

/// `ana` for the driver's own sign-off, `bob via follower@host` for a follower's.
fn signed_from(signer: &Signer) -> String {
    if signer.via.is_empty() || signer.via == "driver" {
        signer.os_user.clone()
    } else {
        format!("{} via {}", signer.os_user, signer.via)
    }
}

fn signoff_content(
    view: &View,
    index: usize,
    role: usize,
    name: &str,
) -> (&'static str, Vec<Line<'static>>, Color) {
    let mut lines = gate_of(view, index);
    let Some(StepKind::Gate(gate)) = view.refs.get(index).map(|r| &r.step.kind) else {
        return ("Sign-off", lines, Color::Yellow);
    };
    lines.push(Line::default());
    match gate.signoffs.get(role) {
        Some(s) => {
            lines.push(Line::from(format!("Name signing as {}:", s.role)));
            if s.distinct {
                lines.push(Line::from(Span::styled(
                    "A second person signs this from their own terminal (runbook sign).",
                    Style::new().fg(Color::DarkGray),
                )));
            }
            lines.push(input_line(name));
        }
        None => lines.push(Line::from("Every role is signed. Enter records GO.")),
    }
    ("Sign-off", lines, Color::Yellow)
}

/// Every key of the walk, for `?`.
const LIVE_KEYS: &[(&str, &str)] = &[
    (
        "Enter",
        "act on the current step: run, decide, sign, start a wait",
    ),
    ("Space", "tick the current check"),
    ("s / m", "skip (with a reason) / mark done (with a reason)"),
    ("r", "retry a failed, cancelled or interrupted run step"),
    ("x", "cancel the running step (every process it started)"),
    ("e", "end a running wait early (with a reason)"),
    ("o", "run the selected reference step on demand"),
    (
        "b",
        "roll back: open the rollback procedure (with a reason)",
    ),
    ("n", "add a note to the selected step"),
    (
        "j k ↓ ↑ g G",
        "select steps and ¶ passages to read; Enter on another step jumps there (recorded)",
    ),
    (".", "back to the current step"),
    ("PgUp PgDn ^u ^d", "scroll output; f follows the tail again"),
    ("Home / End", "the output's first / last lines"),
    ("w / ← →", "wrap long output lines / scroll them sideways"),
    ("v", "view the shown step's whole output in $PAGER"),
    ("c", "copy the shown step's command (OSC 52)"),
    ("/", "search steps, sections and their text"),
    ("d", "read the whole document; d or Esc closes it"),
    ("p", "pause or resume the autopilot (--yes)"),
    ("q / Ctrl-C", "quit: leave (resumable) or abort"),
    ("?", "this help (↑ ↓ scroll it, other keys close it)"),
];

/// The help box listing `rows` of key and what it does, scrolled as the app says; when
/// the box cannot hold every row its title says which way the rest lies.
pub fn help(frame: &mut Frame, area: Rect, rows: &[(&str, &str)], app: &crate::tui::app::App) {
    let lines: Vec<Line<'static>> = rows
        .iter()
        .map(|(key, what)| {
            Line::from(vec![
                Span::styled(
                    format!("{key:>16}  "),
                    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
                ),
                Span::raw(what.to_string()),
            ])
        })
        .collect();
    let rect = box_rect(area, &lines);
    let room = wrapped_rows(&lines, rect.width).saturating_sub(rect.height.saturating_sub(2));
    app.help_room.set(room);
    let scroll = app.help_scroll.min(room);
    let title = match (scroll > 0, scroll < room) {
        (false, false) => "Keys".to_string(),
        (false, true) => "Keys · ↓ more".to_string(),
        (true, false) => "Keys · ↑ more".to_string(),
        (true, true) => "Keys · ↑↓ more".to_string(),
    };
    draw_box(frame, rect, &title, lines, Color::Blue, scroll);
}
