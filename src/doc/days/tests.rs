use super::walk::{Including, day_walk};
use super::*;
use proptest::prelude::*;
use std::path::Path;

fn seed(name: &str) -> Runbook {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let file = std::fs::read_dir(&dir)
        .expect("the seeds")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(name))
        })
        .expect("the seed");
    let bytes = std::fs::read(&file).expect("readable");
    crate::doc::load_bytes(&bytes, &file).expect("loads")
}

fn labels(days: &Days) -> Vec<String> {
    days.days.iter().map(|d| d.label.clone()).collect()
}

fn titles_of(runbook: &Runbook, days: &Days, which: Belongs) -> Vec<String> {
    days.sections
        .iter()
        .filter(|(_, b)| *b == which)
        .filter_map(|(p, _)| section_at(&runbook.sections, p))
        .map(|s| s.title.clone())
        .collect()
}

#[test]
fn seed_000_has_days_6_to_8_with_their_phases() {
    let runbook = seed("000");
    let days = plan_days(&runbook);
    assert_eq!(labels(&days), ["Day 6", "Day 7", "Day 8"]);
    assert_eq!(
        titles_of(&runbook, &days, Belongs::Day(1)),
        ["Phase B: Services (Day 7)"]
    );
    let day6 = titles_of(&runbook, &days, Belongs::Day(0));
    assert_eq!(
        day6,
        ["Deployment Steps", "Phase A: Infrastructure (Day 6)"]
    );
    let day8 = titles_of(&runbook, &days, Belongs::Day(2));
    assert_eq!(day8[0], "Phase C: Cutover (Day 8)");
    assert!(
        day8.contains(&"Week 1".to_string()),
        "the retrospective follows the cutover"
    );
    let preflight = titles_of(&runbook, &days, Belongs::Preflight);
    assert_eq!(
        preflight[..2],
        ["Pre-Deployment Checklist", "1. Environment Configuration"]
    );
    let every = titles_of(&runbook, &days, Belongs::Every);
    for reference in [
        "Rollback Procedure",
        "Prerequisites",
        "Success Criteria",
        "Emergency Contacts",
    ] {
        assert!(
            every.contains(&reference.to_string()),
            "{reference}: {every:?}"
        );
    }
    assert!(!every.contains(&"Post-Deployment Validation".to_string()));
    assert!(days.days.iter().all(|d| d.not_before.is_none()));
}

#[test]
fn seed_001_has_weeks_1_to_4_with_their_days() {
    let days = plan_days(&seed("001"));
    assert_eq!(
        labels(&days),
        [
            "Week 1 · Day 1-2",
            "Week 1 · Day 3-4",
            "Week 1 · Day 5",
            "Week 2 · Day 1-2",
            "Week 2 · Day 3-4",
            "Week 2 · Day 5",
            "Week 2-3 · Day 1",
            "Week 2-3 · Day 2",
            "Week 2-3 · Day 3",
            "Week 3-4 · Week 3",
            "Week 3-4 · Week 4",
        ]
    );
}

#[test]
fn seed_003_has_five_dated_stages_and_the_go_live() {
    let days = plan_days(&seed("003"));
    let when: Vec<String> = days
        .days
        .iter()
        .map(|d| d.not_before.map(|t| t.to_rfc3339()).unwrap_or_default())
        .collect();
    assert_eq!(
        when,
        [
            "2026-01-08T09:00:00+00:00",
            "2026-01-09T09:00:00+00:00",
            "2026-01-10T09:00:00+00:00",
            "2026-01-11T09:00:00+00:00",
            "2026-01-12T09:00:00+00:00",
            "2026-01-13T09:00:00+00:00",
        ]
    );
    assert_eq!(days.days[0].label, "Stage 1 · Jan 8, 09:00 UTC");
    assert_eq!(days.days[5].title, "Go-Live Declaration");
}

#[test]
fn seeds_002_and_004_have_no_days() {
    assert!(plan_days(&seed("002")).is_empty());
    assert!(plan_days(&seed("004")).is_empty());
}

#[test]
fn a_days_walk_keeps_its_steps_and_their_ids() {
    let runbook = seed("000");
    let days = plan_days(&runbook);
    let day7 = day_walk(&runbook, &days, 1, Including { preflight: false });
    let ids: Vec<String> = day7
        .steps()
        .iter()
        .filter(|r| !r.rollback)
        .map(|r| r.id())
        .collect();
    assert_eq!(
        ids,
        ["3.1#1", "3.1#2", "3.2#1"],
        "the guarding gates, then Phase B"
    );
    let whole: Vec<String> = runbook.steps().iter().map(|r| r.id()).collect();
    assert!(whole.contains(&"3.2#1".to_string()));
    let first = day_walk(&runbook, &days, 0, Including { preflight: true });
    assert!(
        first.steps().iter().any(|r| r.id() == "2.1#1"),
        "the preflight the first time"
    );
    assert!(
        first.steps().iter().any(|r| r.rollback),
        "rollback is there every day"
    );
}

#[test]
fn yaml_sections_name_their_day() {
    let text = "title: t\nyear: 2026\nsections:\n  - title: Prepare\n    steps: [{run: 'true'}]\n  - title: Canary\n    day: Jan 9, 09:00 UTC\n    steps: [{run: 'true'}]\n  - title: Rest\n    day: Day 2\n    steps: [{run: 'true'}]\n";
    let runbook = crate::doc::load_bytes(text.as_bytes(), Path::new("p.yaml")).expect("loads");
    let days = plan_days(&runbook);
    assert_eq!(labels(&days), ["Jan 9, 09:00 UTC", "Day 2"]);
    assert_eq!(
        days.days[0].not_before.map(|t| t.to_rfc3339()),
        Some("2026-01-09T09:00:00+00:00".into())
    );
    assert_eq!(days.belongs(&[0]), Some(Belongs::Preflight));
}

#[test]
fn a_single_day_heading_is_not_a_plan() {
    let text = "# T\n\n## Check\n\n- [ ] a\n\n## Short term (Week 1)\n\n- [ ] b\n";
    let runbook = crate::doc::load_bytes(text.as_bytes(), Path::new("t.md")).expect("loads");
    assert!(plan_days(&runbook).is_empty());
}

proptest! {
    #[test]
    fn any_heading_text_is_read_without_panicking(title in "\\PC{0,60}") {
        let _ = marker::marker(&title);
        let _ = year::document_date(&title);
        let text = format!("# T\n\n## {title}\n\n- [ ] a\n\n## {title} (Day 2)\n\n- [ ] b\n");
        if let Ok(runbook) = crate::doc::load_bytes(text.as_bytes(), Path::new("t.md")) {
            let days = plan_days(&runbook);
            for i in 0..days.days.len() {
                let _ = day_walk(&runbook, &days, i, Including { preflight: true });
            }
        }
    }
}

#[test]
fn a_day_of_seed_000_keeps_the_words_every_day_needs() {
    let runbook = seed("000");
    let days = plan_days(&runbook);
    let day6 = super::walk::day_walk(
        &runbook,
        &days,
        0,
        super::walk::Including { preflight: false },
    );
    let prose_of = |title: &str| {
        let path = days
            .sections
            .iter()
            .map(|(p, _)| p)
            .find(|p| section_at(&runbook.sections, p).is_some_and(|s| s.title == title))
            .expect(title);
        section_at(&day6.sections, path).expect(title).prose.clone()
    };
    for reference in ["Prerequisites", "Success Criteria", "Emergency Contacts"] {
        assert!(
            !prose_of(reference).is_empty(),
            "{reference} is read on Day 6 too"
        );
    }
    assert!(
        prose_of("Phase B: Services (Day 7)").is_empty(),
        "Day 7's own words are Day 7's"
    );
}
