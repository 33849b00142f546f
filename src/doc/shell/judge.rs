//! Is a block without a shell tag confidently shell? Each command must start with a
//! builtin, a path, a variable or a known command, and the block must parse as shell.
//!
//! Parsing uses tree-sitter-bash: the grammar editors and code hosts use, actively kept,
//! and five small crates in all — brush-parser pulls in about thirty (insta, cached, psm),
//! conch-parser has not been kept since 2017 and yash-syntax is GPL.

use super::quote::{Context, Lexer};
use super::words::{is_known_command, is_program_path};
use std::cell::RefCell;
use tree_sitter::{Node, Parser, Tree};

/// What a block is, for the purpose of running it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Shell,
    /// Not shell, and why, in a few words ("it reads as YAML").
    NotShell(String),
}

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// The shell syntax tree of `script`, from this thread's parser.
pub(super) fn parse(script: &str) -> Option<Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_bash::LANGUAGE.into())
                .ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(script, None)
    })
}

/// Whether the text parses as shell without errors.
pub fn parses(script: &str) -> bool {
    parse(script).is_some_and(|tree| !tree.root_node().has_error())
}

/// Whether `script` (prompts removed) is confidently shell. Placeholders are judged as
/// the variable references they become (`<lock-id>` is not a redirection).
pub fn judge(script: &str) -> Verdict {
    let (rewritten, _) = super::placeholder::rewrite(script);
    let script = rewritten.as_str();
    if let Some(shape) = foreign_shape(script) {
        return Verdict::NotShell(format!("it reads as {shape}"));
    }
    let Some(tree) = parse(script) else {
        return Verdict::NotShell("it could not be parsed".into());
    };
    let root = tree.root_node();
    if root.has_error() {
        return Verdict::NotShell("it does not parse as shell".into());
    }
    let mut names = Vec::new();
    let mut commands = 0;
    collect(root, script.as_bytes(), &mut names, &mut commands);
    if commands == 0 {
        return Verdict::NotShell("it holds no command".into());
    }
    match names.into_iter().find(|name| !is_command_word(name)) {
        Some(name) => Verdict::NotShell(format!("`{name}` is not a command")),
        None => Verdict::Shell,
    }
}

fn collect(node: Node, source: &[u8], names: &mut Vec<String>, commands: &mut usize) {
    match node.kind() {
        "command" => {
            *commands += 1;
            if let Some(name) = node.child_by_field_name("name")
                && let Ok(text) = name.utf8_text(source)
            {
                names.push(text.to_string());
            }
        }
        "declaration_command" | "unset_command" | "test_command" => *commands += 1,
        _ => {}
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        collect(child, source, names, commands);
    }
}

fn is_command_word(word: &str) -> bool {
    let bare = word.trim_matches(['"', '\'']);
    is_known_command(bare) || is_program_path(bare) || bare.starts_with('$')
}

/// Shapes that are never shell: data, tables, chat commands.
fn foreign_shape(script: &str) -> Option<&'static str> {
    let mut lexer = Lexer::default();
    let lines: Vec<&str> = script
        .lines()
        .filter(|l| {
            let marks = lexer.feed(l);
            !matches!(
                marks.first(),
                Some((_, Context::HeredocExpanding | Context::HeredocLiteral))
            )
        })
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let first = lines.first()?;
    if first.starts_with('{')
        || (first.starts_with('[') && !first.starts_with("[ ") && !first.starts_with("[[ "))
    {
        return Some("JSON or INI");
    }
    if first.starts_with('/')
        && !first[1..]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .contains('/')
    {
        return Some("a chat command");
    }
    for line in &lines {
        if line.starts_with('|') || line.starts_with("+-") {
            return Some("a table");
        }
        if line.starts_with("- ") || is_yaml_key(line) {
            return Some("YAML");
        }
        if is_hcl_assignment(line) {
            return Some("HCL or INI settings");
        }
    }
    None
}

/// `key:` or `key: value` at the start of a line.
fn is_yaml_key(line: &str) -> bool {
    let Some(colon) = line.find(':') else {
        return false;
    };
    let key = &line[..colon];
    let after = &line[colon + 1..];
    !key.is_empty()
        && key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '"')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.\"".contains(c))
        && (after.is_empty() || after.starts_with(' '))
}

/// `key = value` (spaces around `=`), which shell would run as a command named `key`.
fn is_hcl_assignment(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let key = words.next().unwrap_or("");
    words.next() == Some("=")
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.\"".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_shell(script: &str) -> bool {
        judge(script) == Verdict::Shell
    }

    #[test]
    fn commands_people_write_are_shell() {
        for script in [
            "kubectl get pods -n kube-system\n",
            "sudo systemctl reload patroni\n",
            "for c in /usr/local/bin/pgb-console*; do $c -c 'SHOW CLIENTS;'; done | wc -l\n",
            "export KUBECONFIG=/etc/kubernetes/admin.conf\nkubectl get nodes\n",
            "./scripts/deploy.sh --env production \\\n  --dry-run\n",
            "if [ -f /var/run/app.pid ]; then kill \"$(cat /var/run/app.pid)\"; fi\n",
            "cat <<EOF | kubectl apply -f -\napiVersion: v1\nkind: Namespace\nEOF\n",
        ] {
            assert!(is_shell(script), "{script}: {:?}", judge(script));
        }
    }

    #[test]
    fn data_tables_chat_and_prose_are_not() {
        for (script, why) in [
            ("tags:\n  nofailover: true\n", "YAML"),
            ("- name: restart\n  service: {name: nginx}\n", "YAML"),
            ("{\"replicas\": 3}\n", "JSON"),
            (
                "resource \"aws_instance\" \"web\" {\n  ami = \"ami-123\"\n}\n",
                "HCL",
            ),
            ("| HASH | REVISION |\n", "table"),
            ("/deploy production\n", "chat"),
            (
                "Traceback (most recent call last):\n  File \"app.py\", line 3\n",
                "parse",
            ),
            (
                "java.lang.NullPointerException\n\tat com.example.Main.run(Main.java:10)\n",
                "command",
            ),
            ("Total Files: 23 new files\nLines of Code: 2,500+\n", "YAML"),
            ("DATABASE_URL=postgres://db/app\nPOOL=10\n", "no command"),
            ("Preparation:     2 hours\n  ├─ Generate secrets\n", "YAML"),
            ("Deploy the new version to production\n", "command"),
        ] {
            assert!(!is_shell(script), "{why}: {script}");
        }
    }
}
