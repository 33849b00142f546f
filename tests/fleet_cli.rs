//! `check` and `show` on runbooks with hosts: `on` resolved against `hosts:` groups and
//! inventories, every reached host checked with `ssh -G -F FILE`, hosts listed per step.

mod sshd;
mod support;

use serde_json::Value;
use support::{Sandbox, text};

const ROLLING: &str = "---
hosts:
  web: [\"host[01:03]\"]
  db: [deploy@db-primary:2222]
---
# Rolling restart

## Restart
```bash {name=restart-api on=web serial=1,50% max_fail=0 timeout=2m}
systemctl restart api
```
```bash {name=local}
echo here
```
";

#[test]
fn check_resolves_every_reached_host_with_ssh_g_through_the_given_config() {
    let sshd = sshd::Sshd::start(3);
    let sb = Sandbox::new();
    sb.runbook("rolling.md", ROLLING);
    let config = sshd.config();
    let out = sb.run(&[
        "check",
        "rolling.md",
        "--ssh-config",
        config.to_str().expect("utf8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("hosts  rolling.md — 3 hosts checked with ssh -G"),
        "{}",
        text(&out.stdout)
    );

    let broken = sb.path().join("broken_config");
    std::fs::write(&broken, "Host *\n  NoSuchOption yes\n").expect("config");
    let out = sb.run(&[
        "check",
        "rolling.md",
        "--ssh-config",
        broken.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(
        said.contains("rolling.md: error: host host01: ssh -G:")
            && said.contains("Bad configuration option"),
        "{said}"
    );
    let out = sb.run(&[
        "check",
        "--json",
        "rolling.md",
        "--ssh-config",
        broken.to_str().expect("utf8"),
    ]);
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["ok"], false);
    assert_eq!(json["files"][0]["status"], "invalid");
    assert_eq!(json["files"][0]["hosts"]["checked"], 3);
    assert_eq!(
        json["files"][0]["hosts"]["errors"].as_array().map(Vec::len),
        Some(3)
    );
    let out = sb.run(&[
        "check",
        "rolling.md",
        "--ssh-config",
        broken.to_str().expect("utf8"),
    ]);
    assert!(
        text(&out.stdout).contains("3 hosts checked with ssh -G, 3 refused"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn show_lists_each_steps_hosts_and_options() {
    let sb = Sandbox::new();
    sb.runbook("rolling.md", ROLLING);
    let out = sb.run(&["show", "rolling.md"]);
    let outline = text(&out.stdout);
    assert!(
        outline.contains("hosts  web (3): host01, host02, host03"),
        "{outline}"
    );
    assert!(
        outline.contains("hosts  db (1): deploy@db-primary:2222"),
        "{outline}"
    );
    assert!(
        outline.contains("on web → 3 hosts: host01, host02, host03 · serial 1,50% · max_fail 0"),
        "{outline}"
    );
    let out = sb.run(&["show", "--json", "rolling.md"]);
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    let steps = &json["sections"][0]["steps"];
    assert_eq!(steps[0]["on"], serde_json::json!(["web"]));
    assert_eq!(
        steps[0]["hosts"],
        serde_json::json!(["host01", "host02", "host03"])
    );
    assert_eq!(steps[0]["serial"], serde_json::json!(["1", "50%"]));
    assert_eq!(steps[0]["max_fail"], "0");
    assert_eq!(steps[1]["on"], serde_json::json!([]));
    assert!(steps[1].get("hosts").is_none());
    assert_eq!(
        json["hosts"]["groups"][1]["hosts"],
        serde_json::json!(["deploy@db-primary:2222"])
    );
}

#[test]
fn inventories_are_read_or_refused_with_what_to_do() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.path().join("inventory.yml"),
        "all:\n  children:\n    webservers:\n      hosts:\n        web[1:2].example.com:\n          ansible_port: 2222\n",
    )
    .expect("inventory");
    std::fs::write(
        sb.path().join("hosts.ini"),
        "[webservers]\nweb1.example.com\n",
    )
    .expect("ini");
    sb.runbook("yaml.md", "---\ninventory: inventory.yml\n---\n# Y\n```bash {on=webservers}\nuptime\n```\n```bash {on=cache}\nuptime\n```\n");
    sb.runbook(
        "ini.md",
        "---\ninventory: hosts.ini\n---\n# I\n```bash {on=webservers}\nuptime\n```\n",
    );
    let out = sb.run(&["show", "yaml.md"]);
    assert!(
        text(&out.stdout).contains("on webservers → 2 hosts: web1.example.com, web2.example.com"),
        "{}",
        text(&out.stdout)
    );
    let no_config = sb.path().join("ssh_config");
    std::fs::write(&no_config, "").expect("an empty ssh config");
    let no_config = no_config.to_str().expect("utf8");
    let out = sb.run(&["check", "yaml.md", "--ssh-config", no_config]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("yaml.md:8: error: step 1#2: `cache` is not a group or host of inventory.yml; known groups: all, webservers"),
        "{}",
        text(&out.stderr)
    );
    let out = sb
        .command(&["check", "ini.md"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(
        said.contains("hosts.ini is not a YAML inventory runbook reads itself (not YAML)"),
        "{said}"
    );
    assert!(
        said.contains("`ansible-inventory` is not on PATH"),
        "{said}"
    );
}
