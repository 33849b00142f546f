//! Hosts in runbooks (PRODUCT.md §8): `hosts:` groups, `inventory:`, and the fleet options
//! of a run step read the same from Markdown info strings and YAML keys, with exact errors.

use runbook::doc::hosts::{Amount, FleetOptions, HostEntry};
use runbook::doc::model::{Runbook, StepKind};
use runbook::doc::{load_str, model::RunStep};
use std::path::Path;
use std::time::Duration;

const MARKDOWN: &str = "---
hosts:
  web: [\"web[01:04].prod\"]
  db: [deploy@db-primary:2222, db-replica]
---
# Rolling restart

## Restart
```bash {name=restart-api on=web serial=1,25% max_fail=10% batch_gate batch_wait=30s timeout=2m}
systemctl restart api
```
```bash {name=migrate on=db-primary}
./migrate
```
";

const YAML: &str = "title: Rolling restart
hosts:
  web: [\"web[01:04].prod\"]
  db: [deploy@db-primary:2222, db-replica]
sections:
  - title: Restart
    steps:
      - run: systemctl restart api
        name: restart-api
        on: [web]
        serial: [1, 25%]
        max_fail: 10%
        batch_gate: true
        batch_wait: 30s
        timeout: 2m
      - run: ./migrate
        name: migrate
        on: db-primary
";

fn load(text: &str, name: &str) -> Runbook {
    load_str(text, Path::new(name)).unwrap_or_else(|e| panic!("{name} loads: {e}"))
}

fn run_step(runbook: &Runbook, index: usize) -> RunStep {
    match &runbook.steps()[index].step.kind {
        StepKind::Run(run) => run.clone(),
        other => panic!("step {index} is {other:?}"),
    }
}

fn errors(text: &str, name: &str) -> String {
    match load_str(text, Path::new(name)) {
        Ok(_) => panic!("{name} should be invalid"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn both_syntaxes_read_the_same_hosts_and_options() {
    let markdown = load(MARKDOWN, "rolling.md");
    let yaml = load(YAML, "rolling.yaml");
    assert_eq!(markdown.meta.hosts, yaml.meta.hosts);
    let expected = FleetOptions {
        on: vec!["web".into()],
        serial: vec![Amount::Count(1), Amount::Percent(25)],
        max_fail: Some(Amount::Percent(10)),
        batch_gate: true,
        batch_wait: Some(Duration::from_secs(30)),
    };
    for runbook in [&markdown, &yaml] {
        let restart = run_step(runbook, 0);
        assert_eq!(restart.fleet, expected);
        assert_eq!(restart.timeout, Some(Duration::from_secs(120)));
        assert_eq!(run_step(runbook, 1).fleet.on, ["db-primary"]);
    }
    let groups = &markdown.meta.hosts.groups;
    assert_eq!(groups[0].name, "web");
    let web: Vec<&str> = groups[0].hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        web,
        ["web01.prod", "web02.prod", "web03.prod", "web04.prod"]
    );
    assert_eq!(
        groups[1].hosts[0],
        HostEntry {
            name: "deploy@db-primary:2222".into(),
            address: "db-primary".into(),
            user: Some("deploy".into()),
            port: Some(2222),
        }
    );
}

#[test]
fn an_inventory_is_kept_by_path_and_its_names_checked_later() {
    let runbook = load(
        "---\ninventory: ./inventory.yml\n---\n# Fleet\n```bash {on=webservers}\nuptime\n```\n",
        "fleet.md",
    );
    let inventory = runbook.meta.hosts.inventory.expect("inventory");
    assert_eq!(
        (inventory.path.as_str(), inventory.line),
        ("./inventory.yml", 2)
    );
    assert!(runbook.meta.hosts.groups.is_empty());
}

#[test]
fn steps_without_on_run_here() {
    let runbook = load("# Here\n```bash\nuptime\n```\n", "here.md");
    assert!(!run_step(&runbook, 0).fleet.is_remote());
}

#[test]
fn bad_hosts_and_option_values_are_errors_with_their_place() {
    let text = errors(
        "---\nhosts:\n  web: [\"web[01:03\"]\n  all: [x]\n  db: []\n---\n# Oops\n\
```bash {on=web serial=0 max_fail=lots batch_wait=0s}\nuptime\n```\n",
        "oops.md",
    );
    for expected in [
        "oops.md:3:9: error: `web[01:03` opens a range with `[` and never closes it",
        "oops.md:4:3: error: `all` is every host already",
        "oops.md:5:3: error: the group `db` has no hosts",
        "oops.md:8:17: error: `serial` cannot be `0`",
        "oops.md:8:26: error: `max_fail` cannot be `lots`",
        "oops.md:8:40: error: `batch_wait` cannot be `0s`",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn fleet_options_that_cannot_work_together_are_errors() {
    let text = errors(
        "---\nhosts: {web: [\"web[01:03]\"]}\n---\n# Oops\n\
```bash {serial=2}\nuptime\n```\n\
```bash {on=cache}\nuptime\n```\n\
```bash {on=web tty}\nuptime\n```\n\
```bash {on=all,web02}\nuptime\n```\n",
        "oops.md",
    );
    for expected in [
        "oops.md:5:1: error: `serial` without `on`",
        "oops.md:8:1: error: `on` names `cache`, which is not a group or host of `hosts:`",
        "expected: one of: all, web",
        "oops.md:11:1: error: `tty` cannot be used with `on`: steps on hosts have no terminal",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert_eq!(text.matches(": error: ").count(), 3, "{text}");
}

#[test]
fn on_without_any_hosts_says_where_hosts_go() {
    let text = errors("# Lonely\n```bash {on=web}\nuptime\n```\n", "lonely.md");
    assert!(
        text.contains("`on=web` but the runbook declares no hosts"),
        "{text}"
    );
    assert!(
        text.contains("`hosts:` groups or an `inventory:` file"),
        "{text}"
    );
}

#[test]
fn yaml_lists_only_where_lists_belong() {
    let text = errors(
        "title: t\nhosts: {web: [a]}\nsteps:\n  - run: uptime\n    on: [web]\n    max_fail: [1, 2]\n",
        "lists.yaml",
    );
    assert!(
        text.contains("`max_fail` must be text, found a list"),
        "{text}"
    );
    let text = errors(
        "title: t\nhosts: {web: [a]}\nsteps:\n  - run: uptime\n    on: []\n",
        "empty.yaml",
    );
    assert!(text.contains("`on` is an empty list"), "{text}");
}
