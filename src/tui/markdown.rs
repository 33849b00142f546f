//! Markdown prose for the step view: parsed with pulldown-cmark and laid out as styled lines already wrapped to a width.

mod blocks;
mod table;
#[cfg(test)]
mod tests;
mod text;
mod wrap;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Text};
use table::Table;
use text::{Runs, clean};
use wrap::{HARD_BREAK, Wrapper};

const DIM: Style = Style::new().add_modifier(Modifier::DIM);
const BOLD: Style = Style::new().add_modifier(Modifier::BOLD);
const INLINE_CODE: Style = Style::new().fg(Color::Yellow);
const CODE_BLOCK: Style = Style::new().fg(Color::Cyan);
const BULLETS: [&str; 3] = ["• ", "◦ ", "▪ "];
const CODE_INDENT: &str = "  ";

/// Renders Markdown prose into styled lines, wrapped to `width` columns.
pub fn render(markdown: &str, width: u16) -> Text<'static> {
    if width == 0 {
        return Text::default();
    }
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    let mut renderer = Renderer::new(usize::from(width));
    for event in Parser::new_ext(markdown, options) {
        renderer.event(event);
    }
    Text::from(renderer.finish())
}

/// A block that prefixes every line inside it.
enum Container {
    Quote,
    Item {
        marker: String,
        width: usize,
        shown: bool,
    },
}

struct List {
    next: Option<u64>,
    loose: bool,
}

struct Link {
    url: String,
    text: String,
}

struct Code {
    info: String,
    body: String,
}

struct Renderer {
    width: usize,
    lines: Vec<Line<'static>>,
    containers: Vec<Container>,
    lists: Vec<List>,
    styles: Vec<Style>,
    inline: Runs,
    wrapper: Wrapper,
    links: Vec<Link>,
    code: Option<Code>,
    table: Option<Table>,
    blank_due: bool,
}

impl Renderer {
    fn new(width: usize) -> Self {
        Self {
            width,
            lines: Vec::new(),
            containers: Vec::new(),
            lists: Vec::new(),
            styles: Vec::new(),
            inline: Runs::default(),
            wrapper: Wrapper::default(),
            links: Vec::new(),
            code: None,
            table: None,
            blank_due: false,
        }
    }

    fn finish(mut self) -> Vec<Line<'static>> {
        self.flush_inline();
        while self.lines.last().is_some_and(|line| line.width() == 0) {
            self.lines.pop();
        }
        self.lines
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(code) => self.styled(&code, self.style().patch(INLINE_CODE)),
            Event::InlineMath(text) | Event::DisplayMath(text) => self.text(&text),
            Event::Html(html) | Event::InlineHtml(html) => self.html(&html),
            Event::FootnoteReference(label) => self.text(&format!("[^{label}]")),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.hard_break(),
            Event::Rule => self.rule(),
            Event::TaskListMarker(done) => self.task(done),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.paragraph(),
            Tag::Heading { level, .. } => {
                self.begin_block(false);
                self.styles.push(heading_style(level));
            }
            Tag::BlockQuote(_) => {
                self.begin_block(false);
                self.containers.push(Container::Quote);
            }
            Tag::CodeBlock(kind) => self.begin_code(&kind),
            Tag::HtmlBlock => self.begin_block(false),
            Tag::List(start) => {
                self.begin_block(true);
                self.lists.push(List {
                    next: start,
                    loose: false,
                });
            }
            Tag::Item => self.begin_item(),
            Tag::Table(aligns) => {
                self.begin_block(false);
                self.table = Some(Table::new(aligns));
            }
            Tag::Emphasis => self.push_style(Modifier::ITALIC),
            Tag::Strong => self.push_style(Modifier::BOLD),
            Tag::Strikethrough => self.push_style(Modifier::CROSSED_OUT),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.push_style(Modifier::UNDERLINED);
                let url = clean(&dest_url).into_owned();
                self.links.push(Link {
                    url,
                    text: String::new(),
                });
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock => self.end_block(),
            TagEnd::Heading(_) => {
                self.end_block();
                self.styles.pop();
            }
            TagEnd::BlockQuote(_) => {
                self.end_block();
                self.containers.pop();
            }
            TagEnd::CodeBlock => self.end_code(),
            TagEnd::List(_) => {
                self.end_block();
                self.lists.pop();
            }
            TagEnd::Item => self.end_item(),
            TagEnd::Table => self.end_table(),
            TagEnd::TableHead => self.with_table(Table::end_head),
            TagEnd::TableRow => self.with_table(Table::end_row),
            TagEnd::TableCell => {
                if let Some(table) = &mut self.table {
                    table.push_cell(&self.inline);
                }
                self.inline.clear();
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link | TagEnd::Image => self.end_link(),
            _ => {}
        }
    }

    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or_default()
    }

    fn push_style(&mut self, modifier: Modifier) {
        self.styles.push(self.style().add_modifier(modifier));
    }

    fn text(&mut self, text: &str) {
        if let Some(code) = &mut self.code {
            code.body.push_str(text);
            return;
        }
        self.styled(text, self.style());
    }

    fn styled(&mut self, text: &str, style: Style) {
        let text = clean(text);
        for link in &mut self.links {
            link.text.push_str(&text);
        }
        self.inline.push_text(&text, style);
    }

    /// HTML is shown as written; its line breaks are kept.
    fn html(&mut self, html: &str) {
        for (index, line) in html.split('\n').enumerate() {
            if index > 0 {
                self.hard_break();
            }
            self.text(line);
        }
    }

    fn hard_break(&mut self) {
        self.inline.push_text(HARD_BREAK, self.style());
    }

    fn end_link(&mut self) {
        self.styles.pop();
        let Some(link) = self.links.pop() else { return };
        let same = link.url == link.text || link.url.strip_prefix("mailto:") == Some(&link.text);
        if !link.url.is_empty() && !same {
            let style = self.style().patch(DIM);
            self.styled(" (", style);
            self.styled(&link.url, style);
            self.styled(")", style);
        }
    }
}

fn heading_style(level: HeadingLevel) -> Style {
    match level {
        HeadingLevel::H1 | HeadingLevel::H2 => BOLD.add_modifier(Modifier::UNDERLINED),
        _ => BOLD,
    }
}
