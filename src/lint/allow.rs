//! Silencing findings: `# runbook: allow RB003` in a block (that step), `<!-- runbook: allow
//! RB005 -->` in a section's text (that section and those under it), or `lint: {allow:
//! [RB001]}` in the front matter (the whole file). `all` silences every rule.

use super::rules::{ALL, Rule};
use crate::doc::model::*;
use std::collections::HashMap;

/// The rules named after `runbook: allow` anywhere in `text`.
pub fn allowed_in(text: &str) -> Vec<Rule> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for (at, _) in lower.match_indices("runbook:") {
        let rest = lower[at + "runbook:".len()..].trim_start();
        let Some(codes) = rest.strip_prefix("allow") else {
            continue;
        };
        for word in codes
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
        {
            if word == "all" {
                out.extend_from_slice(ALL);
            } else if let Some(rule) = Rule::from_code(word) {
                out.push(rule);
            } else {
                break;
            }
        }
    }
    out
}

/// The rules a file's front matter allows: `lint: {allow: [RB001, RB007]}` (or a string).
pub fn file_allows(runbook: &Runbook) -> Vec<Rule> {
    let Some((_, lint)) = runbook.meta.foreign.iter().find(|(k, _)| k == "lint") else {
        return Vec::new();
    };
    let codes: Vec<String> = match lint.get("allow") {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(serde_json::Value::String(s)) => s
            .split(|c: char| c.is_whitespace() || c == ',')
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    codes
        .iter()
        .flat_map(|c| {
            if c.eq_ignore_ascii_case("all") {
                ALL.to_vec()
            } else {
                Rule::from_code(c).into_iter().collect()
            }
        })
        .collect()
}

/// What a step's own block allows: comments in its script or its transcript.
pub fn step_allows(step: &Step) -> Vec<Rule> {
    let StepKind::Run(run) = &step.kind else {
        return Vec::new();
    };
    let mut out = allowed_in(&run.script);
    for line in &run.transcript {
        if let TranscriptLine::Output(text) = line {
            out.extend(allowed_in(text));
        }
    }
    out
}

/// For each section (by heading line), what it and the sections around it allow.
pub fn section_allows(sections: &[Section]) -> HashMap<u32, Vec<Rule>> {
    let mut out = HashMap::new();
    walk(sections, &[], &mut out);
    out
}

fn walk(sections: &[Section], inherited: &[Rule], out: &mut HashMap<u32, Vec<Rule>>) {
    for section in sections {
        let mut allowed = inherited.to_vec();
        for prose in &section.prose {
            allowed.extend(allowed_in(&prose.markdown));
        }
        walk(&section.sections, &allowed, out);
        out.entry(section.line).or_default().extend(allowed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_comments() {
        assert_eq!(
            allowed_in("# runbook: allow RB003"),
            [Rule::DestructiveWithoutGate]
        );
        assert_eq!(
            allowed_in("<!-- runbook: allow rb005, RB006 -->"),
            [Rule::GateWithoutCriteria, Rule::EmptyRollback]
        );
        assert_eq!(allowed_in("# runbook: allow all").len(), ALL.len());
        assert!(allowed_in("# runbook allows nothing here").is_empty());
        assert_eq!(
            allowed_in(
                "kubectl delete ns x  # runbook: allow RB002 because it is a scratch namespace"
            ),
            [Rule::DestructiveWithoutRollback]
        );
    }
}
