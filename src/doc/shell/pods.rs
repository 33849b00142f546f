//! Sessions in pods, containers and debug shells: `kubectl exec -it … -- sh`, `oc rsh`,
//! `oc debug node/x`, `docker exec -it … bash`, `docker compose exec db psql`.

use super::openers::{
    after_dashes, has_flag, interactive_tty, is_shell_or_console, positionals, split_target,
};

pub(super) fn kubernetes(name: &str, args: &[String]) -> Option<String> {
    let (sub, rest) = split_target(
        args,
        "ns",
        &[
            "--namespace",
            "--context",
            "--kubeconfig",
            "--cluster",
            "--user",
            "--server",
        ],
    )?;
    let target = || {
        positionals(
            rest,
            "ncfl",
            &[
                "--namespace",
                "--container",
                "--context",
                "--image",
                "--selector",
                "--timeout",
                "--shell",
            ],
        )
        .first()
        .filter(|t| !t.contains("$("))
        .map(|t| t.to_string())
        .unwrap_or_else(|| "a pod".into())
    };
    match sub {
        "exec" if interactive_tty(rest) => {
            let command = after_dashes(rest).unwrap_or(&[]);
            let what = if command.is_empty() {
                Some("a shell".to_string())
            } else {
                is_shell_or_console(command)
            };
            what.map(|w| in_pod(&w, &target()))
        }
        "rsh" if name == "oc" => {
            let positional = positionals(
                rest,
                "cnf",
                &["--container", "--namespace", "--shell", "--timeout"],
            );
            (positional.len() <= 1).then(|| in_pod("a shell", &target()))
        }
        "debug" => {
            let command = after_dashes(rest).unwrap_or(&[]);
            let interactive = name == "oc" || interactive_tty(rest);
            let what = if command.is_empty() {
                Some("a debug shell".to_string())
            } else {
                is_shell_or_console(command)
                    .map(|c| format!("a debug {c}").replace("a debug a ", "a debug "))
            };
            let on = target();
            let place = match on.strip_prefix("node/") {
                Some(node) => format!("on node `{node}`"),
                None => format!("in `{on}`"),
            };
            interactive.then_some(what?).map(|w| format!("{w} {place}"))
        }
        "run" if interactive_tty(rest) => {
            let command = after_dashes(rest).unwrap_or(&[]);
            let what = if command.is_empty() {
                Some("a shell".to_string())
            } else {
                is_shell_or_console(command)
            };
            what.map(|w| format!("{w} in a new pod"))
        }
        "attach" if has_flag(rest, 'i', &["--stdin"]) => {
            Some(format!("the console of pod `{}`", target()))
        }
        _ => None,
    }
}

fn in_pod(what: &str, pod: &str) -> String {
    if pod == "a pod" {
        format!("{what} in a pod")
    } else {
        format!("{what} in pod `{pod}`")
    }
}

const DOCKER_VALUED: &[&str] = &[
    "--name",
    "--env",
    "--volume",
    "--publish",
    "--workdir",
    "--user",
    "--network",
    "--net",
    "--entrypoint",
    "--label",
    "--mount",
    "--env-file",
    "--platform",
    "--hostname",
    "--add-host",
    "--cpus",
    "--memory",
    "--restart",
    "--pull",
    "--log-driver",
    "--detach-keys",
];

pub(super) fn containers(name: &str, args: &[String]) -> Option<String> {
    let (sub, rest) = match (name, args.first().map(String::as_str)) {
        ("docker" | "podman", Some("compose")) => {
            (format!("compose {}", args.get(1)?), args.get(2..)?)
        }
        ("docker-compose", Some(sub)) => (format!("compose {sub}"), &args[1..]),
        (_, Some("container")) => (args.get(1)?.clone(), args.get(2..)?),
        (_, Some(sub)) => (sub.to_string(), &args[1..]),
        _ => return None,
    };
    let (target, command) = split_target(rest, "eEvpwulhm", DOCKER_VALUED)?;
    let what = || {
        if command.is_empty() {
            Some("a shell".to_string())
        } else {
            is_shell_or_console(command)
        }
    };
    match sub.as_str() {
        "exec" if interactive_tty(rest) && !command.is_empty() => {
            what().map(|w| format!("{w} in container `{target}`"))
        }
        "run" if interactive_tty(rest) => {
            what().map(|w| format!("{w} in a new `{target}` container"))
        }
        "attach" => Some(format!("the console of container `{target}`")),
        "compose exec" | "compose run"
            if !has_flag(rest, 'T', &["--no-TTY", "--no-tty"]) && !command.is_empty() =>
        {
            what().map(|w| format!("{w} in service `{target}`"))
        }
        _ => None,
    }
}
