//! The five real deployment plans users brought load unmodified and make sense.

use runbook::doc::load_path;
use runbook::doc::model::*;
use std::path::PathBuf;

fn seed(prefix: &str) -> Runbook {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let entry = std::fs::read_dir(&dir)
        .expect("seed dir")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .expect("seed file");
    load_path(&entry.path()).unwrap_or_else(|e| panic!("seed {prefix} must load: {e}"))
}

fn run_steps(rb: &Runbook) -> Vec<(bool, RunStep)> {
    rb.steps()
        .into_iter()
        .filter_map(|r| match &r.step.kind {
            StepKind::Run(run) => Some((r.rollback, run.clone())),
            _ => None,
        })
        .collect()
}

fn gates(rb: &Runbook) -> Vec<GateStep> {
    rb.steps()
        .into_iter()
        .filter_map(|r| match &r.step.kind {
            StepKind::Gate(g) => Some(g.clone()),
            _ => None,
        })
        .collect()
}

/// Task items outside code fences, and task items inside non-shell fences, counted straight
/// from the text.
fn task_items_in_source(prefix: &str) -> (usize, usize) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let entry = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .expect("seed");
    let text = std::fs::read_to_string(entry.path()).expect("read");
    let mut fence: Option<&str> = None;
    let (mut outside, mut inside) = (0, 0);
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            fence = if fence.is_some() {
                None
            } else {
                Some(info.trim())
            };
        } else if ["- [ ] ", "- [x] ", "- [X] "]
            .iter()
            .any(|m| trimmed.starts_with(m))
        {
            match fence {
                None => outside += 1,
                Some("bash" | "sh" | "console") => {}
                Some(_) => inside += 1,
            }
        }
    }
    (outside, inside)
}

fn warning_codes(rb: &Runbook) -> Vec<&'static str> {
    rb.warnings.iter().map(|w| w.code.label()).collect()
}

#[test]
fn every_seed_loads() {
    for prefix in ["000", "001", "002", "003", "004"] {
        let rb = seed(prefix);
        assert!(!rb.steps().is_empty(), "seed {prefix} has steps");
    }
}

#[test]
fn seed_000_phases_rollback_gate_and_signoffs() {
    let rb = seed("000");
    assert_eq!(rb.title, "Phase 4: Production Deployment");
    let runs = run_steps(&rb);
    assert_eq!(runs.len(), 4);
    assert_eq!(
        runs.iter().filter(|(rollback, _)| !rollback).count(),
        2,
        "Phase A and B forward; Phase C holds no command"
    );
    assert_eq!(
        runs.iter().filter(|(rollback, _)| *rollback).count(),
        2,
        "two blocks under Rollback Procedure"
    );
    assert!(runs[1].1.script.contains("# Wait 5 minutes, verify health"));

    let gates = gates(&rb);
    let go = gates
        .iter()
        .find(|g| g.signoffs.is_empty())
        .expect("go/no-go gate");
    assert_eq!(go.criteria.len(), 10);
    assert_eq!(go.criteria[0].group.as_deref(), Some("GO Criteria"));
    assert_eq!(go.criteria[9].group.as_deref(), Some("NO-GO Criteria"));
    let signoff = gates
        .iter()
        .find(|g| !g.signoffs.is_empty())
        .expect("sign-off gate");
    let roles: Vec<&str> = signoff.signoffs.iter().map(|s| s.role.as_str()).collect();
    assert_eq!(
        roles,
        [
            "Engineering Lead",
            "Product Manager",
            "Security Officer",
            "Operations Manager",
            "CTO Final Approval"
        ]
    );
}

#[test]
fn seed_000_fenced_checklist_is_checks() {
    let rb = seed("000");
    let infra = rb
        .all_sections()
        .into_iter()
        .find(|s| s.title == "2. Infrastructure Setup")
        .expect("section");
    let checks: Vec<(&str, CheckOrigin, u32)> = infra
        .steps
        .iter()
        .filter_map(|s| match &s.kind {
            StepKind::Check(c) => Some((c.text.as_str(), c.origin, s.line)),
            _ => None,
        })
        .collect();
    assert_eq!(checks.len(), 6, "{checks:?}");
    assert_eq!(
        checks[0],
        ("Resource limits set (memory, CPU)", CheckOrigin::Fence, 26)
    );
    assert_eq!(checks[5].0, "Health check intervals");
    assert!(warning_codes(&rb).contains(&"fence-checks"));
}

#[test]
fn seed_000_phase_c_is_checks_and_a_one_hour_wait() {
    let rb = seed("000");
    let phase_c = rb
        .all_sections()
        .into_iter()
        .find(|s| s.title == "Phase C: Cutover (Day 8)")
        .expect("section");
    let kinds: Vec<&str> = phase_c.steps.iter().map(|s| s.kind.label()).collect();
    assert_eq!(kinds, ["check", "wait", "check"]);
    let StepKind::Wait(wait) = &phase_c.steps[1].kind else {
        panic!("a wait")
    };
    assert_eq!(wait.duration, std::time::Duration::from_secs(3600));
    assert!(
        matches!(&phase_c.steps[0].kind, StepKind::Check(c) if c.origin == CheckOrigin::Comment && c.text.contains("DNS update"))
    );
}

#[test]
fn seed_000_go_no_go_and_signoff_are_asked_before_phase_a() {
    let rb = seed("000");
    let forward: Vec<(String, &'static str, Option<u32>)> = rb
        .steps()
        .iter()
        .filter(|r| !r.rollback)
        .map(|r| {
            let moved = match &r.step.kind {
                StepKind::Gate(g) => g.moved_from_line,
                _ => None,
            };
            (r.section.title.clone(), r.step.kind.label(), moved)
        })
        .collect();
    let phase_a = forward
        .iter()
        .position(|(title, kind, _)| title.starts_with("Phase A") && *kind == "run")
        .expect("Phase A's command");
    assert_eq!(
        forward[phase_a - 2],
        ("Phase A: Infrastructure (Day 6)".into(), "gate", Some(147))
    );
    assert_eq!(
        forward[phase_a - 1],
        ("Phase A: Infrastructure (Day 6)".into(), "gate", Some(164))
    );
    let moved = rb
        .warnings
        .iter()
        .filter(|w| w.code.label() == "gate-moved")
        .count();
    assert_eq!(moved, 2);
}

#[test]
fn every_task_item_is_a_check_or_a_signoff_role() {
    for prefix in ["000", "001", "002", "003", "004"] {
        let rb = seed(prefix);
        let mut checks = 0;
        let mut roles = 0;
        for r in rb.steps() {
            match &r.step.kind {
                StepKind::Check(_) => checks += 1,
                StepKind::Gate(g) => roles += g.signoffs.len(),
                _ => {}
            }
        }
        let (outside, inside) = task_items_in_source(prefix);
        let fenced = rb
            .steps()
            .iter()
            .filter(
                |r| matches!(&r.step.kind, StepKind::Check(c) if c.origin == CheckOrigin::Fence),
            )
            .count();
        let from_lists_or_comments = rb
            .steps()
            .iter()
            .filter(|r| matches!(&r.step.kind, StepKind::Check(c) if matches!(c.origin, CheckOrigin::List | CheckOrigin::Comment)))
            .count();
        assert_eq!(
            checks - fenced - from_lists_or_comments + roles,
            outside,
            "seed {prefix}"
        );
        assert_eq!(fenced, inside, "seed {prefix}");
    }
}

#[test]
fn seed_001_rollback_procedures_are_off_the_forward_path() {
    let rb = seed("001");
    let rollback: Vec<String> = rb
        .steps()
        .iter()
        .filter(|r| r.rollback)
        .map(|r| r.section.title.clone())
        .collect();
    assert_eq!(rollback.len(), 3);
    assert!(rb.steps().iter().filter(|r| !r.rollback).count() > 100);
}

#[test]
fn seed_002_readiness_is_forward_and_signoffs_are_per_heading() {
    let rb = seed("002");
    assert!(
        rb.steps().iter().all(|r| !r.rollback),
        "Rollback Preparedness is a forward checklist"
    );
    let readiness = rb
        .all_sections()
        .into_iter()
        .find(|s| s.title == "Rollback Procedures")
        .expect("section");
    assert_eq!(readiness.steps.len(), 4);
    let signoffs: Vec<(String, usize)> = gates(&rb)
        .iter()
        .map(|g| (g.title.clone(), g.signoffs.len()))
        .collect();
    assert_eq!(
        signoffs,
        [
            ("Technical Sign-off".to_string(), 4),
            ("Business Sign-off".to_string(), 4)
        ]
    );
    let approval = rb
        .all_sections()
        .into_iter()
        .find(|s| s.title == "Final Deployment Approval")
        .expect("section");
    assert!(
        approval
            .steps
            .iter()
            .all(|s| matches!(s.kind, StepKind::Check(_)))
    );
}

#[test]
fn seed_002_title_has_two_subtitles_and_top_level_sections() {
    let rb = seed("002");
    assert_eq!(rb.title, "Production Deployment Checklist");
    assert_eq!(
        rb.subtitles,
        [
            "PLATINUM SOURCES: AWS Well-Architected, Google SRE",
            "CONTINUAL LEARNING: Incident pattern learning, checklist optimization"
        ]
    );
    let top: Vec<&str> = rb.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        &top[..3],
        [
            "Pre-Deployment Verification",
            "Deployment Execution",
            "Monitoring & Observability"
        ]
    );
    assert!(warning_codes(&rb).contains(&"subtitles"));
}

#[test]
fn seeds_003_and_004_show_repaired_text() {
    let rb = seed("003");
    assert_eq!(rb.title, "🚀 Production Deployment Guide");
    assert!(rb.preamble.contains("**Версия:** 3.0.0"), "{}", rb.preamble);
    assert!(warning_codes(&rb).contains(&"mojibake"));
    let rb = seed("004");
    assert!(
        rb.preamble.contains("**Status:** ✅ COMPLETE"),
        "{}",
        rb.preamble
    );
    assert!(
        rb.all_sections()
            .iter()
            .any(|s| s.title == "Security: ✅ HIGH")
    );
    assert!(warning_codes(&rb).contains(&"mojibake"));
}

#[test]
fn seed_003_loads_with_its_rollback() {
    let rb = seed("003");
    assert!(rb.title.ends_with("Production Deployment Guide"));
    let runs = run_steps(&rb);
    assert_eq!(runs.len(), 6);
    assert_eq!(runs.iter().filter(|(rollback, _)| *rollback).count(), 1);
    let prerequisites = rb
        .all_sections()
        .into_iter()
        .find(|s| s.title == "Prerequisites")
        .expect("section");
    let done: Vec<bool> = prerequisites
        .steps
        .iter()
        .map(|s| matches!(&s.kind, StepKind::Check(c) if c.done))
        .collect();
    assert_eq!(done, [true, true, true, true, true, false]);
}

#[test]
fn seed_004_fences_without_a_language_are_content() {
    let rb = seed("004");
    let runs = run_steps(&rb);
    assert_eq!(runs.len(), 2, "only the two bash fences run");
    let fenced_prose = rb
        .all_sections()
        .iter()
        .flat_map(|s| s.prose.iter())
        .filter(|p| p.markdown.trim_start().starts_with("```\n"))
        .count();
    assert_eq!(fenced_prose, 5);
    assert!(
        rb.steps()
            .iter()
            .all(|r| !matches!(r.step.kind, StepKind::Gate(_))),
        "a Sign-Off heading without task items is prose"
    );
}

#[test]
fn seed_outlines_are_stable() {
    for prefix in ["000", "001", "002", "003", "004"] {
        let rb = seed(prefix);
        let mut rb = rb;
        rb.path = PathBuf::from(format!("seed-{prefix}.txt"));
        insta::assert_snapshot!(
            format!("outline_{prefix}"),
            runbook::cli::outline::outline(&rb)
        );
    }
}

fn section_titled<'a>(rb: &'a Runbook, start: &str) -> &'a Section {
    rb.all_sections()
        .into_iter()
        .find(|s| s.title.starts_with(start))
        .unwrap_or_else(|| panic!("a section titled {start}…"))
}

#[test]
fn seed_001_deployment_methods_are_a_choice_and_its_recovery_and_links_are_off_path() {
    let rb = seed("001");
    let methods = section_titled(&rb, "Deployment Methods");
    assert_eq!(methods.role, SectionRole::Choice);
    let options: Vec<(&str, SectionRole)> = methods
        .sections
        .iter()
        .map(|s| (s.title.as_str(), s.role))
        .collect();
    assert_eq!(
        options,
        [
            (
                "Option 1: Docker Compose (Development/Staging)",
                SectionRole::Option
            ),
            ("Option 2: Kubernetes (Production)", SectionRole::Option),
            ("Option 3: Cloud-Specific Deployment", SectionRole::Option),
        ]
    );
    let clouds = &methods.sections[2].sections[0];
    assert_eq!(clouds.role, SectionRole::Choice);
    assert_eq!(
        clouds.sections.len(),
        3,
        "AWS, GCP and Azure are alternatives"
    );
    for title in ["Disaster Recovery", "Related Documentation"] {
        assert_eq!(section_titled(&rb, title).role, SectionRole::Reference);
    }
    let recovery_steps: Vec<bool> = rb
        .steps()
        .iter()
        .filter(|r| r.section.title == "Recovery Procedures")
        .map(|r| r.reference && !r.rollback)
        .collect();
    assert_eq!(
        recovery_steps, [true; 4],
        "the recovery checks are reference"
    );
    assert_eq!(
        section_titled(&rb, "Rollback Procedures").role,
        SectionRole::Rollback
    );
}

#[test]
fn seed_004_commands_reference_is_reference() {
    let rb = seed("004");
    let commands = section_titled(&rb, "Commands Reference");
    assert_eq!(commands.role, SectionRole::Reference);
    let refs = rb.steps();
    let logs_follow = refs
        .iter()
        .find(|r| matches!(&r.step.kind, StepKind::Run(run) if run.script.contains("logs -f")))
        .expect("the `logs -f` step");
    assert!(logs_follow.reference && !logs_follow.rollback);
    assert_eq!(
        refs.iter().filter(|r| r.reference).count(),
        1,
        "only the commands reference"
    );
}
