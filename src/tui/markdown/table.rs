//! GFM tables: cells measured by display width, the widest columns shrunk to fit, rows joined with ` │ `.

use super::text::{Runs, push, spans_width, truncate};
use super::wrap::HARD_BREAK;
use super::{BOLD, DIM};
use pulldown_cmark::Alignment;
use ratatui::style::Style;
use ratatui::text::Span;

type Cell = Vec<Span<'static>>;

const COLUMN_GAP: usize = 3;

/// A table being collected from parser events.
pub(super) struct Table {
    aligns: Vec<Alignment>,
    rows: Vec<Vec<Cell>>,
    row: Vec<Cell>,
    head_rows: usize,
}

impl Table {
    pub(super) fn new(aligns: Vec<Alignment>) -> Self {
        Self {
            aligns,
            rows: Vec::new(),
            row: Vec::new(),
            head_rows: 0,
        }
    }

    /// Adds a cell to the current row; a cell is always one line.
    pub(super) fn push_cell(&mut self, inline: &Runs) {
        let mut cell = Vec::new();
        for (piece, style) in inline.pieces() {
            for (index, text) in piece.split(HARD_BREAK).enumerate() {
                if index > 0 {
                    push(&mut cell, " ", style);
                }
                push(&mut cell, text, style);
            }
        }
        self.row.push(cell);
    }

    pub(super) fn end_row(&mut self) {
        self.rows.push(std::mem::take(&mut self.row));
    }

    pub(super) fn end_head(&mut self) {
        self.end_row();
        self.head_rows = self.rows.len();
    }

    /// The table as lines of at most `avail` columns (when the columns allow it).
    pub(super) fn layout(&self, avail: usize) -> Vec<Vec<Span<'static>>> {
        let columns = self
            .rows
            .iter()
            .map(Vec::len)
            .fold(self.aligns.len(), usize::max);
        if columns == 0 {
            return Vec::new();
        }
        let natural: Vec<usize> = (0..columns).map(|c| self.column_width(c)).collect();
        let budget = avail.saturating_sub(COLUMN_GAP * (columns - 1));
        let widths = fit(&natural, budget);
        let mut lines = Vec::with_capacity(self.rows.len() + 1);
        for (index, row) in self.rows.iter().enumerate() {
            let head = index < self.head_rows;
            lines.push(self.row_line(row, &widths, head));
            if index + 1 == self.head_rows {
                lines.push(rule(&widths));
            }
        }
        lines
    }

    fn column_width(&self, column: usize) -> usize {
        let widest = self.rows.iter().filter_map(|row| row.get(column));
        widest
            .map(|cell| spans_width(cell))
            .max()
            .unwrap_or(0)
            .max(1)
    }

    fn row_line(&self, row: &[Cell], widths: &[usize], head: bool) -> Vec<Span<'static>> {
        let mut line = Vec::new();
        for (column, &width) in widths.iter().enumerate() {
            if column > 0 {
                push(&mut line, " │ ", DIM);
            }
            let cell = row.get(column).cloned().unwrap_or_default();
            let mut cell = truncate(cell, width);
            if head {
                cell.iter_mut()
                    .for_each(|span| span.style = span.style.patch(BOLD));
            }
            let align = self.aligns.get(column).copied().unwrap_or(Alignment::None);
            let last = column + 1 == widths.len();
            pad(&mut line, cell, width, align, last);
        }
        line
    }
}

/// Places `cell` in a column of `width`, leaving no padding at the end of a line.
fn pad(line: &mut Vec<Span<'static>>, cell: Cell, width: usize, align: Alignment, last: bool) {
    let room = width.saturating_sub(spans_width(&cell));
    let before = match align {
        Alignment::Right => room,
        Alignment::Center => room / 2,
        Alignment::Left | Alignment::None => 0,
    };
    push(line, &" ".repeat(before), Style::default());
    for span in cell {
        push(line, &span.content, span.style);
    }
    if !last {
        push(line, &" ".repeat(room - before), Style::default());
    }
}

fn rule(widths: &[usize]) -> Vec<Span<'static>> {
    let parts: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
    vec![Span::styled(parts.join("─┼─"), DIM)]
}

/// Column widths summing to at most `budget`: columns wider than a common cap
/// are cut to it, the cap being as large as the budget allows. Never below 1.
fn fit(natural: &[usize], budget: usize) -> Vec<usize> {
    if natural.iter().sum::<usize>() <= budget {
        return natural.to_vec();
    }
    let capped = |cap: usize| natural.iter().map(|&w| w.min(cap)).sum::<usize>();
    let (mut low, mut high) = (1, natural.iter().copied().max().unwrap_or(1));
    while low < high {
        let mid = (low + high).div_ceil(2);
        if capped(mid) <= budget {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    let mut spare = budget.saturating_sub(capped(low));
    let mut widths: Vec<usize> = natural.iter().map(|&w| w.min(low)).collect();
    for (width, &want) in widths.iter_mut().zip(natural) {
        if spare > 0 && want > *width {
            *width += 1;
            spare -= 1;
        }
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn fit_keeps_natural_widths_when_they_fit() {
        assert_eq!(fit(&[3, 5, 2], 10), vec![3, 5, 2]);
    }

    #[test]
    fn fit_shrinks_the_widest_columns_first() {
        assert_eq!(fit(&[3, 20, 12], 21), vec![3, 9, 9]);
        assert_eq!(fit(&[3, 20, 12], 22), vec![3, 10, 9]);
    }

    #[test]
    fn fit_never_goes_below_one_column() {
        assert_eq!(fit(&[4, 4, 4], 0), vec![1, 1, 1]);
    }
}
