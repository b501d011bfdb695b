//! The workbook model every other module reads: sheets, cells at absolute positions, values,
//! formulas with their cached values, number formats and merged ranges, whatever the format
//! the workbook came in.

use std::fmt;

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
        let bytes = text.as_bytes();
        let mut i = 0;
        if bytes.first() == Some(&b'$') {
            i += 1;
        }
        let mut col: u32 = 0;
        let col_start = i;
        while let Some(b) = bytes.get(i) {
            if b.is_ascii_alphabetic() {
                col = col
                    .checked_mul(26)?
                    .checked_add(u32::from(b.to_ascii_uppercase() - b'A') + 1)?;
                i += 1;
            } else {
                break;
            }
        }
        if i == col_start || i - col_start > 3 {
            return None;
        }
        if bytes.get(i) == Some(&b'$') {
            i += 1;
        }
        let digits = text.get(i..)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 7 {
            return None;
        }
        let row: u32 = digits.parse().ok()?;
        if row == 0 || row > 1_048_576 || col > 16_384 {
            return None;
        }
        Some(CellRef::new(row - 1, col - 1))
    }
}

/// Writes a zero-based column as Excel letters (`0` → `A`, `27` → `AB`).
pub fn column_letters(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        out.push(b'A' + rem);
        n = (n - 1) / 26;
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
    Text(String),
    /// TRUE or FALSE.
    Bool(bool),
    /// An Excel error value such as `#DIV/0!`.
    Error(String),
    /// A date: a serial number under a date format, or an ISO date from ods.
    Date(Date),
}

impl Value {
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
    pub formula: Option<String>,
    /// The number format code (`#,##0`, `0.0%`), when the format says more than `General`.
    pub number_format: Option<String>,
    /// The cell read as a number the way offices write them (see [`Reading`]).
    pub reading: Reading,
}

/// One worksheet: its cells sorted by row then column, and its merged ranges.
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
}

impl Sheet {
    /// The cell at a position, if it holds anything.
    pub fn cell(&self, at: CellRef) -> Option<&Cell> {
        self.cells
            .binary_search_by(|cell| cell.at.cmp(&at))
            .ok()
            .and_then(|i| self.cells.get(i))
    }

    /// The cells of one row, left to right.
    pub fn row(&self, row: u32) -> &[Cell] {
        let start = self.cells.partition_point(|cell| cell.at.row < row);
        let end = self.cells.partition_point(|cell| cell.at.row <= row);
        self.cells.get(start..end).unwrap_or(&[])
    }

    /// The last used row and column (zero-based), or `None` for an empty sheet.
    pub fn extent(&self) -> Option<CellRef> {
        let last_row = self.cells.last()?.at.row;
        let last_col = self.cells.iter().map(|cell| cell.at.col).max()?;
        Some(CellRef::new(last_row, last_col))
    }

    /// The merged range that covers `at`, if any.
    pub fn merge_at(&self, at: CellRef) -> Option<&CellRange> {
        self.merges.iter().find(|range| range.contains(at))
    }

    /// The text shown at `at`, looking through merged ranges to their top-left cell, trimmed.
    /// Numbers are shown as written; empty when nothing is there.
    pub fn label(&self, at: CellRef) -> String {
        let origin = self.merge_at(at).map_or(at, |range| range.first);
        match self.cell(origin).map(|cell| &cell.value) {
            Some(Value::Text(text)) => text.trim().to_string(),
            Some(Value::Number(number)) => number.normalize().to_string(),
            Some(Value::Bool(b)) => b.to_string().to_uppercase(),
            _ => String::new(),
        }
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
}

impl Workbook {
    /// The sheet with this name (exact match first, then ignoring case).
    pub fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets
            .iter()
            .find(|sheet| sheet.name == name)
            .or_else(|| {
                self.sheets
                    .iter()
                    .find(|sheet| sheet.name.to_lowercase() == name.to_lowercase())
            })
    }
}
