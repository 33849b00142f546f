//! Step output for `--plain`: every line prefixed with the step id, `|` for
//! stdout and `!` for stderr, written through one large buffer. Everything that
//! reaches the terminal is sanitised first ([`crate::sanitize`]): colours pass, other
//! escape sequences do not.

use crate::sanitize::{self, Sanitizer};
use crate::session::event::Stream;
use std::io::{self, Write};

/// Writes step output line by line with prefixes, remembering where each stream's line stands.
pub struct Printer<W: Write> {
    out: io::BufWriter<W>,
    open_line: Option<Stream>,
    /// A prompt is on screen, unanswered: what is printed next starts on a new line.
    prompting: bool,
    /// The prefix for the last (step, stream) written, built once.
    prefix: (String, Stream, Vec<u8>),
    /// One per stream (stdout, stderr, pty): a sequence may be split across chunks.
    sanitizers: [Sanitizer; 3],
    scratch: Vec<u8>,
}

impl<W: Write> Printer<W> {
    pub fn new(out: W) -> Self {
        Printer {
            out: io::BufWriter::with_capacity(256 * 1024, out),
            open_line: None,
            prompting: false,
            prefix: (String::new(), Stream::Pty, Vec::new()),
            sanitizers: Default::default(),
            scratch: Vec::new(),
        }
    }

    /// Writes one chunk of a step's output.
    pub fn output(&mut self, step: &str, stream: Stream, bytes: &[u8]) -> io::Result<()> {
        self.leave_prompt()?;
        let sanitizer = &mut self.sanitizers[stream as usize];
        if sanitizer.passes_unchanged(bytes) {
            return self.write_output(step, stream, bytes);
        }
        let mut safe = std::mem::take(&mut self.scratch);
        safe.clear();
        sanitizer.feed(bytes, &mut safe);
        let written = self.write_output(step, stream, &safe);
        self.scratch = safe;
        written
    }

    fn write_output(&mut self, step: &str, stream: Stream, bytes: &[u8]) -> io::Result<()> {
        if self.prefix.0 != step || self.prefix.1 != stream || self.prefix.2.is_empty() {
            let mark = if stream == Stream::Stderr { '!' } else { '|' };
            self.prefix = (
                step.to_string(),
                stream,
                format!("  {step} {mark} ").into_bytes(),
            );
        }
        let mut rest = bytes;
        if self.open_line.is_some_and(|open| open != stream) {
            self.out.write_all(b"\n")?;
            self.open_line = None;
        }
        while !rest.is_empty() {
            if self.open_line.is_none() {
                self.out.write_all(&self.prefix.2)?;
            }
            match memchr::memchr(b'\n', rest) {
                Some(n) => {
                    self.out.write_all(&rest[..=n])?;
                    self.open_line = None;
                    rest = &rest[n + 1..];
                }
                None => {
                    self.out.write_all(rest)?;
                    self.open_line = Some(stream);
                    rest = &[];
                }
            }
        }
        Ok(())
    }

    /// A line of the dialogue itself (ends any open output line first).
    pub fn line(&mut self, text: &str) -> io::Result<()> {
        self.leave_prompt()?;
        self.end_open_line()?;
        writeln!(self.out, "{}", sanitize::text(text))?;
        self.out.flush()
    }

    /// A prompt: no newline, flushed so the operator sees it.
    pub fn prompt(&mut self, text: &str) -> io::Result<()> {
        self.leave_prompt()?;
        self.end_open_line()?;
        write!(self.out, "{}", sanitize::text(text))?;
        self.prompting = true;
        self.out.flush()
    }

    /// The operator answered the prompt (their Enter ended its line).
    pub fn answered(&mut self) {
        self.prompting = false;
    }

    fn leave_prompt(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.prompting) {
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    pub fn end_open_line(&mut self) -> io::Result<()> {
        if self.open_line.take().is_some() {
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(chunks: &[(Stream, &str)]) -> String {
        let mut buffer = Vec::new();
        {
            let mut p = Printer::new(&mut buffer);
            for (stream, text) in chunks {
                p.output("2#1", *stream, text.as_bytes()).expect("write");
            }
            p.line("done").expect("write");
        }
        String::from_utf8(buffer).expect("utf8")
    }

    #[test]
    fn lines_are_prefixed_even_when_split_across_chunks() {
        let text = printed(&[(Stream::Stdout, "one\ntw"), (Stream::Stdout, "o\nthree")]);
        assert_eq!(text, "  2#1 | one\n  2#1 | two\n  2#1 | three\ndone\n");
    }

    #[test]
    fn escape_sequences_never_reach_the_terminal_even_split() {
        let text = printed(&[
            (Stream::Stdout, "\x1b]0;pwn"),
            (Stream::Stdout, "ed\x07\x1b[2"),
            (Stream::Stdout, "Jok \x1b[31mred\x1b[0m\n"),
        ]);
        assert_eq!(text, "  2#1 | ok \x1b[31mred\x1b[0m\ndone\n");
        let mut buffer = Vec::new();
        Printer::new(&mut buffer)
            .line("title v1\x1b]52;c;ZXZpbA==\x07")
            .expect("write");
        assert_eq!(String::from_utf8(buffer).expect("utf8"), "title v1\n");
    }

    #[test]
    fn stderr_is_marked_and_never_glued_to_a_stdout_line() {
        let text = printed(&[(Stream::Stdout, "partial"), (Stream::Stderr, "oops\n")]);
        assert_eq!(text, "  2#1 | partial\n  2#1 ! oops\ndone\n");
    }
}
