//! Garbled text: UTF-8 that was once decoded as Mac Roman or Windows-1252 and saved
//! again (`üöÄ` for 🚀, `âœ…` for ✅). Each run of non-ASCII characters is encoded
//! back to the single-byte encoding; where the bytes are valid UTF-8 the run was garbled.
//! A document is repaired only when garbled runs outnumber runs that are not.

use super::sink::Sink;
use super::warning::Code;
use encoding_rs::{Encoding, MACINTOSH, WINDOWS_1252};

/// The repaired text and what was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    pub text: String,
    /// The encoding the text had been decoded as (`Mac Roman`, `Windows-1252`).
    pub encoding: &'static str,
    /// How many garbled passages were repaired.
    pub passages: usize,
    /// The first repaired passage: its line and column, as written and as repaired.
    pub first: (u32, u32, String, String),
}

const CANDIDATES: &[(&Encoding, &str)] =
    &[(MACINTOSH, "Mac Roman"), (WINDOWS_1252, "Windows-1252")];

/// The repaired text, when the document is garbled; `None` for text that reads as written.
pub fn repair(text: &str) -> Option<Repair> {
    if text.is_ascii() {
        return None;
    }
    CANDIDATES
        .iter()
        .filter_map(|&(encoding, name)| repair_as(text, encoding, name))
        .max_by_key(|r| r.passages)
}

fn repair_as(text: &str, encoding: &'static Encoding, name: &'static str) -> Option<Repair> {
    let mut out = String::with_capacity(text.len());
    let (mut garbled, mut genuine) = (0usize, 0usize);
    let mut first = None;
    let mut line = 1u32;
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| !c.is_ascii()) {
        let (ascii, tail) = rest.split_at(start);
        line += count_newlines(ascii);
        out.push_str(ascii);
        let at = text.len() - tail.len();
        let end = tail.find(|c: char| c.is_ascii()).unwrap_or(tail.len());
        let (run, after) = tail.split_at(end);
        match undo(run, encoding) {
            Some(fixed) => {
                garbled += 1;
                first.get_or_insert_with(|| {
                    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                    let col = text[line_start..at].chars().count() + 1;
                    let col = u32::try_from(col).unwrap_or(u32::MAX);
                    (line, col, run.to_string(), fixed.clone())
                });
                out.push_str(&fixed);
            }
            None => {
                genuine += 1;
                out.push_str(run);
            }
        }
        rest = after;
    }
    out.push_str(rest);
    (garbled > genuine).then(|| Repair {
        text: out,
        encoding: name,
        passages: garbled,
        first: first.unwrap_or_default(),
    })
}

/// The run as it was before the wrong decoding, when that is valid UTF-8 with a character
/// of more than one byte.
fn undo(run: &str, encoding: &'static Encoding) -> Option<String> {
    let (bytes, _, unmappable) = encoding.encode(run);
    if unmappable || bytes.iter().any(|b| b.is_ascii()) {
        return None;
    }
    String::from_utf8(bytes.into_owned()).ok()
}

fn count_newlines(text: &str) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', text.as_bytes()).count()).unwrap_or(u32::MAX)
}

/// The warning that says the document was repaired.
pub fn report(repair: &Repair, sink: &mut Sink) {
    let (line, col, written, fixed) = &repair.first;
    sink.warn(
        *line,
        *col,
        Code::Mojibake,
        format!(
            "the text is UTF-8 that was once read as {} and saved again: {} garbled passage{} shown repaired (`{written}` → `{fixed}`); the file itself is unchanged",
            repair.encoding,
            repair.passages,
            if repair.passages == 1 { "" } else { "s" }
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_roman_and_windows_1252_garbling_is_undone() {
        let mac = repair("# \u{f8ff}üöÄ Deploy\n**–í–µ—Ä—Å–∏—è:** 3\n").expect("garbled");
        assert_eq!(mac.encoding, "Mac Roman");
        assert_eq!(mac.text, "# 🚀 Deploy\n**Версия:** 3\n");
        let win = repair("Status: âœ… COMPLETE\n").expect("garbled");
        assert_eq!(win.encoding, "Windows-1252");
        assert_eq!(win.text, "Status: ✅ COMPLETE\n");
        assert_eq!(win.first, (1, 9, "âœ…".to_string(), "✅".to_string()));
    }

    #[test]
    fn genuine_text_is_left_alone() {
        for text in [
            "plain ascii",
            "café — naïve ✅ 🚀 Версия",
            "Grüße aus Köln",
            "¿Qué tal?",
        ] {
            assert_eq!(repair(text), None, "{text}");
        }
    }
}
