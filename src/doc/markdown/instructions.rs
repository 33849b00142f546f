//! Blocks that instruct instead of run: a shell block of comments only (each comment
//! paragraph a manual check, `# Wait 5 minutes` / `# Monitor for 1 hour` a wait), and a
//! non-shell fence whose lines are all task items (each a check).

use crate::doc::model::{CheckOrigin, CheckStep, StepKind, WaitStep};
use regex::Regex;
use std::sync::OnceLock;
use std::time::Duration;

/// A step read from a block, at a line counted from the block's first content line (0).
#[derive(Debug, Clone, PartialEq)]
pub struct Instruction {
    pub offset: u32,
    pub kind: StepKind,
}

/// Whether every non-blank line of a block is a `#` comment (and there is one).
pub fn is_comments_only(text: &str) -> bool {
    let mut any = false;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !line.starts_with('#') || line.starts_with("#!") {
            return false;
        }
        any = true;
    }
    any
}

/// Each comment paragraph of a comments-only block: a wait when it starts with one.
pub fn from_comments(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut start = 0u32;
    for (n, line) in text.lines().enumerate() {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        let words = line.trim().trim_start_matches('#').trim();
        if words.is_empty() {
            flush(&mut paragraph, start, &mut out);
            continue;
        }
        if paragraph.is_empty() {
            start = n;
        }
        paragraph.push(words);
    }
    flush(&mut paragraph, start, &mut out);
    out
}

fn flush(paragraph: &mut Vec<&str>, offset: u32, out: &mut Vec<Instruction>) {
    if paragraph.is_empty() {
        return;
    }
    let text = paragraph.join(" — ");
    let kind = match wait_of(paragraph[0]) {
        Some(duration) => StepKind::Wait(WaitStep {
            duration,
            text: Some(text),
            until: Vec::new(),
            stable_for: None,
        }),
        None => StepKind::Check(CheckStep {
            text,
            done: false,
            depth: 0,
            origin: CheckOrigin::Comment,
        }),
    };
    out.push(Instruction { offset, kind });
    paragraph.clear();
}

/// `Wait 5 minutes, verify health`, `7. Monitor for 1 hour`, `Soak for 30 mins` → a duration.
pub fn wait_of(text: &str) -> Option<Duration> {
    static WAIT: OnceLock<Option<Regex>> = OnceLock::new();
    let re = WAIT
        .get_or_init(|| {
            Regex::new(
                r"(?i)^(?:\d+[.)]\s*)?(?:wait|monitor|sleep|pause|watch|observe|soak)\b(?:\s+for)?(?:\s+(?:at\s+least|about|another))?\s+(\d+|an?|one)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b",
            )
            .ok()
        })
        .as_ref()?;
    let caps = re.captures(text.trim())?;
    let count: u64 = match &caps[1] {
        n if n.eq_ignore_ascii_case("a")
            || n.eq_ignore_ascii_case("an")
            || n.eq_ignore_ascii_case("one") =>
        {
            1
        }
        n => n.parse().ok()?,
    };
    let unit = caps[2].to_ascii_lowercase();
    let seconds = match unit.chars().next()? {
        'h' => 3600,
        'm' => 60,
        _ => 1,
    };
    (count > 0).then(|| Duration::from_secs(count.saturating_mul(seconds)))
}

/// The task items of a fence whose lines are all task items (comment and blank lines
/// aside); `None` when any other line is there.
pub fn from_task_lines(text: &str) -> Option<Vec<Instruction>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("//") {
            continue;
        }
        let rest = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))?;
        let (done, text) = if let Some(t) = rest.strip_prefix("[ ] ") {
            (false, t)
        } else if let Some(t) = rest
            .strip_prefix("[x] ")
            .or_else(|| rest.strip_prefix("[X] "))
        {
            (true, t)
        } else {
            return None;
        };
        let indent = line.len() - line.trim_start().len();
        out.push(Instruction {
            offset: u32::try_from(n).unwrap_or(u32::MAX),
            kind: StepKind::Check(CheckStep {
                text: text.trim().to_string(),
                done,
                depth: u8::try_from(indent / 2).unwrap_or(u8::MAX),
                origin: CheckOrigin::Fence,
            }),
        });
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_in_the_words_people_use() {
        let minutes = |m: u64| Some(Duration::from_secs(m * 60));
        assert_eq!(wait_of("Wait 5 minutes, verify health"), minutes(5));
        assert_eq!(wait_of("7. Monitor for 1 hour"), minutes(60));
        assert_eq!(wait_of("monitor for an hour"), minutes(60));
        assert_eq!(wait_of("Soak for at least 30 mins"), minutes(30));
        assert_eq!(wait_of("Sleep 10s"), Some(Duration::from_secs(10)));
        assert_eq!(wait_of("Check logs, metrics, user reports"), None);
        assert_eq!(wait_of("Wait for the pods to be ready"), None);
    }

    #[test]
    fn seed_000_phase_c_is_a_check_a_wait_and_a_check() {
        let steps = from_comments(
            "# 6. DNS update (with low TTL)\n# Point api.domain.com → API Gateway\n\n# 7. Monitor for 1 hour\n# Check logs, metrics, user reports\n\n# 8. Gradual traffic shift\n# 10% → 25% → 50% → 100%\n",
        );
        let offsets: Vec<u32> = steps.iter().map(|s| s.offset).collect();
        assert_eq!(offsets, [0, 3, 6]);
        assert!(
            matches!(&steps[0].kind, StepKind::Check(c) if c.text == "6. DNS update (with low TTL) — Point api.domain.com → API Gateway")
        );
        assert!(
            matches!(&steps[1].kind, StepKind::Wait(w) if w.duration == Duration::from_secs(3600))
        );
        assert!(matches!(&steps[2].kind, StepKind::Check(_)));
    }

    #[test]
    fn task_lines_in_a_fence() {
        let steps = from_task_lines("# docker-compose.prod.yml\n- [ ] Resource limits set\n- [x] Restart policies: always\n").expect("tasks");
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].offset, 1);
        assert!(from_task_lines("- [ ] one\nreplicas: 3\n").is_none());
        assert!(from_task_lines("# only a comment\n").is_none());
    }
}
