//! The days of a plan (PRODUCT.md §1.5): which sections make up each day, which are the
//! plan's preflight (before the first day) and which belong to every day (rollback, reference).

pub mod json;
pub mod marker;
pub mod pick;
pub mod walk;
pub mod year;

use super::model::{Runbook, Section, SectionRole};
use chrono::{DateTime, Utc};
use marker::Marker;

/// One day (or week, stage, date) of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    /// 1-based, in document order.
    pub index: usize,
    /// `Day 7`, `Week 1 · Day 3-4`, `Stage 1 · Jan 8, 09:00 UTC`.
    pub label: String,
    /// The heading that names the day.
    pub title: String,
    pub line: u32,
    /// When the day may start (a dated day), in UTC.
    pub not_before: Option<DateTime<Utc>>,
    /// A date is written but no year can be known (no `year:`/`date:`, no dated line).
    pub year_unknown: bool,
}

/// Which part of a plan a section belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Belongs {
    /// Before the first day: walked with the first day that runs.
    Preflight,
    /// Its own steps are the day's (0-based index into `Days::days`).
    Day(usize),
    /// Rollback and reference sections, and sections without steps before the first
    /// day or after the last: available on every day.
    Every,
}

/// A plan's days and where every section belongs (empty when the plan has no days).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Days {
    pub days: Vec<Day>,
    /// Every section by its path (indices from the top, as `StepRef::section_path`).
    pub sections: Vec<(Vec<usize>, Belongs)>,
}

impl Days {
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    /// Where the section at `path` belongs; `None` for an unknown path or a plan without days.
    pub fn belongs(&self, path: &[usize]) -> Option<Belongs> {
        self.sections
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, b)| *b)
    }

    /// The day a section's own steps belong to.
    pub fn day_of(&self, path: &[usize]) -> Option<&Day> {
        match self.belongs(path)? {
            Belongs::Day(i) => self.days.get(i),
            _ => None,
        }
    }
}

/// A section where a day starts: its path, marker, and the label of the day it splits.
struct Start {
    path: Vec<usize>,
    label: String,
    title: String,
    line: u32,
    marker: Marker,
}

/// Reads the days of `runbook`.
pub fn plan_days(runbook: &Runbook) -> Days {
    let starts = day_starts(runbook);
    if starts.is_empty() {
        return Days::default();
    }
    let anchor = year::anchor(runbook);
    let days: Vec<Day> = starts
        .iter()
        .enumerate()
        .map(|(i, start)| {
            let date = start.marker.date;
            let not_before = date.and_then(|d| year::instant(&d, anchor));
            Day {
                index: i + 1,
                label: start.label.clone(),
                title: start.title.clone(),
                line: start.line,
                not_before,
                year_unknown: date.is_some() && not_before.is_none(),
            }
        })
        .collect();
    let mut sections = Vec::new();
    let mut current = None;
    assign(
        &runbook.sections,
        &mut Vec::new(),
        &starts,
        &mut current,
        &mut sections,
    );
    Days { days, sections }
}

fn assign(
    list: &[Section],
    path: &mut Vec<usize>,
    starts: &[Start],
    current: &mut Option<usize>,
    out: &mut Vec<(Vec<usize>, Belongs)>,
) {
    for (i, section) in list.iter().enumerate() {
        path.push(i);
        if !section.role.is_forward_path() {
            every(section, path, out);
            path.pop();
            continue;
        }
        if let Some(day) = starts.iter().position(|s| s.path == *path) {
            *current = Some(day);
        } else if let Some(first_inside) = starts.iter().position(|s| s.path.starts_with(path)) {
            // A heading above days (`Deployment Steps`): its own words open the first day in it.
            if current.is_none_or(|c| c < first_inside) {
                *current = Some(first_inside);
            }
        }
        if outside_every_day(path, starts, *current) && !has_steps(section) {
            // Words to read before or after the days (prerequisites, success criteria,
            // contacts) are reference for every day.
            every(section, path, out);
            path.pop();
            continue;
        }
        let belongs = current.map_or(Belongs::Preflight, Belongs::Day);
        out.push((path.clone(), belongs));
        assign(&section.sections, path, starts, current, out);
        path.pop();
    }
}

/// Before the first day, or after the last day's own subsection and holding no day.
fn outside_every_day(path: &[usize], starts: &[Start], current: Option<usize>) -> bool {
    if starts.iter().any(|s| s.path.starts_with(path)) {
        return false;
    }
    match current {
        None => true,
        Some(day) => day + 1 == starts.len() && !path.starts_with(&starts[day].path),
    }
}

/// Whether the section or any section inside it has a step.
fn has_steps(section: &Section) -> bool {
    !section.steps.is_empty() || section.sections.iter().any(has_steps)
}

fn every(section: &Section, path: &mut Vec<usize>, out: &mut Vec<(Vec<usize>, Belongs)>) {
    out.push((path.clone(), Belongs::Every));
    for (i, child) in section.sections.iter().enumerate() {
        path.push(i);
        every(child, path, out);
        path.pop();
    }
}

/// Where each day starts, in document order.
fn day_starts(runbook: &Runbook) -> Vec<Start> {
    let explicit = explicit_starts(&runbook.sections, &mut Vec::new());
    if !explicit.is_empty() {
        return explicit;
    }
    let Some(group) = first_group(&runbook.sections, &mut Vec::new()) else {
        return Vec::new();
    };
    let mut starts = Vec::new();
    for (path, marker) in group {
        let section = section_at(&runbook.sections, &path);
        let Some(section) = section else { continue };
        split(section, path, marker, "", &mut starts);
    }
    let last_line = starts.last().map_or(0, |s| s.line);
    starts.extend(dated_sections(
        &runbook.sections,
        &mut Vec::new(),
        last_line,
    ));
    starts
}

/// A day section whose children are days themselves (a week of days) becomes those days.
fn split(section: &Section, path: Vec<usize>, marker: Marker, outer: &str, out: &mut Vec<Start>) {
    let mut inner = marked_children(section, &path);
    if let [(_, only)] = inner.as_slice() {
        // `Stage 3 (Jan 12-13)` with one `100% (Jan 12, 09:00 UTC)` inside: one day, the finer time.
        if only.date.is_some() {
            let named = marker::counted_label(&section.title).unwrap_or(marker.label);
            let only = inner.remove(0).1;
            let label = join(outer, &join(&named, &only.label));
            out.push(Start {
                path,
                label,
                title: section.title.clone(),
                line: section.line,
                marker: only,
            });
            return;
        }
    }
    let label = join(outer, &marker.label);
    if inner.len() < 2 {
        out.push(Start {
            path,
            label,
            title: section.title.clone(),
            line: section.line,
            marker,
        });
        return;
    }
    let outer = join(
        outer,
        &marker::counted_label(&section.title).unwrap_or(marker.label),
    );
    for (child_path, child_marker) in inner {
        let Some(child) = child_path.last().and_then(|i| section.sections.get(*i)) else {
            continue;
        };
        split(child, child_path, child_marker, &outer, out);
    }
}

fn join(outer: &str, inner: &str) -> String {
    if outer.is_empty() {
        inner.to_string()
    } else {
        format!("{outer} · {inner}")
    }
}

fn marked_children(section: &Section, path: &[usize]) -> Marked {
    section
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| s.role.is_forward_path())
        .filter_map(|(i, s)| {
            let mut child = path.to_vec();
            child.push(i);
            marker::marker(&s.title).map(|m| (child, m))
        })
        .collect()
}

/// Sections that name a day, by path, with what they name.
type Marked = Vec<(Vec<usize>, Marker)>;

/// The first list of sibling headings (by document order) where at least two name a day.
fn first_group(list: &[Section], path: &mut Vec<usize>) -> Option<Marked> {
    let mut candidates: Vec<(u32, Marked)> = Vec::new();
    collect_groups(list, path, &mut candidates);
    candidates
        .into_iter()
        .min_by_key(|(line, _)| *line)
        .map(|(_, group)| group)
}

fn collect_groups(list: &[Section], path: &mut Vec<usize>, out: &mut Vec<(u32, Marked)>) {
    let marked: Vec<(Vec<usize>, Marker, u32)> = list
        .iter()
        .enumerate()
        .filter(|(_, s)| s.role == SectionRole::Forward)
        .filter_map(|(i, s)| {
            let mut p = path.clone();
            p.push(i);
            marker::marker(&s.title).map(|m| (p, m, s.line))
        })
        .collect();
    if marked.len() >= 2 {
        let line = marked.first().map_or(0, |(_, _, l)| *l);
        out.push((line, marked.into_iter().map(|(p, m, _)| (p, m)).collect()));
        return;
    }
    for (i, section) in list.iter().enumerate() {
        if section.role != SectionRole::Forward {
            continue;
        }
        path.push(i);
        collect_groups(&section.sections, path, out);
        path.pop();
    }
}

/// After the days, a section whose prose has its own `Date:` line (`Go-Live Declaration`).
fn dated_sections(list: &[Section], path: &mut Vec<usize>, after: u32) -> Vec<Start> {
    let mut out = Vec::new();
    for (i, section) in list.iter().enumerate() {
        path.push(i);
        let dated = (section.role == SectionRole::Forward && section.line > after)
            .then(|| date_line(section))
            .flatten();
        if let Some(marker) = dated {
            out.push(Start {
                path: path.clone(),
                label: marker.label.clone(),
                title: section.title.clone(),
                line: section.line,
                marker,
            });
        }
        if section.role == SectionRole::Forward {
            out.extend(dated_sections(&section.sections, path, after));
        }
        path.pop();
    }
    out
}

fn date_line(section: &Section) -> Option<Marker> {
    section.prose.iter().find_map(|p| {
        p.markdown.lines().find_map(|line| {
            let text = line.trim().trim_start_matches(['*', '_', '-', ' ']);
            let rest = text.strip_prefix("Date")?;
            let value = rest.trim_start_matches(['*', '_', ':', ' ']);
            marker::marker(value).filter(|m| m.date.is_some())
        })
    })
}

/// Sections with an explicit `day:` (YAML): each starts a day, in document order.
fn explicit_starts(list: &[Section], path: &mut Vec<usize>) -> Vec<Start> {
    let mut out = Vec::new();
    for (i, section) in list.iter().enumerate() {
        path.push(i);
        if let Some(day) = &section.day {
            let marker = marker::marker(day).unwrap_or(Marker {
                label: day.clone(),
                date: None,
            });
            out.push(Start {
                path: path.clone(),
                label: day.clone(),
                title: section.title.clone(),
                line: section.line,
                marker,
            });
        }
        out.extend(explicit_starts(&section.sections, path));
        path.pop();
    }
    out
}

/// The section at `path`.
pub fn section_at<'r>(list: &'r [Section], path: &[usize]) -> Option<&'r Section> {
    let (first, rest) = path.split_first()?;
    let section = list.get(*first)?;
    if rest.is_empty() {
        Some(section)
    } else {
        section_at(&section.sections, rest)
    }
}

#[cfg(test)]
mod tests;
