//! Gates placed after the work they approve: a Go/No-Go or sign-off gate that comes
//! after every forward command (seeds 000, 002) is asked before the first one, and says
//! it was moved. `gates: in-place` keeps the document's order.

use crate::doc::model::*;
use crate::doc::sink::Sink;
use crate::doc::warning::Code;

/// A step's place: the path of its section and its index there.
type Place = (Vec<usize>, usize);

/// Moves late gates before the first forward command.
pub fn place(runbook: &mut Runbook, sink: &mut Sink) {
    if runbook.meta.gates_in_place || !has_forward_gate(&runbook.sections) {
        return;
    }
    let mut order: Vec<(Place, u32, Kind)> = Vec::new();
    collect(&runbook.sections, &mut Vec::new(), &mut order);
    mark_gates_in_options(&runbook.sections, &mut order);
    let runs: Vec<usize> = (0..order.len())
        .filter(|&i| order[i].2 == Kind::Run)
        .collect();
    let target = match runs.first() {
        Some(&first) => first,
        None => match order.iter().position(|o| o.2 == Kind::ChangeStart) {
            Some(first) => first,
            None => return,
        },
    };
    let last_run = runs.last().copied().unwrap_or(target);
    let late: Vec<usize> = (0..order.len())
        .filter(|&i| order[i].2 == Kind::Gate && i > last_run && i > target)
        .collect();
    if late.is_empty() {
        return;
    }
    let (target_place, target_line) = (
        outside_options(&runbook.sections, &order[target].0),
        order[target].1,
    );
    let why = if runs.is_empty() {
        format!(
            "comes after the deployment it approves: it is asked before the deployment starts (line {target_line})"
        )
    } else {
        format!(
            "comes after every forward command: it is asked before the first one (line {target_line})"
        )
    };
    let mut moved = Vec::new();
    for &i in late.iter().rev() {
        let ((path, index), _, _) = &order[i];
        let section = section_mut(&mut runbook.sections, path);
        moved.push(section.steps.remove(*index));
    }
    moved.reverse();
    let section = section_mut(&mut runbook.sections, &target_place.0);
    for (offset, mut step) in moved.into_iter().enumerate() {
        if let StepKind::Gate(gate) = &mut step.kind {
            gate.moved_from_line = Some(step.line);
            let what = if gate.signoffs.is_empty() {
                "Go/No-Go gate"
            } else {
                "sign-off"
            };
            sink.warn_line(
                step.line,
                Code::GateMoved,
                format!("this {what} {why}; `gates: in-place` in the front matter keeps it here"),
            );
        }
        section.steps.insert(target_place.1 + offset, step);
    }
}

fn has_forward_gate(sections: &[Section]) -> bool {
    sections.iter().any(|s| {
        s.role.is_forward_path()
            && (s
                .steps
                .iter()
                .any(|step| matches!(step.kind, StepKind::Gate(_)))
                || has_forward_gate(&s.sections))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Run,
    Gate,
    /// The first step of a section whose heading names the change itself (used when
    /// the document has no command).
    ChangeStart,
    Other,
}

fn collect(sections: &[Section], path: &mut Vec<usize>, out: &mut Vec<(Place, u32, Kind)>) {
    for (i, section) in sections.iter().enumerate() {
        if !section.role.is_forward_path() {
            continue;
        }
        path.push(i);
        let change = names_the_change(&section.title);
        for (n, step) in section.steps.iter().enumerate() {
            let kind = match &step.kind {
                StepKind::Run(_) => Kind::Run,
                StepKind::Gate(_) => Kind::Gate,
                _ if change && n == 0 => Kind::ChangeStart,
                _ => Kind::Other,
            };
            out.push(((path.clone(), n), step.line, kind));
        }
        if change && section.steps.is_empty() {
            mark_first_step(&section.sections, path, out);
        } else {
            collect(&section.sections, path, out);
        }
        path.pop();
    }
}

/// A gate inside an option belongs to that alternative: it stays where it is.
fn mark_gates_in_options(sections: &[Section], order: &mut [(Place, u32, Kind)]) {
    for ((path, _), _, kind) in order.iter_mut() {
        if *kind == Kind::Gate && option_depth(sections, path).is_some() {
            *kind = Kind::Other;
        }
    }
}

/// How many sections deep the first option on `path` is.
fn option_depth(sections: &[Section], path: &[usize]) -> Option<usize> {
    let mut level = sections;
    for (depth, &i) in path.iter().enumerate() {
        let section = level.get(i)?;
        if section.role == SectionRole::Option {
            return Some(depth);
        }
        level = &section.sections;
    }
    None
}

/// A place inside an option is moved to the start of its choice: asked whichever is chosen.
fn outside_options(sections: &[Section], place: &Place) -> Place {
    match option_depth(sections, &place.0) {
        Some(depth) => (place.0[..depth].to_vec(), 0),
        None => place.clone(),
    }
}

/// Under a heading that names the change, its first step (at any depth) starts it.
fn mark_first_step(sections: &[Section], path: &mut Vec<usize>, out: &mut Vec<(Place, u32, Kind)>) {
    let before = out.len();
    collect(sections, path, out);
    if let Some(first) = out[before..].iter_mut().find(|o| o.2 == Kind::Other) {
        first.2 = Kind::ChangeStart;
    }
}

/// "Deployment Execution", "Deploy", "Rollout", "Cutover", "Release" — not "Pre-Deployment".
fn names_the_change(title: &str) -> bool {
    let lower = title.to_lowercase();
    if lower.contains("pre-")
        || lower.contains("post-")
        || lower.contains("before")
        || lower.contains("after")
    {
        return false;
    }
    [
        "deploy",
        "execution",
        "rollout",
        "roll out",
        "cutover",
        "cut-over",
        "go-live",
        "release",
        "upgrade",
        "migration",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

fn section_mut<'a>(sections: &'a mut [Section], path: &[usize]) -> &'a mut Section {
    let (first, rest) = path.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
    let mut section = &mut sections[first];
    for &i in rest {
        section = &mut section.sections[i];
    }
    section
}
