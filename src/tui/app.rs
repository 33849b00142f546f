//! The screen's own state — selection, dialogs, scroll — and what each key
//! does: a pure function from a key and the session state to commands, which
//! the runtime hands to the engine. Keys that act go to [`super::act`]; moving
//! through the tree and reading passages to [`super::passage`]. Nothing here does IO.

use super::act;
use super::dialog::{Dialog, Purpose};
use super::passage::{Move, PassageView};
use crate::doc::model::{Runbook, StepKind, StepRef};
use crate::session::clock::Now;
use crate::session::conductor::{Here, Next, Policy};
use crate::session::health_board::HealthBoard;
use crate::session::state::{Kind, SessionState};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What the operator asked the session to do: the engine's commands.
pub use crate::session::input::Command as Effect;

/// What the handler needs to know about the session (read-only).
pub struct Ctx<'a> {
    /// The document: its preamble and sections without steps are in the tree too.
    pub runbook: &'a Runbook,
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
    /// A passage to read (the preamble, a section without steps) shown instead of a step.
    pub passage: Option<PassageView>,
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
        self.passage = None;
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
            self.passage = None;
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
        super::search::key(app, key, ctx);
        return Vec::new();
    }
    if super::reading::key(app, key) {
        return Vec::new();
    }
    if let Some(prompt) = &ctx.state.rollback_prompt
        && let Some(effects) = act::rollback_prompt_key(app, key, ctx, prompt)
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
    if super::passage::key(app, key, ctx) {
        return Vec::new();
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
    match key.code {
        KeyCode::Char('c') if ctrl => return act::quit(app, ctx),
        KeyCode::Char('q') => return act::quit(app, ctx),
        KeyCode::Char('?') => app.help = true,
        KeyCode::Down | KeyCode::Char('j') => super::passage::step(app, ctx, Move::Next),
        KeyCode::Up | KeyCode::Char('k') => super::passage::step(app, ctx, Move::Previous),
        KeyCode::Char('g') => super::passage::step(app, ctx, Move::First),
        KeyCode::Char('G') => super::passage::step(app, ctx, Move::Last),
        KeyCode::Home => app.scroll = u16::MAX,
        KeyCode::End => app.scroll = 0,
        KeyCode::Char('.') => super::passage::back_to_the_walk(app, ctx),
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
        KeyCode::Char('b') => return act::rollback(app, ctx),
        KeyCode::Char('c') if !ctrl => copy_command(app, ctx),
        KeyCode::Char('v') => app.page_out = Some(app.selected),
        KeyCode::Char('w') => {
            app.wrap = !app.wrap;
            app.sideways = 0;
        }
        KeyCode::Right => app.sideways = app.sideways.saturating_add(8),
        KeyCode::Left => app.sideways = app.sideways.saturating_sub(8),
        KeyCode::Enter if app.selected != ctx.state.cursor => act::jump(app, ctx),
        KeyCode::Enter => return act::act(app, ctx),
        KeyCode::Char(' ') => return act::tick_check(app, ctx),
        KeyCode::Char('s') => act::with_current(app, ctx, |i| Dialog::reason(Purpose::Skip(i))),
        KeyCode::Char('m') => act::with_current(app, ctx, |i| Dialog::reason(Purpose::MarkDone(i))),
        KeyCode::Char('r') => return act::retry(app, ctx),
        KeyCode::Char('e') => return act::end_wait(app, ctx),
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
