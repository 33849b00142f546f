//! Which commands open a session somewhere else (`ssh host`, `kubectl exec -it … sh`,
//! `oc debug node/x`, `chroot /host`, `psql`, `rails console`) and which need the terminal
//! because they edit or ask (`vi`, `kubectl edit`, `git commit` without `-m`, `apt-get
//! install` without `-y`). Judged from one simple command's words.

/// What running a command means for the lines after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// It opens a session elsewhere, described in a few words ("a shell on `db-2`").
    Opens(String),
    /// It needs the terminal: it is an editor, a full-screen program, or it asks.
    Asks(String),
}

/// Tools that open sessions or ask only through some of their subcommands: a line naming
/// one is worth parsing only when it also holds one of those words.
pub const SUBCOMMAND_TRIGGERS: &[(&str, &[&str])] = &[
    (
        "kubectl",
        &["exec", "rsh", "debug", "run", "attach", "edit"],
    ),
    ("oc", &["exec", "rsh", "debug", "run", "attach", "edit"]),
    ("docker", &["exec", "run", "attach", "prune", "compose"]),
    ("podman", &["exec", "run", "attach", "prune", "compose"]),
    ("nerdctl", &["exec", "run", "attach"]),
    ("docker-compose", &["exec", "run"]),
    ("git", &["commit", "rebase", "add", "tag"]),
    ("systemctl", &["edit"]),
    ("crontab", &["-e"]),
    ("terraform", &["apply", "destroy"]),
    ("sudo", &["-i", "-s", "--login", "--shell", "su"]),
];

/// Command names worth parsing a line for: a line without any of them is neither.
pub const TRIGGERS: &[&str] = &[
    "apt",
    "apt-get",
    "attach",
    "autossh",
    "bash",
    "chroot",
    "clickhouse-client",
    "cqlsh",
    "crontab",
    "dnf",
    "docker",
    "docker-compose",
    "doas",
    "emacs",
    "gh",
    "git",
    "gitlab-psql",
    "gitlab-rails",
    "gitlab-redis-cli",
    "htop",
    "influx",
    "ipython",
    "irb",
    "k9s",
    "kubeadm",
    "kubectl",
    "less",
    "lxc",
    "machinectl",
    "man",
    "mariadb",
    "micro",
    "minikube",
    "mongo",
    "mongosh",
    "more",
    "mosh",
    "mysql",
    "nano",
    "nerdctl",
    "node",
    "nsenter",
    "nvim",
    "oc",
    "passwd",
    "pico",
    "podman",
    "psql",
    "pry",
    "pulumi",
    "python",
    "python3",
    "rails",
    "read",
    "redis-cli",
    "sh",
    "sqlite3",
    "ssh",
    "su",
    "sudo",
    "sudoedit",
    "systemctl",
    "telnet",
    "terraform",
    "tig",
    "top",
    "tsh",
    "vagrant",
    "vault",
    "vi",
    "vim",
    "vipw",
    "virsh",
    "visudo",
    "yum",
    "zsh",
    "zypper",
];

pub(super) const SHELLS: &[&str] = &["sh", "bash", "ash", "zsh", "dash", "ksh", "fish"];

/// Consoles and the flags that give them something to do instead of waiting for input.
const CONSOLES: &[(&str, &[&str])] = &[
    (
        "psql",
        &[
            "-c",
            "--command",
            "-f",
            "--file",
            "-l",
            "--list",
            "-V",
            "--version",
            "--help",
        ],
    ),
    (
        "gitlab-psql",
        &["-c", "--command", "-f", "--file", "-l", "--list"],
    ),
    ("mysql", &["-e", "--execute", "-V", "--version", "--help"]),
    ("mariadb", &["-e", "--execute", "-V", "--version", "--help"]),
    ("mongo", &["--eval", "--version", "--help"]),
    (
        "mongosh",
        &["--eval", "--file", "-f", "--version", "--help"],
    ),
    ("clickhouse-client", &["-q", "--query", "--queries-file"]),
    ("cqlsh", &["-e", "--execute", "-f", "--file"]),
    ("influx", &["-execute"]),
];

/// The effect of one simple command, from its words (name first, quotes removed).
/// `fed` says its standard input comes from a pipe, a file or a heredoc.
pub fn effect(words: &[String], fed: bool) -> Option<Effect> {
    let words = unwrap(words)?;
    let name = words.first().map(|w| basename(w))?;
    let args = &words[1..];
    if let Some(opens) = opens(name, args, fed) {
        return Some(Effect::Opens(opens));
    }
    super::asks::asks(name, args, fed).map(Effect::Asks)
}

/// Drops `sudo`, `env`, `exec`, `command`, `time`, `nice` and `bundle exec` in front of a
/// command; `sudo -i` alone is a root shell, kept as `sudo`.
fn unwrap(words: &[String]) -> Option<&[String]> {
    let mut rest = words;
    loop {
        let name = basename(rest.first()?);
        let skip = match name {
            "sudo" | "doas" => {
                let n = 1 + options_before_command(&rest[1..], "ugCDhprtU");
                if n >= rest.len() {
                    return Some(rest);
                }
                n
            }
            "env" => {
                1 + rest[1..]
                    .iter()
                    .take_while(|w| w.starts_with('-') || w.contains('='))
                    .count()
            }
            "exec" | "command" | "time" | "nohup" => 1,
            "nice" => 1 + usize::from(rest.get(1).is_some_and(|w| w == "-n")) * 2,
            "bundle" if rest.get(1).is_some_and(|w| w == "exec") => 2,
            _ => return Some(rest),
        };
        rest = rest.get(skip..)?;
        if rest.is_empty() {
            return None;
        }
    }
}

/// How many words are options (with their values, for the letters in `valued`).
pub(super) fn options_before_command(words: &[String], valued: &str) -> usize {
    let mut i = 0;
    while i < words.len() && words[i].starts_with('-') {
        let w = &words[i];
        let takes_value = w.len() == 2 && valued.contains(&w[1..]);
        i += if takes_value { 2 } else { 1 };
    }
    i
}

/// `-Atc`: single-letter flags run together, the last one `letter` (which takes a value).
fn is_flag_cluster_ending(word: &str, letter: &str) -> bool {
    word.starts_with('-')
        && !word.starts_with("--")
        && (3..=6).contains(&word.len())
        && word.ends_with(letter)
        && word[1..].chars().all(|c| c.is_ascii_alphanumeric())
}

pub fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Positional words after skipping options; `valued` lists single-letter options that take
/// a value, `long_valued` long ones written with a separate value.
pub(super) fn positionals<'a>(
    args: &'a [String],
    valued: &str,
    long_valued: &[&str],
) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let w = args[i].as_str();
        if w == "--" {
            out.extend(args[i + 1..].iter().map(String::as_str));
            break;
        }
        if w.starts_with("--") {
            i += if long_valued.contains(&w) { 2 } else { 1 };
            continue;
        }
        if w.starts_with('-') && w.len() > 1 {
            let last = w.chars().last().map(String::from).unwrap_or_default();
            i += if w.len() == 2 && valued.contains(&last) {
                2
            } else {
                1
            };
            continue;
        }
        out.push(w);
        i += 1;
    }
    out
}

/// The first positional word (the target) and the words after it, verbatim (the command).
pub(super) fn split_target<'a>(
    args: &'a [String],
    valued: &str,
    long_valued: &[&str],
) -> Option<(&'a str, &'a [String])> {
    let mut i = 0;
    while i < args.len() {
        let w = args[i].as_str();
        if w == "--" {
            i += 1;
            break;
        }
        if w.starts_with("--") {
            i += if long_valued.contains(&w) { 2 } else { 1 };
        } else if w.starts_with('-') && w.len() > 1 {
            i += if w.len() == 2 && valued.contains(&w[1..]) {
                2
            } else {
                1
            };
        } else {
            break;
        }
    }
    let target = args.get(i)?;
    let rest = args.get(i + 1..).unwrap_or(&[]);
    let rest = rest.strip_prefix(&["--".to_string()][..]).unwrap_or(rest);
    Some((target.as_str(), rest))
}

/// What comes after `--`, if anything.
pub(super) fn after_dashes(args: &[String]) -> Option<&[String]> {
    let at = args.iter().position(|w| w == "--")?;
    Some(&args[at + 1..])
}

pub(super) fn has_flag(args: &[String], short: char, long: &[&str]) -> bool {
    args.iter().any(|w| {
        long.contains(&w.as_str())
            || long.iter().any(|l| w.starts_with(&format!("{l}=")))
            || (w.starts_with('-') && !w.starts_with("--") && w.len() > 1 && w[1..].contains(short))
    })
}

/// `-it`, `-i -t`, `--stdin --tty`, among the options before any `--`.
pub(super) fn interactive_tty(args: &[String]) -> bool {
    let before = args
        .iter()
        .position(|w| w == "--")
        .map_or(args, |at| &args[..at]);
    has_flag(before, 'i', &["--stdin", "--interactive"]) && has_flag(before, 't', &["--tty"])
}

/// A command line that waits for the operator's typing: a shell without `-c`, or a console.
pub(super) fn is_shell_or_console(command: &[String]) -> Option<String> {
    let name = basename(command.first()?);
    if SHELLS.contains(&name) {
        return (!command.iter().any(|w| w == "-c")).then(|| "a shell".to_string());
    }
    console(name, &command[1..]).map(|c| format!("a {c}"))
}

/// `psql`, `mysql`, `redis-cli`, `rails console`, a REPL: the name of the console it opens.
fn console(name: &str, args: &[String]) -> Option<String> {
    if let Some((_, busy)) = CONSOLES.iter().find(|(n, _)| *n == name) {
        let has_work = args.iter().any(|w| {
            busy.iter().any(|b| {
                w == b
                    || (b.starts_with("--") && w.starts_with(&format!("{b}=")))
                    || (b.len() == 2 && !w.starts_with("--") && w.starts_with(b))
                    || (b.len() == 2 && is_flag_cluster_ending(w, &b[1..]))
            })
        });
        return (!has_work).then(|| format!("{name} console"));
    }
    match name {
        "redis-cli" | "gitlab-redis-cli" => {
            let positional = positionals(args, "hpanu", &["--user", "--pass", "--tls"]);
            positional.is_empty().then(|| "redis-cli console".into())
        }
        "sqlite3" => (positionals(args, "", &[]).len() <= 1).then(|| "sqlite3 console".into()),
        "rails" | "gitlab-rails" => match args.first().map(String::as_str) {
            Some("console" | "c") => Some("Rails console".into()),
            Some("dbconsole" | "db") => Some("database console".into()),
            _ => None,
        },
        "irb" | "pry" | "ipython" => args.is_empty().then(|| format!("{name} console")),
        "python" | "python3" | "node" => args.is_empty().then(|| format!("{name} console")),
        _ => None,
    }
}

fn opens(name: &str, args: &[String], fed: bool) -> Option<String> {
    match name {
        "ssh" | "autossh" | "mosh" | "tsh" => {
            let args = if name == "tsh" && args.first()? == "ssh" {
                &args[1..]
            } else {
                args
            };
            let positional = positionals(args, "bcDEeFIiJLlmOoPpQRSWw", &[]);
            (positional.len() == 1).then(|| format!("a shell on `{}`", positional[0]))
        }
        "telnet" => Some(format!("a telnet session on `{}`", args.first()?)),
        "su" => {
            let command = has_flag(args, 'c', &["--command"]);
            let user = positionals(args, "gGsw", &["--group", "--shell"])
                .into_iter()
                .find(|w| *w != "-")
                .unwrap_or("root");
            (!command && !fed).then(|| format!("a shell as `{user}`"))
        }
        "sudo" | "doas" => has_flag(args, 'i', &["--login"])
            .then(|| "a root shell".to_string())
            .or_else(|| has_flag(args, 's', &["--shell"]).then(|| "a root shell".to_string())),
        "kubectl" | "oc" => super::pods::kubernetes(name, args),
        "docker" | "podman" | "nerdctl" | "docker-compose" => super::pods::containers(name, args),
        "chroot" => {
            let positional = positionals(args, "", &["--userspec", "--groups"]);
            let dir = positional.first()?;
            match positional.get(1) {
                None => Some(format!("a shell inside `{dir}` (chroot)")),
                Some(cmd) if SHELLS.contains(&basename(cmd)) && !args.iter().any(|w| w == "-c") => {
                    Some(format!("a shell inside `{dir}` (chroot)"))
                }
                _ => None,
            }
        }
        "nsenter" => match after_dashes(args) {
            Some(command) if !command.is_empty() => {
                is_shell_or_console(command).map(|c| format!("{c} in another process's namespaces"))
            }
            _ => positionals(args, "tSGUmnpiuCrw", &["--target"])
                .is_empty()
                .then(|| "a shell in another process's namespaces".into()),
        },
        "lxc" => match args.first().map(String::as_str) {
            Some("shell") => Some(format!("a shell in container `{}`", args.get(1)?)),
            Some("exec") => is_shell_or_console(after_dashes(args)?)
                .map(|c| format!("{c} in container `{}`", args.get(1).map_or("", |s| s))),
            _ => None,
        },
        "machinectl" if matches!(args.first().map(String::as_str), Some("shell" | "login")) => {
            Some("a shell in a machine".into())
        }
        "virsh" if args.first().is_some_and(|w| w == "console") => {
            Some(format!("the console of `{}`", args.get(1)?))
        }
        "vagrant" | "minikube" if args.first().is_some_and(|w| w == "ssh") => {
            (!has_flag(args, 'c', &["--command"])).then(|| format!("a shell in the {name} machine"))
        }
        "gcloud" if args.windows(2).any(|w| w[0] == "compute" && w[1] == "ssh") => {
            (!args.iter().any(|w| w.starts_with("--command")))
                .then(|| "a shell on a Compute Engine VM".into())
        }
        "aws"
            if args
                .windows(2)
                .any(|w| w[0] == "ssm" && w[1] == "start-session") =>
        {
            Some("a session on an EC2 instance".into())
        }
        _ if SHELLS.contains(&name) && args.is_empty() && !fed => Some("a new shell".into()),
        _ if !fed => console(name, args).map(|c| format!("a {c}")),
        _ => None,
    }
}

#[cfg(test)]
#[path = "openers_tests.rs"]
mod tests;
