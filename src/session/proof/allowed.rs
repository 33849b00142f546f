//! The allowed-signers file of `ssh-keygen -Y verify` and git's `gpg.ssh.allowedSignersFile`:
//! who may sign, with which key, in which namespaces and when.
//!
//! ```text
//! # principals        [options]                         keytype base64-key [comment]
//! ana@example.com     namespaces="runbook-audit,git"    ssh-ed25519 AAAAC3Nz…
//! ana,*@ops.example   valid-after="20260101",valid-before="20270101Z" ssh-ed25519 AAAA…
//! ```
//!
//! Principals are a comma-separated pattern list (`*`, `?`, and `!` to exclude). The
//! options understood are `namespaces`, `valid-after` and `valid-before` (`YYYYMMDD` or
//! `YYYYMMDDHHMM[SS]`, UTC with a final `Z`, else local time) and `cert-authority` — a
//! certificate authority line is read but never matches here (`ssh-keygen -Y verify`
//! checks certificates). Validity is judged at the signature's own time in the log.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, TimeZone, Utc};
use ssh_key::public::KeyData;

/// One line of the file.
#[derive(Debug, Clone)]
struct Entry {
    principals: Vec<String>,
    key: KeyData,
    namespaces: Option<Vec<String>>,
    valid_after: Option<DateTime<Utc>>,
    valid_before: Option<DateTime<Utc>>,
    cert_authority: bool,
}

/// The whole file.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    entries: Vec<Entry>,
}

/// Why a key may not sign as a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No line lists this key.
    UnknownKey,
    /// Lines list the key, for other principals.
    NotForPrincipal,
    /// The key's lines for this principal exclude the namespace.
    Namespace,
    /// Outside the key's `valid-after` / `valid-before`.
    NotValidThen,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::UnknownKey => "the key is not in the allowed signers",
            Refusal::NotForPrincipal => {
                "the allowed signers list the key, but not for this principal"
            }
            Refusal::Namespace => "the allowed signers do not allow the key in this namespace",
            Refusal::NotValidThen => "the key was not valid at the time of the signature",
        })
    }
}

impl AllowedSigners {
    /// Reads the file's text; `Err` names the first line that cannot be read.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            entries.push(entry(line).map_err(|e| format!("line {}: {e}", index + 1))?);
        }
        Ok(AllowedSigners { entries })
    }

    /// Whether `key` may sign as `principal` in `namespace` at `when`.
    pub fn judge(
        &self,
        principal: &str,
        key: &KeyData,
        namespace: &str,
        when: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let with_key: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| !e.cert_authority && &e.key == key)
            .collect();
        if with_key.is_empty() {
            return Err(Refusal::UnknownKey);
        }
        let for_principal: Vec<&&Entry> = with_key
            .iter()
            .filter(|e| matches_list(&e.principals, principal))
            .collect();
        if for_principal.is_empty() {
            return Err(Refusal::NotForPrincipal);
        }
        let in_namespace: Vec<&&&Entry> = for_principal
            .iter()
            .filter(|e| {
                e.namespaces
                    .as_ref()
                    .is_none_or(|n| matches_list(n, namespace))
            })
            .collect();
        if in_namespace.is_empty() {
            return Err(Refusal::Namespace);
        }
        let valid = in_namespace.iter().any(|e| {
            e.valid_after.is_none_or(|t| when >= t) && e.valid_before.is_none_or(|t| when <= t)
        });
        if valid {
            Ok(())
        } else {
            Err(Refusal::NotValidThen)
        }
    }
}

fn entry(line: &str) -> Result<Entry, String> {
    let mut words = Words(line);
    let principals = words.next().ok_or("no principals")?;
    let principals: Vec<String> = unquote(principals).split(',').map(str::to_string).collect();
    if principals.iter().any(String::is_empty) {
        return Err("an empty principal".into());
    }
    let second = words.next().ok_or("no key")?;
    let third = words.next().ok_or("no key")?;
    let (options, key) = match ssh_key::PublicKey::from_openssh(&format!("{second} {third}")) {
        Ok(key) => (None, key),
        Err(_) => {
            let base64 = words.next().ok_or("no key after the options")?;
            let key = ssh_key::PublicKey::from_openssh(&format!("{third} {base64}"))
                .map_err(|e| format!("the key cannot be read ({e})"))?;
            (Some(second), key)
        }
    };
    let mut entry = Entry {
        principals,
        key: key.key_data().clone(),
        namespaces: None,
        valid_after: None,
        valid_before: None,
        cert_authority: false,
    };
    if let Some(options) = options {
        apply_options(&mut entry, options)?;
    }
    Ok(entry)
}

fn apply_options(entry: &mut Entry, options: &str) -> Result<(), String> {
    for option in split_options(options) {
        let (name, value) = match option.split_once('=') {
            Some((name, value)) => (name.to_ascii_lowercase(), Some(unquote(value))),
            None => (option.to_ascii_lowercase(), None),
        };
        match (name.as_str(), value) {
            ("cert-authority", None) => entry.cert_authority = true,
            ("namespaces", Some(list)) => {
                entry.namespaces = Some(list.split(',').map(str::to_string).collect());
            }
            ("valid-after", Some(time)) => entry.valid_after = Some(timestamp(time)?),
            ("valid-before", Some(time)) => entry.valid_before = Some(timestamp(time)?),
            _ => return Err(format!("unknown option {option:?}")),
        }
    }
    Ok(())
}

/// `YYYYMMDD[Z]` or `YYYYMMDDHHMM[SS][Z]`.
fn timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    let bad = || format!("{text:?} is not YYYYMMDD[HHMM[SS]][Z]");
    let (digits, utc) = match text.strip_suffix(['Z', 'z']) {
        Some(digits) => (digits, true),
        None => (text, false),
    };
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let naive = match digits.len() {
        8 => NaiveDate::parse_from_str(digits, "%Y%m%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
        12 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M").ok(),
        14 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S").ok(),
        _ => None,
    }
    .ok_or_else(bad)?;
    if utc {
        return Ok(naive.and_utc());
    }
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.to_utc())
        .ok_or_else(bad)
}

/// A pattern list: no `!pattern` matches and some pattern does.
fn matches_list(patterns: &[String], text: &str) -> bool {
    let mut matched = false;
    for pattern in patterns {
        match pattern.strip_prefix('!') {
            Some(negated) if glob(negated.as_bytes(), text.as_bytes()) => return false,
            Some(_) => {}
            None => matched |= glob(pattern.as_bytes(), text.as_bytes()),
        }
    }
    matched
}

/// `*` any run of characters, `?` one character.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

/// Whitespace-separated words; double quotes keep spaces inside one word.
struct Words<'a>(&'a str);

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.0.trim_start();
        if rest.is_empty() {
            return None;
        }
        let mut quoted = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                c.is_whitespace() && !quoted
            })
            .map_or(rest.len(), |(i, _)| i);
        self.0 = &rest[end..];
        Some(&rest[..end])
    }
}

/// Options split at commas outside double quotes.
fn split_options(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut quoted, mut start) = (false, 0);
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

fn unquote(text: &str) -> &str {
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
}

#[cfg(test)]
#[path = "allowed_tests.rs"]
mod tests;
