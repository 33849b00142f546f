//! Text for the operator's terminal in line mode (`--plain`, `follow --plain`, `replay
//! --plain`, messages): step output and runbook or parameter text may carry escape
//! sequences that clear the screen (`ESC[2J`), retitle the window (OSC 0), write the
//! clipboard (OSC 52), reset the terminal or move the cursor over earlier lines. Only
//! colours and text attributes (SGR, `ESC[…m`) pass; every other escape sequence and
//! C1 control is dropped, and other C0 controls (but tab, newline, carriage return)
//! are shown as `^X`. A sequence never reaches past the end of its line, so a broken
//! one cannot hide the lines after it. The full screen draws output through a terminal
//! emulator instead.

use std::io::Write;

/// Longest CSI sequence kept track of; a longer one is dropped whole.
const MAX_CSI: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    Ground,
    /// After ESC.
    Escape,
    /// Inside `ESC [ …` (the bytes so far are kept to tell SGR from the rest).
    Csi,
    /// Inside an OSC, DCS, APC, PM or SOS string, dropped up to its terminator.
    Text,
    /// ESC inside such a string: `\` ends it.
    TextEscape,
    /// After 0xC2: a C1 control follows if the next byte is 0x80–0x9F.
    C2,
}

/// A stream filter: feed it chunks as they come, sequences split across chunks included.
#[derive(Debug, Default)]
pub struct Sanitizer {
    state: State,
    csi: Vec<u8>,
}

impl Sanitizer {
    /// The bytes of `chunk` that are safe to show, appended to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        // Plain text (the usual case) goes through in one copy.
        if self.passes_unchanged(chunk) {
            out.extend_from_slice(chunk);
            return;
        }
        for &byte in chunk {
            self.byte(byte, out);
        }
    }

    fn byte(&mut self, byte: u8, out: &mut Vec<u8>) {
        self.state = match (self.state, byte) {
            (State::C2, b'\n') => {
                out.extend_from_slice(b"\xc2\n");
                State::Ground
            }
            (_, b'\n') => {
                out.push(b'\n');
                State::Ground
            }
            (State::Ground, 0x1b) => State::Escape,
            (State::Ground, 0xc2) => State::C2,
            (State::Ground, b) => {
                ground(b, out);
                State::Ground
            }
            (State::C2, 0x80..=0x9f) => State::Ground,
            (State::C2, b) => {
                out.push(0xc2);
                self.state = State::Ground;
                return self.byte(b, out);
            }
            (State::Escape, b'[') => {
                self.csi.clear();
                State::Csi
            }
            (State::Escape, b']' | b'P' | b'_' | b'^' | b'X') => State::Text,
            // Any other escape (reset, cursor save, charset…) is two bytes long: dropped.
            (State::Escape, _) => State::Ground,
            (State::Csi, 0x40..=0x7e) => {
                if byte == b'm' && self.csi.iter().all(|b| b.is_ascii_digit() || *b == b';') {
                    out.extend_from_slice(b"\x1b[");
                    out.extend_from_slice(&self.csi);
                    out.push(b'm');
                }
                State::Ground
            }
            (State::Csi, b) if self.csi.len() < MAX_CSI => {
                self.csi.push(b);
                State::Csi
            }
            (State::Csi, _) => State::Csi,
            (State::Text, 0x07) => State::Ground,
            (State::Text, 0x1b) => State::TextEscape,
            (State::Text, _) => State::Text,
            (State::TextEscape, b'\\') => State::Ground,
            (State::TextEscape, _) => State::Text,
        };
    }

    /// Whether `chunk` would come out unchanged (so it need not be copied).
    pub fn passes_unchanged(&self, chunk: &[u8]) -> bool {
        self.state == State::Ground && chunk.iter().all(|&b| is_plain(b))
    }

    /// The stream ended: a dangling ESC or half a sequence is dropped.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if self.state == State::C2 {
            out.push(0xc2);
        }
        *self = Sanitizer::default();
    }
}

fn is_plain(byte: u8) -> bool {
    (byte >= 0x20 && byte != 0x7f && byte != 0xc2) || matches!(byte, b'\t' | b'\n' | b'\r')
}

fn ground(byte: u8, out: &mut Vec<u8>) {
    if byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r') {
        out.extend_from_slice(&[b'^', byte + 0x40]);
    } else if byte == 0x7f {
        out.extend_from_slice(b"^?");
    } else {
        out.push(byte);
    }
}

/// A writer that sanitises everything written through it.
#[derive(Debug)]
pub struct SafeWrite<W: Write> {
    inner: W,
    sanitizer: Sanitizer,
    buf: Vec<u8>,
}

impl<W: Write> SafeWrite<W> {
    pub fn new(inner: W) -> Self {
        SafeWrite {
            inner,
            sanitizer: Sanitizer::default(),
            buf: Vec::new(),
        }
    }
}

impl<W: Write> Write for SafeWrite<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.sanitizer.passes_unchanged(bytes) {
            self.inner.write_all(bytes)?;
        } else {
            self.buf.clear();
            self.sanitizer.feed(bytes, &mut self.buf);
            self.inner.write_all(&self.buf)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A whole text made safe to show.
pub fn text(text: &str) -> String {
    String::from_utf8_lossy(&bytes(text.as_bytes())).into_owned()
}

/// Whole bytes made safe to show.
pub fn bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut sanitizer = Sanitizer::default();
    sanitizer.feed(bytes, &mut out);
    sanitizer.finish(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_stay_everything_else_goes() {
        let shown = text(
            "\x1b]0;pwned\x07\x1b[2Jcleared \x1b[1;31mred\x1b[0m\x1b]52;c;ZXZpbA==\x1b\\ \x1bc\x1b[10;1H\x1b_apc\x1b\\end",
        );
        assert_eq!(shown, "cleared \x1b[1;31mred\x1b[0m end");
    }

    #[test]
    fn a_broken_sequence_ends_with_its_line() {
        assert_eq!(text("hide\x1b]0;rest\nnext line\n"), "hide\nnext line\n");
        assert_eq!(text("a\x1b[12\nb"), "a\nb");
    }

    #[test]
    fn controls_are_shown_and_c1_dropped() {
        assert_eq!(
            text("bell\x07 bs\x08 tab\tok\r\n"),
            "bell^G bs^H tab\tok\r\n"
        );
        assert_eq!(text("csi\u{9b}2J é"), "csi2J é");
    }

    #[test]
    fn a_sequence_split_anywhere_is_handled_alike() {
        let input = "a\x1b]52;c;eA==\x07b\x1b[31mc\x1b[2Jd\u{9b}e é".as_bytes();
        let whole = bytes(input);
        for cut in 0..input.len() {
            let mut s = Sanitizer::default();
            let mut out = Vec::new();
            s.feed(&input[..cut], &mut out);
            s.feed(&input[cut..], &mut out);
            s.finish(&mut out);
            assert_eq!(out, whole, "cut at {cut}");
        }
        assert_eq!(String::from_utf8(whole).expect("utf8"), "ab\x1b[31mcde é");
    }
}
