//! Rules that decide what a heading means in a runbook.
//!
//! Rollback: a heading containing "rollback" (or "roll back") starts a rollback
//! section — off the forward path — unless it is *about* rollback readiness
//! (its text also says prepared/preparedness/preparation, readiness/ready,
//! criteria, trigger(s), test(ed/ing), checklist or drill).
//! The outermost heading that mentions rollback decides for its whole
//! subtree, so "Rollback Procedures" under "Rollback Preparedness" stays a
//! forward-path checklist, while "Manual Rollback" under "Rollback
//! Procedure" is part of the rollback path.

/// What a heading says about the section it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackContext {
    /// No enclosing heading mentioned rollback.
    Unrelated,
    /// Inside a rollback procedure.
    Rollback,
    /// Inside a section about being ready to roll back (forward path).
    Readiness,
}

const READINESS_WORDS: &[&str] = &[
    "prepar",
    "readiness",
    "ready",
    "criteria",
    "trigger",
    "test",
    "checklist",
    "drill",
];

/// The rollback context of a heading, given its parent's.
pub fn rollback_context(heading: &str, parent: RollbackContext) -> RollbackContext {
    if parent != RollbackContext::Unrelated {
        return parent;
    }
    let lower = heading.to_lowercase();
    if !(lower.contains("rollback") || lower.contains("roll back") || lower.contains("roll-back")) {
        return RollbackContext::Unrelated;
    }
    if READINESS_WORDS.iter().any(|w| lower.contains(w)) {
        RollbackContext::Readiness
    } else {
        RollbackContext::Rollback
    }
}

/// Headings that are reference material in their own words (after numbering and emoji).
const REFERENCE_TITLES: &[&str] = &[
    "additional resources",
    "common issues",
    "disaster recovery",
    "known issues",
    "links",
    "recovery",
    "recovery procedure",
    "recovery procedures",
    "related",
    "related docs",
    "related documentation",
    "related links",
    "related runbooks",
    "resources",
    "useful links",
];

/// Words that make any heading reference material wherever they stand.
const REFERENCE_WORDS: &[&str] = &[
    "faq",
    "frequently asked",
    "troubleshoot",
    "see also",
    "quick links",
    "further reading",
    "glossary",
    "disaster recovery",
];

/// A heading of reference material — FAQ, Troubleshooting, Reference, Commands Reference,
/// Appendix, Related documentation, See also, Quick links, Disaster Recovery — read on
/// demand, off the forward path.
pub fn is_reference(heading: &str) -> bool {
    let words = plain_words(heading);
    let text = words.join(" ");
    text.starts_with("appendix")
        || words
            .last()
            .is_some_and(|w| *w == "reference" || *w == "references")
        || REFERENCE_WORDS.iter().any(|w| text.contains(w))
        || REFERENCE_TITLES.contains(&text.as_str())
}

/// A heading's words in lower case, without numbering (`6.`, `A)`), emoji or punctuation.
pub fn plain_words(heading: &str) -> Vec<String> {
    let lower = heading.to_lowercase();
    let cleaned: String = lower
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let mut words: Vec<String> = cleaned.split_whitespace().map(str::to_string).collect();
    while words
        .first()
        .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()))
    {
        words.remove(0);
    }
    words
}

/// A Go/No-Go heading: `Go/No-Go`, `go-no-go`, `Go No Go` (any case, any separators).
pub fn is_go_no_go(heading: &str) -> bool {
    let normalized: String = heading
        .to_lowercase()
        .chars()
        .map(|c| {
            if c == '/' || c == '-' || c == '_' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words: Vec<&str> = normalized.split_whitespace().collect();
    words.windows(3).any(|w| w == ["go", "no", "go"])
}

/// A sign-off heading: `Sign-offs Required`, `Signoff`, `Sign off` (any case).
pub fn is_signoff(heading: &str) -> bool {
    let lower = heading.to_lowercase();
    lower.contains("sign-off") || lower.contains("signoff") || lower.contains("sign off")
}

#[cfg(test)]
mod tests {
    use super::*;
    use RollbackContext::*;

    #[test]
    fn rollback_procedures_leave_the_forward_path() {
        for heading in [
            "Rollback Procedure",
            "🚨 ROLLBACK PROCEDURE",
            "Immediate Rollback (< 5 minutes)",
            "Rollback Plan",
            "How to roll back",
            "Rollback and verify",
        ] {
            assert_eq!(rollback_context(heading, Unrelated), Rollback, "{heading}");
        }
    }

    #[test]
    fn readiness_sections_stay_forward_and_decide_for_their_subtree() {
        assert_eq!(
            rollback_context("Rollback Preparedness", Unrelated),
            Readiness
        );
        assert_eq!(
            rollback_context("Manual Rollback Criteria", Unrelated),
            Readiness
        );
        assert_eq!(
            rollback_context("Rollback Procedures", Readiness),
            Readiness
        );
        assert_eq!(rollback_context("Automatic Rollback", Rollback), Rollback);
        assert_eq!(rollback_context("Deployment Steps", Unrelated), Unrelated);
    }

    #[test]
    fn go_no_go_headings_in_every_spelling() {
        for heading in [
            "Go/No-Go Decision Points",
            "go-no-go",
            "GO NO GO",
            "Go / No-Go",
        ] {
            assert!(is_go_no_go(heading), "{heading}");
        }
        for heading in ["Go-Live Declaration", "GO Criteria", "No going back"] {
            assert!(!is_go_no_go(heading), "{heading}");
        }
    }

    #[test]
    fn reference_headings() {
        for heading in [
            "FAQ",
            "Troubleshooting",
            "Troubleshooting common problems",
            "Reference",
            "Commands Reference",
            "Appendix A: flags",
            "Related Documentation",
            "See also",
            "Quick Links",
            "Disaster Recovery",
            "6. Backup & Disaster Recovery ✅",
            "Frequently Asked Questions",
        ] {
            assert!(is_reference(heading), "{heading}");
        }
        for heading in [
            "Deployment Steps",
            "Recover the primary",
            "Referenced images",
            "Diagnosis",
            "Mitigation",
            "Kubernetes resources",
        ] {
            assert!(!is_reference(heading), "{heading}");
        }
    }

    #[test]
    fn signoff_headings() {
        assert!(is_signoff("Sign-offs Required"));
        assert!(is_signoff("Technical Sign-off"));
        assert!(is_signoff("SIGNOFF"));
        assert!(!is_signoff("Signals"));
    }
}
