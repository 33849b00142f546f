//! Placeholders in commands — `<cluster-name>`, `v<VERSION>`, `{{page.version}}`,
//! `{{< skew currentVersion >}}` — found and replaced by a quoted reference to an
//! environment variable, so the operator's value reaches the command only through the
//! environment and is never spliced into shell text.

use super::quote::{Context, Lexer, context_at};
use crate::doc::model::{Placeholder, is_secret_name};

/// Environment names the shell or the system owns; a placeholder never takes one over.
const RESERVED: &[&str] = &[
    "BASH",
    "ENV",
    "EUID",
    "GROUPS",
    "HOME",
    "HOSTNAME",
    "IFS",
    "LANG",
    "LC_ALL",
    "LINENO",
    "LOGNAME",
    "OLDPWD",
    "OPTARG",
    "OPTIND",
    "PATH",
    "PPID",
    "PS1",
    "PS2",
    "PS4",
    "PWD",
    "RANDOM",
    "SECONDS",
    "SHELL",
    "SHELLOPTS",
    "SHLVL",
    "TERM",
    "TMPDIR",
    "UID",
    "USER",
];

/// Words of Go templates (`{{end}}`), which are not placeholders.
const GO_TEMPLATE_WORDS: &[&str] = &[
    "end", "else", "range", "if", "with", "define", "template", "block", "nil", "not",
];

/// The script with every placeholder replaced, and the placeholders (each once).
/// Placeholders in comments are left alone; so is a script without any.
pub fn rewrite(script: &str) -> (String, Vec<Placeholder>) {
    if !script.contains('<') && !script.contains("{{") {
        return (script.to_string(), Vec::new());
    }
    let mut lexer = Lexer::default();
    let mut out = String::with_capacity(script.len() + 16);
    let mut found: Vec<Placeholder> = Vec::new();
    for (n, line) in script.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let marks = lexer.feed(line);
        let mut cursor = 0;
        for (start, end, name) in find_in_line(line) {
            let context = context_at(&marks, start);
            if matches!(context, Context::Comment | Context::HeredocLiteral) {
                continue;
            }
            let placeholder = placeholder(&line[start..end], name);
            out.push_str(&line[cursor..start]);
            out.push_str(&reference(&placeholder.env, context));
            cursor = end;
            if !found.iter().any(|p| p.env == placeholder.env) {
                found.push(placeholder);
            }
        }
        out.push_str(&line[cursor..]);
    }
    (out, found)
}

/// Placeholders written in one line: byte range and name.
pub fn find_in_line(line: &str) -> Vec<(usize, usize, String)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hit = match bytes[i] {
            b'<' => angle(line, i),
            b'{' if bytes.get(i + 1) == Some(&b'{') => braces(line, i),
            _ => None,
        };
        match hit {
            Some((end, name)) => {
                out.push((i, end, name));
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

/// `<name>`: a letter first, then letters, digits, `_ - .` and single spaces; not a
/// redirection, a heredoc, a process substitution or an HTML tag closed on the same line.
fn angle(line: &str, at: usize) -> Option<(usize, String)> {
    let bytes = line.as_bytes();
    if at > 0 && matches!(bytes[at - 1], b'<' | b'>') {
        return None;
    }
    let rest = &line[at + 1..];
    let close = rest.find('>')?;
    let name = &rest[..close];
    let valid = (1..=48).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-. ".contains(c))
        && !name.contains("  ");
    let tag_pair = line[at..].contains(&format!("</{name}>"));
    (valid && !tag_pair).then(|| (at + close + 2, name.to_string()))
}

/// `{{ name }}` (not a Go template's `{{ .Field }}`) and Hugo shortcodes
/// `{{< skew currentVersion >}}` / `{{% param "version" %}}`, named by their last word.
fn braces(line: &str, at: usize) -> Option<(usize, String)> {
    let inner = &line[at + 2..];
    let (kind, body) = match inner.as_bytes().first() {
        Some(&k @ (b'<' | b'%')) => (Some(k as char), &inner[1..]),
        _ => (None, inner),
    };
    let closing = match kind {
        Some('<') => ">}}",
        Some(_) => "%}}",
        None => "}}",
    };
    let close = body.find(closing)?;
    let content = body[..close].trim();
    let end = at + 2 + usize::from(kind.is_some()) + close + closing.len();
    let name = match kind {
        Some(_) => {
            let words: Vec<&str> = content.split_whitespace().collect();
            let first = words.first()?;
            if first.starts_with('/') || first.ends_with('/') {
                return None;
            }
            words.last()?.trim_matches(['"', '\'']).to_string()
        }
        None if line.contains("{{.")
            || line.contains("{{ .")
            || GO_TEMPLATE_WORDS.contains(&content) =>
        {
            return None;
        }
        None => content.to_string(),
    };
    let valid = !name.is_empty()
        && name.len() <= 48
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    valid.then_some((end, name))
}

fn placeholder(written: &str, name: String) -> Placeholder {
    let env = env_name(&name);
    let secret = is_secret_name(&env);
    Placeholder {
        name,
        env,
        written: written.to_string(),
        secret,
    }
}

/// `cluster-name` → `CLUSTER_NAME`, `currentVersion` → `CURRENT_VERSION`, `page.version` →
/// `PAGE_VERSION`; a name the shell owns (`PATH`, `USER`) gets a `RUNBOOK_` prefix.
pub fn env_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                out.push('_');
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_uppercase());
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    let out = out.trim_matches('_').to_string();
    if RESERVED.contains(&out.as_str()) || out.starts_with("BASH_") {
        format!("RUNBOOK_{out}")
    } else {
        out
    }
}

/// What the shell says, and stops at, when a placeholder's variable is empty or unset: the
/// command never runs with a hole where the value should be.
pub const UNFILLED: &str = "placeholder without a value";

/// A reference to `env` that reads as one word in `context`, and stops the script when
/// the variable has no value.
/// `${ENV:?…}`: the expansion a placeholder becomes, before any quoting.
pub fn variable_reference(env: &str) -> String {
    format!("${{{env}:?{UNFILLED}}}")
}

fn reference(env: &str, context: Context) -> String {
    let variable = variable_reference(env);
    match context {
        Context::Double | Context::HeredocExpanding => variable,
        Context::Single => format!("'\"{variable}\"'"),
        Context::DollarSingle => format!("'\"{variable}\"$'"),
        Context::Unquoted | Context::Comment | Context::HeredocLiteral => format!("\"{variable}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(script: &str) -> Vec<String> {
        rewrite(script).1.into_iter().map(|p| p.name).collect()
    }

    #[test]
    fn angle_brackets_braces_and_shortcodes() {
        let (script, found) = rewrite(
            "kubectl config use-context <cluster-name>\ncurl -LO https://dl.k8s.io/v{{< skew currentVersion >}}/kubectl\nhelm install app --version {{page.version}}\n",
        );
        assert_eq!(
            script,
            "kubectl config use-context \"${CLUSTER_NAME:?placeholder without a value}\"\ncurl -LO https://dl.k8s.io/v\"${CURRENT_VERSION:?placeholder without a value}\"/kubectl\nhelm install app --version \"${PAGE_VERSION:?placeholder without a value}\"\n"
        );
        let envs: Vec<&str> = found.iter().map(|p| p.env.as_str()).collect();
        assert_eq!(envs, ["CLUSTER_NAME", "CURRENT_VERSION", "PAGE_VERSION"]);
    }

    #[test]
    fn each_quoting_context_gets_a_reference_that_stays_one_word() {
        let (script, found) =
            rewrite("echo \"tag v<VERSION>\" '<strong_password>' $'<x>'\n# <in-comment>\n");
        assert_eq!(
            script,
            "echo \"tag v${VERSION:?placeholder without a value}\" ''\"${STRONG_PASSWORD:?placeholder without a value}\"'' $''\"${X:?placeholder without a value}\"$''\n# <in-comment>\n"
        );
        assert!(
            found
                .iter()
                .any(|p| p.secret && p.name == "strong_password")
        );
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn redirections_heredocs_templates_and_tags_are_not_placeholders() {
        for script in [
            "sort < input.txt > out.txt",
            "cat <<EOF\nx\nEOF",
            "diff <(ls a) <(ls b)",
            "docker inspect --format '{{.State.Status}}' web",
            "kubectl get pods -o go-template='{{range .items}}{{.metadata.name}}{{end}}'",
            "echo '<b>bold</b>'",
            "echo $((1 << 3))",
        ] {
            assert_eq!(names(script), Vec::<String>::new(), "{script}");
        }
    }

    #[test]
    fn names_the_shell_owns_are_prefixed() {
        assert_eq!(env_name("path"), "RUNBOOK_PATH");
        assert_eq!(env_name("node address"), "NODE_ADDRESS");
        assert_eq!(env_name("VERSION"), "VERSION");
    }

    #[test]
    fn an_injection_payload_never_becomes_script_text() {
        let (script, _) = rewrite("ssh <host> uptime\n");
        assert_eq!(
            script,
            "ssh \"${HOST:?placeholder without a value}\" uptime\n"
        );
    }
}
