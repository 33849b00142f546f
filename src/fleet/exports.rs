//! Bash's `export -p` listing read back into names and values: what a host's shell had
//! exported before and after a step ([`super::wrapper`] prints it with a builtin, so a
//! host starts no process for it).
//!
//! Each entry is `declare -FLAGS NAME="VALUE"` (`export NAME=…` in POSIX mode), the
//! value in double quotes (`\` before `"`, `$`, `` ` ``, `\`) or, in newer bash, as
//! `$'…'` with C escapes; `declare -x NAME` is exported without a value and is not in the
//! environment; an array (`=(`…`)`) is never exported and is passed over.

use std::collections::BTreeMap;

/// The exported variables with a value; a value that is not UTF-8 is read lossily.
pub fn parse_exports(listing: &[u8]) -> BTreeMap<String, String> {
    let mut scanner = Scanner {
        bytes: listing,
        at: 0,
    };
    let mut vars = BTreeMap::new();
    while scanner.at < listing.len() {
        let entry_start = scanner.at;
        match scanner.entry() {
            Some(Some((name, value))) => {
                vars.insert(name, String::from_utf8_lossy(&value).into_owned());
            }
            Some(None) => {}
            None => scanner.skip_line_from(entry_start),
        }
    }
    vars
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, text: &[u8]) -> bool {
        let found = self.bytes[self.at..].starts_with(text);
        if found {
            self.at += text.len();
        }
        found
    }

    /// Past the next newline after `start` (a line it cannot read).
    fn skip_line_from(&mut self, start: usize) {
        self.at = match self.bytes[start..].iter().position(|&b| b == b'\n') {
            Some(newline) => start + newline + 1,
            None => self.bytes.len(),
        };
    }

    /// One entry and its newline: `Some(None)` for one without a value or an array;
    /// `None` when it is not an entry.
    fn entry(&mut self) -> Option<Option<(String, Vec<u8>)>> {
        let array = if self.eat(b"declare -") {
            let flags = self.take_while(|b| b.is_ascii_alphabetic());
            if flags.is_empty() || !self.eat(b" ") {
                return None;
            }
            flags.contains(&b'a') || flags.contains(&b'A')
        } else if self.eat(b"export ") {
            false
        } else {
            return None;
        };
        let name = self.take_while(|b| b.is_ascii_alphanumeric() || b == b'_');
        if name.is_empty() || name[0].is_ascii_digit() {
            return None;
        }
        let name = String::from_utf8_lossy(name).into_owned();
        let value = match self.peek() {
            Some(b'\n') | None => None,
            Some(b'=') if array => {
                self.at += 1;
                self.compound()?;
                None
            }
            Some(b'=') => {
                self.at += 1;
                Some(self.value()?)
            }
            Some(_) => return None,
        };
        match self.peek() {
            Some(b'\n') => self.at += 1,
            None => {}
            Some(_) => return None,
        }
        Some(value.map(|v| (name, v)))
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.at;
        while self.peek().is_some_and(&keep) {
            self.at += 1;
        }
        &self.bytes[start..self.at]
    }

    /// A value: quoted as bash prints it, or bare up to the line's end.
    fn value(&mut self) -> Option<Vec<u8>> {
        if self.eat(b"\"") {
            self.double_quoted()
        } else if self.eat(b"$'") {
            self.c_quoted()
        } else if self.eat(b"'") {
            self.single_quoted()
        } else {
            Some(self.take_while(|b| b != b'\n').to_vec())
        }
    }

    fn double_quoted(&mut self) -> Option<Vec<u8>> {
        self.quoted(b'"', Self::double_escape)
    }

    fn single_quoted(&mut self) -> Option<Vec<u8>> {
        let end = self.bytes[self.at..].iter().position(|&b| b == b'\'')?;
        let value = self.bytes[self.at..self.at + end].to_vec();
        self.at += end + 1;
        Some(value)
    }

    fn c_quoted(&mut self) -> Option<Vec<u8>> {
        self.quoted(b'\'', Self::c_escape)
    }

    /// Bytes up to the unescaped `close`; after a `\`, `escape` reads what follows.
    fn quoted(
        &mut self,
        close: u8,
        escape: fn(&mut Self, &mut Vec<u8>) -> Option<()>,
    ) -> Option<Vec<u8>> {
        let mut value = Vec::new();
        loop {
            match self.peek()? {
                c if c == close => {
                    self.at += 1;
                    return Some(value);
                }
                b'\\' => {
                    self.at += 1;
                    escape(self, &mut value)?;
                }
                c => {
                    value.push(c);
                    self.at += 1;
                }
            }
        }
    }

    /// The escape after a `\` in `"…"`: only `"`, `$`, `` ` ``, `\` and a newline.
    fn double_escape(&mut self, value: &mut Vec<u8>) -> Option<()> {
        match self.peek()? {
            c @ (b'"' | b'$' | b'`' | b'\\') => {
                value.push(c);
                self.at += 1;
            }
            b'\n' => self.at += 1,
            _ => value.push(b'\\'),
        }
        Some(())
    }

    /// The escape after a `\` in `$'…'`.
    fn c_escape(&mut self, value: &mut Vec<u8>) -> Option<()> {
        let c = self.peek()?;
        self.at += 1;
        let simple = match c {
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'e' | b'E' => Some(0x1b),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(0x0b),
            b'\\' | b'\'' | b'"' | b'?' => Some(c),
            _ => None,
        };
        if let Some(byte) = simple {
            value.push(byte);
            return Some(());
        }
        match c {
            b'0'..=b'7' => {
                let mut code = u32::from(c - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            code = code * 8 + u32::from(d - b'0');
                            self.at += 1;
                        }
                        _ => break,
                    }
                }
                value.push(u8::try_from(code & 0xff).ok()?);
            }
            b'x' => {
                let code = self.hex_digits(2)?;
                value.push(u8::try_from(code).ok()?);
            }
            b'u' | b'U' => {
                let code = self.hex_digits(if c == b'u' { 4 } else { 8 })?;
                let ch = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
                value.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
            }
            b'c' => {
                let control = self.peek()?;
                self.at += 1;
                value.push(control & 0x1f);
            }
            other => value.extend_from_slice(&[b'\\', other]),
        }
        Some(())
    }

    /// One to `most` hex digits (at least one).
    fn hex_digits(&mut self, most: usize) -> Option<u32> {
        let start = self.at;
        let mut code = 0u32;
        while self.at - start < most {
            match self.peek().and_then(|b| (b as char).to_digit(16)) {
                Some(d) => {
                    code = code * 16 + d;
                    self.at += 1;
                }
                None => break,
            }
        }
        (self.at > start).then_some(code)
    }

    /// An array's `(…)`, passed over: quoted parts may hold `)` and newlines.
    fn compound(&mut self) -> Option<()> {
        if !self.eat(b"(") {
            return None;
        }
        loop {
            match self.peek()? {
                b')' => {
                    self.at += 1;
                    return Some(());
                }
                b'"' => {
                    self.at += 1;
                    self.double_quoted()?;
                }
                b'\'' => {
                    self.at += 1;
                    self.single_quoted()?;
                }
                b'$' if self.bytes.get(self.at + 1) == Some(&b'\'') => {
                    self.at += 2;
                    self.c_quoted()?;
                }
                _ => self.at += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::process::Command;

    fn pairs(vars: &BTreeMap<String, String>) -> Vec<(&str, &str)> {
        vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn every_form_bash_prints_is_read() {
        let listing = b"declare -x A=\"plain\"\n\
            declare -x B=\"q\\\"\\$\\`\\\\z \\n\"\n\
            declare -x C=$'x\\ny\\001\\377\\t\\'\\\\'\n\
            declare -x EMPTY=\"\"\n\
            declare -x NOVALUE\n\
            declare -ax ARR=([0]=\"a)b\n\" [1]=$'c\\'')\n\
            declare -Ax MAP=([k]=\"v\" )\n\
            declare -rx RO=\"ro\"\n\
            declare -ix N=\"5\"\n\
            declare -x OLD=\"line1\nline2\"\n\
            export POSIX=\"p\"\n\
            garbage line\n\
            declare -x LAST=\"l\"";
        let vars = parse_exports(listing);
        assert_eq!(
            pairs(&vars),
            vec![
                ("A", "plain"),
                ("B", "q\"$`\\z \\n"),
                ("C", "x\ny\u{1}\u{fffd}\t'\\"),
                ("EMPTY", ""),
                ("LAST", "l"),
                ("N", "5"),
                ("OLD", "line1\nline2"),
                ("POSIX", "p"),
                ("RO", "ro"),
            ]
        );
    }

    #[test]
    fn truncated_or_broken_entries_never_panic_and_spare_the_rest() {
        let vars = parse_exports(b"declare -x A=\"open\ndeclare -x B=\"b\"\n");
        assert!(vars.get("B").is_none_or(|b| b == "b"));
        for listing in [
            &b"declare -"[..],
            b"declare -x",
            b"declare -x A=$'\\",
            b"export =x\n",
        ] {
            let _ = parse_exports(listing);
        }
    }

    /// What the local bash exports when `vars` are in its environment, two ways: its own
    /// `export -p` read back, and `env -0` in a child.
    fn both_views(vars: &[(String, Vec<u8>)], locale: &str) -> (Vec<u8>, Vec<u8>) {
        let mut command = Command::new("bash");
        command
            .args([
                "-c",
                "export -p; printf '\\0\\0SPLIT\\0'; command -p env -0",
            ])
            .env_clear()
            .env("LC_ALL", locale);
        for (name, value) in vars {
            command.env(name, OsStr::from_bytes(value));
        }
        let out = command.output().expect("bash").stdout;
        let split = b"\0\0SPLIT\0";
        let at = out
            .windows(split.len())
            .position(|w| w == split)
            .expect("split");
        (out[..at].to_vec(), out[at + split.len()..].to_vec())
    }

    /// `env -0` as the project reads it, less what the shell sets anew for a child it
    /// execs as its last command.
    fn env_dump(bytes: &[u8]) -> BTreeMap<String, String> {
        let mut vars = crate::exec::parse_env(bytes);
        vars.remove("_");
        vars.remove("SHLVL");
        vars
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn bash_listing_reads_back_as_the_environment_children_get(
            values in proptest::collection::vec(proptest::collection::vec(1u8..=255, 0..40), 1..6),
            utf8 in any::<bool>(),
        ) {
            let vars: Vec<(String, Vec<u8>)> = values
                .into_iter()
                .enumerate()
                .map(|(n, v)| (format!("V{n}"), v))
                .collect();
            let locale = if utf8 { "C.UTF-8" } else { "C" };
            let (listing, env) = both_views(&vars, locale);
            let mut exported = parse_exports(&listing);
            exported.remove("SHLVL");
            prop_assert_eq!(exported, env_dump(&env));
        }
    }
}
