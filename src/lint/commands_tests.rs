use super::*;
use crate::doc::shell::commands::read;

fn first(script: &str) -> SimpleCommand {
    read(script, false).commands.remove(0)
}

fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

#[test]
fn destructive_commands() {
    for line in [
        "rm -rf /var/lib/app/cache",
        "sudo rm -r old/",
        "kubectl delete namespace payments",
        "kubectl -n app delete pod web-0",
        "helm uninstall payments",
        "terraform destroy -auto-approve",
        "terraform apply -destroy",
        "docker compose down -v",
        "docker-compose down",
        "sudo systemctl stop patroni",
        "git push --force origin main",
        "aws rds delete-db-instance --db-instance-identifier orders",
        "dd if=/dev/zero of=/dev/sdb bs=1M",
        "mkfs.ext4 /dev/sdb1",
    ] {
        let words = words(line);
        assert!(destructive(unwrap(&words).0).is_some(), "{line}");
    }
    for line in [
        "rm old.log",
        "kubectl get pods",
        "helm upgrade payments charts/payments",
        "terraform plan",
        "docker compose up -d",
        "systemctl restart nginx",
        "git push origin main",
    ] {
        let words = words(line);
        assert_eq!(destructive(unwrap(&words).0), None, "{line}");
    }
    assert!(destructive_sql("psql -c 'DROP TABLE orders_old;'").is_some());
    assert!(destructive_sql("TRUNCATE TABLE audit_log;").is_some());
    assert!(destructive_sql("psql -c \"DELETE FROM sessions;\"").is_some());
    assert_eq!(
        destructive_sql("psql -c \"DELETE FROM sessions WHERE age > 30;\""),
        None
    );
    assert_eq!(destructive_sql("# DROP TABLE is what we avoid here"), None);
}

#[test]
fn waits_and_commands_that_never_end() {
    assert!(unbounded_wait(&first("kubectl wait --for=condition=Ready pod/x")).is_some());
    assert!(unbounded_wait(&first("kubectl rollout status deploy/api")).is_some());
    assert!(unbounded_wait(&first("kubectl -n app rollout status deploy/api")).is_some());
    assert!(never_ending(&first("kubectl -n app logs -f deploy/api")).is_some());
    assert_eq!(
        unbounded_wait(&first("kubectl rollout status deploy/api --timeout=5m")),
        None
    );
    assert_eq!(
        unbounded_wait(&first("timeout 300 kubectl wait --for=delete pod/x")),
        None
    );
    assert!(unbounded_loop("until curl -fs localhost; do sleep 5; done"));
    assert!(!unbounded_loop(
        "until curl -fs localhost || [ $SECONDS -gt 300 ]; do sleep 5; done"
    ));
    assert!(!unbounded_loop(
        "while read -r line; do echo \"$line\"; done"
    ));
    for line in [
        "kubectl logs -f deploy/api",
        "tail -F /var/log/syslog",
        "watch kubectl get pods",
        "docker-compose logs -f",
        "kubectl get pods -w",
        "ping db.internal",
        "journalctl -fu patroni",
    ] {
        assert!(never_ending(&first(line)).is_some(), "{line}");
    }
    for line in [
        "kubectl logs deploy/api",
        "tail -n 50 app.log",
        "ping -c 3 db.internal",
        "timeout 60 kubectl logs -f deploy/api",
        "kubectl logs -f deploy/api | head -n 20",
    ] {
        assert_eq!(never_ending(&first(line)), None, "{line}");
    }
}
