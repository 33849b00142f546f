//! Long output lines: wrapped at the pane's width (`w` toggles), or cut and scrolled
//! sideways (← →) — so a wide line (a verdict column, a long path) can always be read.

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// `line` cut into rows of at most `width` columns, styles kept.
pub fn wrap(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width && used > 0 {
                if !piece.is_empty() {
                    row.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                rows.push(Line::from(std::mem::take(&mut row)));
                used = 0;
            }
            piece.push(c);
            used += w;
        }
        if !piece.is_empty() {
            row.push(Span::styled(piece, span.style));
        }
    }
    rows.push(Line::from(row));
    rows
}

/// Plain `text` wrapped at spaces into rows of at most `width` columns (a word longer
/// than a row is cut).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let width = width.max(1);
    let mut rows: Vec<String> = Vec::new();
    let mut row = String::new();
    for word in text.split(' ') {
        if !row.is_empty() && row.width() + 1 + word.width() > width {
            rows.push(std::mem::take(&mut row));
        }
        if !row.is_empty() {
            row.push(' ');
        }
        row.push_str(word);
    }
    rows.push(row);
    rows.into_iter()
        .flat_map(|r| wrap(Line::from(r), width))
        .map(|l| l.to_string())
        .collect()
}

/// Every line wrapped, in order.
pub fn wrap_all(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    lines.into_iter().flat_map(|l| wrap(l, width)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_wraps_into_rows_that_keep_every_character() {
        let rows = wrap(Line::from("abcdefghij"), 4);
        let texts: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
        assert_eq!(texts, ["abcd", "efgh", "ij"]);
        assert_eq!(wrap(Line::from(""), 4).len(), 1);
    }

    #[test]
    fn words_wrap_at_spaces_and_a_long_word_is_cut() {
        assert_eq!(
            wrap_words("in Pre-flight › Checks", 14),
            ["in Pre-flight", "› Checks"]
        );
        assert_eq!(wrap_words("abcdefghij x", 4), ["abcd", "efgh", "ij", "x"]);
    }
}
