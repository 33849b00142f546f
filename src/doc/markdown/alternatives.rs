//! Sections that are alternatives by their headings — "Option 1 / 2 / 3", "Method A / B",
//! "Alternative: …", "If you use …", "Either … / Or …", or siblings that each name a
//! platform ("AWS", "GCP", "Azure") — become a choice whose options they are.

use super::classify::plain_words;
use crate::doc::model::{Section, SectionRole};
use crate::doc::sink::Sink;
use crate::doc::warning::Code;

/// What in a heading makes it one alternative among its siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// "Option 1", "Method B", "Approach 2".
    Numbered,
    /// "Alternative: …", "Alternatively …": the sibling before it is the other option.
    Alternative,
    /// "If you use Helm", "When using systemd": an option even alone (it may not apply).
    Conditional,
    /// "Either …" and the "Or …" after it.
    EitherOr,
    /// The section just before an "Alternative" or "Or" heading.
    Pulled,
    /// A heading that only names a platform, among siblings that do too.
    Platform,
}

const NUMBERED: &[&str] = &[
    "option",
    "method",
    "approach",
    "alternative",
    "variant",
    "way",
    "choice",
];

const ORDINALS: &[&str] = &[
    "one", "two", "three", "four", "five", "first", "second", "third",
];

/// Words a platform heading is made of ("Ubuntu, Debian or HypriotOS", "AWS (ECS/EKS)").
const PLATFORM_WORDS: &[&str] = &[
    "almalinux",
    "alpine",
    "amazon",
    "apt",
    "arch",
    "aws",
    "azure",
    "bare",
    "binary",
    "brew",
    "centos",
    "cloud",
    "compose",
    "debian",
    "digitalocean",
    "dnf",
    "docker",
    "fedora",
    "freebsd",
    "gcp",
    "google",
    "helm",
    "homebrew",
    "hypriotos",
    "k8s",
    "kubernetes",
    "linux",
    "mac",
    "macos",
    "metal",
    "nomad",
    "npm",
    "openshift",
    "opensuse",
    "osx",
    "pip",
    "podman",
    "premises",
    "raspbian",
    "rhel",
    "rocky",
    "sles",
    "snap",
    "source",
    "suse",
    "systemd",
    "ubuntu",
    "windows",
    "yarn",
    "yum",
    "zypper",
];

const CONNECTORS: &[&str] = &["or", "and", "on", "with", "using", "via", "the", "from"];

fn form_of(title: &str) -> Option<Form> {
    let words = plain_words(title);
    let first = words.first()?.as_str();
    let second = words.get(1).map(String::as_str);
    let numbered = second.is_some_and(|w| {
        (w.len() == 1 && w.chars().all(|c| c.is_ascii_alphanumeric()))
            || w.chars().all(|c| c.is_ascii_digit())
            || ORDINALS.contains(&w)
    });
    if NUMBERED.contains(&first) && numbered {
        return Some(Form::Numbered);
    }
    if first == "alternative" || first == "alternatively" {
        return Some(Form::Alternative);
    }
    if first == "either" || first == "or" {
        return Some(Form::EitherOr);
    }
    let conditional = (first == "if"
        && matches!(second, Some("you" | "you're" | "using" | "your")))
        || (first == "when" && second == Some("using"));
    if conditional {
        return Some(Form::Conditional);
    }
    is_platform(title).then_some(Form::Platform)
}

/// A heading that says when its section applies ("If you use Patroni", "When using
/// systemd"): a choice of such sections may also be "none of these".
pub fn is_condition(title: &str) -> bool {
    form_of(title) == Some(Form::Conditional)
}

/// Only platform names, once parentheses are dropped: "AWS (ECS/EKS)", "macOS", "Debian or Ubuntu".
fn is_platform(title: &str) -> bool {
    let mut outside = String::new();
    let mut depth = 0;
    for c in title.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => outside.push(c),
            _ => {}
        }
    }
    let words = plain_words(&outside);
    let named: Vec<&String> = words
        .iter()
        .filter(|w| !CONNECTORS.contains(&w.as_str()))
        .collect();
    !named.is_empty() && named.iter().all(|w| PLATFORM_WORDS.contains(&w.as_str()))
}

/// Marks every run of alternative sections in the tree as a choice.
pub fn mark(sections: &mut Vec<Section>, sink: &mut Sink) {
    group(sections, None, sink);
}

fn group(children: &mut Vec<Section>, parent: Option<&mut Section>, sink: &mut Sink) {
    let mut forms: Vec<Option<Form>> = children
        .iter()
        .map(|s| match s.role {
            SectionRole::Choice | SectionRole::Option => None,
            _ => form_of(&s.title),
        })
        .collect();
    join_earlier_choices(children, &mut forms, sink);
    for i in 1..forms.len() {
        let after_plain = forms[i - 1].is_none() && children[i - 1].role != SectionRole::Choice;
        if matches!(forms[i], Some(Form::Alternative | Form::EitherOr)) && after_plain {
            forms[i - 1] = Some(Form::Pulled);
        }
    }
    let runs = runs_of(&forms);
    let whole = runs.len() == 1 && runs[0] == (0..children.len());
    match parent {
        Some(p) if whole && p.role == SectionRole::Forward => {
            p.role = SectionRole::Choice;
            for child in children.iter_mut() {
                child.role = SectionRole::Option;
            }
            warn(children, &forms, p.line, sink);
        }
        _ => {
            for run in runs.into_iter().rev() {
                let options: Vec<Section> = children.drain(run.clone()).collect();
                let choice = wrap(options, &forms[run.clone()], sink);
                children.insert(run.start, choice);
            }
        }
    }
    for child in children.iter_mut() {
        let mut grandchildren = std::mem::take(&mut child.sections);
        group(&mut grandchildren, Some(child), sink);
        child.sections = grandchildren;
    }
}

/// "Alternative: …" or "Or …" right after a choice (a set of tabs) is one more option of it.
fn join_earlier_choices(
    children: &mut Vec<Section>,
    forms: &mut Vec<Option<Form>>,
    sink: &mut Sink,
) {
    let mut i = 1;
    while i < children.len() {
        let joins = matches!(forms[i], Some(Form::Alternative | Form::EitherOr))
            && children[i - 1].role == SectionRole::Choice;
        if !joins {
            i += 1;
            continue;
        }
        let mut option = children.remove(i);
        forms.remove(i);
        option.role = SectionRole::Option;
        let choice = &mut children[i - 1];
        sink.warn_line(
            option.line,
            Code::Choice,
            format!(
                "\"{}\" is one more alternative to the choice above it (line {}): its last option",
                option.title, choice.line
            ),
        );
        if choice.title.starts_with("Choose one: ") {
            choice.title = format!("{} / {}", choice.title, option.title);
        }
        choice.sections.push(option);
    }
}

/// Which alternatives may stand together in one choice.
fn family(form: Form) -> u8 {
    match form {
        Form::Platform => 1,
        Form::Conditional => 2,
        _ => 0,
    }
}

/// Runs of neighbouring alternatives of one family (numbered, conditional, platform); two
/// or more, or a single conditional.
fn runs_of(forms: &[Option<Form>]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < forms.len() {
        let Some(first) = forms[i] else {
            i += 1;
            continue;
        };
        let mut end = i + 1;
        while end < forms.len() && forms[end].is_some_and(|f| family(f) == family(first)) {
            end += 1;
        }
        if end - i >= 2 || first == Form::Conditional {
            runs.push(i..end);
        }
        i = end;
    }
    runs
}

fn wrap(mut options: Vec<Section>, forms: &[Option<Form>], sink: &mut Sink) -> Section {
    let first = &options[0];
    let (line, level) = (first.line, first.level);
    let titles: Vec<&str> = options.iter().map(|s| s.title.as_str()).collect();
    let title = format!("Choose one: {}", titles.join(" / "));
    warn(&options, forms, line, sink);
    for option in &mut options {
        option.role = SectionRole::Option;
    }
    Section {
        title,
        line,
        level,
        role: SectionRole::Choice,
        day: None,
        prose: Vec::new(),
        steps: Vec::new(),
        sections: options,
    }
}

fn warn(options: &[Section], forms: &[Option<Form>], line: u32, sink: &mut Sink) {
    let titles: Vec<String> = options.iter().map(|s| format!("\"{}\"", s.title)).collect();
    let why = if forms.iter().all(|f| *f == Some(Form::Platform)) {
        "each names a platform"
    } else if forms.contains(&Some(Form::Numbered)) {
        "they are numbered options"
    } else if forms.contains(&Some(Form::Conditional)) {
        "each says when it applies"
    } else {
        "they offer alternatives"
    };
    let message = if options.len() == 1 {
        format!(
            "the section {} applies only when it says so: a choice of it or nothing; the walk runs it only if chosen",
            titles[0]
        )
    } else {
        format!(
            "sections {} are alternatives ({why}): a choice; the walk runs only the one chosen",
            titles.join(", ")
        )
    };
    sink.warn_line(line, Code::Choice, message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_that_name_an_alternative() {
        for (title, form) in [
            (
                "Option 1: Docker Compose (Development/Staging)",
                Form::Numbered,
            ),
            ("Option B", Form::Numbered),
            ("Method A — rolling restart", Form::Numbered),
            ("2. Approach two", Form::Numbered),
            ("Alternative: build from source", Form::Alternative),
            ("Alternatively, restore the snapshot", Form::Alternative),
            ("If you use Patroni", Form::Conditional),
            ("If you're on Kubernetes", Form::Conditional),
            ("When using systemd", Form::Conditional),
            ("Either: promote the standby", Form::EitherOr),
            ("Or rebuild the member", Form::EitherOr),
            ("AWS (ECS/EKS)", Form::Platform),
            ("Ubuntu, Debian or HypriotOS", Form::Platform),
            ("macOS", Form::Platform),
        ] {
            assert_eq!(form_of(title), Some(form), "{title}");
        }
        for title in [
            "Optional (Nice to Have)",
            "Options",
            "Methodology",
            "If the disk is full",
            "Deployment Methods",
            "Backend API",
            "Docker Compose deployment of the backend",
        ] {
            assert_eq!(form_of(title), None, "{title}");
        }
    }

    #[test]
    fn runs_need_two_options_or_a_condition() {
        use Form::*;
        assert_eq!(
            runs_of(&[None, Some(Numbered), Some(Numbered), None]),
            vec![1..3]
        );
        assert_eq!(runs_of(&[Some(Numbered), None, Some(Numbered)]).len(), 0);
        assert_eq!(runs_of(&[Some(Conditional), None]), vec![0..1]);
        assert_eq!(
            runs_of(&[
                Some(Platform),
                Some(Platform),
                Some(Numbered),
                Some(Numbered)
            ]),
            vec![0..2, 2..4]
        );
        assert_eq!(runs_of(&[Some(Platform), None]).len(), 0);
        assert_eq!(
            runs_of(&[Some(Numbered), Some(Numbered), Some(Conditional)]),
            vec![0..2, 2..3]
        );
    }
}
