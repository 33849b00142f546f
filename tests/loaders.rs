//! Loader behaviour, row by row of PRODUCT.md §1.1–§1.3.

use runbook::doc::health::{Limit, Probe, SystemMetric, Unit};
use runbook::doc::load_str;
use runbook::doc::model::*;
use std::path::Path;
use std::time::Duration;

fn md(text: &str) -> Runbook {
    load_str(text, Path::new("t.md")).unwrap_or_else(|e| panic!("valid markdown expected:\n{e}"))
}

fn yaml(text: &str) -> Runbook {
    load_str(text, Path::new("t.yaml")).unwrap_or_else(|e| panic!("valid yaml expected:\n{e}"))
}

fn kinds(rb: &Runbook) -> Vec<&'static str> {
    rb.steps().iter().map(|r| r.step.kind.label()).collect()
}

/// Each step's section title and whether it is on the rollback path.
fn rollback_flags(rb: &Runbook) -> Vec<(String, bool)> {
    rb.steps()
        .iter()
        .map(|r| (r.section.title.clone(), r.rollback))
        .collect()
}

fn run_at(rb: &Runbook, index: usize) -> RunStep {
    match &rb.steps()[index].step.kind {
        StepKind::Run(run) => run.clone(),
        other => panic!("run step expected, got {other:?}"),
    }
}

#[test]
fn front_matter_is_metadata_and_can_set_the_title() {
    let rb = md(
        "---\ntitle: Day 7 — deploy\nparams:\n  version: {default: v1.0.0, pattern: '^v\\d+', prompt: Release}\n  dry-run: 'no'\nenv:\n  require: [DATABASE_URL]\n  secret: [JWT_SECRET]\ncontacts:\n  - {role: DevOps Lead, name: Ana, phone: '+1 555 0100'}\n---\n# Ignored title\n\n- [ ] go\n",
    );
    assert_eq!(rb.title, "Day 7 — deploy");
    assert_eq!(rb.meta.params.len(), 2);
    assert_eq!(rb.meta.params[0].prompt.as_deref(), Some("Release"));
    assert_eq!(rb.meta.params[1].env_name(), "DRY_RUN");
    assert_eq!(rb.meta.env.require, ["DATABASE_URL"]);
    assert_eq!(rb.meta.env.secret, ["JWT_SECRET"]);
    assert_eq!(rb.meta.contacts[0].name.as_deref(), Some("Ana"));
}

#[test]
fn the_title_falls_back_to_the_file_name() {
    let rb = load_str("## Steps\n\n- [ ] one\n", Path::new("dir/night-shift.md")).expect("valid");
    assert_eq!(rb.title, "night-shift");
}

#[test]
fn a_single_leading_h1_is_the_title_and_its_children_the_sections() {
    let rb = md("# Plan\n\nIntro text.\n\n## A\n- [ ] a\n## B\n- [ ] b\n");
    assert_eq!(rb.title, "Plan");
    assert_eq!(rb.preamble, "Intro text.");
    let titles: Vec<&str> = rb.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["A", "B"]);
}

#[test]
fn several_h1s_are_each_a_section() {
    let rb = md("# Day 1\n- [ ] a\n# Day 2\n## Morning\n- [ ] b\n");
    assert_eq!(rb.title, "Day 1");
    assert_eq!(rb.sections.len(), 2);
    assert_eq!(rb.sections[1].sections[0].title, "Morning");
}

#[test]
fn headings_nest_by_depth_even_when_levels_are_skipped() {
    let rb = md("# T\n## A\n#### A.deep\n- [ ] x\n### A.mid\n- [ ] y\n## B\n- [ ] z\n");
    assert_eq!(rb.sections[0].sections.len(), 2);
    assert_eq!(rb.sections[0].sections[0].title, "A.deep");
    assert_eq!(rb.sections[1].steps.len(), 1);
}

#[test]
fn shell_fences_run_and_other_fences_are_content() {
    let rb = md(
        "# T\n```bash\necho a\n```\n```sh\necho b\n```\n```zsh\necho c\n```\n```shell\necho d\n```\n```yaml\nk: v\n```\n```\nplain\n```\n    indented code\n",
    );
    assert_eq!(kinds(&rb), ["run", "run", "run", "run"]);
    let prose: Vec<&str> = rb.sections[0]
        .prose
        .iter()
        .map(|p| p.markdown.as_str())
        .collect();
    assert_eq!(
        prose,
        ["```yaml\nk: v\n```\n```\nplain\n```\n    indented code"]
    );
}

#[test]
fn info_string_attributes_configure_the_step() {
    let rb = md(
        "# T\n```bash {name=deploy-trading timeout=10m confirm=danger cwd=./deploy on_fail=rollback retries=2 expect_exit=3}\n./deploy.sh\n```\n```bash {tty=true}\ntop -bn1\n```\n```bash {interactive}\npsql\n```\n",
    );
    let first = run_at(&rb, 0);
    assert_eq!(rb.steps()[0].step.name.as_deref(), Some("deploy-trading"));
    assert_eq!(first.timeout, Some(Duration::from_secs(600)));
    assert_eq!(
        (
            first.confirm,
            first.on_fail,
            first.retries,
            first.expect_exit
        ),
        (Confirm::Danger, OnFail::Rollback, 2, 3)
    );
    assert_eq!(first.cwd.as_deref(), Some("./deploy"));
    assert!(run_at(&rb, 1).tty);
    assert!(run_at(&rb, 2).interactive);
}

#[test]
fn console_blocks_run_only_their_dollar_lines() {
    let rb = md(
        "# T\n```console\n$ kubectl get pods\nNAME   READY\napi    1/1\n$ echo done\ndone\n```\n```terminal\njust output, nothing to run\n```\n",
    );
    assert_eq!(kinds(&rb), ["run"]);
    let run = run_at(&rb, 0);
    assert_eq!(run.script, "kubectl get pods\necho done\n");
    assert_eq!(run.transcript.len(), 5);
    assert_eq!(run.lang, "console");
}

#[test]
fn task_items_are_checks_with_done_marks_and_nesting() {
    let rb = md(
        "# T\n- [ ] parent\n  - [x] child\n    - [ ] grandchild\n- plain item\n- [X] upper-case done\n",
    );
    let checks: Vec<(String, bool, u8)> = rb
        .steps()
        .iter()
        .map(|r| match &r.step.kind {
            StepKind::Check(c) => (c.text.clone(), c.done, c.depth),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        checks,
        [
            ("parent".into(), false, 0),
            ("child".into(), true, 1),
            ("grandchild".into(), false, 2),
            ("upper-case done".into(), true, 0)
        ]
    );
}

#[test]
fn check_text_keeps_inline_code_and_drops_emphasis() {
    let rb = md("# T\n- [ ] Rotate **all** `JWT_SECRET` values\n  across regions\n");
    let StepKind::Check(check) = &rb.steps()[0].step.kind else {
        panic!("check")
    };
    assert_eq!(check.text, "Rotate all `JWT_SECRET` values across regions");
}

#[test]
fn runbook_fences_hold_explicit_yaml_steps() {
    let rb = md(
        "---\nhealth:\n  - {name: api, http: 'http://127.0.0.1:1/h'}\n---\n# T\n```runbook\nwait: 5m\nuntil: [api]\nstable_for: 1m\n```\n```runbook\n- note: Traffic shifts tomorrow.\n- gate: Go for gateway?\n  criteria: [Error rate < 0.1%]\n  evidence: [api]\n```\n",
    );
    assert_eq!(kinds(&rb), ["wait", "note", "gate"]);
    let StepKind::Wait(wait) = &rb.steps()[0].step.kind else {
        panic!("wait")
    };
    assert_eq!(
        (wait.duration, wait.stable_for),
        (Duration::from_secs(300), Some(Duration::from_secs(60)))
    );
    assert_eq!(
        rb.steps()[0].step.line,
        7,
        "the step's line is in file coordinates"
    );
    assert_eq!(rb.steps()[2].step.line, 13);
}

#[test]
fn rollback_sections_are_flagged_and_inherited() {
    let rb = md(
        "# T\n## Deploy\n```bash\n./deploy\n```\n## Rollback Plan\n### Undo the deploy\n```bash\n./undo\n```\n## Rollback Readiness\n### Rollback steps tested\n- [ ] Undo script rehearsed\n",
    );
    let flags = rollback_flags(&rb);
    assert_eq!(
        flags,
        [
            ("Deploy".into(), false),
            ("Undo the deploy".into(), true),
            ("Rollback steps tested".into(), false)
        ]
    );
}

#[test]
fn go_no_go_gathers_every_list_item_beneath_with_its_group() {
    let rb = md(
        "# T\n## Go / No-Go\nDecide together.\n- Latency ok\n### GO Criteria\n- Tests green\n  - including e2e\n### NO-GO Criteria\n1. Open sev-1\n## After\n- [ ] tidy up\n",
    );
    let StepKind::Gate(gate) = &rb.steps()[0].step.kind else {
        panic!("gate")
    };
    let criteria: Vec<(&str, Option<&str>)> = gate
        .criteria
        .iter()
        .map(|c| (c.text.as_str(), c.group.as_deref()))
        .collect();
    assert_eq!(
        criteria,
        [
            ("Latency ok", None),
            ("Tests green", Some("GO Criteria")),
            ("including e2e", Some("GO Criteria")),
            ("Open sev-1", Some("NO-GO Criteria"))
        ]
    );
    assert_eq!(rb.sections[0].prose[0].markdown, "Decide together.");
    assert_eq!(kinds(&rb), ["gate", "check"]);
}

#[test]
fn signoff_headings_turn_task_items_into_roles() {
    let rb = md(
        "# T\n## Sign-off\nBoth must sign.\n- [ ] SRE on call\n- [ ] Release manager\n## Sign-off notes\n- nobody signs here\n",
    );
    let StepKind::Gate(gate) = &rb.steps()[0].step.kind else {
        panic!("gate")
    };
    let roles: Vec<&str> = gate.signoffs.iter().map(|s| s.role.as_str()).collect();
    assert_eq!(roles, ["SRE on call", "Release manager"]);
    assert_eq!(gate.title, "Sign-off");
    assert_eq!(
        rb.steps().len(),
        1,
        "a sign-off heading without task items is prose"
    );
}

#[test]
fn prose_is_placed_between_the_steps_it_came_between() {
    let rb = md(
        "# T\n## S\nBefore.\n\n- [ ] one\n\nBetween **here**.\n\n```bash\necho two\n```\n\nAfter.\n",
    );
    let placed: Vec<(usize, &str)> = rb.sections[0]
        .prose
        .iter()
        .map(|p| (p.before_step, p.markdown.as_str()))
        .collect();
    assert_eq!(
        placed,
        [(0, "Before."), (1, "Between **here**."), (2, "After.")]
    );
}

#[test]
fn crlf_documents_load_with_the_same_meaning() {
    let rb = md("# T\r\n## A\r\n- [ ] one\r\n```bash {name=x}\r\necho hi\r\n```\r\n");
    assert_eq!(kinds(&rb), ["check", "run"]);
    assert_eq!(rb.steps()[1].step.name.as_deref(), Some("x"));
}

#[test]
fn step_ids_are_names_or_section_positions() {
    let rb = md("# T\n## A\n- [ ] one\n### B\n```bash {name=named}\ntrue\n```\n- [ ] two\n");
    let ids: Vec<String> = rb.steps().iter().map(|r| r.id()).collect();
    assert_eq!(ids, ["1#1", "named", "1.1#2"]);
}

#[test]
fn yaml_runbooks_have_the_same_tree() {
    let rb = yaml(
        "title: Canary\nparams:\n  release: {default: r1}\nhealth:\n  - {name: error-rate, prometheus: {url: 'http://127.0.0.1:9090', query: 'sum(rate(x[5m]))'}, warn: 0.01, crit: 0.05, rollback_if: {crit_for: 5m}}\n  - {name: memory, system: memory, warn: 80%, crit: 90%}\n  - {name: replicas, cmd: 'echo 3', warn_below: 3, every: 1s}\n  - {name: disk, system: 'disk:/var', crit: 95%}\nsections:\n  - title: Stage 1\n    prose: Shift **5%**.\n    steps:\n      - run: ./shift.sh 5\n        name: shift-5\n        timeout: 10m\n        confirm: danger\n      - wait: 15m\n        until: [error-rate]\n        stable_for: 5m\n    sections:\n      - title: Verify\n        steps:\n          - check: Dashboards green\n            done: true\n          - gate: Go to 25%?\n            criteria: [Error rate < 0.1%]\n            signoffs: [SRE, {role: Release manager, distinct: true}]\n            evidence: [error-rate]\nrollback:\n  - run: ./shift.sh 0\n  - title: Data\n    steps:\n      - note: Restore only if the schema changed.\n",
    );
    assert_eq!(kinds(&rb), ["run", "wait", "check", "gate", "run", "note"]);
    assert_eq!(rb.steps().iter().filter(|r| r.rollback).count(), 2);
    assert_eq!(rb.sections[0].prose[0].markdown, "Shift **5%**.");
    let StepKind::Gate(gate) = &rb.steps()[3].step.kind else {
        panic!("gate")
    };
    assert!(gate.signoffs[1].distinct);
    let health = &rb.meta.health;
    assert_eq!(
        health[0].rollback_if.map(|r| r.crit_for),
        Some(Duration::from_secs(300))
    );
    assert_eq!(
        health[1].warn,
        Some(Limit {
            value: 80.0,
            unit: Unit::Percent,
            below: false
        })
    );
    assert_eq!(
        health[2].warn,
        Some(Limit {
            value: 3.0,
            unit: Unit::Plain,
            below: true
        })
    );
    assert_eq!(health[2].every, Duration::from_secs(1));
    assert!(matches!(&health[3].probe, Probe::System(SystemMetric::Disk(p)) if p == "/var"));
}

#[test]
fn a_top_level_yaml_list_is_a_list_of_steps() {
    let rb = yaml("- run: echo hi\n- check: looks right\n");
    assert_eq!(kinds(&rb), ["run", "check"]);
    assert_eq!(rb.title, "t");
}

#[test]
fn http_checks_take_status_body_and_latency_limits() {
    let rb = yaml(
        "health:\n  - {name: api, http: 'http://127.0.0.1:8080/health', expect_status: 204, expect_body: ok, warn_ms: 150, crit_ms: 500, fail_after: 3, timeout: 2s}\nsteps: [{check: x}]\n",
    );
    let check = &rb.meta.health[0];
    let Probe::Http(http) = &check.probe else {
        panic!("http")
    };
    assert_eq!(
        (http.expect_status, http.expect_body.as_deref()),
        (Some(204), Some("ok"))
    );
    assert_eq!(
        check.crit,
        Some(Limit {
            value: 500.0,
            unit: Unit::Millis,
            below: false
        })
    );
    assert_eq!(
        (check.fail_after, check.timeout),
        (3, Duration::from_secs(2))
    );
}

#[test]
fn the_title_heading_never_makes_the_runbook_a_rollback_section() {
    let rb = md(
        "# Rollback runbook for payments\n\n## Revert\n\n```bash\n./revert.sh\n```\n\n## Rollback\n\n```bash\n./undo-the-revert.sh\n```\n",
    );
    assert_eq!(rb.title, "Rollback runbook for payments");
    let flags = rollback_flags(&rb);
    assert_eq!(
        flags,
        [
            ("Revert".to_string(), false),
            ("Rollback".to_string(), true)
        ]
    );
}

#[test]
fn gates_in_place_keeps_the_documents_order() {
    let text = "# R\n## Deploy\n```bash\n./deploy.sh\n```\n## Go/No-Go\n- green\n";
    let moved = md(text);
    assert!(matches!(kinds(&moved).as_slice(), ["gate", "run"]));
    let kept = md(&format!("---\ngates: in-place\n---\n{text}"));
    assert!(matches!(kinds(&kept).as_slice(), ["run", "gate"]));
    assert!(kept.warnings.is_empty(), "{:?}", kept.warnings);
}

#[test]
fn a_numbered_item_holding_a_command_explains_it_rather_than_being_a_check() {
    let rb = md(
        "# R\n## Steps\n1. Stop the worker:\n\n   ```bash\n   systemctl stop worker\n   ```\n\n2. Tell the team\n",
    );
    assert_eq!(kinds(&rb), ["run", "check"]);
    assert!(
        rb.sections[0].prose[0].markdown.contains("Stop the worker"),
        "{:?}",
        rb.sections[0].prose
    );
}

#[test]
fn prose_naming_another_host_is_warned_with_on_where_hosts_exist() {
    let text = "---\nhosts:\n  db: [db-1, db-2]\n---\n\n# Restart\n\n## Replica\n\nRun this on the replica node:\n\n```bash\nsudo systemctl restart patroni\n```\n\nThen on the replica node again:\n\n```bash {on=db}\nsudo systemctl status patroni\n```\n";
    let rb = md(text);
    let warned: Vec<(u32, &str)> = rb
        .warnings
        .iter()
        .filter(|w| w.code.label() == "other-host")
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(
        warned.len(),
        1,
        "{warned:?}: the step with `on=` goes there"
    );
    assert_eq!(warned[0].0, 12);
    assert!(warned[0].1.contains("`on=HOST`"), "{}", warned[0].1);
    let without_hosts = md(
        "# Restart\n\n## Replica\n\nRun this on the replica node:\n\n```bash\nsudo systemctl restart patroni\n```\n",
    );
    let message = &without_hosts.warnings[0].message;
    assert!(message.contains("it runs here, on this machine") && !message.contains("on=HOST"));
}
