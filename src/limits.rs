//! Safety limits for reading untrusted workbooks: how much a file may make the reader
//! inflate, allocate and recurse before it stops with [`ReadError::LimitExceeded`]
//! instead of exhausting memory or time.
//!
//! [`Limits::default`] passes every real report workbook we know of (the largest office
//! exports are far below each bound) and stops a zip bomb before it inflates.
//!
//! [`ReadError::LimitExceeded`]: crate::ReadError::LimitExceeded

/// The bounds a read must stay within. Every field has a default ([`Limits::default`]);
/// change only what you need:
///
/// ```
/// let limits = crossfoot::Limits { max_cells_per_sheet: 1_000, ..Default::default() };
/// let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").unwrap();
/// assert!(crossfoot::read_workbook_with(&bytes, "a.xlsx", &limits).is_ok());
/// let tiny = crossfoot::Limits { max_cells_per_sheet: 10, ..Default::default() };
/// assert!(matches!(
///     crossfoot::read_workbook_with(&bytes, "a.xlsx", &tiny),
///     Err(crossfoot::ReadError::LimitExceeded { .. })
/// ));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Total uncompressed size of a zip package's parts, in bytes (declared and actual).
    pub max_uncompressed_bytes: u64,
    /// Uncompressed ÷ compressed size of one zip part; parts smaller than
    /// [`Limits::RATIO_GRACE_BYTES`] uncompressed are exempt (tiny parts compress oddly).
    pub max_compression_ratio: u64,
    /// Worksheets in one workbook.
    pub max_sheets: usize,
    /// Cells in one sheet; for xls and ods, whose reader builds a dense grid, also the area
    /// of the rectangle the sheet's cells span.
    pub max_cells_per_sheet: u64,
    /// Nesting depth of elements in a zip package's XML parts.
    pub max_xml_depth: u32,
    /// Bytes of one cell's text.
    pub max_string_bytes: usize,
    /// Bytes of text (as UTF-8) the cells of one xls sheet show, a shared string counted
    /// once for each cell that shows it: calamine copies it into each of them, so a small
    /// file can ask for gigabytes. (xlsx cells share one copy of a shared string.)
    pub max_text_bytes_per_sheet: u64,
    /// Bytes of one cell's formula.
    pub max_formula_bytes: usize,
    /// Nesting depth of parentheses in one cell's formula.
    pub max_formula_depth: u32,
    /// Bytes of one sheet's notes part (xlsx cell comments) and of its relationships part.
    /// Unlike the other limits, a larger part does not stop the read: notes only inform
    /// the checks, so that sheet is read without them.
    pub max_notes_bytes: u64,
}

impl Limits {
    /// Zip parts smaller than this (uncompressed) are exempt from the ratio limit.
    pub const RATIO_GRACE_BYTES: u64 = 1 << 20;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_uncompressed_bytes: 512 << 20,
            max_compression_ratio: 200,
            max_sheets: 1_000,
            max_cells_per_sheet: 20_000_000,
            max_xml_depth: 256,
            max_string_bytes: 1 << 20,
            max_text_bytes_per_sheet: 256 << 20,
            max_formula_bytes: 64 << 10,
            max_formula_depth: 256,
            max_notes_bytes: 16 << 20,
        }
    }
}
