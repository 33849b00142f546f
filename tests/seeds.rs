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

/// Task items outside code fences, counted straight from the text.
fn task_items_in_source(prefix: &str) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let entry = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .expect("seed");
    let text = std::fs::read_to_string(entry.path()).expect("read");
    let mut in_fence = false;
    let mut count = 0;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence
            && ["- [ ] ", "- [x] ", "- [X] "]
                .iter()
                .any(|m| trimmed.starts_with(m))
        {
            count += 1;
        }
    }
    count
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
    assert_eq!(runs.len(), 5);
    assert_eq!(
        runs.iter().filter(|(rollback, _)| !rollback).count(),
        3,
        "Phase A, B, C forward"
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
fn seed_000_yaml_block_is_content_not_steps() {
    let rb = seed("000");
    let infra = rb
        .all_sections()
        .into_iter()
        .find(|s| s.title == "2. Infrastructure Setup")
        .expect("section");
    assert!(infra.steps.is_empty());
    assert!(infra.prose[0].markdown.starts_with("```yaml"));
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
        assert_eq!(
            checks + roles,
            task_items_in_source(prefix),
            "seed {prefix}"
        );
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
fn seed_003_mojibake_loads_as_is_with_its_rollback() {
    let rb = seed("003");
    assert!(rb.title.ends_with("Production Deployment Guide"));
    assert!(
        rb.title.contains("üöÄ"),
        "mis-decoded emoji kept as written"
    );
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
