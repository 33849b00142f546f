//! Tabs that hold alternatives — Hugo `{{< tabs >}}`/`{{% tab name="…" %}}`, Material for
//! MkDocs `=== "…"`, Docusaurus `<Tabs><TabItem label="…">`, GitBook `{% tabs %}{% tab
//! title="…" %}` — found in the source, and the choice sections they open in the builder.

use super::builder::{Builder, Open, Synthetic, empty_section};
use crate::doc::model::{Section, SectionRole};
use crate::doc::sink::Sink;
use crate::doc::warning::Code;
use std::ops::Range;

/// The tab syntax a set was written in, for the warning that says how it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Hugo,
    Mkdocs,
    Docusaurus,
    GitBook,
}

impl Form {
    fn describe(self) -> &'static str {
        match self {
            Form::Hugo => "Hugo tabs (`{{< tabs >}}`)",
            Form::Mkdocs => "MkDocs content tabs (`=== \"…\"`)",
            Form::Docusaurus => "Docusaurus tabs (`<Tabs>`)",
            Form::GitBook => "GitBook tabs (`{% tabs %}`)",
        }
    }
}

/// What a line of tab markup does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TabKind {
    OpenSet(Form),
    /// A tab starts, with its title.
    Open(String),
    CloseTab,
    CloseSet,
}

/// Tab markup at a byte range of the source (a whole line, or a place for a close).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabMark {
    pub range: Range<usize>,
    pub kind: TabKind,
}

/// The tab markup in one line of a paragraph or an HTML block, if the line is one.
pub fn mark_of_line(line: &str) -> Option<TabKind> {
    let t = line.trim();
    shortcode(t)
        .or_else(|| liquid(t))
        .or_else(|| jsx(t))
        .or_else(|| mkdocs_title(t).map(TabKind::Open))
}

/// `=== "Title"` (also `===! "…"` and `===+ "…"`): the title of a MkDocs content tab.
pub fn mkdocs_title(line: &str) -> Option<String> {
    let rest = line.trim().strip_prefix("===")?;
    let rest = rest
        .strip_prefix(['!', '+'])
        .unwrap_or(rest)
        .strip_prefix(' ')?;
    let title = rest.trim().strip_prefix('"')?.strip_suffix('"')?;
    (!title.is_empty()).then(|| title.to_string())
}

/// Hugo: `{{< tabs … >}}`, `{{% tab name="…" %}}`, `{{< tab header="…" >}}`, closes.
fn shortcode(t: &str) -> Option<TabKind> {
    let inner = t
        .strip_prefix("{{<")
        .and_then(|r| r.strip_suffix(">}}"))
        .or_else(|| t.strip_prefix("{{%").and_then(|r| r.strip_suffix("%}}")))?
        .trim();
    tag(
        inner,
        &["tabs", "tabpane"],
        &["tab"],
        &["name", "header", "title"],
        Form::Hugo,
    )
}

/// GitBook and other Liquid sites: `{% tabs %}`, `{% tab title="…" %}`, `{% endtab %}`.
fn liquid(t: &str) -> Option<TabKind> {
    let inner = t
        .strip_prefix("{%")?
        .strip_suffix("%}")?
        .trim_matches(['-', ' ']);
    match inner.split_whitespace().next()? {
        "endtabs" => Some(TabKind::CloseSet),
        "endtab" => Some(TabKind::CloseTab),
        _ => tag(
            inner,
            &["tabs"],
            &["tab"],
            &["title", "name"],
            Form::GitBook,
        ),
    }
}

/// Docusaurus (MDX): `<Tabs …>`, `<TabItem value="…" label="…">`, `</TabItem>`, `</Tabs>`.
fn jsx(t: &str) -> Option<TabKind> {
    let inner = t
        .strip_prefix('<')?
        .strip_suffix('>')?
        .trim_end_matches('/')
        .trim();
    match inner.split_whitespace().next()? {
        "/Tabs" => Some(TabKind::CloseSet),
        "/TabItem" => Some(TabKind::CloseTab),
        "Tabs" => Some(TabKind::OpenSet(Form::Docusaurus)),
        "TabItem" => attribute(inner, &["label", "value"]).map(TabKind::Open),
        _ => None,
    }
}

/// `NAME attrs…` or `/NAME` inside shortcode or tag delimiters.
fn tag(inner: &str, sets: &[&str], tabs: &[&str], titles: &[&str], form: Form) -> Option<TabKind> {
    let word = inner.split_whitespace().next()?;
    if let Some(closed) = word.strip_prefix('/') {
        return if sets.contains(&closed) {
            Some(TabKind::CloseSet)
        } else if tabs.contains(&closed) {
            Some(TabKind::CloseTab)
        } else {
            None
        };
    }
    if sets.contains(&word) {
        return Some(TabKind::OpenSet(form));
    }
    if tabs.contains(&word) {
        return Some(TabKind::Open(
            attribute(inner, titles).unwrap_or_else(|| "(untitled tab)".into()),
        ));
    }
    None
}

/// The value of the first of `names` written as `name="value"` (or `'value'`).
fn attribute(inner: &str, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| {
        let at = inner.find(&format!("{name}="))?;
        let rest = &inner[at + name.len() + 1..];
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value = &rest[1..];
        let end = value.find(quote)?;
        let value = value[..end].trim();
        (!value.is_empty()).then(|| value.to_string())
    })
}

/// Tab marks in the lines of `range` of `text`.
pub fn marks_in(text: &str, range: Range<usize>, out: &mut Vec<TabMark>) {
    let Some(region) = text.get(range.clone()) else {
        return;
    };
    if !region.contains("tab") && !region.contains("Tab") && !region.contains("===") {
        return;
    }
    let mut offset = range.start;
    for line in region.split_inclusive('\n') {
        if let Some(kind) = mark_of_line(line) {
            out.push(TabMark {
                range: offset..offset + line.len(),
                kind,
            });
        }
        offset += line.len();
    }
}

impl Builder<'_> {
    /// Applies one tab mark: opens or closes a choice or an option.
    pub fn tab_mark(&mut self, mark: &TabMark, line: u32, sink: &mut Sink) {
        self.consume(mark.range.start, mark.range.end, sink);
        match &mark.kind {
            TabKind::OpenSet(form) => self.open_choice(*form, line),
            TabKind::Open(title) => {
                if self.depth_of(Synthetic::Choice).is_none() {
                    self.open_choice(Form::Mkdocs, line);
                }
                self.close_option();
                self.open_option(title.clone(), line);
            }
            TabKind::CloseTab => self.close_option(),
            TabKind::CloseSet => self.close_choice(sink),
        }
    }

    fn open_choice(&mut self, form: Form, line: u32) {
        self.close_choice_quietly();
        self.continuation = None;
        let parent_level = self.top().section.level;
        let section = Section {
            title: form.describe().to_string(),
            line,
            level: parent_level.saturating_add(1),
            role: SectionRole::Choice,
            day: None,
            ..empty_section()
        };
        self.stack
            .push(Open::synthetic(section, Synthetic::Choice, parent_level));
    }

    fn open_option(&mut self, title: String, line: u32) {
        let Some(depth) = self.depth_of(Synthetic::Choice) else {
            return;
        };
        let parent_level = self.stack[depth].parent_level;
        let section = Section {
            title,
            line,
            level: parent_level.saturating_add(2),
            role: SectionRole::Option,
            day: None,
            ..empty_section()
        };
        self.stack
            .push(Open::synthetic(section, Synthetic::Option, parent_level));
    }

    fn close_option(&mut self) {
        if let Some(depth) = self.depth_of(Synthetic::Option) {
            while self.stack.len() > depth {
                self.pop_section();
            }
        }
    }

    /// Ends the set: names the choice by its options and says how it was read.
    fn close_choice(&mut self, sink: &mut Sink) {
        let Some(depth) = self.depth_of(Synthetic::Choice) else {
            return;
        };
        while self.stack.len() > depth + 1 {
            self.pop_section();
        }
        let choice = &mut self.stack[depth].section;
        let titles: Vec<String> = choice
            .sections
            .iter()
            .map(|s| format!("\"{}\"", s.title))
            .collect();
        if !titles.is_empty() {
            let form = std::mem::take(&mut choice.title);
            sink.warn_line(
                choice.line,
                Code::Choice,
                format!(
                    "{form} are alternatives: a choice between {}; the walk runs only the one chosen",
                    titles.join(", ")
                ),
            );
            choice.title = format!("Choose one: {}", titles.join(" / ").replace('"', ""));
        }
        self.pop_section();
        self.continuation = Some(self.stack.len());
    }

    /// A set never closed (a heading came first, or another set opened) still says how it
    /// was read.
    fn close_choice_quietly(&mut self) {
        if self.depth_of(Synthetic::Choice).is_some() {
            let mut none = Sink::new("");
            self.close_choice(&mut none);
        }
    }

    /// Stack index of the innermost open synthetic section of this kind.
    fn depth_of(&self, kind: Synthetic) -> Option<usize> {
        self.stack.iter().rposition(|o| o.synthetic == Some(kind))
    }

    /// Content arriving after a set of tabs goes to a section walked after the choice.
    pub(super) fn ensure_continuation(&mut self) {
        let Some(depth) = self.continuation else {
            return;
        };
        if self.stack.len() != depth {
            return;
        }
        self.continuation = None;
        let parent = &self.top().section;
        let parent_level = parent.level;
        let section = Section {
            title: format!("{} (after the choice)", parent.title),
            line: parent.line,
            level: parent_level.saturating_add(1),
            role: inherited_role(parent),
            day: None,
            ..empty_section()
        };
        self.stack
            .push(Open::synthetic(section, Synthetic::Continued, parent_level));
    }
}

/// The role a section made inside `parent` inherits: off-path regions carry on.
fn inherited_role(parent: &Section) -> SectionRole {
    match parent.role {
        SectionRole::Rollback | SectionRole::Reference => parent.role,
        _ => SectionRole::Forward,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_markup_of_each_site_generator() {
        let open = |t: &str| Some(TabKind::Open(t.to_string()));
        for (line, kind) in [
            (
                "{{< tabs name=\"k8s_install\" >}}",
                Some(TabKind::OpenSet(Form::Hugo)),
            ),
            (
                "{{% tab name=\"Ubuntu, Debian\" %}}",
                open("Ubuntu, Debian"),
            ),
            ("{{< tab header=\"macOS\" lang=\"bash\" >}}", open("macOS")),
            ("{{% /tab %}}", Some(TabKind::CloseTab)),
            ("{{< /tabs >}}", Some(TabKind::CloseSet)),
            ("=== \"systemd hosts\"", open("systemd hosts")),
            ("===+ \"Kubernetes\"", open("Kubernetes")),
            (
                "<Tabs groupId=\"os\">",
                Some(TabKind::OpenSet(Form::Docusaurus)),
            ),
            ("  <TabItem value=\"apt\" label=\"Debian\">", open("Debian")),
            ("<TabItem value=\"yum\">", open("yum")),
            ("</TabItem>", Some(TabKind::CloseTab)),
            ("</Tabs>", Some(TabKind::CloseSet)),
            ("{% tabs %}", Some(TabKind::OpenSet(Form::GitBook))),
            ("{% tab title=\"Helm\" %}", open("Helm")),
            ("{% endtab %}", Some(TabKind::CloseTab)),
            ("{% endtabs %}", Some(TabKind::CloseSet)),
        ] {
            assert_eq!(mark_of_line(line), kind, "{line}");
        }
        for line in [
            "{{< skew currentVersion >}}",
            "=== not a tab",
            "<Table>",
            "{% highlight bash %}",
            "tabs are nice",
        ] {
            assert_eq!(mark_of_line(line), None, "{line}");
        }
    }
}
