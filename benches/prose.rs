//! Render the prose of a 12 KB seed runbook for the step view (target: well under 1 ms
//! at width 80), next to parsing alone as a baseline.
//!
//! Run with `cargo bench --bench prose`.

use pulldown_cmark::{Options, Parser};
use runbook::tui::markdown::render;

const SEED: &str = include_str!("../tests/fixtures/seeds/001_04ba1923a1f94051.txt");

fn main() {
    divan::main();
}

#[divan::bench(args = [40, 80, 160])]
fn render_seed(width: u16) -> usize {
    render(divan::black_box(SEED), width).lines.len()
}

#[divan::bench]
fn parse_seed_only() -> usize {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    Parser::new_ext(divan::black_box(SEED), options).count()
}
