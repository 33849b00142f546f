//! The right-hand panel: who to call and what the runbook needs from the environment.

use super::View;
use super::title::clip;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let block = Block::new()
        .borders(Borders::LEFT)
        .border_style(Style::new().fg(Color::DarkGray));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let meta = &view.runbook.meta;
    let mut lines = Vec::new();
    if !view.health.is_empty() {
        lines.push(heading("Health"));
        lines.extend(super::health::lines(view, width, std::time::Instant::now()));
        lines.push(Line::default());
    }
    lines.push(heading("Contacts"));
    if meta.contacts.is_empty() {
        let listed = contacts_section(view, width);
        if listed.is_empty() {
            lines.push(dim("none listed in the runbook"));
        }
        lines.extend(listed);
    }
    for contact in &meta.contacts {
        lines.push(Line::from(Span::styled(
            clip(&contact.role, width),
            Style::new().add_modifier(Modifier::BOLD),
        )));
        for detail in [&contact.name, &contact.phone, &contact.email, &contact.chat]
            .into_iter()
            .flatten()
        {
            lines.push(Line::from(format!(
                " {}",
                clip(detail, width.saturating_sub(1))
            )));
        }
    }
    lines.push(Line::default());
    lines.push(heading("Environment"));
    for name in &meta.env.require {
        lines.push(Line::from(format!(
            " requires {}",
            clip(name, width.saturating_sub(10))
        )));
    }
    for name in &meta.env.secret {
        lines.push(Line::from(format!(
            " masks {}",
            clip(name, width.saturating_sub(7))
        )));
    }
    for (name, value) in view.params {
        let param = crate::doc::model::param_env_name(name);
        lines.push(Line::from(format!(
            " ${param} = {}",
            clip(
                &view.secrets.mask_str(value),
                width.saturating_sub(param.len() + 5)
            )
        )));
    }
    if meta.env.require.is_empty() && meta.env.secret.is_empty() && view.params.is_empty() {
        lines.push(dim("nothing required"));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The lines of a section whose title names contacts ("Emergency Contacts"), when the
/// front matter lists none: each entry as the document writes it.
fn contacts_section(view: &View, width: usize) -> Vec<Line<'static>> {
    let Some(section) = view
        .runbook
        .all_sections()
        .into_iter()
        .find(|s| s.title.to_lowercase().contains("contact"))
    else {
        return Vec::new();
    };
    section
        .prose
        .iter()
        .flat_map(|p| p.markdown.lines())
        .map(|l| l.trim().trim_start_matches(['-', '*', '+']).trim())
        .filter(|l| !l.is_empty())
        .map(|l| Line::from(format!(" {}", clip(&view.text(l), width.saturating_sub(1)))))
        .collect()
}

fn heading(text: &str) -> Line<'static> {
    Line::from(Span::styled(
        text.to_string(),
        Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
    ))
}

fn dim(text: &str) -> Line<'static> {
    Line::from(Span::styled(
        format!(" {text}"),
        Style::new().fg(Color::DarkGray),
    ))
}
