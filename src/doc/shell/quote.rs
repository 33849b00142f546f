//! Where each part of a shell script stands — unquoted, inside quotes, in a comment or a
//! heredoc body — and whether a line's command goes on to the next line. Fed line by line.

/// What a byte of the script is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Unquoted,
    /// `"…"`: expansions happen, quotes would be literal.
    Double,
    /// `'…'`: nothing expands.
    Single,
    /// `$'…'`.
    DollarSingle,
    /// After an unquoted `#` at the start of a word.
    Comment,
    /// The body of `<<EOF`: expansions happen.
    HeredocExpanding,
    /// The body of `<<'EOF'`: nothing expands.
    HeredocLiteral,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Heredoc {
    delimiter: String,
    quoted: bool,
    strip_tabs: bool,
}

/// The quoting state carried from one line to the next.
#[derive(Debug, Clone, Default)]
pub struct Lexer {
    quote: Option<Context>,
    pending: Vec<Heredoc>,
    body: Option<Heredoc>,
    backslash: bool,
}

impl Lexer {
    /// Whether the command of the last line fed goes on: an open quote, a trailing `\`,
    /// or a heredoc whose body has not ended.
    pub fn continues(&self) -> bool {
        self.quote.is_some() || self.backslash || self.body.is_some() || !self.pending.is_empty()
    }

    /// Reads one line (without its newline); returns where its contexts start, in byte offsets.
    pub fn feed(&mut self, line: &str) -> Vec<(usize, Context)> {
        if let Some(body) = &self.body {
            let candidate = if body.strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if candidate == body.delimiter {
                self.body = (!self.pending.is_empty()).then(|| self.pending.remove(0));
                return vec![(0, Context::Unquoted)];
            }
            let context = if body.quoted {
                Context::HeredocLiteral
            } else {
                Context::HeredocExpanding
            };
            return vec![(0, context)];
        }
        let marks = self.scan_line(line);
        if self.quote.is_none() && !self.backslash && !self.pending.is_empty() {
            self.body = Some(self.pending.remove(0));
        }
        marks
    }

    fn scan_line(&mut self, line: &str) -> Vec<(usize, Context)> {
        let bytes = line.as_bytes();
        let mut marks = vec![(0, self.quote.unwrap_or(Context::Unquoted))];
        self.backslash = false;
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            let next = bytes.get(i + 1).copied();
            match self.quote {
                None => match c {
                    b'\\' if next.is_none() => self.backslash = true,
                    b'\\' => i += 1,
                    b'\'' => self.open(Context::Single, i, &mut marks),
                    b'"' => self.open(Context::Double, i, &mut marks),
                    b'$' if next == Some(b'\'') => {
                        self.open(Context::DollarSingle, i, &mut marks);
                        i += 1;
                    }
                    b'#' if i == 0 || b" \t;|&(".contains(&bytes[i - 1]) => {
                        marks.push((i, Context::Comment));
                        break;
                    }
                    b'<' if next == Some(b'<')
                        && bytes.get(i + 2) != Some(&b'<')
                        && (i == 0 || bytes[i - 1] != b'<')
                        && !inside_arithmetic(&line[..i]) =>
                    {
                        i = self.heredoc(line, i + 2);
                        continue;
                    }
                    _ => {}
                },
                Some(Context::Single) if c == b'\'' => self.close(i, &mut marks),
                Some(Context::Double | Context::DollarSingle) if c == b'\\' => i += 1,
                Some(Context::Double) if c == b'"' => self.close(i, &mut marks),
                Some(Context::DollarSingle) if c == b'\'' => self.close(i, &mut marks),
                Some(_) => {}
            }
            i += 1;
        }
        marks
    }

    fn open(&mut self, quote: Context, at: usize, marks: &mut Vec<(usize, Context)>) {
        self.quote = Some(quote);
        marks.push((at, quote));
    }

    fn close(&mut self, at: usize, marks: &mut Vec<(usize, Context)>) {
        self.quote = None;
        marks.push((at + 1, Context::Unquoted));
    }

    /// Reads the delimiter of `<<[-]WORD` starting at `from`; returns where scanning goes on.
    fn heredoc(&mut self, line: &str, from: usize) -> usize {
        let bytes = line.as_bytes();
        let mut i = from;
        let strip_tabs = bytes.get(i) == Some(&b'-');
        if strip_tabs {
            i += 1;
        }
        while matches!(bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        let (quoted, close) = match bytes.get(i) {
            Some(&q @ (b'\'' | b'"')) => (true, Some(q)),
            Some(b'\\') => (true, None),
            _ => (false, None),
        };
        if quoted {
            i += 1;
        }
        let start = i;
        while let Some(&c) = bytes.get(i) {
            let ends = match close {
                Some(q) => c == q,
                None => c.is_ascii_whitespace() || b";|&<>()".contains(&c),
            };
            if ends {
                break;
            }
            i += 1;
        }
        let delimiter = line.get(start..i).unwrap_or("").to_string();
        if close.is_some() && i < bytes.len() {
            i += 1;
        }
        if !delimiter.is_empty() {
            self.pending.push(Heredoc {
                delimiter,
                quoted,
                strip_tabs,
            });
        }
        i
    }
}

/// `$(( 1 << 3 ))` shifts; it opens no heredoc.
fn inside_arithmetic(before: &str) -> bool {
    before.matches("((").count() > before.matches("))").count()
}

/// The context at byte `offset` of a line, given the marks `feed` returned for it.
pub fn context_at(marks: &[(usize, Context)], offset: usize) -> Context {
    marks
        .iter()
        .take_while(|(at, _)| *at <= offset)
        .last()
        .map_or(Context::Unquoted, |(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::Context::*;
    use super::*;

    #[test]
    fn quotes_comments_and_continuations() {
        let mut lexer = Lexer::default();
        let marks = lexer.feed(r#"echo "a <x>" '<y>' <z> # <c>"#);
        assert_eq!(context_at(&marks, 7), Double);
        assert_eq!(context_at(&marks, 14), Single);
        assert_eq!(context_at(&marks, 19), Unquoted);
        assert_eq!(context_at(&marks, 26), Comment);
        assert!(!lexer.continues());
        lexer.feed("psql -c \"SELECT 1");
        assert!(lexer.continues());
        assert_eq!(context_at(&lexer.feed("FROM t\" \\"), 0), Double);
        assert!(lexer.continues(), "trailing backslash");
        lexer.feed("  --quiet");
        assert!(!lexer.continues());
    }

    #[test]
    fn heredoc_bodies_run_to_their_delimiter() {
        let mut lexer = Lexer::default();
        lexer.feed("cat <<EOF > /etc/app.conf");
        assert!(lexer.continues());
        assert_eq!(lexer.feed("host = <host>"), vec![(0, HeredocExpanding)]);
        lexer.feed("EOF");
        assert!(!lexer.continues());
        lexer.feed("cat <<-'END'");
        assert_eq!(lexer.feed("\tliteral $x"), vec![(0, HeredocLiteral)]);
        lexer.feed("\tEND");
        assert!(!lexer.continues());
        lexer.feed("cat <<< \"here string\"");
        assert!(!lexer.continues());
    }
}
