//! Runbooks as people write them for people (alert runbooks, docs pages, issue templates,
//! release processes, DR guides), each in the style of a public document named in
//! tests/fixtures/real/SOURCES.md. Each test is one table: the steps an operator expects, in
//! order, the lines that are never run, and the placeholders found.

mod corpus;

use corpus::{Expected, assert_reads};

#[test]
fn openshift_etcd_quota_alert() {
    assert_reads(
        "openshift-etcd-quota.md",
        &Expected {
            steps: &[
                (20, "console(0)", "oc rsh -n openshift-etcd -c etcdctl"),
                (26, "console(2)", "etcdctl version"),
                (
                    34,
                    "console(5)",
                    "etcdctl endpoint status --cluster -w table",
                ),
                (64, "console(1)", "etcdctl defrag"),
            ],
            never_run: &[28, 29, 36, 37, 48, 54, 66],
            placeholders: &[],
            interactive: &[20],
            elsewhere_warnings: &[
                (26, "after-elsewhere"),
                (34, "after-elsewhere"),
                (64, "after-elsewhere"),
            ],
            ..Expected::default()
        },
    );
}

#[test]
fn openshift_node_filesystem_alert() {
    assert_reads(
        "openshift-node-filesystem.md",
        &Expected {
            steps: &[
                (
                    18,
                    "run",
                    "oc debug node/\"${NODE:?placeholder without a value}\"",
                ),
                (24, "run", "chroot /host"),
                (30, "console(4)", "df -h /var"),
                (43, "run", "crictl rmi --prune"),
                (51, "run", "journalctl --vacuum-time=2d"),
            ],
            never_run: &[32, 35],
            placeholders: &["node"],
            interactive: &[18, 24],
            elsewhere_warnings: &[
                (30, "after-elsewhere"),
                (43, "after-elsewhere"),
                (51, "after-elsewhere"),
            ],
            ..Expected::default()
        },
    );
}

#[test]
fn gitlab_patroni_scale_down() {
    assert_reads(
        "gitlab-patroni-scale-down.md",
        &Expected {
            steps: &[
                (39, "proposed", "sudo systemctl reload patroni"),
                (45, "proposed", "dig @127.0.0.1 -p 8600"),
                (51, "proposed", "for c in /usr/local/bin/pgb-console*"),
                (57, "proposed", "gitlab-psql -qtc \"SELECT count(*)"),
            ],
            never_run: &[32, 33],
            placeholders: &["database"],
            ..Expected::default()
        },
    );
}

#[test]
fn gitlab_sidekiq_queue() {
    assert_reads(
        "gitlab-sidekiq-queue.md",
        &Expected {
            steps: &[
                (11, "proposed", "sudo gitlab-rails console"),
                (
                    30,
                    "run",
                    "kubectl -n gitlab scale deployment/gitlab-sidekiq-urgent-other-v2 --replicas=\"${REPLICAS:?",
                ),
            ],
            never_run: &[16, 25],
            placeholders: &["replicas"],
            interactive: &[11],
            elsewhere_warnings: &[(30, "after-elsewhere")],
            ..Expected::default()
        },
    );
}

#[test]
fn kubernetes_operating_etcd() {
    assert_reads(
        "k8s-operating-etcd.md",
        &Expected {
            steps: &[
                (
                    24,
                    "console(5)",
                    "ETCDCTL_API=3 etcdctl --endpoints $ENDPOINT snapshot save",
                ),
                (
                    45,
                    "run",
                    "etcdctl --endpoints=http://10.0.0.2,http://10.0.0.3 member list",
                ),
                (56, "run", "etcdctl member remove 8211f1d0f64f3269"),
                (62, "run", "etcdctl member add member4"),
                (68, "proposed", "export ETCD_NAME=\"member4\""),
                (74, "check from list", "Read the release notes"),
                (75, "check from list", "Upgrade one member at a time"),
                (76, "check from list", "Update the `--etcd-servers` flag"),
            ],
            never_run: &[30, 32, 51, 52],
            placeholders: &[],
            elsewhere_warnings: &[(68, "other-host")],
            ..Expected::default()
        },
    );
}

#[test]
fn kubernetes_kubeadm_upgrade() {
    assert_reads(
        "k8s-kubeadm-upgrade.md",
        &Expected {
            steps: &[
                (19, "run", "sudo apt-mark unhold kubeadm"),
                (
                    29,
                    "run",
                    "sudo yum install -y kubeadm-''\"${CURRENT_VERSION:?placeholder without a value}\"'.x-*'",
                ),
                (39, "run", "sudo kubeadm upgrade plan"),
                (45, "run", "sudo kubeadm upgrade apply v\"${VERSION:?"),
                (
                    57,
                    "run",
                    "kubectl drain \"${NODE_TO_DRAIN:?placeholder without a value}\" --ignore-daemonsets",
                ),
                (64, "run", "kubectl uncordon \"${NODE_TO_UNCORDON:?"),
                (70, "run", "kubectl get nodes"),
            ],
            never_run: &[52],
            placeholders: &[
                "currentVersion",
                "VERSION",
                "node-to-drain",
                "node-to-uncordon",
            ],
            choices: &[(
                16,
                &["Ubuntu, Debian or HypriotOS", "CentOS, RHEL or Fedora"],
            )],
            ..Expected::default()
        },
    );
}

#[test]
fn etcd_disaster_recovery() {
    assert_reads(
        "etcd-disaster-recovery.md",
        &Expected {
            steps: &[
                (
                    12,
                    "console(0)",
                    "ETCDCTL_API=3 etcdctl --endpoints $ENDPOINT snapshot save",
                ),
                (21, "console(0)", "etcdutl snapshot restore snapshot.db"),
                (31, "console(0)", "etcd \\"),
            ],
            never_run: &[],
            placeholders: &[],
            ..Expected::default()
        },
    );
}

#[test]
fn mkdocs_material_tabs() {
    assert_reads(
        "mkdocs-tabs-install.md",
        &Expected {
            steps: &[
                (19, "run", "sudo systemctl stop ingest-feed.timer"),
                (
                    25,
                    "run",
                    "kubectl -n ingest scale deployment/feed --replicas=0",
                ),
                (31, "run", "kubectl -n ingest rollout restart"),
                (38, "check", "Feed resumed"),
                (39, "check", "Lag back under 1,000 messages"),
            ],
            never_run: &[13],
            placeholders: &[],
            choices: &[(17, &["systemd hosts", "Kubernetes"])],
            ..Expected::default()
        },
    );
}

#[test]
fn jekyll_liquid_highlight() {
    assert_reads(
        "jekyll-highlight-upgrade.md",
        &Expected {
            steps: &[
                (
                    14,
                    "proposed",
                    "bin/kafka-topics.sh --bootstrap-server localhost:9092",
                ),
                (22, "check from list", "Stop the broker."),
                (23, "check from list", "Install version {{site.version}}"),
                (
                    24,
                    "check from list",
                    "Point the service at the new install",
                ),
                (26, "proposed", "bin/kafka-server-stop.sh"),
            ],
            never_run: &[36, 37],
            placeholders: &["site.version"],
            ..Expected::default()
        },
    );
}

#[test]
fn github_release_issue_template() {
    assert_reads(
        "github-release-issue-template.md",
        &Expected {
            steps: &[
                (11, "check", "Milestone closed"),
                (12, "check", "`CHANGELOG.md` has a section"),
                (13, "check", "CI is green on `main`"),
                (17, "proposed", "git checkout main && git pull --ff-only"),
                (25, "check", "The release workflow finished"),
                (26, "check", "Release notes copied"),
                (27, "check", "Announced in the community channel"),
            ],
            never_run: &[29, 30],
            placeholders: &["VERSION"],
            ..Expected::default()
        },
    );
}

#[test]
fn prometheus_release_process() {
    assert_reads(
        "prometheus-release-process.md",
        &Expected {
            steps: &[
                (22, "proposed", "tag=\"v$(< VERSION)\""),
                (36, "check from list", "Merge the release branch back"),
                (37, "check from list", "Announce the release"),
            ],
            never_run: &[28, 29],
            placeholders: &[],
            ..Expected::default()
        },
    );
}

#[test]
fn vault_dr_promote() {
    assert_reads(
        "vault-dr-promote.md",
        &Expected {
            steps: &[
                (
                    11,
                    "proposed console(5)",
                    "vault read sys/replication/dr/status",
                ),
                (
                    22,
                    "proposed console(3)",
                    "vault write sys/replication/dr/secondary/promote",
                ),
                (32, "check", "DNS record `vault.example.internal` updated"),
                (33, "check", "Applications re-authenticated"),
            ],
            never_run: &[13, 17, 25, 27],
            placeholders: &["dr_operation_token"],
            ..Expected::default()
        },
    );
}

#[test]
fn console_sessions_with_output_tables() {
    assert_reads(
        "console-output-tables.md",
        &Expected {
            steps: &[
                (5, "console(6)", "kubectl get nodes -o wide"),
                (18, "console(1)", "kubectl cordon worker-1"),
            ],
            never_run: &[7, 8, 11, 12, 20],
            placeholders: &[],
            ..Expected::default()
        },
    );
}

#[test]
fn postgres_dr_failover_gate_first() {
    assert_reads(
        "postgres-dr-failover.md",
        &Expected {
            steps: &[
                (7, "check", "Incident channel open"),
                (8, "check", "The standby replica's lag is known"),
                (14, "gate", "Go/No-Go"),
                (18, "run", "psql -h standby.db.internal"),
                (28, "run", "sudo -u postgres pg_ctlcluster 16 main promote"),
                (
                    32,
                    "run",
                    "./scripts/point-dns.sh db.internal standby.db.internal",
                ),
                (38, "check", "Writes succeed"),
                (39, "check", "Error rate back to normal"),
                (
                    45,
                    "run",
                    "./scripts/point-dns.sh db.internal primary.db.internal",
                ),
            ],
            never_run: &[11],
            placeholders: &[],
            ..Expected::default()
        },
    );
}

#[test]
fn stack_traces_and_logs_are_never_run() {
    assert_reads(
        "stack-trace-triage.md",
        &Expected {
            steps: &[(
                33,
                "proposed",
                "kubectl -n shop rollout restart deployment/checkout",
            )],
            never_run: &[8, 9, 17, 18, 20, 26],
            placeholders: &[],
            ..Expected::default()
        },
    );
}

#[test]
fn terraform_hcl_is_never_run() {
    assert_reads(
        "terraform-state-recovery.md",
        &Expected {
            steps: &[
                (
                    8,
                    "proposed",
                    "terraform -chdir=envs/\"${WORKSPACE:?placeholder without a value}\" plan",
                ),
                (
                    25,
                    "proposed",
                    "terraform -chdir=envs/\"${WORKSPACE:?placeholder without a value}\" force-unlock -force \"${LOCK_ID:?",
                ),
            ],
            never_run: &[15, 16, 32, 33, 34, 42, 43],
            placeholders: &["workspace", "lock-id"],
            ..Expected::default()
        },
    );
}

#[test]
fn obsidian_notes_with_nothing_to_run() {
    assert_reads(
        "obsidian-oncall-notes.md",
        &Expected {
            steps: &[],
            never_run: &[],
            placeholders: &[],
            ..Expected::default()
        },
    );
}

#[test]
fn debian_root_prompts() {
    assert_reads(
        "debian-root-prompts.md",
        &Expected {
            steps: &[
                (5, "console(2)", "apt-get update"),
                (
                    15,
                    "console(3)",
                    "curl -s localhost:9100/metrics | head -n 3",
                ),
            ],
            never_run: &[8, 9, 17, 18, 19],
            placeholders: &[],
            ..Expected::default()
        },
    );
}

#[test]
fn fences_inside_html_details() {
    assert_reads(
        "details-html-fences.md",
        &Expected {
            steps: &[
                (8, "proposed", "openssl rand -hex 32"),
                (
                    22,
                    "run",
                    "kubectl -n hooks create secret generic webhook-signing",
                ),
                (26, "check", "Receiver accepts signatures"),
            ],
            never_run: &[16],
            placeholders: &[],
            ..Expected::default()
        },
    );
}

#[test]
fn comments_only_blocks_are_checks_and_waits() {
    assert_reads(
        "comment-only-procedure.md",
        &Expected {
            steps: &[
                (5, "run", "./lb/check-pool.sh new-lb"),
                (
                    12,
                    "check from comment",
                    "1. Move 10% of traffic in the DNS weights",
                ),
                (15, "wait 10m", "2. Wait 10 minutes"),
                (18, "check from comment", "3. Move the remaining 90%"),
                (20, "wait 30m", "4. Monitor for 30 minutes"),
                (
                    27,
                    "check from comment",
                    "Put the weights back to 100% old balancer",
                ),
            ],
            never_run: &[],
            placeholders: &[],
            ..Expected::default()
        },
    );
}

#[test]
fn tutorial_with_user_at_host_prompts() {
    assert_reads(
        "blog-user-host-prompts.md",
        &Expected {
            steps: &[
                (7, "proposed console(2)", "sudo ufw allow OpenSSH"),
                (15, "proposed console(2)", "sudo ufw enable"),
                (
                    25,
                    "console(3)",
                    "sudo tee /etc/ufw/applications.d/site <<EOF",
                ),
            ],
            never_run: &[9, 17, 18, 32, 33, 34],
            placeholders: &["your_domain"],
            interactive: &[15],
            ..Expected::default()
        },
    );
}

#[test]
fn late_go_no_go_and_signoff_move_before_the_first_command() {
    assert_reads(
        "change-with-late-gates.md",
        &Expected {
            steps: &[
                (23, "gate moved", "Go/No-Go"),
                (36, "sign-off moved", "Sign-off"),
                (
                    10,
                    "run",
                    "helm upgrade payments charts/payments --set image.tag=2.8.0 --set canary.weight=10",
                ),
                (
                    14,
                    "run",
                    "helm upgrade payments charts/payments --set image.tag=2.8.0 --set canary.weight=100",
                ),
                (20, "check", "p99 latency under 300 ms"),
                (21, "check", "No new error signatures"),
            ],
            never_run: &[],
            placeholders: &[],
            ..Expected::default()
        },
    );
}

#[test]
fn prometheus_operator_alert_runbook() {
    assert_reads(
        "prometheus-operator-crashloop.md",
        &Expected {
            steps: &[
                (28, "run", "kubectl -n $NAMESPACE describe pod $POD"),
                (
                    34,
                    "run",
                    "kubectl -n $NAMESPACE logs $POD -c $CONTAINER --previous",
                ),
            ],
            never_run: &[44, 46],
            placeholders: &[],
            ..Expected::default()
        },
    );
}

#[test]
fn postgres_upgrade_methods_a_condition_and_reference() {
    assert_reads(
        "postgres-major-upgrade.md",
        &Expected {
            steps: &[
                (14, "check", "A fresh base backup exists"),
                (15, "check", "The application is in maintenance mode"),
                (21, "run", "sudo systemctl stop postgresql@15-main"),
                (35, "run", "sudo -u postgres pg_dumpall -p 5432"),
                (44, "run", "patronictl -c /etc/patroni/patroni.yml pause"),
                (50, "run", "sudo -u postgres psql -p 5432 -c"),
                (
                    59,
                    "run",
                    "sudo -u postgres /usr/lib/postgresql/16/bin/pg_upgrade --check",
                ),
            ],
            choices: &[
                (
                    17,
                    &[
                        "Method A: pg_upgrade in place",
                        "Method B: dump and restore",
                    ],
                ),
                (40, &["If you use Patroni"]),
            ],
            reference: &[54, 63, 69],
            ..Expected::default()
        },
    );
}

#[test]
fn patroni_replica_sessions_editors_and_other_hosts() {
    assert_reads(
        "patroni-replica-rebuild.md",
        &Expected {
            steps: &[
                (16, "run", "ssh patroni-01.db.internal"),
                (24, "run", "sudo gitlab-psql"),
                (34, "run", "sudo systemctl stop patroni"),
                (41, "run", "sudo vi /var/opt/gitlab/patroni/patroni.yml"),
                (47, "run", "sudo systemctl start patroni"),
                (53, "run", "kubectl -n db exec -it patroni-2 -- bash"),
                (62, "run", "etcdctl defrag --cluster"),
                (68, "run", "sudo gitlab-psql -c"),
            ],
            typed_there: &[18, 19, 26, 27, 55, 56],
            interactive: &[16, 24, 41, 53],
            elsewhere_warnings: &[(34, "other-host"), (62, "other-host")],
            reference: &[66],
            ..Expected::default()
        },
    );
}

#[test]
fn docusaurus_tabs_and_either_or_headings() {
    assert_reads(
        "docusaurus-tabs-deploy.md",
        &Expected {
            steps: &[
                (17, "run", "docker compose run --rm admin-tools"),
                (24, "run", "helm upgrade workflow charts/workflow"),
                (33, "run", "curl -fsS http://localhost:7243/health"),
                (41, "run", "kubectl -n workflow rollout restart deployment"),
                (47, "run", "for d in frontend history matching worker; do"),
            ],
            choices: &[
                (14, &["Docker Compose", "Helm"]),
                (
                    37,
                    &[
                        "Either: restart every service at once",
                        "Or: one service at a time",
                    ],
                ),
            ],
            ..Expected::default()
        },
    );
}

#[test]
fn gitbook_tabs_and_an_alternative_after_them() {
    assert_reads(
        "gitbook-tabs-rotate-keys.md",
        &Expected {
            steps: &[
                (12, "run", "aws secretsmanager rotate-secret"),
                (18, "run", "gcloud secrets versions add webhook-signing"),
                (28, "run", "openssl rand -hex 32"),
                (34, "check", "Posted the rotation time"),
            ],
            choices: &[(10, &["AWS", "GCP", "Alternative: rotate by hand"])],
            ..Expected::default()
        },
    );
}

#[test]
fn kubeadm_reset_asks_and_editors_need_the_terminal() {
    assert_reads(
        "kubeadm-reset-node.md",
        &Expected {
            steps: &[
                (11, "run", "kubectl drain worker-7"),
                (19, "console(3)", "sudo kubeadm reset"),
                (30, "run", "kubectl delete node worker-7"),
                (37, "run", "git add inventory/production.ini"),
            ],
            never_run: &[21, 23],
            interactive: &[19, 30, 37],
            elsewhere_warnings: &[(19, "other-host")],
            ..Expected::default()
        },
    );
}

#[test]
fn every_document_is_named_in_sources_and_checks_with_exit_0() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real");
    let sources = std::fs::read_to_string(dir.join("SOURCES.md")).expect("SOURCES.md");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|name| name.ends_with(".md") && name != "SOURCES.md")
        .collect();
    files.sort();
    assert!(files.len() >= 20, "{files:?}");
    for file in &files {
        assert!(
            sources.contains(&format!("| {file} |")),
            "{file} is not in SOURCES.md"
        );
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_runbook"))
        .arg("check")
        .args(files.iter().map(|f| dir.join(f)))
        .output()
        .expect("runbook check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok  ")).count(),
        files.len()
    );
}
