#![allow(clippy::unwrap_used)]

use super::render;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Span, Text};

fn plain(text: &Text<'_>) -> Vec<String> {
    text.lines
        .iter()
        .map(|line| line.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect()
}

fn lines(markdown: &str, width: u16) -> Vec<String> {
    plain(&render(markdown, width))
}

/// The first span whose text is exactly `content`.
fn span<'a>(text: &'a Text<'static>, content: &str) -> &'a Span<'static> {
    text.lines
        .iter()
        .flat_map(|line| &line.spans)
        .find(|s| s.content == content)
        .unwrap()
}

fn has(span: &Span<'_>, modifier: Modifier) -> bool {
    span.style.add_modifier.contains(modifier)
}

#[test]
fn headings_are_bold_with_the_top_levels_underlined_and_spaced() {
    let text = render("# One\ntext\n### Three", 40);
    assert_eq!(plain(&text), ["One", "", "text", "", "Three"]);
    let one = span(&text, "One");
    assert!(has(one, Modifier::BOLD) && has(one, Modifier::UNDERLINED));
    let three = span(&text, "Three");
    assert!(has(three, Modifier::BOLD) && !has(three, Modifier::UNDERLINED));
}

#[test]
fn paragraphs_wrap_at_words_and_break_long_words() {
    assert_eq!(lines("one two three four", 9), ["one two", "three", "four"]);
    assert_eq!(lines("abcdefghijkl", 5), ["abcde", "fghij", "kl"]);
    assert_eq!(
        lines("first\nsecond\n\nthird", 40),
        ["first second", "", "third"]
    );
}

#[test]
fn hard_breaks_end_the_line() {
    assert_eq!(
        lines("first  \nsecond\\\nthird", 40),
        ["first", "second", "third"]
    );
}

#[test]
fn inline_styles_are_kept() {
    let text = render("*it* **bold** ~~gone~~ `code`", 40);
    assert_eq!(plain(&text), ["it bold gone code"]);
    assert!(has(span(&text, "it"), Modifier::ITALIC));
    assert!(has(span(&text, "bold"), Modifier::BOLD));
    assert!(has(span(&text, "gone"), Modifier::CROSSED_OUT));
    assert_eq!(span(&text, "code").style.fg, Some(Color::Yellow));
}

#[test]
fn links_show_their_text_and_a_dim_url_when_different() {
    let text = render("[docs](https://x.io) and <https://y.io>", 60);
    assert_eq!(plain(&text), ["docs (https://x.io) and https://y.io"]);
    assert!(has(span(&text, "docs"), Modifier::UNDERLINED));
    assert!(has(span(&text, " (https://x.io)"), Modifier::DIM));
}

#[test]
fn bullets_change_with_depth_and_nest_by_two() {
    let md = "- a\n  - b\n    - c\n      - d\n- e";
    assert_eq!(
        lines(md, 40),
        ["• a", "  ◦ b", "    ▪ c", "      • d", "• e"]
    );
}

#[test]
fn ordered_lists_keep_their_start_number() {
    assert_eq!(lines("7. seven\n8. eight", 40), ["7. seven", "8. eight"]);
    assert_eq!(lines("9. nine\n1. ten", 40), ["9. nine", "10. ten"]);
}

#[test]
fn wrapped_items_hang_under_their_text() {
    let md = "- alpha beta gamma\n\n1. delta epsilon";
    assert_eq!(
        lines(md, 12),
        ["• alpha beta", "  gamma", "", "1. delta", "   epsilon"]
    );
}

#[test]
fn task_items_show_boxes() {
    let md = "- [ ] open\n- [x] done\n\n1. [x] first";
    assert_eq!(lines(md, 40), ["☐ open", "☑ done", "", "1. ☑ first"]);
}

#[test]
fn loose_lists_keep_blank_lines_between_items() {
    assert_eq!(
        lines("- a\n\n- b\n\ntext", 40),
        ["• a", "", "• b", "", "text"]
    );
}

#[test]
fn empty_items_still_show_their_marker() {
    assert_eq!(lines("-\n- b", 40), ["•", "• b"]);
}

#[test]
fn block_quotes_prefix_every_line_with_a_dim_bar() {
    let text = render("> one two three\n>\n> four", 10);
    assert_eq!(plain(&text), ["│ one two", "│ three", "│", "│ four"]);
    assert!(has(span(&text, "│ "), Modifier::DIM));
}

#[test]
fn code_blocks_are_indented_cut_and_labelled() {
    let text = render("```yaml\nkey: value\nlong: abcdefghijklmnop\n```", 16);
    assert_eq!(plain(&text), ["yaml", "  key: value", "  long: abcdefg…"]);
    assert!(has(span(&text, "yaml"), Modifier::DIM));
    assert_eq!(span(&text, "key: value").style.fg, Some(Color::Cyan));
    assert_eq!(lines("    indented\n\ttab", 40), ["  indented", "  tab"]);
}

#[test]
fn tabs_in_code_expand_to_stops() {
    assert_eq!(lines("```\na\tb\n```", 40), ["  a   b"]);
}

#[test]
fn tables_align_by_display_width() {
    let md = "| k | v |\n|---|--:|\n| ✅ | 1 |\n| long | 22 |";
    assert_eq!(
        lines(md, 40),
        ["k    │  v", "─────┼───", "✅   │  1", "long │ 22"]
    );
}

#[test]
fn narrow_tables_shrink_and_cut_cells() {
    let md = "| name | description |\n|---|---|\n| api | the public gateway |";
    assert_eq!(
        lines(md, 16),
        ["name │ descript…", "─────┼──────────", "api  │ the publ…"]
    );
}

#[test]
fn table_headers_are_bold() {
    let text = render("| h |\n|---|\n| c |", 20);
    assert!(has(span(&text, "h"), Modifier::BOLD));
    assert!(!has(span(&text, "c"), Modifier::BOLD));
}

#[test]
fn rules_span_the_width() {
    let text = render("a\n\n---\n\nb", 5);
    assert_eq!(plain(&text), ["a", "", "─────", "", "b"]);
    assert!(has(span(&text, "─────"), Modifier::DIM));
}

#[test]
fn html_is_shown_as_text() {
    assert_eq!(lines("<div>\nhi\n</div>", 40), ["<div>", "hi", "</div>"]);
    assert_eq!(lines("a <b>c</b>", 40), ["a <b>c</b>"]);
}

#[test]
fn wide_and_mojibake_text_is_measured_by_display_width() {
    assert_eq!(lines("✅ ok ✅ ok", 6), ["✅ ok", "✅ ok"]);
    assert_eq!(lines("ðŸŸ¢ go", 6), ["ðŸŸ¢", "go"]);
}

#[test]
fn control_characters_are_made_visible() {
    assert_eq!(lines("a\u{1b}[31mb", 40), ["a\u{FFFD}[31mb"]);
}

#[test]
fn zero_width_gives_nothing_and_tiny_widths_stay_inside() {
    assert!(render("# hi\n\n- a", 0).lines.is_empty());
    for width in 1..=10u16 {
        for line in render(
            "> - [ ] abcdef `x` | a |\n\n| a | b |\n|---|---|\n| c | d |",
            width,
        )
        .lines
        {
            assert!(line.width() <= usize::from(width), "{line:?} at {width}");
        }
    }
}

#[test]
fn styles_apply_only_where_marked() {
    let text = render("plain **bold**", 40);
    assert_eq!(span(&text, "plain ").style, Style::default());
}
