//! Steps the document means for another host but that would run here: blocks after one that
//! ends inside a session elsewhere (`oc debug node/x` alone in its block), and steps whose
//! introducing text names another host ("on the replica node", "in all etcd pods").

use crate::doc::model::*;
use crate::doc::sink::Sink;
use crate::doc::warning::Code;
use aho_corasick::AhoCorasick;
use regex::Regex;
use std::sync::OnceLock;

/// A session a block left open, with where it was opened.
struct Open {
    line: u32,
    opener: String,
    opens: String,
}

/// Warns on every step of `runbook` that prose or an open session places elsewhere.
pub fn mark(runbook: &Runbook, sink: &mut Sink) {
    let hint = if !runbook.meta.hosts.is_empty() {
        "; this runbook has `hosts:` — say where it runs with `on=HOST` on its fence"
    } else {
        ""
    };
    let mut open = None;
    visit(&runbook.sections, hint, &mut open, sink);
}

fn visit(sections: &[Section], hint: &str, open: &mut Option<Open>, sink: &mut Sink) {
    for section in sections {
        if !section.role.is_forward_path() {
            let mut inside = None;
            visit_section(section, hint, &mut inside, sink);
            continue;
        }
        visit_section(section, hint, open, sink);
    }
}

fn visit_section(section: &Section, hint: &str, open: &mut Option<Open>, sink: &mut Sink) {
    let first_run = section
        .steps
        .iter()
        .position(|s| matches!(s.kind, StepKind::Run(_)));
    for (index, step) in section.steps.iter().enumerate() {
        let StepKind::Run(run) = &step.kind else {
            continue;
        };
        let here = run.elsewhere.is_empty() && !run.fleet.is_remote();
        if let Some(session) = open.as_ref().filter(|_| here) {
            sink.warn_line(step.line, Code::AfterElsewhere, format!(
                "this block follows `{}` (line {}), which opens {} in a block of its own: if it is meant for there, put it in that block — as written it runs here, on this machine",
                session.opener, session.line, session.opens
            ));
        }
        if let Some(session) = run.elsewhere.last() {
            *open = session.left_open.then(|| Open {
                line: step.line,
                opener: session.opener.clone(),
                opens: session.opens.clone(),
            });
        }
        if !run.elsewhere.is_empty() || run.fleet.is_remote() || goes_there_itself(&run.script) {
            continue;
        }
        let intro = introduction(section, index);
        let named = names_another_host(intro).or_else(|| {
            (first_run == Some(index))
                .then(|| names_another_host(&section.title))
                .flatten()
        });
        if let Some(phrase) = named {
            sink.warn_line(step.line, Code::OtherHost, format!(
                "the text before this step says it is meant for another host (\"{phrase}\"): it runs here, on this machine{hint}"
            ));
        }
    }
    visit(&section.sections, hint, open, sink);
}

/// The last paragraph of the prose right before step `index`.
fn introduction(section: &Section, index: usize) -> &str {
    section
        .prose
        .iter()
        .rev()
        .find(|p| p.before_step == index)
        .map_or("", |p| {
            p.markdown
                .rsplit("\n\n")
                .next()
                .unwrap_or(p.markdown.as_str())
        })
}

/// Commands that reach the other host themselves: `ssh host cmd`, `kubectl exec`.
fn goes_there_itself(script: &str) -> bool {
    script.lines().any(|l| {
        let t = l.trim_start().trim_start_matches("sudo ");
        t.starts_with("ssh ")
            || t.starts_with("pdsh ")
            || t.starts_with("ansible ")
            || t.contains(" exec ")
            || t.starts_with("oc rsh ")
            || t.starts_with("salt ")
    })
}

/// The nouns of a place, looked for before the full pattern runs.
const PLACES: &[&str] = &[
    "node",
    "host",
    "server",
    "machine",
    "replica",
    "primary",
    "standby",
    "member",
    "instance",
    "vm",
    "bastion",
    "pod",
    "container",
    "broker",
    "worker",
    "leader",
    "controller",
    "master",
];

/// The phrase of `text` that places a command on another host, if any.
pub fn names_another_host(text: &str) -> Option<String> {
    static NOUNS: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let nouns = NOUNS.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(PLACES)
            .ok()
    });
    if !nouns.as_ref().is_some_and(|n| n.is_match(text)) {
        return None;
    }
    static PATTERN: OnceLock<Option<Regex>> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        Regex::new(
            r"(?i)\bfrom\s+(?:the|that|this|a|an|your)\s+(?:[\w./-]+\s+){0,2}(?:pods?|containers?|bastion|nodes?)\b(\s+\w+)?|\b(?:on|in|inside|into|within)\s+(?:the|that|this|each|every|all|a|an|one|another|any|both|other|your)\s+(?:[\w./-]+\s+){0,3}(?:nodes?|hosts?|servers?|machines?|replicas?|primary|standby|members?|instances?|vms?|bastion|pods?|containers?|brokers?|workers?|leader|controllers?|masters?)\b(\s+\w+)?",
        )
        .ok()
    });
    let found = pattern.as_ref()?.captures_iter(text).find(|c| {
        let next = next_word(c)
            .map_or("", |m| m.as_str().trim())
            .to_lowercase();
        !NOT_A_PLACE.contains(&next.as_str())
    })?;
    let whole = found.get(0)?.as_str();
    let phrase = match next_word(&found) {
        Some(next) => &whole[..whole.len() - next.as_str().len()],
        None => whole,
    };
    Some(phrase.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The word after the place, from whichever alternative of the pattern matched.
fn next_word<'t>(c: &regex::Captures<'t>) -> Option<regex::Match<'t>> {
    c.get(1).or_else(|| c.get(2))
}

/// Words after "pod", "node"… that make it a thing rather than a place ("the pod spec").
const NOT_A_PLACE: &[&str] = &[
    "spec",
    "list",
    "status",
    "labels",
    "label",
    "selector",
    "count",
    "name",
    "names",
    "image",
    "registry",
    "logs",
    "log",
    "events",
    "metrics",
    "template",
    "definition",
    "object",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_that_places_a_command_elsewhere() {
        for (text, phrase) in [
            ("Run this on the replica node:", "on the replica node"),
            (
                "Defragment in all etcd pods, one at a time.",
                "in all etcd pods",
            ),
            (
                "On a control plane node, check the version:",
                "On a control plane node",
            ),
            (
                "From the debug pod, switch to the host's root:",
                "From the debug pod",
            ),
            (
                "SSH into the primary and stop the service.",
                "into the primary",
            ),
            (
                "Then, on each worker, restart the kubelet.",
                "on each worker",
            ),
            ("From inside the debug pod, run:", "inside the debug pod"),
        ] {
            assert_eq!(names_another_host(text).as_deref(), Some(phrase), "{text}");
        }
        for text in [
            "Look at what takes the space:",
            "Check the pod status on your laptop.",
            "Scale the deployment down to zero replicas.",
            "Set the image in the pod spec to the new tag.",
            "Drain the node before the upgrade.",
            "Start it again; Patroni takes a new base backup from the leader:",
        ] {
            assert_eq!(names_another_host(text), None, "{text}");
        }
    }
}
