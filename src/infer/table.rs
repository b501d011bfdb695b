//! The numbers of one sheet's table as a matrix for inference: body rows with numbers by
//! number columns, each cell read the way the check engine reads it (blank and `-` are zero,
//! `x`, `…`, text and errors make a row unusable for a relation).

use rust_decimal::Decimal;

use crate::layout::{header_names_keys, Layout};
use crate::model::{CellRef, Sheet, Value};
use crate::number::{Marker, Quantity, Reading};
use crate::text::normalize_label;
use crate::unit::{cell_half_unit, Units};

/// Most body rows inference looks at; beyond this a sheet is a data dump, not a report.
pub(crate) const MAX_ROWS: usize = 5_000;
/// Most number columns inference looks at.
pub(crate) const MAX_COLUMNS: usize = 256;

/// One sheet's table as numbers.
pub(crate) struct Table<'a> {
    pub sheet: &'a Sheet,
    pub layout: Layout,
    /// Body rows with numbers (sheet rows), top to bottom.
    pub rows: Vec<u32>,
    /// Number columns (sheet columns), left to right, without codes, keys and ranks.
    pub cols: Vec<u32>,
    /// `values[c][r]`: the value of column `cols[c]` on row `rows[r]`; `None` when a rule
    /// reading it would be skipped.
    pub values: Vec<Vec<Option<Decimal>>>,
    /// `percent[c]`: the column holds percentages (by header or number format).
    pub percent: Vec<bool>,
    /// `additive[c]`: the column may be cross-footed (not a percentage, price or average).
    pub additive: Vec<bool>,
    /// Which figures stand for their rounding interval (the unit the sheet states).
    pub units: Units,
}

impl<'a> Table<'a> {
    /// Reads the table of a sheet, or `None` when it has no table with at least two number
    /// columns.
    pub(crate) fn read(sheet: &'a Sheet) -> Option<Table<'a>> {
        let layout = Layout::find(sheet)?;
        let rows: Vec<u32> = layout
            .body
            .iter()
            .filter(|r| r.has_numbers)
            .map(|r| r.row)
            // Relations between columns are learnt from the first table.
            .take_while(|&row| layout.second_table.is_none_or(|s| row < s))
            .take(MAX_ROWS)
            .collect();
        // Codes, keys and ranks hold numbers that are no figures: no relation reads them.
        let cols: Vec<u32> = layout
            .number_columns(sheet)
            .into_iter()
            .filter(|col| !header_names_keys_or_ranks(layout.headers.get(col).map(Vec::as_slice)))
            .take(MAX_COLUMNS)
            .collect();
        if cols.len() < 2 || rows.is_empty() {
            return None;
        }
        let values: Vec<Vec<Option<Decimal>>> = cols
            .iter()
            .map(|&col| {
                rows.iter()
                    .map(|&row| value_at(sheet, CellRef::new(row, col)))
                    .collect()
            })
            .collect();
        let percent: Vec<bool> = cols
            .iter()
            .map(|&col| {
                header_says_percent(layout.headers.get(&col).map(Vec::as_slice))
                    || formats_say_percent(sheet, &rows, col)
            })
            .collect();
        let additive: Vec<bool> = cols
            .iter()
            .zip(&percent)
            .map(|(col, percent)| {
                !percent && !header_says_not_additive(layout.headers.get(col).map(Vec::as_slice))
            })
            .collect();
        let units = Units::of(sheet, &layout, None, None);
        Some(Table {
            sheet,
            layout,
            rows,
            cols,
            values,
            percent,
            additive,
            units,
        })
    }

    /// The value at column index `c`, row index `r`.
    pub(crate) fn get(&self, c: usize, r: usize) -> Option<Decimal> {
        self.values
            .get(c)
            .and_then(|col| col.get(r))
            .copied()
            .flatten()
    }

    /// The reported quantity at column index `c`, row index `r`.
    pub(crate) fn quantity(&self, c: usize, r: usize) -> Option<Quantity> {
        let at = CellRef::new(*self.rows.get(r)?, *self.cols.get(c)?);
        match &self.sheet.cell(at)?.reading {
            Reading::Number(q) => Some(*q),
            Reading::Ambiguous { primary, .. } => Some(**primary),
            _ => None,
        }
    }

    /// How far the figure at column index `c`, row index `r` may be from the number it
    /// stands for: half its last shown unit in a rounded column (a scaled unit, `Units`),
    /// as the check engine allows it. A relation holds on a row when its two sides are no
    /// further apart than the slacks of its terms added up. Formula results and figures
    /// shown rounded in other columns are held exact here, unlike in the check: a relation
    /// that holds only within their residue on many rows of a sheet of formulas is no
    /// evidence of a relation the office meant (the check still lets such rows hold).
    pub(crate) fn slack(&self, c: usize, r: usize) -> Decimal {
        let (Some(&row), Some(&col)) = (self.rows.get(r), self.cols.get(c)) else {
            return Decimal::ZERO;
        };
        let Some(value) = self.get(c, r).filter(|value| !value.is_zero()) else {
            return Decimal::ZERO;
        };
        if !self.units.rounded(col) {
            return Decimal::ZERO;
        }
        let at = CellRef::new(row, col);
        cell_half_unit(&self.units, at, self.sheet.cell(at), value, true)
    }

    /// The column's header chain.
    pub(crate) fn chain(&self, c: usize) -> &[String] {
        self.cols
            .get(c)
            .and_then(|col| self.layout.headers.get(col))
            .map_or(&[], Vec::as_slice)
    }

    /// The column's lowest header label (or its letter when it has none).
    pub(crate) fn leaf(&self, c: usize) -> String {
        self.chain(c).last().cloned().unwrap_or_else(|| {
            self.cols
                .get(c)
                .map(|col| crate::model::column_letters(*col))
                .unwrap_or_default()
        })
    }

    /// The column's letter.
    pub(crate) fn letter(&self, c: usize) -> String {
        self.cols
            .get(c)
            .map(|col| crate::model::column_letters(*col))
            .unwrap_or_default()
    }

    /// How many rows of column `c` are non-zero numbers.
    pub(crate) fn nonzero(&self, c: usize) -> usize {
        self.values.get(c).map_or(0, |col| {
            col.iter()
                .filter(|v| v.is_some_and(|v| !v.is_zero()))
                .count()
        })
    }
}

/// A cell's value as a rule reads it: `Some(0)` for blanks and `-`, `None` for what makes a
/// rule skip the row.
pub(crate) fn value_at(sheet: &Sheet, at: CellRef) -> Option<Decimal> {
    let Some(cell) = sheet.cell(at) else {
        return Some(Decimal::ZERO);
    };
    match &cell.reading {
        Reading::Number(q) => Some(q.value),
        Reading::Ambiguous { primary, .. } => Some(primary.value),
        Reading::Marker(Marker::Blank | Marker::Dash) => Some(Decimal::ZERO),
        Reading::Marker(_) => None,
        Reading::NotNumber => match &cell.value {
            Value::Empty => Some(Decimal::ZERO),
            Value::Text(t) if t.trim().is_empty() => Some(Decimal::ZERO),
            _ => None,
        },
    }
}

/// `Tỷ lệ`, `%`, `Rate`, `Percent` in a header (any case, any diacritics).
pub(crate) fn header_says_percent(chain: Option<&[String]>) -> bool {
    let Some(chain) = chain else {
        return false;
    };
    chain.iter().any(|label| {
        let folded = normalize_label(label);
        folded.contains("ty le")
            || folded.contains("ti le")
            || folded.contains("phan tram")
            || folded.contains('%')
            || folded
                .split_whitespace()
                .any(|w| matches!(w, "rate" | "percent" | "percentage" | "ratio" | "pct"))
    })
}

/// Prices, averages and indices do not add up down a column: any label of its header
/// chain says so (`Đơn giá`, `Bình quân`, `BQ`, `Average`), the group's as well as its own.
fn header_says_not_additive(chain: Option<&[String]>) -> bool {
    chain.unwrap_or_default().iter().any(|label| {
        let folded = normalize_label(label);
        ["don gia", "binh quan", "trung binh", "chi so", "he so"]
            .iter()
            .any(|w| folded.contains(w))
            || folded
                .split_whitespace()
                .any(|w| matches!(w, "average" | "mean" | "price" | "index" | "avg" | "bq"))
    })
}

/// A column of codes or row keys ([`header_names_keys`]) or of ranks (`Thứ hạng`, `Xếp
/// hạng`, `Rank`), by any label of its header chain.
fn header_names_keys_or_ranks(chain: Option<&[String]>) -> bool {
    chain.unwrap_or_default().iter().any(|label| {
        let folded = normalize_label(label);
        header_names_keys(&folded)
            || ["thu hang", "xep hang"].iter().any(|w| folded.contains(w))
            || folded
                .split_whitespace()
                .any(|w| matches!(w, "rank" | "ranking"))
    })
}

/// At least half the column's numbers are shown as percentages.
fn formats_say_percent(sheet: &Sheet, rows: &[u32], col: u32) -> bool {
    let mut numbers = 0usize;
    let mut percents = 0usize;
    for &row in rows {
        if let Some(cell) = sheet.cell(CellRef::new(row, col)) {
            if let Reading::Number(q) = &cell.reading {
                numbers = numbers.saturating_add(1);
                if q.percent {
                    percents = percents.saturating_add(1);
                }
            }
        }
    }
    numbers > 0 && percents.saturating_mul(2) >= numbers
}
