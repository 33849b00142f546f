//! RB008: secrets written literally in a script — tokens in a known format, and values given
//! to a password, token or key written out instead of read from the environment.

use regex::Regex;
use std::sync::OnceLock;

/// Token formats that are secrets whatever surrounds them.
const TOKENS: &[(&str, &str)] = &[
    (r"\bAKIA[0-9A-Z]{16}\b", "an AWS access key id"),
    (r"\bgh[pousr]_[A-Za-z0-9]{30,}\b", "a GitHub token"),
    (r"\bglpat-[A-Za-z0-9_-]{20,}\b", "a GitLab token"),
    (r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b", "a Slack token"),
    (r"\bAIza[0-9A-Za-z_-]{35}\b", "a Google API key"),
    (r"\bsk_live_[0-9A-Za-z]{20,}\b", "a Stripe live key"),
    (r"-----BEGIN [A-Z ]*PRIVATE KEY-----", "a private key"),
    (
        r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
        "a JSON web token",
    ),
];

/// `NAME=value`, `--name value`, `--name=value` where the name says secret, a bearer header,
/// credentials in a URL, and `mysql -pvalue`.
const NAMED: &str = r#"(?ix)
    (?P<assign>\b[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_KEY|PRIVATE_KEY)[A-Z0-9_]*)=(?P<v1>[^\s;&|]+)
  | (?P<flag>--(?:password|passwd|token|secret|api-key|access-key|client-secret))[=\s]+(?P<v2>[^\s;&|]+)
  | (?P<bearer>Authorization:\s*Bearer)\s+(?P<v3>[^\s"';]+)
  | (?P<url>[a-z][a-z0-9+.-]*://[^\s:/@]+):(?P<v4>[^\s@/]+)@
  | (?P<mysql>\bmysql(?:dump|admin)?\b[^|;&]*?\s-p)(?P<v5>[^\s;&|]+)
"#;

/// The token formats with what each is, and the named-value pattern.
type Patterns = (Vec<(Regex, &'static str)>, Option<Regex>);

/// A secret found in a line: the byte column where it starts, and what it is.
pub fn literal_secret(line: &str) -> Option<(usize, String)> {
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') {
        return None;
    }
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    let (tokens, named) = PATTERNS.get_or_init(|| {
        let tokens = TOKENS
            .iter()
            .filter_map(|(p, what)| Regex::new(p).ok().map(|r| (r, *what)))
            .collect();
        (tokens, Regex::new(NAMED).ok())
    });
    if let Some((found, what)) = tokens
        .iter()
        .find_map(|(r, what)| r.find(line).map(|m| (m, what)))
    {
        return Some((found.start(), (*what).to_string()));
    }
    for caps in named.as_ref()?.captures_iter(line) {
        let (name, value) = ["assign", "flag", "bearer", "url", "mysql"]
            .iter()
            .zip(["v1", "v2", "v3", "v4", "v5"])
            .find_map(|(n, v)| Some((caps.name(n)?, caps.name(v)?)))?;
        if is_literal(value.as_str()) {
            let what = match (caps.name("url"), caps.name("bearer")) {
                (Some(url), _) => format!("a password in the URL `{}:…@`", url.as_str()),
                (_, Some(_)) => "a bearer token".to_string(),
                _ => {
                    let said = name.as_str().split_whitespace().last().unwrap_or("");
                    format!(
                        "a literal value for `{}`",
                        said.trim_end_matches(['=', ':'])
                    )
                }
            };
            return Some((name.start(), what));
        }
    }
    None
}

/// Values that stand for a secret in examples, not a secret.
const DUMMIES: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "changeme",
    "change-me",
    "example",
    "redacted",
    "placeholder",
    "dummy",
    "test",
];

/// A value written out, not taken from somewhere: not `$VAR`, `"${…}"`, `$(…)`, a
/// placeholder, a file reference (`@file`, `file://`) or a blank such as `***`.
fn is_literal(value: &str) -> bool {
    let v = value.trim_matches(['"', '\'']);
    let reference = v.is_empty()
        || v.starts_with('$')
        || v.starts_with('<')
        || v.starts_with('@')
        || v.starts_with("{{")
        || v.contains("${")
        || v.starts_with("file://")
        || v.starts_with('-')
        || v.chars().all(|c| matches!(c, '*' | 'x' | 'X' | '.'));
    let dummy = DUMMIES.contains(&v.to_ascii_lowercase().as_str())
        || v.to_ascii_lowercase().starts_with("your");
    !reference && !dummy && v.len() >= 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_written_out() {
        for line in [
            "export PGPASSWORD=hunter2hunter2",
            "vault login --token s.Xy12AbCdEfGh",
            "curl -H 'Authorization: Bearer abcdef123456' https://api.internal/v1",
            "psql postgres://app:s3cretpass@db.internal/app",
            "mysql -u root -pS3cret! orders",
            "aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE",
            "GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789 gh release create v1",
        ] {
            assert!(literal_secret(line).is_some(), "{line}");
        }
        for line in [
            "export PGPASSWORD=\"$DB_PASSWORD\"",
            "vault login --token \"${VAULT_TOKEN:?placeholder without a value}\"",
            "curl -H \"Authorization: Bearer $TOKEN\" https://api.internal",
            "psql \"$DATABASE_URL\"",
            "mysql -u root -p orders",
            "# PASSWORD=example-in-a-comment",
            "kubectl create secret generic db --from-literal=password=\"$(openssl rand -hex 16)\"",
            "echo PASSWORD=***",
            "DATABASE_URL=postgresql://user:password@host:5432/app",
        ] {
            assert_eq!(literal_secret(line), None, "{line}");
        }
    }
}
