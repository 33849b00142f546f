use super::*;

#[test]
fn lines_after_a_session_opener_are_typed_there_until_it_is_left() {
    let script = "kubectl config use-context prod\nssh db-replica-1\nsudo -u postgres psql -c 'SELECT pg_is_in_recovery()'\nexit\nkubectl get pods\n";
    let reading = read(script).expect("an opener");
    assert_eq!(
        reading.script,
        "kubectl config use-context prod\nssh db-replica-1\nkubectl get pods\n"
    );
    assert_eq!(reading.sessions.len(), 1);
    let session = &reading.sessions[0];
    assert_eq!(session.opener, "ssh db-replica-1");
    assert_eq!(session.opens, "a shell on `db-replica-1`");
    assert_eq!(
        session.typed_there,
        [
            "sudo -u postgres psql -c 'SELECT pg_is_in_recovery()'",
            "exit"
        ]
    );
    assert!(!session.left_open);
}

#[test]
fn nested_sessions_and_what_is_not_shell_stay_there() {
    let script = "oc debug node/<node>\nchroot /host\ncrictl rmi --prune\nexit\nexit\n";
    let reading = read(script).expect("an opener");
    assert_eq!(reading.script, "oc debug node/<node>\n");
    assert_eq!(reading.sessions[0].opens, "a debug shell on node `<node>`");
    assert_eq!(
        reading.sessions[0].typed_there,
        ["chroot /host", "crictl rmi --prune", "exit", "exit"]
    );
    let sql = "psql -U postgres\nSELECT pid, state FROM pg_stat_activity WHERE state = 'idle in transaction';\n\\q\n";
    let reading = read(sql).expect("a console");
    assert_eq!(reading.script, "psql -U postgres\n");
    assert_eq!(reading.sessions[0].typed_there.len(), 2);
    assert!(!reading.sessions[0].left_open);
}

#[test]
fn a_block_that_ends_inside_a_session_leaves_it_open() {
    let reading = read("oc rsh -n openshift-etcd etcd-0\n").expect("an opener");
    assert!(reading.sessions[0].left_open);
    assert!(reading.sessions[0].typed_there.is_empty());
}

#[test]
fn commands_that_return_and_input_fed_consoles_stay_local() {
    for script in [
        "ssh db-1 'sudo systemctl restart patroni'\n",
        "psql \"$DATABASE_URL\" < backup.sql\n",
        "cat migrate.sql | psql -U app\n",
        "psql -U app <<'SQL'\nSELECT 1;\nSQL\n",
        "kubectl get pods -o name | xargs -n1 kubectl delete\n",
        "echo $(ssh db-1 hostname)\n",
    ] {
        assert_eq!(read(script), None, "{script}");
    }
}

#[test]
fn editors_and_asking_commands_need_the_terminal() {
    let reading = read("git add CHANGELOG.md\ngit commit\n").expect("asks");
    assert_eq!(
        reading.asks.as_ref().map(|a| a.0.as_str()),
        Some("git commit")
    );
    assert_eq!(reading.script, "git add CHANGELOG.md\ngit commit\n");
    assert!(reading.sessions.is_empty());
}
