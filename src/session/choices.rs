//! The runbook's choices as the walk meets them: which steps each option holds, whether
//! a choice is a condition ("If you use Patroni": it may be "none of these"), and which
//! option the operator's `--choose TITLE` names.

use crate::doc::model::{Runbook, Section, SectionRole};
use std::ops::Range;

/// What `--choose` says for a condition that does not apply.
pub const NONE_OF_THESE: &str = "none";

/// One choice of the runbook with steps in its options.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The section's number, as `show` gives it (`4`, `4.3.1`): the choice's name in the log.
    pub id: String,
    pub title: String,
    /// Every option says when it applies: "none of these" is an answer too.
    pub condition: bool,
    pub options: Vec<ChoiceOption>,
    /// The steps of all its options, in document order.
    pub steps: Range<usize>,
}

/// One option of a choice and its steps (those of nested sections included).
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceOption {
    pub title: String,
    pub steps: Range<usize>,
}

/// What was chosen at a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen {
    Option(usize),
    /// The choice is a condition that does not apply.
    NoneOfThese,
}

impl Choice {
    /// The answers, as the operator reads them: each option's title, then "none of these"
    /// for a condition.
    pub fn answers(&self) -> Vec<String> {
        let mut answers: Vec<String> = self.options.iter().map(|o| o.title.clone()).collect();
        if self.condition {
            answers.push("none of these".into());
        }
        answers
    }

    /// The option titles in quotes, for messages: `'Option 1: Compose', 'Option 2: K8s'`.
    pub fn quoted_options(&self) -> String {
        let quoted: Vec<String> = self
            .options
            .iter()
            .map(|o| format!("'{}'", o.title))
            .collect();
        quoted.join(", ")
    }

    /// The option at answer `n` of [`Choice::answers`].
    pub fn answer(&self, n: usize) -> Option<Chosen> {
        if n < self.options.len() {
            Some(Chosen::Option(n))
        } else if self.condition && n == self.options.len() {
            Some(Chosen::NoneOfThese)
        } else {
            None
        }
    }

    /// The option `wanted` names, if exactly one does: its whole title, or the start of
    /// its title or of what follows "Option 2:" (case does not matter).
    pub fn named(&self, wanted: &str) -> Result<Option<usize>, String> {
        let wanted = wanted.trim().to_lowercase();
        let exact: Vec<usize> = self.matching(|t| t == wanted);
        if exact.len() == 1 {
            return Ok(exact.first().copied());
        }
        let prefixed = self.matching(|t| t.starts_with(&wanted));
        match prefixed.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            _ => Err(format!(
                "--choose '{wanted}' fits more than one option of \"{}\": {}",
                self.title,
                self.quoted_options()
            )),
        }
    }

    fn matching(&self, fits: impl Fn(&str) -> bool) -> Vec<usize> {
        let mut found = Vec::new();
        for (i, option) in self.options.iter().enumerate() {
            let title = option.title.to_lowercase();
            let after_label = title.split_once(':').map(|(_, rest)| rest.trim());
            if fits(&title) || after_label.is_some_and(&fits) {
                found.push(i);
            }
        }
        found
    }

    /// What the `--choose` values say here: `Ok(None)` when none of them names an option.
    pub fn picked(&self, choose: &[String]) -> Result<Option<Chosen>, String> {
        let mut picked: Option<usize> = None;
        for wanted in choose {
            match (self.named(wanted)?, picked) {
                (Some(a), Some(b)) if a != b => {
                    return Err(format!(
                        "--choose names two options of \"{}\": '{}' and '{}'",
                        self.title, self.options[b].title, self.options[a].title
                    ));
                }
                (Some(a), _) => picked = Some(a),
                (None, _) => {}
            }
        }
        let none = self.condition
            && choose
                .iter()
                .any(|c| c.trim().eq_ignore_ascii_case(NONE_OF_THESE));
        Ok(match picked {
            Some(i) => Some(Chosen::Option(i)),
            None if none => Some(Chosen::NoneOfThese),
            None => None,
        })
    }
}

/// `choice "Deployment Methods": "Option 2: Kubernetes" (by the operator); not chosen: …`.
pub fn told(title: &str, option: Option<&str>, not_chosen: &[String], via: &str) -> String {
    let picked = match option {
        Some(option) => format!("\"{option}\""),
        None => "none of these".into(),
    };
    let who = if via == "operator" {
        "by the operator".to_string()
    } else {
        format!("by {via}")
    };
    let others: Vec<String> = not_chosen.iter().map(|o| format!("\"{o}\"")).collect();
    let others = if others.is_empty() {
        String::new()
    } else {
        format!("; not chosen: {}", others.join(", "))
    };
    format!("choice \"{title}\": {picked} ({who}){others}")
}

/// Every choice of `runbook` whose options hold steps, outermost first, in document order.
pub fn of(runbook: &Runbook) -> Vec<Choice> {
    let mut out = Vec::new();
    let mut next_step = 0;
    collect(&runbook.sections, &mut Vec::new(), &mut next_step, &mut out);
    out
}

fn collect(
    sections: &[Section],
    path: &mut Vec<usize>,
    next_step: &mut usize,
    out: &mut Vec<Choice>,
) {
    for (i, section) in sections.iter().enumerate() {
        path.push(i);
        *next_step += section.steps.len();
        if section.role == SectionRole::Choice {
            let slot = out.len();
            let start = *next_step;
            let mut options = Vec::new();
            for (j, option) in section.sections.iter().enumerate() {
                path.push(j);
                let from = *next_step;
                *next_step += option.steps.len();
                collect(&option.sections, path, next_step, out);
                options.push(ChoiceOption {
                    title: option.title.clone(),
                    steps: from..*next_step,
                });
                path.pop();
            }
            if *next_step > start {
                let choice = Choice {
                    id: number(path),
                    title: section.title.clone(),
                    condition: options
                        .iter()
                        .all(|o| crate::doc::markdown::is_condition(&o.title)),
                    options,
                    steps: start..*next_step,
                };
                out.insert(slot, choice);
            }
        } else {
            collect(&section.sections, path, next_step, out);
        }
        path.pop();
    }
}

/// `4.3.1` from the path of indices `[3, 2, 0]`.
fn number(path: &[usize]) -> String {
    let parts: Vec<String> = path.iter().map(|i| (i + 1).to_string()).collect();
    parts.join(".")
}

/// Checks `--choose` values against the runbook before the walk: each must name an option
/// of some choice (or be `none`, where a choice is a condition), and none may name two
/// options of one choice. The error lists the options.
pub fn check_choose(choices: &[Choice], choose: &[String]) -> Result<(), String> {
    for choice in choices {
        choice.picked(choose)?;
    }
    for wanted in choose {
        let is_none = wanted.trim().eq_ignore_ascii_case(NONE_OF_THESE);
        let named = choices
            .iter()
            .any(|c| matches!(c.named(wanted), Ok(Some(_))) || (is_none && c.condition));
        if !named {
            return Err(unknown(choices, wanted));
        }
    }
    Ok(())
}

fn unknown(choices: &[Choice], wanted: &str) -> String {
    if choices.is_empty() {
        return format!("--choose '{wanted}': this runbook has no choices");
    }
    let mut lines = vec![format!(
        "--choose '{wanted}' names no option of this runbook; the options are:"
    )];
    for choice in choices {
        lines.push(format!("  {} {}:", choice.id, choice.title));
        for answer in choice.answers() {
            let answer = if answer == "none of these" {
                format!("{NONE_OF_THESE} (none of these)")
            } else {
                answer
            };
            lines.push(format!("    {answer}"));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::path::Path;

    fn load(text: &str) -> Runbook {
        crate::doc::load_bytes(text.as_bytes(), Path::new("t.md")).unwrap()
    }

    const THREE: &str = "# Deploy\n\n## Build\n\n```bash\necho build\n```\n\n\
        ## Option 1: Docker Compose\n\n```bash\necho one\n```\n\n\
        ## Option 2: Kubernetes\n\n```bash\necho two\n```\n\n```bash\necho two-b\n```\n\n\
        ## Option 3: Cloud\n\n```bash\necho three\n```\n\n## Verify\n\n```bash\necho verify\n```\n";

    #[test]
    fn options_hold_their_steps() {
        let choices = of(&load(THREE));
        assert_eq!(choices.len(), 1);
        let choice = &choices[0];
        assert!(!choice.condition);
        let ranges: Vec<_> = choice.options.iter().map(|o| o.steps.clone()).collect();
        assert_eq!(ranges, vec![1..2, 2..4, 4..5]);
        assert_eq!(choice.steps, 1..5);
        assert_eq!(choice.answers().len(), 3);
    }

    #[test]
    fn choose_names_an_option_by_title_or_prefix() {
        let choice = &of(&load(THREE))[0];
        assert_eq!(choice.named("option 2: kubernetes"), Ok(Some(1)));
        assert_eq!(choice.named("Kube"), Ok(Some(1)));
        assert_eq!(choice.named("option 3"), Ok(Some(2)));
        assert_eq!(choice.named("nomad"), Ok(None));
        assert!(choice.named("option").is_err(), "a prefix of all three");
        assert_eq!(
            choice.picked(&["docker".into()]),
            Ok(Some(Chosen::Option(0)))
        );
        assert!(choice.picked(&["docker".into(), "cloud".into()]).is_err());
    }

    #[test]
    fn unknown_choose_lists_the_options() {
        let choices = of(&load(THREE));
        let error = check_choose(&choices, &["nomad".into()]).unwrap_err();
        assert!(error.contains("'nomad' names no option"), "{error}");
        assert!(error.contains("Option 2: Kubernetes"), "{error}");
        assert!(check_choose(&choices, &["kubernetes".into()]).is_ok());
        assert!(check_choose(&choices, &["none".into()]).is_err());
    }

    #[test]
    fn a_condition_may_be_none_of_these() {
        let text = "# Failover\n\n## Stop\n\n```bash\necho stop\n```\n\n\
            ## If you use Patroni\n\n```bash\necho patroni\n```\n\n## Start\n\n```bash\necho start\n```\n";
        let choices = of(&load(text));
        assert_eq!(choices.len(), 1);
        assert!(choices[0].condition);
        assert_eq!(choices[0].answers().last().unwrap(), "none of these");
        assert_eq!(
            choices[0].picked(&["NONE".into()]),
            Ok(Some(Chosen::NoneOfThese))
        );
        assert_eq!(choices[0].answer(1), Some(Chosen::NoneOfThese));
        assert!(check_choose(&choices, &["none".into()]).is_ok());
    }

    #[test]
    fn nested_choices_come_after_the_one_holding_them() {
        let text = "# D\n\n## Option 1: Local\n\n```bash\necho local\n```\n\n\
            ## Option 2: Cloud\n\n### AWS\n\n```bash\necho aws\n```\n\n### GCP\n\n```bash\necho gcp\n```\n";
        let choices = of(&load(text));
        assert_eq!(choices.len(), 2, "{choices:?}");
        assert_eq!(choices[0].steps, 0..3);
        assert_eq!(choices[1].steps, 1..3);
        assert!(choices[1].id.len() > choices[0].id.len());
    }
}
