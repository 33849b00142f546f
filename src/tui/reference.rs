//! Reference steps (FAQ, troubleshooting) on the full screen: the walk never reaches
//! them; the operator selects one in the tree and `o` runs it on demand, after the same
//! confirmation as any run step. The log records the run as on demand.

use super::app::{App, Ctx, Effect};
use super::dialog::Dialog;
use crate::doc::model::{Confirm, StepKind};

/// `o`: run the selected reference step on demand.
pub fn run_on_demand(app: &mut App, ctx: &Ctx) -> Vec<Effect> {
    let index = app.selected;
    let reference = ctx.state.steps.get(index).is_some_and(|s| s.reference);
    let kind = ctx.refs.get(index).map(|r| &r.step.kind);
    app.message = Some(match kind {
        _ if !reference => {
            "o runs a reference step (FAQ, troubleshooting) on demand: select one in the tree"
                .into()
        }
        _ if ctx.step_running() => "a step is running: x cancels it first".into(),
        Some(StepKind::Run(run)) => {
            app.dialog = Some(if run.confirm == Confirm::Danger {
                Dialog::TypeName {
                    index,
                    typed: String::new(),
                }
            } else {
                Dialog::ConfirmRun { index }
            });
            return Vec::new();
        }
        _ => "this reference step has no command to run: read it here".into(),
    });
    Vec::new()
}

/// Why Enter does not move the walk to the selected step, if it is off the walk.
pub fn off_the_walk(ctx: &Ctx, index: usize) -> Option<String> {
    let step = ctx.state.steps.get(index)?;
    if step.reference {
        return Some("that step is reference material: o runs it on demand".into());
    }
    ctx.state
        .why_not_chosen(index)
        .map(|why| format!("that step's option was not chosen ({why})"))
}
