//! Where a line of a step's script stands in the document: fences keep their lines,
//! transcripts lose their prompts, indented code and YAML block scalars their indentation,
//! and placeholders were rewritten — so each script line is looked for in the source.

/// A script line's place in the document: its 1-based line, and the 1-based column (in
/// characters) where the script line's text starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub line: u32,
    pub col: u32,
    /// The script line and the document line read the same from here on (no placeholder
    /// was rewritten in between): columns map one to one.
    exact: bool,
}

/// Lines looked at past the last one found before a script line counts as not found.
const WINDOW: usize = 64;

/// The place of each line of `script`, for a step whose block starts at `first_line`.
pub fn places(source_lines: &[&str], first_line: u32, script: &str) -> Vec<Option<Place>> {
    let mut cursor = first_line.saturating_sub(1) as usize;
    script
        .split('\n')
        .map(|line| {
            let found = find(source_lines, cursor, line)?;
            cursor = found.line as usize;
            Some(found)
        })
        .collect()
}

fn find(source_lines: &[&str], from: usize, line: &str) -> Option<Place> {
    let wanted = line.trim();
    if wanted.is_empty() {
        return None;
    }
    let lead = chars(&line[..line.len() - line.trim_start().len()]);
    let prefix = rewritten_prefix(wanted);
    let end = (from + WINDOW).min(source_lines.len());
    for (i, source) in source_lines.iter().enumerate().take(end).skip(from) {
        let hit = source
            .find(wanted)
            .map(|at| (at, true))
            .or_else(|| prefix.and_then(|p| source.find(p)).map(|at| (at, false)));
        if let Some((at, exact)) = hit {
            let col = chars(&source[..at]) + 1;
            return Some(Place {
                line: u32::try_from(i + 1).ok()?,
                col: col.saturating_sub(lead),
                exact,
            });
        }
    }
    None
}

/// The part of a line before the first placeholder reference the loader wrote into it.
fn rewritten_prefix(line: &str) -> Option<&str> {
    let at = line.find("${")?;
    let before = line[..at].trim_end_matches(['"', '\'']);
    (before.trim().chars().count() >= 3 && line[at..].contains(":?placeholder without a value}"))
        .then_some(before)
}

fn chars(text: &str) -> u32 {
    u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
}

impl Place {
    /// The document column of character column `col` (1-based) of the script line; past a
    /// rewritten placeholder it stays at the placeholder's start.
    pub fn column(&self, col: u32, script_line: &str) -> u32 {
        let lead = chars(&script_line[..script_line.len() - script_line.trim_start().len()]);
        if self.exact {
            return self.col + col.saturating_sub(1);
        }
        let prefix = rewritten_prefix(script_line.trim()).map_or(0, chars);
        let within = col.saturating_sub(1).min(lead + prefix);
        self.col + within
    }
}

/// A document position for a finding on row `row`, column `col` (1-based, characters) of a
/// step's script; the step's own line when the row cannot be found.
pub fn position(
    places: &[Option<Place>],
    script: &str,
    row: usize,
    col: u32,
    fallback: u32,
) -> (u32, u32) {
    let line = script.split('\n').nth(row).unwrap_or("");
    match places.get(row).copied().flatten() {
        Some(place) => (place.line, place.column(col, line)),
        None => (fallback, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_transcripts_and_placeholders_map_to_their_document_lines() {
        let doc = "# T\n\n```console\n$ kubectl get pods\nNAME READY\n$ kubectl delete pod <pod-name> --now\n```\n";
        let lines: Vec<&str> = doc.lines().collect();
        let script = "kubectl get pods\nkubectl delete pod \"${POD_NAME:?placeholder without a value}\" --now\n";
        let places = places(&lines, 3, script);
        assert_eq!(position(&places, script, 0, 9, 3), (4, 11));
        assert_eq!(
            position(&places, script, 1, 9, 3),
            (6, 11),
            "before the placeholder"
        );
        assert_eq!(
            position(&places, script, 1, 40, 3),
            (6, 22),
            "past it: its start"
        );
        assert_eq!(
            position(&places, script, 2, 1, 3),
            (3, 1),
            "no such line: the step"
        );
    }

    #[test]
    fn indented_code_keeps_its_indentation_out_of_the_column() {
        let doc = "1. Start it:\n\n       export A=1\n       etcd --name x\n";
        let lines: Vec<&str> = doc.lines().collect();
        let script = "export A=1\netcd --name x\n";
        let places = places(&lines, 3, script);
        assert_eq!(position(&places, script, 1, 6, 3), (4, 13));
    }
}
