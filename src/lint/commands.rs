//! Rules on what a step's commands do: destructive commands (RB002, RB003), waits without a
//! bound (RB004) and commands that never end (RB007).

use crate::doc::shell::commands::SimpleCommand;
use crate::doc::shell::openers::basename;
use regex::Regex;
use std::sync::OnceLock;

/// A command's words without `sudo`, `env`, `exec`, `nice`… in front; `timeout N` in front
/// says the command is bounded.
pub fn unwrap(words: &[String]) -> (&[String], bool) {
    let mut rest = words;
    let mut bounded = false;
    while let Some(first) = rest.first() {
        let skip = match basename(first) {
            "sudo" | "doas" => {
                1 + rest[1..].iter().take_while(|w| w.starts_with('-')).count()
                    + usize::from(rest.get(1).is_some_and(|w| w == "-u"))
            }
            "env" => {
                1 + rest[1..]
                    .iter()
                    .take_while(|w| w.starts_with('-') || w.contains('='))
                    .count()
            }
            "exec" | "command" | "time" | "nohup" | "nice" => 1,
            "timeout" => {
                bounded = true;
                let options = rest[1..].iter().take_while(|w| w.starts_with('-')).count();
                2 + options
            }
            _ => break,
        };
        rest = rest.get(skip.min(rest.len())..).unwrap_or(&[]);
    }
    (rest, bounded)
}

fn has(words: &[String], flags: &[&str]) -> bool {
    words.iter().any(|w| {
        flags
            .iter()
            .any(|f| w == f || w.starts_with(&format!("{f}=")))
    })
}

/// A single-dash cluster holding `letter` (`-fn100` holds `f`).
fn has_short(words: &[String], letter: char) -> bool {
    words.iter().any(|w| {
        w.starts_with('-')
            && !w.starts_with("--")
            && w[1..].starts_with(|c: char| c.is_ascii_alphabetic())
            && w[1..].contains(letter)
    })
}

fn sub(words: &[String], i: usize) -> &str {
    words.get(i).map_or("", String::as_str)
}

/// Options before a subcommand that take a value (`kubectl -n app logs`, `docker -H x ps`).
const GLOBAL_VALUED: &[&str] = &[
    "-n",
    "--namespace",
    "--context",
    "--kubeconfig",
    "--cluster",
    "--user",
    "-s",
    "--server",
    "-H",
    "--host",
    "-c",
    "--config",
    "-f",
    "--file",
    "-p",
    "--project-name",
];

/// The words from the subcommand on: global options in front of it are skipped.
fn from_subcommand(words: &[String]) -> &[String] {
    let mut i = 1;
    while let Some(w) = words.get(i) {
        if !w.starts_with('-') {
            break;
        }
        i += if GLOBAL_VALUED.contains(&w.as_str()) {
            2
        } else {
            1
        };
    }
    words.get(i..).unwrap_or(&[])
}

/// The subcommand and the word after it: `kubectl -n app rollout status` → (rollout, status).
fn subcommands(words: &[String]) -> (&str, &str) {
    let rest = from_subcommand(words);
    (sub(rest, 0), sub(rest, 1))
}

/// What makes the command destructive, in a few words, if it is.
pub fn destructive(words: &[String]) -> Option<&'static str> {
    let name = basename(words.first()?);
    let (a, b) = subcommands(words);
    let what = match name {
        "rm" if has_short(words, 'r') || has_short(words, 'R') || has(words, &["--recursive"]) => {
            "removes files recursively"
        }
        "kubectl" | "oc" if words.iter().skip(1).any(|w| w == "delete") => {
            "deletes cluster objects"
        }
        "helm" if matches!(a, "uninstall" | "delete" | "del") => "uninstalls a release",
        "terraform" | "tofu" if a == "destroy" || has(words, &["-destroy"]) => {
            "destroys infrastructure"
        }
        "terraform" | "tofu" if a == "state" && b == "rm" => "removes resources from the state",
        "docker" | "podman" if a == "compose" && b == "down" => "stops and removes the stack",
        "docker-compose" if a == "down" => "stops and removes the stack",
        "docker" | "podman"
            if matches!(a, "rm" | "rmi") || b == "prune" || (a == "volume" && b == "rm") =>
        {
            "removes containers, images or volumes"
        }
        "systemctl" if matches!(a, "stop" | "disable" | "mask" | "kill") => "stops a service",
        "service" if b == "stop" => "stops a service",
        "dropdb" | "mkfs" | "wipefs" | "shred" | "lvremove" | "vgremove" => "destroys data",
        _ if name.starts_with("mkfs.") => "formats a file system",
        "dd" if words.iter().any(|w| w.starts_with("of=/dev/")) => "overwrites a device",
        "zfs" | "zpool" if a == "destroy" => "destroys data",
        "git"
            if a == "push"
                && (has(words, &["--force", "--force-with-lease"]) || has_short(words, 'f')) =>
        {
            "rewrites remote history"
        }
        "git" if a == "reset" && has(words, &["--hard"]) => "discards work",
        "git" if a == "clean" && has_short(words, 'f') => "deletes untracked files",
        "aws"
            if words
                .iter()
                .any(|w| w.starts_with("delete-") || w.starts_with("terminate-"))
                || (a == "s3" && matches!(b, "rm" | "rb")) =>
        {
            "deletes cloud resources"
        }
        "gcloud" | "az" | "doctl" if words.iter().any(|w| w == "delete") => {
            "deletes cloud resources"
        }
        "etcdctl" if a == "del" || (a == "member" && b == "remove") => "deletes cluster state",
        "redis-cli"
            if words.iter().any(|w| {
                w.eq_ignore_ascii_case("flushall") || w.eq_ignore_ascii_case("flushdb")
            }) =>
        {
            "empties the database"
        }
        _ => return None,
    };
    Some(what)
}

/// SQL that destroys data, written in a script line (in `-c "…"` or a heredoc).
pub fn destructive_sql(line: &str) -> Option<(usize, &'static str)> {
    static SQL: OnceLock<Option<Regex>> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        Regex::new(r#"(?i)\b(?:DROP\s+(?:TABLE|DATABASE|SCHEMA|INDEX|VIEW|USER|ROLE|COLLECTION)|TRUNCATE(?:\s+TABLE)?\s+[\w."]|DELETE\s+FROM\s+[\w."]+\s*(?:;|"|'|$))"#).ok()
    });
    if line.trim_start().starts_with('#') {
        return None;
    }
    let found = sql.as_ref()?.find(line)?;
    let upper = found.as_str().to_ascii_uppercase();
    let what = if upper.starts_with("DROP") {
        "drops a database object"
    } else if upper.starts_with("TRUNCATE") {
        "empties a table"
    } else {
        "deletes every row of a table"
    };
    Some((found.start(), what))
}

/// A command that waits for something with no limit, and how to bound it.
pub fn unbounded_wait(command: &SimpleCommand) -> Option<String> {
    let (words, bounded) = unwrap(&command.words);
    if bounded {
        return None;
    }
    let name = basename(words.first()?);
    let (a, b) = subcommands(words);
    let timeout = has(words, &["--timeout"]);
    match name {
        "kubectl" | "oc" if a == "wait" && !timeout => {
            Some(format!("`{name} wait` without `--timeout` waits for ever"))
        }
        "kubectl" | "oc" if a == "rollout" && b == "status" && !timeout => Some(format!(
            "`{name} rollout status` without `--timeout` waits for ever"
        )),
        "docker" | "podman" if a == "wait" => Some(format!("`{name} wait` has no limit")),
        "sleep" if a == "infinity" => Some("`sleep infinity` never ends".into()),
        _ => None,
    }
}

/// Words that say a polling loop is bounded: a counter, a deadline, a timeout.
const LOOP_BOUNDS: &[&str] = &[
    "timeout", "SECONDS", "-lt", "-le", "-gt", "-ge", "((", "attempt", "tries", "retries",
    "deadline", "max", "limit", "break",
];

/// A `while`/`until` loop that sleeps and has nothing that ends it.
pub fn unbounded_loop(text: &str) -> bool {
    let sleeps = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == "sleep");
    sleeps && !LOOP_BOUNDS.iter().any(|b| text.contains(b))
}

/// A command that never ends by itself, and what it is.
pub fn never_ending(command: &SimpleCommand) -> Option<String> {
    let (words, bounded) = unwrap(&command.words);
    if bounded || command.piped_with.iter().any(|p| basename(p) == "head") {
        return None;
    }
    let name = basename(words.first()?);
    let (a, _) = subcommands(words);
    let follow = has(words, &["--follow"]) || has_short(words, 'f');
    let what = match name {
        "tail" if follow || has_short(words, 'F') => "`tail -f` follows the file for ever",
        "kubectl" | "oc" if a == "logs" && follow => "`logs -f` follows the logs for ever",
        "docker" | "podman" | "docker-compose" if words.iter().any(|w| w == "logs") && follow => {
            "`logs -f` follows the logs for ever"
        }
        "journalctl" if follow => "`journalctl -f` follows the journal for ever",
        "kubectl" | "oc"
            if a == "get"
                && (has(words, &["--watch", "--watch-only"]) || has_short(words, 'w')) =>
        {
            "`get -w` watches for ever"
        }
        "kubectl" | "oc" if matches!(a, "port-forward" | "proxy") => "it serves until stopped",
        "watch" => "`watch` repeats for ever",
        "stern" => "`stern` follows the logs for ever",
        "ping" if !has_short(words, 'c') && !has_short(words, 'w') => {
            "`ping` without `-c` never stops"
        }
        "tcpdump" if !has_short(words, 'c') => "`tcpdump` without `-c` never stops",
        "yes" => "`yes` never stops",
        _ => return None,
    };
    Some(what.to_string())
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
