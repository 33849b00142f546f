//! Commands that need the terminal: editors, full-screen programs, and commands that ask
//! before they act (`apt-get install` without `-y`, `terraform apply` without
//! `-auto-approve`, `git commit` without `-m`).

use super::openers::{has_flag, positionals};

/// Editors, full-screen programs and commands that ask before they act.
pub(super) fn asks(name: &str, args: &[String], fed: bool) -> Option<String> {
    let sub = args.first().map(String::as_str).unwrap_or("");
    let yes = |short: char, long: &[&str]| has_flag(args, short, long);
    let why = match name {
        "vi" | "vim" | "nvim" | "nano" | "pico" | "micro" | "sudoedit" | "visudo" | "vipw" => {
            "an editor"
        }
        "emacs" if !args.iter().any(|w| w == "--batch") => "an editor",
        "crontab" if yes('e', &[]) => "an editor",
        "systemctl" if sub == "edit" => "an editor",
        "kubectl" | "oc" if sub == "edit" => "an editor",
        "git" => return git_asks(args),
        "less" | "more" | "man" | "htop" | "k9s" | "tig" => "a full-screen program",
        "top" if !yes('b', &[]) => "a full-screen program",
        "read" if !fed => "it waits for the operator's answer",
        "passwd" => "it asks for a password",
        "apt" | "apt-get"
            if matches!(
                sub,
                "install"
                    | "remove"
                    | "purge"
                    | "upgrade"
                    | "dist-upgrade"
                    | "full-upgrade"
                    | "autoremove"
            ) && !yes('y', &["--yes", "--assume-yes"]) =>
        {
            "it asks [Y/n] without `-y`"
        }
        "yum" | "dnf"
            if matches!(
                sub,
                "install" | "remove" | "erase" | "update" | "upgrade" | "downgrade"
            ) && !yes('y', &["--assumeyes"]) =>
        {
            "it asks [y/N] without `-y`"
        }
        "zypper"
            if !yes('n', &["--non-interactive"])
                && matches!(sub, "install" | "in" | "remove" | "rm" | "update" | "up") =>
        {
            "it asks without `-n`"
        }
        "terraform"
            if matches!(sub, "apply" | "destroy")
                && !args
                    .iter()
                    .any(|w| w.starts_with("-auto-approve") || w.starts_with("--auto-approve"))
                && positionals(&args[1..], "", &[]).is_empty() =>
        {
            "it asks for `yes` without `-auto-approve`"
        }
        "pulumi" if matches!(sub, "up" | "destroy" | "update") && !yes('y', &["--yes"]) => {
            "it asks for confirmation without `--yes`"
        }
        "kubeadm" if sub == "reset" && !yes('f', &["--force"]) => "it asks [y/N] without `--force`",
        "docker" | "podman" if args.iter().any(|w| w == "prune") && !yes('f', &["--force"]) => {
            "it asks [y/N] without `--force`"
        }
        "vault" if args.len() == 2 && sub == "operator" && args[1] == "unseal" => {
            "it asks for an unseal key"
        }
        "gh" if args.len() >= 2 && sub == "auth" && args[1] == "login" => "it asks how to log in",
        _ => return None,
    };
    Some(why.to_string())
}

fn git_asks(args: &[String]) -> Option<String> {
    let sub = args.first()?.as_str();
    let has = |flags: &[&str]| {
        args.iter().any(|w| {
            flags
                .iter()
                .any(|f| w == f || w.starts_with(&format!("{f}=")))
        })
    };
    let message = has(&[
        "-m",
        "--message",
        "-F",
        "--file",
        "--no-edit",
        "-C",
        "--reuse-message",
        "--fixup",
    ]) || args.iter().any(|w| {
        w.starts_with("-m") || (w.starts_with('-') && !w.starts_with("--") && w.contains('m'))
    });
    let why = match sub {
        "commit" if !message => "`git commit` without `-m` opens an editor",
        "tag" if has(&["-a", "-s", "--annotate", "--sign"]) && !message => {
            "`git tag -a` without `-m` opens an editor"
        }
        "rebase" if has(&["-i", "--interactive"]) => "`git rebase -i` opens an editor",
        "add" if has(&["-p", "-i", "--patch", "--interactive"]) => {
            "`git add -p` asks for each change"
        }
        _ => return None,
    };
    Some(why.to_string())
}
