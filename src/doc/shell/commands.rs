//! The simple commands and loops of a script, with where each starts, whether its input
//! is fed, and what it shares a pipeline with — read from the tree-sitter-bash tree.

use super::judge::parse;
use tree_sitter::Node;

/// One simple command (`kubectl delete ns x`), as far as the syntax tree tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// The name and arguments, quotes removed; assignments and redirections left out.
    pub words: Vec<String>,
    /// 0-based line of the script, and the byte column of the command in that line.
    pub row: usize,
    pub col: usize,
    /// Its standard input comes from a pipe, a file or a heredoc.
    pub fed: bool,
    /// The first words of the other commands of its pipeline.
    pub piped_with: Vec<String>,
}

/// A `while` or `until` loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loop {
    pub row: usize,
    pub col: usize,
    /// The loop as written.
    pub text: String,
}

/// What a script holds; empty when it does not parse at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commands {
    pub commands: Vec<SimpleCommand>,
    pub loops: Vec<Loop>,
}

/// The commands and loops of `script`, in source order. Commands inside `$(…)` are left out
/// unless `substitutions` asks for them.
pub fn read(script: &str, substitutions: bool) -> Commands {
    let mut out = Commands::default();
    if let Some(tree) = parse(script) {
        visit(tree.root_node(), script.as_bytes(), substitutions, &mut out);
    }
    out
}

fn visit(node: Node, source: &[u8], substitutions: bool, out: &mut Commands) {
    match node.kind() {
        "command_substitution" | "process_substitution" if !substitutions => return,
        "command" => out.commands.push(SimpleCommand {
            words: words(node, source),
            row: node.start_position().row,
            col: node.start_position().column,
            fed: is_fed(node),
            piped_with: pipeline_peers(node, source),
        }),
        "while_statement" => out.loops.push(Loop {
            row: node.start_position().row,
            col: node.start_position().column,
            text: node.utf8_text(source).unwrap_or("").to_string(),
        }),
        _ => {}
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        visit(child, source, substitutions, out);
    }
}

fn words(node: Node, source: &[u8]) -> Vec<String> {
    let mut words = Vec::new();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if matches!(
            child.kind(),
            "variable_assignment" | "file_redirect" | "heredoc_redirect" | "herestring_redirect"
        ) {
            continue;
        }
        if let Ok(text) = child.utf8_text(source) {
            words.push(text.chars().filter(|c| *c != '"' && *c != '\'').collect());
        }
    }
    words
}

/// Its standard input comes from a pipe, a file or a heredoc.
fn is_fed(node: Node) -> bool {
    let mut current = node;
    for _ in 0..2 {
        let Some(parent) = current.parent() else {
            return false;
        };
        match parent.kind() {
            "pipeline" => {
                if parent.named_child(0).map(|n| n.id()) != Some(current.id()) {
                    return true;
                }
            }
            "redirected_statement" => {
                let mut cursor = parent.walk();
                let fed = parent.named_children(&mut cursor).any(|r| match r.kind() {
                    "heredoc_redirect" | "herestring_redirect" => true,
                    "file_redirect" => r.child(0).is_some_and(|op| op.kind() == "<"),
                    _ => false,
                });
                if fed {
                    return true;
                }
            }
            _ => return false,
        }
        current = parent;
    }
    false
}

fn pipeline_peers(node: Node, source: &[u8]) -> Vec<String> {
    let Some(pipeline) = node.parent().filter(|p| p.kind() == "pipeline") else {
        return Vec::new();
    };
    let mut cursor = pipeline.walk();
    pipeline
        .named_children(&mut cursor)
        .filter(|n| n.id() != node.id() && n.kind() == "command")
        .filter_map(|n| words(n, source).into_iter().next())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_loops_positions_and_pipes() {
        let script = "set -e\nkubectl logs -f deploy/api | head -n 20\nuntil curl -fs localhost:8080; do\n  sleep 5\ndone\necho $(date)\n";
        let read = read(script, false);
        let names: Vec<(&str, usize, usize)> = read
            .commands
            .iter()
            .map(|c| (c.words[0].as_str(), c.row, c.col))
            .collect();
        assert_eq!(
            names,
            [
                ("set", 0, 0),
                ("kubectl", 1, 0),
                ("head", 1, 29),
                ("curl", 2, 6),
                ("sleep", 3, 2),
                ("echo", 5, 0)
            ]
        );
        assert_eq!(read.commands[1].piped_with, ["head"]);
        assert!(read.commands[2].fed);
        assert_eq!(read.loops.len(), 1);
        assert_eq!((read.loops[0].row, read.loops[0].col), (2, 0));
    }
}
