//! The workbook model every other module reads: sheets, cells at absolute positions, values,
//! formulas with their cached values, number formats and merged ranges, whatever the format
//! the workbook came in.

use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::number::Reading;

/// The file format a workbook was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// Office Open XML workbook.
    Xlsx,
    /// Office Open XML workbook with macros.
    Xlsm,
    /// Excel binary workbook.
    Xlsb,
    /// Excel 97-2003 (BIFF8).
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// An HTML document holding tables, as one-stop systems export under an `.xls` name.
    Html,
}

impl SourceFormat {
    /// Whether the annotated output can patch the original package (xlsx and xlsm) rather
    /// than rebuilding it.
    pub fn is_ooxml(self) -> bool {
        matches!(self, SourceFormat::Xlsx | SourceFormat::Xlsm)
    }
}

/// A zero-based cell position: `row` 0 is Excel row 1, `col` 0 is column A.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct CellRef {
    /// Zero-based row.
    pub row: u32,
    /// Zero-based column.
    pub col: u32,
}

impl CellRef {
    /// A position from zero-based row and column.
    pub fn new(row: u32, col: u32) -> Self {
        CellRef { row, col }
    }

    /// Parses `B7` or `$B$7` (case-insensitive) into a position.
    ///
    /// # Errors
    /// Returns `None` when the text is not an A1 address inside Excel's grid.
    ///
    /// # Examples
    /// ```
    /// use crossfoot::CellRef;
    /// assert_eq!(CellRef::parse("$C$10"), Some(CellRef::new(9, 2)));
    /// assert_eq!(CellRef::new(9, 2).to_string(), "C10");
    /// assert_eq!(CellRef::parse("10C"), None);
    /// ```
    pub fn parse(text: &str) -> Option<CellRef> {
        let text = text.trim();
        let text = text.strip_prefix('$').unwrap_or(text);
        let letters_end = text
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(text.len());
        let (letters, rest) = text.split_at_checked(letters_end)?;
        if letters.is_empty() || letters.len() > 3 {
            return None;
        }
        let col = letters.bytes().try_fold(0u32, |col, b| {
            let letter = b.to_ascii_uppercase().checked_sub(b'A')?;
            col.checked_mul(26)?.checked_add(u32::from(letter) + 1)
        })?;
        let digits = rest.strip_prefix('$').unwrap_or(rest);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 7 {
            return None;
        }
        let row: u32 = digits.parse().ok()?;
        if row > 1_048_576 || col > 16_384 {
            return None;
        }
        Some(CellRef::new(row.checked_sub(1)?, col.checked_sub(1)?))
    }
}

/// Writes a zero-based column as Excel letters (`0` → `A`, `27` → `AB`).
pub fn column_letters(col: u32) -> String {
    const ALPHABET: &[u8; 26] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut n = u64::from(col) + 1;
    let mut out = Vec::new();
    while let Some(rest) = n.checked_sub(1) {
        out.extend(ALPHABET.get((rest % 26) as usize));
        n = rest / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", column_letters(self.col), u64::from(self.row) + 1)
    }
}

/// A rectangle of cells, both corners included (a merged range, a SUM range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct CellRange {
    /// Top-left corner.
    pub first: CellRef,
    /// Bottom-right corner.
    pub last: CellRef,
}

impl CellRange {
    /// Whether `at` lies inside the rectangle.
    pub fn contains(&self, at: CellRef) -> bool {
        (self.first.row..=self.last.row).contains(&at.row)
            && (self.first.col..=self.last.col).contains(&at.col)
    }

    /// How many cells the rectangle covers.
    pub fn area(&self) -> u64 {
        let rows = u64::from(self.last.row.abs_diff(self.first.row)).saturating_add(1);
        let cols = u64::from(self.last.col.abs_diff(self.first.col)).saturating_add(1);
        rows.saturating_mul(cols)
    }
}

/// Ranges larger than this many cells are cut to the sheet's used area (cells beyond it
/// are empty anyway), so `A1:A1048576` costs no more than the data it covers.
const LARGE_RANGE_CELLS: u64 = 65_536;
/// Ranges still larger than this after the cut are not evaluated.
pub(crate) const MAX_RANGE_CELLS: u64 = 4_000_000;

/// What part of a range a formula evaluation should visit (see [`Sheet::visit_range`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeVisit {
    /// Every cell of this range (the whole of it, or the used part of a large one).
    Cells {
        /// The rectangle to visit.
        range: CellRange,
        /// Whether cells of the original range were left out because they are empty.
        cut: bool,
    },
    /// The range lies wholly outside the used area: every cell is empty.
    Empty,
    /// Even its used part is larger than [`MAX_RANGE_CELLS`].
    TooLarge,
}

/// [`Sheet::visit_range`] with the sheet's extent asked for only when the range is large
/// (a caller visiting many ranges can compute it once).
pub(crate) fn visit_range_within(
    range: CellRange,
    extent: impl FnOnce() -> Option<CellRef>,
) -> RangeVisit {
    if range.area() <= LARGE_RANGE_CELLS {
        return RangeVisit::Cells { range, cut: false };
    }
    let Some(extent) = extent() else {
        return RangeVisit::Empty;
    };
    if range.first.row > extent.row || range.first.col > extent.col {
        return RangeVisit::Empty;
    }
    let last = CellRef::new(
        range.last.row.min(extent.row),
        range.last.col.min(extent.col),
    );
    let cut = CellRange {
        first: range.first,
        last,
    };
    if cut.area() > MAX_RANGE_CELLS {
        return RangeVisit::TooLarge;
    }
    RangeVisit::Cells {
        range: cut,
        cut: last != range.last,
    }
}

impl fmt::Display for CellRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.first, self.last)
    }
}

/// A calendar date (no time of day), from a date-formatted serial number or from text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Date {
    /// Year, e.g. 2022.
    pub year: i32,
    /// Month 1–12.
    pub month: u32,
    /// Day 1–31.
    pub day: u32,
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }
}

/// What a cell holds, as stored (for a formula: its cached value).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Nothing (a styled but empty cell, or a formula with no cached value).
    Empty,
    /// A number, exact as written in the file.
    Number(Decimal),
    /// A number too large or too small for exact decimal arithmetic; never used by rules.
    Float(f64),
    /// Text, as stored.
    Text(Arc<str>),
    /// TRUE or FALSE.
    Bool(bool),
    /// An Excel error value such as `#DIV/0!`.
    Error(Box<str>),
    /// A date: a serial number under a date format, or an ISO date from ods.
    Date(Date),
}

impl Value {
    /// The value as a label shows it ([`Sheet::label`]): text trimmed, numbers as
    /// written, booleans in capitals; empty for anything else.
    pub(crate) fn label(&self) -> String {
        match self {
            Value::Text(text) => text.trim().to_string(),
            Value::Number(number) => number.normalize().to_string(),
            Value::Bool(b) => b.to_string().to_uppercase(),
            _ => String::new(),
        }
    }

    /// The text of a text cell.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    /// Whether the cell holds nothing, or only white space.
    pub fn is_blank(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }
}

/// One non-empty cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Where it is, absolute in the sheet.
    pub at: CellRef,
    /// The stored value (for a formula, its cached value).
    pub value: Value,
    /// The formula text without the leading `=`, if the cell holds a formula.
    pub formula: Option<Box<str>>,
    /// The number format code (`#,##0`, `0.0%`), when the format says more than `General`.
    /// Shared: the cells of a style hold one copy (a big sheet has millions of cells and a
    /// handful of formats).
    pub number_format: Option<Arc<str>>,
    /// The cell read as a number the way offices write them (see [`Reading`]).
    pub reading: Reading,
}

/// One worksheet: its cells sorted by row then column, its merged ranges and its notes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    /// The sheet's name as shown on its tab.
    pub name: String,
    /// Whether the sheet is hidden (or very hidden) in the workbook.
    pub hidden: bool,
    /// Non-empty cells, sorted by `(row, col)`, each position once.
    pub cells: Vec<Cell>,
    /// Merged ranges (xlsx, xls, ods and HTML `rowspan`/`colspan`).
    pub merges: Vec<CellRange>,
    /// Notes (cell comments) a person left on cells, sorted by cell, each cell once: the
    /// text as written, without the author's name Excel puts first, trimmed (see
    /// [`Sheet::note`]). Read from xlsx and xlsm only (threaded comments through the notes
    /// Excel mirrors them in; crossfoot's own notes on an annotated workbook are left
    /// out); xls, xlsb, ods and HTML leave it empty, and so does a notes part that cannot
    /// be read.
    pub notes: Vec<(CellRef, Box<str>)>,
}

impl Sheet {
    /// Types `value` into the cell at `at`, as a person would: a formula there is
    /// replaced, the cell's number format kept and its reading made from it.
    pub(crate) fn type_number(&mut self, at: CellRef, value: Decimal) {
        use crate::number::{format_info, numeric_reading};
        match self.cells.binary_search_by(|cell| cell.at.cmp(&at)) {
            Ok(place) => {
                if let Some(cell) = self.cells.get_mut(place) {
                    let format = cell.number_format.as_deref().map(format_info);
                    cell.value = Value::Number(value);
                    cell.formula = None;
                    cell.reading = Reading::Number(numeric_reading(value, format.as_ref()));
                }
            }
            Err(place) => self.cells.insert(
                place,
                Cell {
                    at,
                    value: Value::Number(value),
                    formula: None,
                    number_format: None,
                    reading: Reading::Number(numeric_reading(value, None)),
                },
            ),
        }
    }

    /// The note on a cell, if a person left one there.
    pub fn note(&self, at: CellRef) -> Option<&str> {
        let i = self
            .notes
            .binary_search_by_key(&at, |(cell, _)| *cell)
            .ok()?;
        self.notes.get(i).map(|(_, text)| &**text)
    }

    /// The cell at a position, if it holds anything.
    pub fn cell(&self, at: CellRef) -> Option<&Cell> {
        self.search(at).ok().and_then(|i| self.cells.get(i))
    }

    /// The cells of one row, left to right.
    pub fn row(&self, row: u32) -> &[Cell] {
        let start = self
            .search(CellRef::new(row, 0))
            .unwrap_or_else(|insert_at| insert_at);
        let rest = self.cells.get(start..).unwrap_or(&[]);
        // The row's end is near its start: gallop to a window past it, then search that
        // window, rather than search the whole sheet a second time.
        let in_row = |cell: &Cell| cell.at.row == row;
        let mut window = 1usize;
        while window < rest.len() && rest.get(window.saturating_sub(1)).is_some_and(in_row) {
            window = window.saturating_mul(2);
        }
        let window = rest.get(..window.min(rest.len())).unwrap_or(&[]);
        rest.get(..window.partition_point(in_row)).unwrap_or(&[])
    }

    /// The rows from `first` that hold cells, in order, each with its cells: one search,
    /// then a walk, for passes that visit the rows one after another (a search for each
    /// row would cost a logarithm of the sheet per row).
    pub(crate) fn rows_from(&self, first: u32) -> impl Iterator<Item = (u32, &[Cell])> {
        let start = self
            .search(CellRef::new(first, 0))
            .unwrap_or_else(|insert_at| insert_at);
        self.cells
            .get(start..)
            .unwrap_or(&[])
            .chunk_by(|a, b| a.at.row == b.at.row)
            .filter_map(|cells| Some((cells.first()?.at.row, cells)))
    }

    /// Where `at` is (or would be inserted) in `cells`. A plain binary search over a big
    /// sheet misses the cache at nearly every step, and the engine looks up millions of
    /// cells: guess the index from the row (report rows are evenly filled), widen a window
    /// around the guess until it brackets `at`, and search only that window.
    fn search(&self, at: CellRef) -> Result<usize, usize> {
        let cells = &self.cells;
        let len = cells.len();
        let key = |i: usize| cells.get(i).map(|cell| cell.at);
        let guess = match (key(0), key(len.wrapping_sub(1))) {
            (Some(first), Some(_)) if at.row <= first.row => 0,
            (Some(_), Some(last)) if at.row >= last.row => len.saturating_sub(1),
            (Some(first), Some(last)) => {
                // first.row < at.row < last.row here; the guess only needs to be close.
                let span = u64::from(last.row.saturating_sub(first.row));
                let offset = u64::from(at.row.saturating_sub(first.row));
                offset
                    .checked_mul(len.saturating_sub(1) as u64)
                    .and_then(|scaled| scaled.checked_div(span))
                    .and_then(|guess| usize::try_from(guess).ok())
                    .unwrap_or(0)
            }
            _ => 0,
        };
        let mut lo = guess;
        let mut step = 1;
        while lo > 0 && key(lo).is_some_and(|k| k > at) {
            lo = lo.saturating_sub(step);
            step = step.saturating_mul(2);
        }
        let mut hi = guess.saturating_add(1);
        step = 1;
        while hi < len && key(hi).is_some_and(|k| k <= at) {
            hi = hi.saturating_add(step).min(len);
            step = step.saturating_mul(2);
        }
        let window = cells.get(lo..hi).unwrap_or(&[]);
        match window.binary_search_by(|cell| cell.at.cmp(&at)) {
            Ok(i) => Ok(lo.saturating_add(i)),
            Err(i) => Err(lo.saturating_add(i)),
        }
    }

    /// The last used row and column (zero-based), or `None` for an empty sheet.
    pub fn extent(&self) -> Option<CellRef> {
        let last_row = self.cells.last()?.at.row;
        let last_col = self.cells.iter().map(|cell| cell.at.col).max()?;
        Some(CellRef::new(last_row, last_col))
    }

    /// The part of `range` a formula needs to visit: a small range as it is; a large one
    /// (a whole column, or a fuzzed `A1:XFD1048576`) cut to the used area, since the cells
    /// beyond it are empty. Without the cut one formula could ask for gigabytes.
    pub(crate) fn visit_range(&self, range: CellRange) -> RangeVisit {
        visit_range_within(range, || self.extent())
    }

    /// The merged range that covers `at`, if any.
    pub fn merge_at(&self, at: CellRef) -> Option<&CellRange> {
        self.merges.iter().find(|range| range.contains(at))
    }

    /// The text shown at `at`, looking through merged ranges to their top-left cell, trimmed.
    /// Numbers are shown as written; empty when nothing is there.
    pub fn label(&self, at: CellRef) -> String {
        let origin = self.merge_at(at).map_or(at, |range| range.first);
        self.cell(origin)
            .map_or_else(String::new, |cell| cell.value.label())
    }
}

/// A whole workbook read from bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Workbook {
    /// The format it was read from.
    pub format: SourceFormat,
    /// Its sheets in workbook order (worksheets only; chart sheets are left out).
    pub sheets: Vec<Sheet>,
    /// Workbook-level defined names, `(name, formula)`.
    pub defined_names: Vec<(String, String)>,
    /// The number-writing convention decided from the workbook's unambiguous text numbers.
    pub convention: crate::number::Convention,
    /// The workbook asks the spreadsheet program to recalculate every formula when it opens
    /// it (`<calcPr fullCalcOnLoad="1">`), as programs that never calculate (openpyxl,
    /// xlsxwriter, rust_xlsxwriter, many exports) write it: its saved formula values may be
    /// placeholders rather than results.
    pub full_calc_on_load: bool,
}

impl Workbook {
    /// The sheet with this name (exact match first, then ignoring case).
    pub fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheet_index(name)
            .and_then(|index| self.sheets.get(index))
    }

    /// The index in [`Workbook::sheets`] of the sheet with this name (exact match first,
    /// then ignoring case).
    pub fn sheet_index(&self, name: &str) -> Option<usize> {
        self.sheets
            .iter()
            .position(|sheet| sheet.name == name)
            .or_else(|| {
                self.sheets
                    .iter()
                    .position(|sheet| sheet.name.to_lowercase() == name.to_lowercase())
            })
    }
}

/// Each row's cells of a sheet, found by one index look-up. The check engine looks up
/// millions of cells on a big sheet, and [`Sheet`]'s own search (a guess, then a gallop
/// and a binary search over the cells) touches a new cache line at each step; the index
/// is a few bytes a row, read once per look-up. Built once per check, borrowing the sheet.
pub(crate) struct RowIndex<'s> {
    sheet: &'s Sheet,
    first_row: u32,
    /// `starts[i]` is where row `first_row + i` begins in `sheet.cells`; one more entry
    /// marks the end. Empty for an empty sheet, or one whose rows would not fit (then
    /// the sheet's own search answers).
    starts: Vec<u32>,
    /// The rightmost column any cell is in, found while the index is built: a formula
    /// over a large range is cut to the used area, which would otherwise mean walking
    /// every cell of the sheet for each such formula.
    last_col: u32,
}

/// Most rows a [`RowIndex`] spans: Excel's grid (4 MB of starts).
const MAX_INDEXED_ROWS: u32 = 1 << 20;

impl<'s> RowIndex<'s> {
    pub(crate) fn new(sheet: &'s Sheet) -> RowIndex<'s> {
        let mut index = RowIndex {
            sheet,
            first_row: 0,
            starts: Vec::new(),
            last_col: 0,
        };
        let (Some(first), Some(last)) = (sheet.cells.first(), sheet.cells.last()) else {
            return index;
        };
        let span = last.at.row.saturating_sub(first.at.row);
        if span >= MAX_INDEXED_ROWS || u32::try_from(sheet.cells.len()).is_err() {
            return index;
        }
        let mut starts = Vec::with_capacity((span as usize).saturating_add(2));
        // The first row whose start is not yet known.
        let mut next = first.at.row;
        let mut previous = first.at.row;
        let mut last_col = 0;
        for (i, cell) in (0u32..).zip(&sheet.cells) {
            last_col = last_col.max(cell.at.col);
            // Cells are sorted; one above the row before it would be a broken sheet.
            if cell.at.row < previous {
                return index;
            }
            previous = cell.at.row;
            while next <= cell.at.row {
                starts.push(i);
                next = next.saturating_add(1);
            }
        }
        starts.push(u32::try_from(sheet.cells.len()).unwrap_or(u32::MAX));
        index.first_row = first.at.row;
        index.starts = starts;
        index.last_col = last_col;
        index
    }

    /// The sheet's last row and column holding a cell ([`Sheet::extent`]).
    pub(crate) fn extent(&self) -> Option<CellRef> {
        if self.starts.is_empty() {
            return self.sheet.extent();
        }
        self.last_row().map(|row| CellRef::new(row, self.last_col))
    }

    /// [`Sheet::visit_range`], with the extent the index found.
    pub(crate) fn visit_range(&self, range: CellRange) -> RangeVisit {
        visit_range_within(range, || self.extent())
    }

    /// The row of the sheet's last cell, if it has any.
    pub(crate) fn last_row(&self) -> Option<u32> {
        self.sheet.cells.last().map(|cell| cell.at.row)
    }

    /// The cells of one row, left to right.
    pub(crate) fn row(&self, row: u32) -> &'s [Cell] {
        if self.starts.is_empty() {
            return self.sheet.row(row);
        }
        let Some(offset) = row.checked_sub(self.first_row).map(|o| o as usize) else {
            return &[];
        };
        match (
            self.starts.get(offset),
            self.starts.get(offset.saturating_add(1)),
        ) {
            (Some(&start), Some(&end)) => self
                .sheet
                .cells
                .get(start as usize..end as usize)
                .unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The cell at a position, if it holds anything.
    pub(crate) fn cell(&self, at: CellRef) -> Option<&'s Cell> {
        let row = self.row(at.row);
        let i = row.binary_search_by_key(&at.col, |cell| cell.at.col).ok()?;
        row.get(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_stays_small() {
        assert!(std::mem::size_of::<crate::number::Reading>() <= 24);
        // Every cell of a sheet is held at once: a byte more here is a byte more per cell.
        assert!(
            std::mem::size_of::<Cell>() <= 88,
            "{}",
            std::mem::size_of::<Cell>()
        );
    }

    /// The guessing search finds exactly what a plain binary search finds, on sheets with
    /// uneven rows, gaps and a lone far-away cell.
    #[test]
    fn cell_and_row_lookups_agree_with_a_plain_search() {
        let mut state = 7u64;
        let mut next = move |n: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) % n
        };
        for _ in 0..20 {
            let mut cells: Vec<Cell> = Vec::new();
            for row in 0..200u32 {
                if next(4) == 0 {
                    continue;
                }
                for col in 0..u32::try_from(next(15)).unwrap_or(0) {
                    if next(3) > 0 {
                        cells.push(Cell {
                            at: CellRef::new(row * 3, col),
                            value: Value::Empty,
                            formula: None,
                            number_format: None,
                            reading: Reading::default(),
                        });
                    }
                }
            }
            if next(2) == 0 {
                cells.push(Cell {
                    at: CellRef::new(1_000_000, 2),
                    value: Value::Empty,
                    formula: None,
                    number_format: None,
                    reading: Reading::default(),
                });
            }
            let sheet = Sheet {
                cells,
                ..Sheet::default()
            };
            for row in 0..650u32 {
                for col in 0..16 {
                    let at = CellRef::new(row, col);
                    let plain = sheet.cells.binary_search_by(|c| c.at.cmp(&at));
                    assert_eq!(sheet.search(at), plain, "{at}");
                }
                let plain: Vec<CellRef> = sheet
                    .cells
                    .iter()
                    .filter(|c| c.at.row == row)
                    .map(|c| c.at)
                    .collect();
                let fast: Vec<CellRef> = sheet.row(row).iter().map(|c| c.at).collect();
                assert_eq!(fast, plain, "row {row}");
                // The walk from a row gives every row with cells from there, as searched.
                let walked: Vec<(u32, Vec<CellRef>)> = sheet
                    .rows_from(row)
                    .map(|(r, cells)| (r, cells.iter().map(|c| c.at).collect()))
                    .collect();
                let rows_with_cells: std::collections::BTreeSet<u32> =
                    sheet.cells.iter().map(|c| c.at.row).collect();
                let searched: Vec<(u32, Vec<CellRef>)> = rows_with_cells
                    .range(row..)
                    .map(|&r| (r, sheet.row(r).iter().map(|c| c.at).collect()))
                    .collect();
                assert_eq!(walked, searched, "from row {row}");
            }
            assert_eq!(sheet.row(u32::MAX).len(), 0);
            assert_eq!(sheet.rows_from(u32::MAX).count(), 0);
        }
    }

    #[test]
    fn the_row_index_finds_what_the_sheet_finds() {
        let at = |a: &str| CellRef::parse(a).unwrap();
        let cell = |a: &str| Cell {
            at: at(a),
            value: Value::Number(Decimal::ONE),
            formula: None,
            number_format: None,
            reading: crate::number::Reading::NotNumber,
        };
        let sheet = Sheet {
            name: "s".into(),
            cells: ["B3", "D3", "A4", "C7", "A9", "XFD9"].map(cell).to_vec(),
            ..Sheet::default()
        };
        let index = RowIndex::new(&sheet);
        assert_eq!(index.starts, [0, 2, 3, 3, 3, 4, 4, 6], "rows 3 to 9");
        for row in 0..12 {
            assert_eq!(index.row(row), sheet.row(row), "row {row}");
            for col in 0..6 {
                let here = CellRef::new(row, col);
                assert_eq!(index.cell(here), sheet.cell(here), "{here}");
            }
        }
        assert!(index.cell(at("XFD9")).is_some());
        // Empty, and too sparse to index: the sheet answers.
        let empty = Sheet::default();
        assert_eq!(RowIndex::new(&empty).cell(at("A1")), None);
        let sparse = Sheet {
            cells: ["A1", "A1048576"].map(cell).to_vec(),
            ..Sheet::default()
        };
        let index = RowIndex::new(&sparse);
        assert!(index.starts.len() <= (1 << 20) + 1);
        assert!(index.cell(at("A1048576")).is_some() && index.cell(at("A2")).is_none());
    }
}
