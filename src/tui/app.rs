//! The screen's own state — selection, dialogs, scroll — and what each key
//! does: a pure function from a key and the session state to commands, which
//! the runtime hands to the engine. Enter answers what the conductor asks at the
//! current step, in the dialog that fits the question. Nothing here does IO.

use super::dialog::{Dialog, Purpose};
use crate::doc::model::{Confirm, StepKind, StepRef};
use crate::session::clock::Now;
use crate::session::conductor::{Here, Next, Policy, Prompt};
use crate::session::health_board::HealthBoard;
use crate::session::state::{Kind, SessionState, Status};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What the operator asked the session to do: the engine's commands.
pub use crate::session::input::Command as Effect;

/// What the handler needs to know about the session (read-only).
pub struct Ctx<'a> {
    pub refs: &'a [StepRef<'a>],
    pub state: &'a SessionState,
    pub running: bool,
}

impl Ctx<'_> {
    /// What the current step's kind asks of the operator at the wheel (the conductor's
    /// rules for it, whatever else — a rollback prompt — is open).
    pub fn step_prompt(&self) -> Option<Next> {
        let health = HealthBoard::default();
        let here = Here {
            refs: self.refs,
            state: self.state,
            health: &health,
            now: Now::system(),
            arrived: None,
            sign_command: "",
        };
        if self.state.walk_finished() {
            return None;
        }
        let at = here.at(self.state.cursor)?;
        Some(at.step_next(&Policy::default()))
    }

    /// Whether a step is running: a run in flight, or a step on hosts between its
    /// batches (no host runs, yet the step is not over).
    pub fn step_running(&self) -> bool {
        self.running
            || self.state.running.is_some_and(|i| {
                self.state
                    .steps
                    .get(i)
                    .is_some_and(|s| s.fleet.is_some() && s.kind == Kind::Run)
            })
    }
}

/// The screen's state.
#[derive(Debug, Clone, Default)]
pub struct App {
    /// The step shown in the centre (and highlighted in the tree).
    pub selected: usize,
    /// The selection moves with the walk.
    pub follow_walk: bool,
    /// Output lines scrolled back from the end (0 = following the tail).
    pub scroll: u16,
    pub dialog: Option<Dialog>,
    pub help: bool,
    /// Rows the help is scrolled, and the most the last drawn help box allowed.
    pub help_scroll: u16,
    pub help_room: std::cell::Cell<u16>,
    /// Autopilot (`--yes`) paused by the operator.
    pub paused: bool,
    pub message: Option<String>,
    /// Text typed after `/`.
    pub search: Option<String>,
    pub quit: bool,
    /// A step that just finished stays in view until the next key.
    pub hold: bool,
    /// A command to put on the clipboard (`c`), for the screen to send.
    pub clipboard: Option<String>,
    /// A step whose whole output to open in `$PAGER` (`o`), for the screen to do.
    pub page_out: Option<usize>,
    /// Output lines wrap at the pane's width (`w`), else they are cut.
    pub wrap: bool,
    /// Columns the cut output is scrolled sideways (← →).
    pub sideways: u16,
    /// How far the command in an open confirmation is scrolled (PgUp/PgDn).
    pub dialog_scroll: usize,
    /// The whole document is shown in the centre (`d`), scrolled as it says.
    pub reading: Option<super::reading::Reading>,
    /// The host row picked in a step on hosts (Tab), and whether its output is open (Enter).
    pub host_row: Option<usize>,
    pub host_open: bool,
}

impl App {
    pub fn new(cursor: usize) -> Self {
        App {
            selected: cursor,
            follow_walk: true,
            ..App::default()
        }
    }

    /// Keeps `index` (a step that just finished) in view until the next key.
    pub fn hold_on(&mut self, index: usize) {
        self.selected = index;
        self.hold = true;
    }

    /// Keeps the selection on the walk's current step while following it.
    pub fn sync_selection(&mut self, state: &SessionState) {
        if self.follow_walk && !self.hold && state.cursor < state.steps.len() {
            if self.selected != state.cursor {
                self.host_row = None;
                self.host_open = false;
            }
            self.selected = state.cursor;
        }
    }
}

/// Handles one key; returns what the session should do.
pub fn handle_key(app: &mut App, key: KeyEvent, ctx: &Ctx) -> Vec<Effect> {
    app.message = None;
    // Keys typed in one burst: the selection follows the walk as the screen would show it.
    app.sync_selection(ctx.state);
    if app.help {
        super::help::key(app, key);
        return Vec::new();
    }
    if let Some(dialog) = app.dialog.take() {
        if super::dialog::scrolls_command(app, &dialog, key, ctx) {
            app.dialog = Some(dialog);
            return Vec::new();
        }
        let effects = super::dialog::dialog_key(app, dialog, key, ctx);
        if app.dialog.is_none() {
            app.dialog_scroll = 0;
        }
        return effects;
    }
    if app.search.is_some() {
        search_key(app, key, ctx);
        return Vec::new();
    }
    if super::reading::key(app, key) {
        return Vec::new();
    }
    if let Some(prompt) = &ctx.state.rollback_prompt
        && let Some(effects) = rollback_prompt_key(app, key, ctx, prompt)
    {
        return effects;
    }
    if app.hold && !scrolls(key) {
        app.hold = false;
        app.sync_selection(ctx.state);
        if key.code == KeyCode::Enter {
            return Vec::new();
        }
    }
    normal_key(app, key, ctx)
}

/// Keys that only move the output: a finished step stays on screen through them.
fn scrolls(key: KeyEvent) -> bool {
    matches!(
        key.code,
        KeyCode::PageUp | KeyCode::PageDown | KeyCode::Home | KeyCode::End
    )
}

/// The keys that act on the current step; refused (with a word naming both steps) while
/// another step is shown, so a key never acts on a step that is not on screen.
fn acts_elsewhere(app: &mut App, key: KeyEvent, ctx: &Ctx) -> bool {
    let acting = matches!(key.code, KeyCode::Char(' ' | 's' | 'm' | 'r' | 'e'));
    if !acting || app.selected == ctx.state.cursor || ctx.state.walk_finished() {
        return false;
    }
    let id = |i: usize| {
        ctx.state
            .steps
            .get(i)
            .map(|s| s.id.clone())
            .unwrap_or_default()
    };
    let shown = id(app.selected);
    let current = id(ctx.state.cursor);
    let what = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        _ => String::new(),
    };
    app.message = Some(format!(
        "{what} acts on the current step {current}, not on {shown} shown here: . goes back to {current}, Enter makes {shown} current"
    ));
    true
}

fn normal_key(app: &mut App, key: KeyEvent, ctx: &Ctx) -> Vec<Effect> {
    let fleet = ctx
        .state
        .steps
        .get(app.selected)
        .and_then(|s| s.fleet.as_ref());
    if super::host_rows::key(app, &key, fleet) {
        return Vec::new();
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if acts_elsewhere(app, key, ctx) {
        return Vec::new();
    }
    let last = ctx.state.steps.len().saturating_sub(1);
    match key.code {
        KeyCode::Char('c') if ctrl => return quit(app, ctx),
        KeyCode::Char('q') => return quit(app, ctx),
        KeyCode::Char('?') => app.help = true,
        KeyCode::Down | KeyCode::Char('j') => select(app, (app.selected + 1).min(last)),
        KeyCode::Up | KeyCode::Char('k') => select(app, app.selected.saturating_sub(1)),
        KeyCode::Char('g') => select(app, 0),
        KeyCode::Char('G') => select(app, last),
        KeyCode::Home => app.scroll = u16::MAX,
        KeyCode::End => app.scroll = 0,
        KeyCode::Char('.') => {
            app.follow_walk = true;
            app.sync_selection(ctx.state);
        }
        KeyCode::PageUp => app.scroll = app.scroll.saturating_add(10),
        KeyCode::PageDown => app.scroll = page_down(app, ctx),
        KeyCode::Char('u') if ctrl => app.scroll = app.scroll.saturating_add(10),
        KeyCode::Char('d') if ctrl => app.scroll = page_down(app, ctx),
        KeyCode::Char('f') => app.scroll = 0,
        KeyCode::Char('/') => app.search = Some(String::new()),
        KeyCode::Char('p') => {
            app.paused = !app.paused;
            app.message = Some(if app.paused {
                "autopilot paused — p resumes".into()
            } else {
                "autopilot resumed".into()
            });
        }
        KeyCode::Char('n') => app.dialog = Some(Dialog::reason(Purpose::Note(Some(app.selected)))),
        KeyCode::Char('b') => return rollback(app, ctx),
        KeyCode::Char('c') if !ctrl => copy_command(app, ctx),
        KeyCode::Char('v') => app.page_out = Some(app.selected),
        KeyCode::Char('w') => {
            app.wrap = !app.wrap;
            app.sideways = 0;
        }
        KeyCode::Right => app.sideways = app.sideways.saturating_add(8),
        KeyCode::Left => app.sideways = app.sideways.saturating_sub(8),
        KeyCode::Enter if app.selected != ctx.state.cursor => jump(app, ctx),
        KeyCode::Enter => return act(app, ctx),
        KeyCode::Char(' ') => return tick_check(app, ctx),
        KeyCode::Char('s') => with_current(app, ctx, |i| Dialog::reason(Purpose::Skip(i))),
        KeyCode::Char('m') => with_current(app, ctx, |i| Dialog::reason(Purpose::MarkDone(i))),
        KeyCode::Char('r') => return retry(app, ctx),
        KeyCode::Char('e') => return end_wait(app, ctx),
        KeyCode::Char('x') if ctx.step_running() => app.dialog = Some(Dialog::CancelRun),
        KeyCode::Char('o') => return super::reference::run_on_demand(app, ctx),
        _ => {}
    }
    Vec::new()
}

/// `c`: the command of the step on screen, for the clipboard.
fn copy_command(app: &mut App, ctx: &Ctx) {
    let shown = ctx.refs.get(app.selected);
    match shown.map(|r| (&r.step.kind, r.id())) {
        Some((StepKind::Run(run), id)) => {
            app.clipboard = Some(run.script.trim_end().to_string());
            app.message = Some(format!(
                "the command of {id} was sent to the clipboard (OSC 52)"
            ));
        }
        _ => app.message = Some("c copies the command of a run step".into()),
    }
}

/// A page towards the tail, from no further back than the shown output goes (after Home).
fn page_down(app: &App, ctx: &Ctx) -> u16 {
    let held = match ctx.state.steps.get(app.selected) {
        Some(step) if !app.host_open => step.tail.line_count(),
        _ => usize::MAX,
    };
    let held = u16::try_from(held).unwrap_or(u16::MAX);
    app.scroll.min(held).saturating_sub(10)
}

fn select(app: &mut App, index: usize) {
    app.selected = index;
    app.follow_walk = false;
    app.scroll = 0;
    app.host_row = None;
    app.host_open = false;
}

fn quit(app: &mut App, ctx: &Ctx) -> Vec<Effect> {
    if ctx.state.walk_finished() && !ctx.step_running() {
        app.quit = true;
        return vec![Effect::Finish];
    }
    app.dialog = Some(Dialog::Quit {
        running: ctx.step_running(),
    });
    Vec::new()
}

fn rollback(app: &mut App, ctx: &Ctx) -> Vec<Effect> {
    if ctx.state.in_rollback {
        app.message = Some("already in the rollback procedure".into());
    } else if !ctx.state.steps.iter().any(|s| s.rollback) {
        app.message = Some("this runbook has no rollback steps".into());
    } else if ctx.step_running() {
        app.message = Some("a step is running: x cancels it first".into());
    } else {
        app.dialog = Some(Dialog::reason(Purpose::Rollback));
    }
    Vec::new()
}

/// Keys of the `rollback_if` prompt; `None` lets other keys (moving, quitting, cancelling) through.
fn rollback_prompt_key(
    app: &mut App,
    key: KeyEvent,
    ctx: &Ctx,
    prompt: &str,
) -> Option<Vec<Effect>> {
    match key.code {
        KeyCode::Char('b') if ctx.step_running() => {
            app.message = Some("a step is running: x cancels it, then b rolls back".into());
            Some(Vec::new())
        }
        KeyCode::Char('b') => Some(vec![Effect::EnterRollback {
            reason: format!("{prompt} (rollback prompt accepted)"),
        }]),
        KeyCode::Char('c') if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            app.dialog = Some(Dialog::reason(Purpose::DeclineRollback));
            Some(Vec::new())
        }
        // Looking around, cancelling the running step and quitting stay possible.
        KeyCode::Up
        | KeyCode::Down
        | KeyCode::PageUp
        | KeyCode::PageDown
        | KeyCode::Home
        | KeyCode::End => None,
        KeyCode::Char('j' | 'k' | 'g' | 'G' | '.' | '?' | 'q' | 'x' | 'f') => None,
        KeyCode::Char('c') => None,
        _ => {
            // The box holds every other key: nothing beneath it starts while it is open.
            app.message = Some("ROLL BACK? is open: b rolls back, c continues (asks why)".into());
            Some(Vec::new())
        }
    }
}

fn jump(app: &mut App, ctx: &Ctx) {
    if ctx.step_running() {
        app.message = Some("a step is running; jump when it has finished".into());
    } else if let Some(why) = super::reference::off_the_walk(ctx, app.selected) {
        app.message = Some(why);
    } else if ctx
        .state
        .steps
        .get(app.selected)
        .is_some_and(|s| s.rollback != ctx.state.in_rollback)
    {
        app.message = Some(if ctx.state.in_rollback {
            "that step is on the forward path".into()
        } else {
            "that step is in the rollback procedure: b enters rollback".into()
        });
    } else {
        app.dialog = Some(Dialog::Jump {
            index: app.selected,
        });
    }
}

/// Opens a dialog about the current step, when no step is running.
fn with_current(app: &mut App, ctx: &Ctx, dialog: impl FnOnce(usize) -> Dialog) {
    if ctx.step_running() {
        app.message = Some("a step is running: x cancels it".into());
    } else if ctx.state.walk_finished() {
        app.message = Some("the walk is over: q ends the session".into());
    } else {
        app.dialog = Some(dialog(ctx.state.cursor));
    }
}

/// Enter on the current step: the answer to what its kind asks, or the dialog for it.
fn act(app: &mut App, ctx: &Ctx) -> Vec<Effect> {
    if ctx.state.warnings_pending() {
        app.dialog = Some(Dialog::Warnings { scroll: 0 });
        return Vec::new();
    }
    let index = ctx.state.cursor;
    let (Some(step), Some(next)) = (ctx.state.steps.get(index), ctx.step_prompt()) else {
        app.message = Some("the walk is over: q ends the session".into());
        return Vec::new();
    };
    // Between the batches of a step on hosts no host runs: the step's own rules answer.
    if ctx.running {
        app.message = Some("a step is running: x cancels it".into());
        return Vec::new();
    }
    let Next::Ask(prompt) = next else {
        if step.kind == Kind::Wait && step.status == Status::Running {
            app.message = Some("waiting: e ends the wait early".into());
        } else if ctx.step_running() {
            app.message = Some("between batches: x cancels the step".into());
        }
        return Vec::new();
    };
    match prompt {
        Prompt::Run {
            confirm: Confirm::None,
            again: false,
            ..
        } if step.status == Status::Pending => return vec![Effect::Run { index }],
        Prompt::Run {
            confirm: Confirm::Danger,
            ..
        } => {
            app.dialog = Some(Dialog::TypeName {
                index,
                typed: String::new(),
            })
        }
        Prompt::Failed { .. } if step.kind == Kind::Wait => {
            app.message = Some(format!(
                "the wait {} failed: r waits again, s skips it (with a reason), b rolls back",
                step.id
            ));
        }
        Prompt::Run { .. } | Prompt::Failed { .. } => {
            app.dialog = Some(Dialog::ConfirmRun { index })
        }
        Prompt::Check { .. } => return vec![Effect::ConfirmCheck { index }],
        Prompt::Wait { .. } => return vec![Effect::StartWait { index }],
        Prompt::Note { .. } => {
            return vec![Effect::MarkDone {
                index,
                reason: "read".into(),
            }];
        }
        Prompt::Gate { .. } => app.dialog = Some(Dialog::Gate { index }),
        Prompt::Batch { batch, batches, .. } => {
            app.dialog = Some(Dialog::Batch {
                index,
                batch,
                batches,
            })
        }
        Prompt::NoGo { .. } => app.dialog = Some(Dialog::NoGo { index }),
        Prompt::Signoff { .. } => {
            if let Some(StepKind::Gate(gate)) = ctx.refs.get(index).map(|r| &r.step.kind) {
                app.dialog = Some(Dialog::first_signoff(index, gate, step));
            }
        }
        Prompt::Proposed { .. } => app.dialog = Some(Dialog::Proposed { index }),
        Prompt::Placeholder { placeholder, .. } => {
            app.dialog = Some(Dialog::Placeholder {
                index,
                placeholder,
                text: String::new(),
            })
        }
        Prompt::Choose { choice, .. } => {
            app.dialog = Some(Dialog::Choose {
                slot: choice,
                selected: 0,
            })
        }
        Prompt::Rollback { .. } | Prompt::Warnings => {}
    }
    Vec::new()
}

fn tick_check(app: &mut App, ctx: &Ctx) -> Vec<Effect> {
    let index = ctx.state.cursor;
    match ctx.refs.get(index).map(|r| &r.step.kind) {
        Some(StepKind::Check(_)) if !ctx.step_running() => vec![Effect::ConfirmCheck { index }],
        _ => {
            app.message = Some("space ticks the current check".into());
            Vec::new()
        }
    }
}

fn retry(app: &mut App, ctx: &Ctx) -> Vec<Effect> {
    let index = ctx.state.cursor;
    let retryable = matches!(
        ctx.state.steps.get(index).map(|s| s.status),
        Some(Status::Failed | Status::TimedOut | Status::Cancelled | Status::Interrupted)
    );
    match ctx.refs.get(index).map(|r| &r.step.kind) {
        Some(StepKind::Run(_)) if retryable && !ctx.step_running() => vec![Effect::Run { index }],
        Some(StepKind::Wait(_)) if retryable && !ctx.step_running() => {
            vec![Effect::StartWait { index }]
        }
        _ => {
            app.message = Some("r retries a failed step".into());
            Vec::new()
        }
    }
}

fn end_wait(app: &mut App, ctx: &Ctx) -> Vec<Effect> {
    let index = ctx.state.cursor;
    let waiting = ctx
        .state
        .steps
        .get(index)
        .is_some_and(|s| s.kind == Kind::Wait && s.status == Status::Running);
    if waiting {
        app.dialog = Some(Dialog::reason(Purpose::EndWait(index)));
    } else {
        app.message = Some("e ends a running wait early".into());
    }
    Vec::new()
}

fn search_key(app: &mut App, key: KeyEvent, ctx: &Ctx) {
    let Some(text) = app.search.as_mut() else {
        return;
    };
    match key.code {
        KeyCode::Esc => app.search = None,
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) => text.push(c),
        KeyCode::Enter => {
            let needle = text.to_lowercase();
            app.search = None;
            let found = (1..=ctx.refs.len())
                .map(|k| (app.selected + k) % ctx.refs.len().max(1))
                .find(|&i| step_text(&ctx.refs[i]).to_lowercase().contains(&needle));
            match found {
                Some(index) => select(app, index),
                None => app.message = Some(format!("no step matches “{needle}”")),
            }
        }
        _ => {}
    }
}

/// What `/` searches: the step's section title and its own text.
pub fn step_text(r: &StepRef) -> String {
    let own = match &r.step.kind {
        StepKind::Run(run) => run.script.clone(),
        StepKind::Check(c) => c.text.clone(),
        StepKind::Gate(g) => g.title.clone(),
        StepKind::Note(n) => n.text.clone(),
        StepKind::Wait(_) => "wait".into(),
    };
    format!(
        "{} {} {own}",
        r.step.name.as_deref().unwrap_or(""),
        r.section.title
    )
}
