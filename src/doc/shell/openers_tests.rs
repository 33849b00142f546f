use super::*;

fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

fn opens(line: &str) -> Option<String> {
    match effect(&words(line), false) {
        Some(Effect::Opens(what)) => Some(what),
        _ => None,
    }
}

fn asks(line: &str) -> bool {
    matches!(effect(&words(line), false), Some(Effect::Asks(_)))
}

#[test]
fn sessions_elsewhere() {
    for (line, what) in [
        ("ssh db-replica-1", "a shell on `db-replica-1`"),
        (
            "ssh -i ~/.ssh/ops -p 2222 admin@bastion",
            "a shell on `admin@bastion`",
        ),
        ("sudo -u postgres psql", "a psql console"),
        ("psql -h standby.db.internal -U postgres", "a psql console"),
        (
            "kubectl exec -it etcd-0 -n kube-system -- sh",
            "a shell in pod `etcd-0`",
        ),
        (
            "kubectl -n db exec -ti pg-0 -- psql -U app",
            "a psql console in pod `pg-0`",
        ),
        (
            "oc rsh -n openshift-etcd -c etcdctl etcd-0",
            "a shell in pod `etcd-0`",
        ),
        ("oc debug node/worker-3", "a debug shell on node `worker-3`"),
        (
            "kubectl debug node/worker-3 -it --image=busybox",
            "a debug shell on node `worker-3`",
        ),
        ("chroot /host", "a shell inside `/host` (chroot)"),
        ("docker exec -it web bash", "a shell in container `web`"),
        (
            "docker compose exec db psql -U app",
            "a psql console in service `db`",
        ),
        ("mysql -u root -p", "a mysql console"),
        ("redis-cli -h cache.internal -p 6379", "a redis-cli console"),
        ("sudo gitlab-rails console", "a Rails console"),
        ("bundle exec rails c", "a Rails console"),
        ("sudo -i", "a root shell"),
        ("su - postgres", "a shell as `postgres`"),
    ] {
        assert_eq!(opens(line).as_deref(), Some(what), "{line}");
    }
}

#[test]
fn commands_that_do_their_work_and_return() {
    for line in [
        "ssh db-replica-1 sudo systemctl restart patroni",
        "psql -h db -c 'SELECT 1'",
        "psql -h standby -U monitor -Atc 'SELECT now()'",
        "psql -f migrate.sql",
        "mysql -e 'SHOW SLAVE STATUS'",
        "redis-cli -h cache INFO replication",
        "kubectl exec etcd-0 -- etcdctl endpoint health",
        "kubectl exec -it etcd-0 -- etcdctl defrag",
        "oc rsh etcd-0 etcdctl member list",
        "oc debug node/worker-3 -- chroot /host crictl ps",
        "kubectl debug node/worker-3 --image=busybox",
        "chroot /host crictl rmi --prune",
        "docker exec web nginx -s reload",
        "docker compose exec -T db pg_dump app",
        "su - postgres -c 'pg_ctl promote'",
        "rails runner 'User.count'",
        "bash -c 'echo hi'",
        "bash ./deploy.sh",
        "kubectl get pods",
    ] {
        assert_eq!(opens(line), None, "{line}");
    }
    assert_eq!(
        effect(&words("psql -U app"), true),
        None,
        "psql fed from a file or pipe runs and returns"
    );
}

#[test]
fn editors_and_commands_that_ask() {
    for line in [
        "vi /etc/patroni.yml",
        "sudo nano /etc/hosts",
        "kubectl edit deployment/api",
        "git commit",
        "git commit --amend",
        "git rebase -i HEAD~3",
        "crontab -e",
        "systemctl edit nginx",
        "apt-get install nginx",
        "sudo yum remove httpd",
        "terraform destroy",
        "terraform apply",
        "kubeadm reset",
        "docker system prune",
        "read answer",
    ] {
        assert!(asks(line), "{line}");
    }
    for line in [
        "git commit -m 'release 1.2'",
        "git commit -am 'fix'",
        "git commit --amend --no-edit",
        "apt-get install -y nginx",
        "terraform apply -auto-approve",
        "terraform apply plan.tfplan",
        "kubeadm reset -f",
        "docker system prune -f",
        "top -b -n 1",
        "kubectl get pods",
    ] {
        assert!(!asks(line), "{line}");
    }
}
