//! Reading workbooks from bytes: detects the format, hands the bytes to the right reader,
//! and reads every cell as a number the way offices write them, in the convention the
//! workbook uses.

mod guard;
mod html;
mod html_entities;
#[cfg(test)]
mod html_oracle;
mod html_tables;
mod html_tokens;
mod ods_extent;
mod ods_merges;
mod raw_book;
mod spreadsheet;
mod tags;
mod xls_extent;
mod xlsx;
#[cfg(feature = "parallel")]
mod xlsx_blocks;
mod xlsx_cells;
mod xlsx_notes;
mod xlsx_scan;

use std::collections::HashMap;
use std::io::{Cursor, Read};

use crate::error::ReadError;
use crate::limits::Limits;
use crate::model::{SourceFormat, Value, Workbook};
use crate::number::{
    classify_text, format_info, numeric_reading, resolve_text, Convention, Reading, TextShape,
};

/// Reads a workbook from its bytes; `file_name` is only a hint (its extension breaks ties
/// between xlsx and xlsm).
///
/// The format is found from the bytes themselves: a zip package (xlsx, xlsm, xlsb, ods), an
/// OLE container (xls, or an encrypted xlsx), or an HTML document with tables (what one-stop
/// systems export under an `.xls` name).
///
/// # Errors
/// A [`ReadError`] saying why the bytes are not a readable workbook: empty, not a
/// workbook, encrypted, damaged, or over a safety limit.
///
/// # Examples
/// ```
/// let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").unwrap();
/// let book = crossfoot::read_workbook(&bytes, "tthc-06-q3-2022.xlsx").unwrap();
/// assert_eq!(book.sheets[0].name, "06");
/// assert!(crossfoot::read_workbook(b"not a workbook", "x.xlsx").is_err());
/// ```
pub fn read_workbook(bytes: &[u8], file_name: &str) -> Result<Workbook, ReadError> {
    read_workbook_with(bytes, file_name, &Limits::default())
}

/// [`read_workbook`] within the given safety [`Limits`] (sizes, ratios, cells, sheets,
/// depths, string and formula lengths) instead of the defaults.
///
/// # Errors
/// As [`read_workbook`]; [`ReadError::LimitExceeded`] names the limit that was hit.
///
/// # Examples
/// ```
/// use crossfoot::{read_workbook_with, Limits, ReadError};
/// let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").unwrap();
/// let strict = Limits { max_sheets: 0, ..Limits::default() };
/// assert!(matches!(
///     read_workbook_with(&bytes, "a.xlsx", &strict),
///     Err(ReadError::LimitExceeded { .. })
/// ));
/// ```
pub fn read_workbook_with(
    bytes: &[u8],
    file_name: &str,
    limits: &Limits,
) -> Result<Workbook, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    // calamine can still panic on some damaged files (an out-of-range sector in an OLE
    // container, found by fuzzing); one file's damage must stay one file's error. (The
    // wasm build aborts on panic instead; its panic hook reports it.)
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Ok(if bytes.starts_with(b"PK\x03\x04") {
            let mut unmeasured = guard::check_zip_deferring(bytes, limits, is_sheet_xml)?;
            let book = read_zip_package(bytes, file_name, limits, &mut unmeasured)?;
            // Nothing leaves the reader unmeasured: the outputs inflate parts again.
            unmeasured.measure_rest(bytes, limits)?;
            book
        } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            if ole_holds_encrypted_package(bytes) {
                return Err(ReadError::Encrypted);
            }
            xls_extent::check_xls(bytes, limits)?;
            spreadsheet::read_xls(bytes, limits)?
        } else if html::looks_like_html(bytes) {
            raw_book::RawBook {
                format: SourceFormat::Html,
                sheets: html::read_html(bytes)?,
                defined_names: Vec::new(),
                is_1904: false,
                full_calc_on_load: false,
            }
        } else {
            return Err(ReadError::NotAWorkbook);
        })
    }));
    let raw = read.unwrap_or_else(|_| {
        Err(ReadError::Corrupt(
            "trình đọc không đọc được tệp hỏng này / the reader failed on this damaged file"
                .to_string(),
        ))
    })?;
    check_contents(&raw, limits)?;
    Ok(finish(raw))
}

/// The parts the one-scan reader reads itself, and measures as it reads them (xlsx and
/// xlsm worksheets); the package guard leaves them to it.
fn is_sheet_xml(part: &str) -> bool {
    part.strip_prefix("xl/worksheets/")
        .is_some_and(|name| name.ends_with(".xml") && !name.contains('/'))
}

/// Tells the zip-based formats apart by the parts they hold.
fn read_zip_package(
    bytes: &[u8],
    file_name: &str,
    limits: &Limits,
    unmeasured: &mut guard::Unmeasured,
) -> Result<raw_book::RawBook, ReadError> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ReadError::Corrupt(format!("zip: {e}")))?;
    let has = |name: &str| archive.index_for_name(name).is_some();
    if has("xl/workbook.bin") {
        std::mem::take(unmeasured).measure_rest(bytes, limits)?;
        spreadsheet::read_xlsb(bytes, limits)
    } else if has("content.xml") || has("mimetype") {
        std::mem::take(unmeasured).measure_rest(bytes, limits)?;
        ods_extent::check_ods(bytes, limits)?;
        spreadsheet::read_ods(bytes, limits)
    } else if archive
        .file_names()
        .any(|n| n.is_ok_and(|n| n.ends_with("workbook.xml")))
    {
        let macro_enabled = has("xl/vbaProject.bin") || file_name.to_lowercase().ends_with(".xlsm");
        let format = if macro_enabled {
            SourceFormat::Xlsm
        } else {
            SourceFormat::Xlsx
        };
        xlsx::read_xlsx(bytes, format, limits, unmeasured)
    } else {
        Err(ReadError::NotAWorkbook)
    }
}

/// Excel's grid (xlsx, and the largest any reader admits): a cell addressed past it is
/// damage, and would make the layout walk billions of empty rows.
const GRID_ROWS: u32 = 1 << 20;
const GRID_COLUMNS: u32 = 1 << 14;

/// The limits a raw book is checked against once read: sheets, text and formula lengths,
/// formula depth (cells per sheet are counted while reading).
fn check_contents(raw: &raw_book::RawBook, limits: &Limits) -> Result<(), ReadError> {
    let over = |what: String, limit: usize| ReadError::LimitExceeded {
        what,
        limit: u64::try_from(limit).unwrap_or(u64::MAX),
    };
    if raw.sheets.len() > limits.max_sheets {
        return Err(over("số trang / sheets".to_string(), limits.max_sheets));
    }
    for sheet in &raw.sheets {
        for cell in &sheet.cells {
            if cell.at.row >= GRID_ROWS || cell.at.col >= GRID_COLUMNS {
                return Err(ReadError::Corrupt(format!(
                    "ô {} của trang '{}' nằm ngoài lưới 1.048.576 hàng × 16.384 cột / cell {} \
                     of sheet '{}' lies outside the grid of 1,048,576 rows × 16,384 columns",
                    cell.at, sheet.name, cell.at, sheet.name
                )));
            }
            // The first limit the cell passes over, and what it measures.
            let text_len = match &cell.value {
                Value::Text(text) => text.len(),
                _ => 0,
            };
            let formula = cell.formula.as_deref().unwrap_or_default();
            let exceeded = if text_len > limits.max_string_bytes {
                Some((
                    "độ dài chuỗi / text length (bytes)",
                    limits.max_string_bytes,
                ))
            } else if formula.len() > limits.max_formula_bytes {
                Some((
                    "độ dài công thức / formula length (bytes)",
                    limits.max_formula_bytes,
                ))
            } else if parenthesis_depth(formula) > limits.max_formula_depth {
                let depth = usize::try_from(limits.max_formula_depth).unwrap_or(usize::MAX);
                Some(("độ sâu công thức / formula nesting depth", depth))
            } else {
                None
            };
            if let Some((what, limit)) = exceeded {
                return Err(over(
                    format!("{what} at '{}'!{}", sheet.name, cell.at),
                    limit,
                ));
            }
        }
    }
    Ok(())
}

/// The deepest nesting of parentheses in a formula, outside string literals.
fn parenthesis_depth(formula: &str) -> u32 {
    let (mut depth, mut deepest, mut in_string) = (0u32, 0u32, false);
    for c in formula.chars() {
        match c {
            '"' => in_string = !in_string,
            '(' if !in_string => {
                depth = depth.saturating_add(1);
                deepest = deepest.max(depth);
            }
            ')' if !in_string => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// An encrypted xlsx is an OLE container with an `EncryptedPackage` stream; its directory
/// names are UTF-16, so look for that spelling in the bytes.
fn ole_holds_encrypted_package(bytes: &[u8]) -> bool {
    let needle: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let mut reader = Cursor::new(bytes);
    let mut head = Vec::new();
    // The directory usually sits near the start; a bounded look keeps this cheap.
    let _ = reader.by_ref().take(4 << 20).read_to_end(&mut head);
    head.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// Turns a raw book into the model: dates under date formats, and every cell's reading
/// under the convention the workbook (or the cell's column) uses.
fn finish(raw: raw_book::RawBook) -> Workbook {
    let mut sheets = raw.sheets;
    let text_is_normal = raw.format == SourceFormat::Html;

    // Votes: which convention do the unambiguous text numbers prove, per workbook and per
    // (sheet, column)? And the shape of each text cell, by its place in its sheet (a big
    // sheet's cells are nearly all numbers: one entry a cell took a third of the memory of
    // the cells themselves).
    let mut book_votes = [0usize; 2];
    let mut column_votes: HashMap<(usize, u32), [usize; 2]> = HashMap::new();
    let mut shapes: Vec<Vec<(usize, TextShape)>> = Vec::with_capacity(sheets.len());
    for (s, sheet) in sheets.iter_mut().enumerate() {
        let mut sheet_shapes = Vec::new();
        for part in read_cells_of(&mut sheet.cells, raw.is_1904) {
            for (total, votes) in book_votes.iter_mut().zip(part.book) {
                *total = total.saturating_add(votes);
            }
            for (col, votes) in part.columns {
                let total = column_votes.entry((s, col)).or_default();
                for (total, votes) in total.iter_mut().zip(votes) {
                    *total = total.saturating_add(votes);
                }
            }
            sheet_shapes.extend(part.shapes);
        }
        shapes.push(sheet_shapes);
    }

    let convention = decide(book_votes, Convention::Vietnamese);
    for (s, (sheet, sheet_shapes)) in sheets.iter_mut().zip(shapes).enumerate() {
        for (place, shape) in sheet_shapes {
            let Some(cell) = sheet.cells.get_mut(place) else {
                continue;
            };
            let column = column_votes
                .get(&(s, cell.at.col))
                .map_or(convention, |votes| decide(*votes, convention));
            let mut reading = resolve_text(&shape, column);
            if text_is_normal {
                mark_not_from_text(&mut reading);
            }
            cell.reading = reading;
        }
    }

    Workbook {
        format: raw.format,
        sheets,
        defined_names: raw.defined_names,
        convention,
        full_calc_on_load: raw.full_calc_on_load,
    }
}

/// What reading a run of a sheet's cells found: the conventions their text numbers
/// prove (for the workbook, and by column), and each text cell's shape by its place in
/// the sheet.
#[derive(Default)]
struct CellsRead {
    book: [usize; 2],
    columns: HashMap<u32, [usize; 2]>,
    shapes: Vec<(usize, TextShape)>,
}

/// How many cells one thread reads at a time in a big sheet (feature `parallel`).
#[cfg(feature = "parallel")]
const CELLS_PER_TASK: usize = 1 << 16;

/// Reads a sheet's cells ([`read_cells`]); a big sheet's in runs on every core (feature
/// `parallel`), the runs in order.
fn read_cells_of(cells: &mut [crate::model::Cell], is_1904: bool) -> Vec<CellsRead> {
    #[cfg(feature = "parallel")]
    if cells.len() > CELLS_PER_TASK {
        use rayon::prelude::*;
        return cells
            .par_chunks_mut(CELLS_PER_TASK)
            .enumerate()
            .map(|(k, run)| read_cells(run, k.saturating_mul(CELLS_PER_TASK), is_1904))
            .collect();
    }
    vec![read_cells(cells, 0, is_1904)]
}

/// Dates under date formats, and the reading of every number and blank, of a run of a
/// sheet's cells starting at place `first` in the sheet; text cells are classified, their
/// reading waiting for the convention the votes decide.
fn read_cells(cells: &mut [crate::model::Cell], first: usize, is_1904: bool) -> CellsRead {
    let mut read = CellsRead::default();
    // Neighbouring cells share their format: parse a format code once per run of cells.
    let mut last_format: Option<(String, crate::number::FormatInfo)> = None;
    for (place, cell) in (first..).zip(cells.iter_mut()) {
        let format = cell
            .number_format
            .as_deref()
            .map(|code| match &last_format {
                Some((last, info)) if last == code => *info,
                _ => {
                    let info = format_info(code);
                    last_format = Some((code.to_string(), info));
                    info
                }
            });
        if let (Value::Number(serial), Some(info)) = (&cell.value, &format) {
            if info.date {
                if let Some(date) = crate::period::date_from_serial(*serial, is_1904) {
                    cell.value = Value::Date(date);
                }
            }
        }
        match &cell.value {
            Value::Number(n) => {
                cell.reading = Reading::Number(numeric_reading(*n, format.as_ref()));
            }
            Value::Text(text) => {
                let shape = classify_text(text);
                if let TextShape::Number {
                    proves: Some(convention),
                    ..
                } = &shape
                {
                    let i = vote_index(*convention);
                    if let Some(v) = read.book.get_mut(i) {
                        *v = v.saturating_add(1);
                    }
                    if let Some(v) = read.columns.entry(cell.at.col).or_default().get_mut(i) {
                        *v = v.saturating_add(1);
                    }
                }
                read.shapes.push((place, shape));
            }
            Value::Empty if cell.formula.is_none() => {
                cell.reading = Reading::Marker(crate::number::Marker::Blank);
            }
            _ => {}
        }
    }
    read
}

fn vote_index(convention: Convention) -> usize {
    match convention {
        Convention::Vietnamese => 0,
        Convention::English => 1,
    }
}

/// The convention with more votes; the fallback on a tie (Vietnamese for the workbook, the
/// workbook's for a column).
fn decide(votes: [usize; 2], fallback: Convention) -> Convention {
    match votes {
        [vi, en] if vi > en => Convention::Vietnamese,
        [vi, en] if en > vi => Convention::English,
        _ => fallback,
    }
}

/// In an HTML export every number is text: that is the format, not a slip worth reporting.
fn mark_not_from_text(reading: &mut Reading) {
    match reading {
        Reading::Number(q) => q.from_text = false,
        Reading::Ambiguous {
            primary,
            alternative,
        } => {
            primary.from_text = false;
            alternative.from_text = false;
        }
        _ => {}
    }
}
