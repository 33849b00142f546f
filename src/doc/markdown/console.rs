//! Console transcripts: lines with a prompt (`$ `, `~$ `, `user@host:~$ `, `[user@host
//! dir]$ `, or `# ` for root where the rest is a command) are commands; everything else is
//! output the author expects, shown and never run. A command goes on over `\` line ends,
//! open quotes and heredoc bodies (with or without a `> ` continuation prompt).

use crate::doc::model::TranscriptLine;
use crate::doc::shell::quote::Lexer;
use crate::doc::shell::words::{is_known_command, is_program_path};

/// A prompt found at the start of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prompt {
    /// `$`, `~$`, `user@host:~$`.
    User,
    /// `root@host:~#`: a root prompt with its host, unambiguous.
    RootWithHost,
    /// A bare `# `, a command only when the rest reads as one.
    Root,
}

/// The command after a prompt, if the line has one (`Some("")` for a prompt alone).
fn prompted(line: &str) -> Option<(&str, Prompt)> {
    if !line.contains(['$', '#']) {
        return None;
    }
    let t = line.trim_start();
    let t = strip_venv(t);
    if t == "$" || t.ends_with(['$', '#']) && t.len() > 1 && is_prompt_prefix(&t[..t.len() - 1]) {
        let root = t.ends_with('#');
        return Some((
            "",
            if root {
                Prompt::RootWithHost
            } else {
                Prompt::User
            },
        ));
    }
    if let Some(rest) = t.strip_prefix("$ ") {
        return Some((rest, Prompt::User));
    }
    if let Some(rest) = t.strip_prefix("# ") {
        return Some((rest, Prompt::Root));
    }
    for (marker, kind) in [("$ ", Prompt::User), ("# ", Prompt::RootWithHost)] {
        if let Some(at) = t.find(marker).filter(|&at| at <= 80)
            && is_prompt_prefix(&t[..at])
        {
            return Some((&t[at + 2..], kind));
        }
    }
    None
}

/// `(venv) user@host:~$` → `user@host:~$`.
fn strip_venv(line: &str) -> &str {
    if line.starts_with('(')
        && let Some(close) = line.find(") ")
        && !line[..close].contains(' ')
    {
        return &line[close + 2..];
    }
    line
}

/// `~`, `user@host:~/dir`, `host:/srv`, `[user@host dir]`.
fn is_prompt_prefix(prefix: &str) -> bool {
    if prefix == "~" {
        return true;
    }
    if prefix.starts_with('[') && prefix.ends_with(']') {
        return prefix.contains('@');
    }
    !prefix.contains(char::is_whitespace)
        && !prefix.is_empty()
        && ((prefix.contains('@') && prefix.contains(':'))
            || prefix.ends_with(":~")
            || prefix.contains(":~/")
            || prefix.contains(":/"))
}

/// Whether the text after a bare `# ` is a command rather than a comment: it starts with
/// a known command or a path, written in lower case.
pub fn is_command_text(text: &str) -> bool {
    let word = text.split_whitespace().next().unwrap_or("");
    let word = word.strip_prefix("sudo").map_or(word, |_| "sudo");
    is_known_command(word) || is_program_path(word)
}

fn command_of(line: &str, allow_root: bool) -> Option<&str> {
    match prompted(line)? {
        (command, Prompt::User | Prompt::RootWithHost) => Some(command),
        (command, Prompt::Root) if allow_root && is_command_text(command) => Some(command),
        (_, Prompt::Root) => None,
    }
}

/// How a shell-tagged block with prompts reads: `Some(allow_root)` when it is a transcript.
/// A block is a transcript when its first line carries a prompt; a bare `# ` counts only
/// when no unprompted line of the block is itself a command (else `#` lines are comments).
pub fn transcript_kind(text: &str) -> Option<bool> {
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    match prompted(first)? {
        (_, Prompt::User) => Some(false),
        (_, Prompt::RootWithHost) => Some(true),
        (command, Prompt::Root) if is_command_text(command) => {
            let unprompted_command = text.lines().any(|l| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#') && is_command_text(t)
            });
            (!unprompted_command).then_some(true)
        }
        (_, Prompt::Root) => None,
    }
}

/// Whether any line of a console block carries a `$`-style prompt.
pub fn has_user_prompts(text: &str) -> bool {
    text.lines()
        .any(|l| matches!(prompted(l), Some((_, Prompt::User))))
}

/// Splits a transcript into commands and expected output.
pub fn transcript(text: &str, allow_root: bool) -> Vec<TranscriptLine> {
    let mut lines: Vec<TranscriptLine> = Vec::new();
    let mut lexer = Lexer::default();
    let mut open = false;
    for raw in text.lines() {
        if open && let Some(TranscriptLine::Command(previous)) = lines.last_mut() {
            let line = raw.strip_prefix("> ").unwrap_or(raw);
            previous.push('\n');
            previous.push_str(line);
            lexer.feed(line);
            open = lexer.continues();
            continue;
        }
        match command_of(raw, allow_root) {
            Some(command) if command.trim().is_empty() => {}
            Some(command) => {
                lexer = Lexer::default();
                lexer.feed(command);
                open = lexer.continues();
                lines.push(TranscriptLine::Command(command.to_string()));
            }
            None => lines.push(TranscriptLine::Output(raw.to_string())),
        }
    }
    lines
}

/// The commands of a transcript as one script.
pub fn script_of(lines: &[TranscriptLine]) -> String {
    let mut script = String::new();
    for line in lines {
        if let TranscriptLine::Command(command) = line {
            script.push_str(command);
            script.push('\n');
        }
    }
    script
}

#[cfg(test)]
mod tests {
    use super::*;
    use TranscriptLine::*;

    #[test]
    fn prompts_in_every_shape() {
        for (line, command) in [
            ("$ kubectl get pods", "kubectl get pods"),
            ("~$ ls", "ls"),
            ("user@host:~$ uptime", "uptime"),
            ("deploy@web-01:/srv/app$ git pull", "git pull"),
            (
                "[root@db1 ~]# systemctl status postgresql",
                "systemctl status postgresql",
            ),
            ("root@node:~# apt-get update", "apt-get update"),
            (
                "(venv) me@box:~/src$ pip install -r req.txt",
                "pip install -r req.txt",
            ),
        ] {
            assert_eq!(command_of(line, false), Some(command), "{line}");
        }
        assert_eq!(
            command_of("# apt-get install nginx", true),
            Some("apt-get install nginx")
        );
        assert_eq!(command_of("# Wait 5 minutes", true), None);
        assert_eq!(command_of("NAME   READY   STATUS", true), None);
    }

    #[test]
    fn output_is_never_a_command_and_heredocs_stay_with_theirs() {
        let lines = transcript(
            "$ kubectl get nodes\nNAME    STATUS\nnode-1  Ready\n$ cat <<EOF > /tmp/x.conf\n> key=1\n> EOF\n$ echo a \\\n> b\na b\n",
            false,
        );
        assert_eq!(
            lines,
            vec![
                Command("kubectl get nodes".into()),
                Output("NAME    STATUS".into()),
                Output("node-1  Ready".into()),
                Command("cat <<EOF > /tmp/x.conf\nkey=1\nEOF".into()),
                Command("echo a \\\nb".into()),
                Output("a b".into()),
            ]
        );
    }

    #[test]
    fn a_block_reads_as_a_transcript_only_when_its_first_line_is_prompted() {
        assert_eq!(transcript_kind("$ ls\nfile\n"), Some(false));
        assert_eq!(
            transcript_kind("# apt-get update\n# apt-get install -y nginx\n"),
            Some(true)
        );
        assert_eq!(
            transcript_kind("# kill the stuck worker\nsystemctl restart worker\n"),
            None
        );
        assert_eq!(
            transcript_kind("# 6. DNS update\n# Point api at the gateway\n"),
            None
        );
        assert_eq!(transcript_kind("kubectl get pods\n$ not first\n"), None);
    }
}
