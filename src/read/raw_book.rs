//! The raw workbook every reader builds before numbers are read (cells carry their number
//! format code), and what the readers share to build it: cells kept within the limit and
//! in order, calamine's sheets, ranges, values and errors as the model's and the reader's.

use std::collections::HashMap;
use std::io::{Read, Seek};
use std::sync::Arc;

use calamine::{
    DataRef, OdsError, Reader, SheetType, SheetVisible, XlsError, XlsbError, XlsxError,
};
use rust_decimal::Decimal;

use crate::error::ReadError;
use crate::limits::Limits;
use crate::model::{Cell, CellRange, CellRef, Sheet, SourceFormat, Value};
use crate::number::Reading;

/// A raw sheet before numbers are read: cells carry their format code.
pub(super) struct RawBook {
    pub format: SourceFormat,
    pub sheets: Vec<Sheet>,
    pub defined_names: Vec<(String, String)>,
    pub is_1904: bool,
    /// The workbook asks for every formula to be recalculated when it is opened.
    pub full_calc_on_load: bool,
}

/// Reads every worksheet of a calamine workbook, in order, with `read_sheet` (its cells
/// and merged ranges).
pub(super) fn read_worksheets<RS, R>(
    mut book: R,
    format: SourceFormat,
    is_1904: bool,
    mut read_sheet: impl FnMut(
        &mut R,
        &calamine::Sheet,
    ) -> Result<(Vec<Cell>, Vec<CellRange>), ReadError>,
) -> Result<RawBook, ReadError>
where
    RS: Read + Seek,
    R: Reader<RS>,
{
    let metadata: Vec<calamine::Sheet> = book.sheets_metadata().to_vec();
    let defined_names = book.defined_names().to_vec();
    let mut sheets = Vec::new();
    for meta in metadata.iter().filter(|m| m.typ == SheetType::WorkSheet) {
        let (cells, merges) = read_sheet(&mut book, meta)?;
        sheets.push(sheet_of(meta, cells, merges));
    }
    Ok(RawBook {
        format,
        sheets,
        defined_names,
        is_1904,
        full_calc_on_load: false,
    })
}

/// A model sheet from calamine's metadata and the cells and merges read for it.
pub(super) fn sheet_of(
    meta: &calamine::Sheet,
    mut cells: Vec<Cell>,
    merges: Vec<CellRange>,
) -> Sheet {
    // The cells grew by doubling; a big sheet would keep up to half as much again unused.
    cells.shrink_to_fit();
    Sheet {
        name: meta.name.clone(),
        hidden: meta.visible != SheetVisible::Visible,
        cells,
        merges,
        // The xlsx reader adds the notes of its sheets; the other formats have none read.
        notes: Vec::new(),
    }
}

/// Adds a cell, refusing a sheet with more cells than the limit.
pub(super) fn push_cell(
    cells: &mut Vec<Cell>,
    sheet: &str,
    (row, col): (u32, u32),
    value: Value,
    formula: Option<String>,
    limits: &Limits,
) -> Result<(), ReadError> {
    if cells.len() as u64 >= limits.max_cells_per_sheet {
        return Err(ReadError::LimitExceeded {
            what: format!("số ô của trang / cells in sheet '{sheet}'"),
            limit: limits.max_cells_per_sheet,
        });
    }
    cells.push(Cell {
        at: CellRef::new(row, col),
        value,
        formula: formula.map(String::into_boxed_str),
        number_format: None,
        reading: Reading::default(),
    });
    Ok(())
}

/// Sorts cells by position and keeps the first of any duplicates (malformed files).
pub(super) fn sort_cells(cells: &mut Vec<Cell>) {
    if !cells.windows(2).all(|w| matches!(w, [a, b] if a.at < b.at)) {
        cells.sort_by_key(|cell| cell.at);
        cells.dedup_by_key(|cell| cell.at);
    }
}

/// A merged range as calamine gives it.
pub(super) fn range_of(dims: &calamine::Dimensions) -> CellRange {
    CellRange {
        first: CellRef::new(dims.start.0, dims.start.1),
        last: CellRef::new(dims.end.0, dims.end.1),
    }
}

/// An f64 as the exact decimal it was written as: Rust prints the shortest text that reads
/// back to the same f64, which is what the file stored (`96.1`, not `96.09999…`).
pub(super) fn decimal_of_f64(value: f64) -> Value {
    if !value.is_finite() {
        return Value::Float(value);
    }
    // Whole numbers below 2^53 are exact in an f64 and print as their digits: most cells
    // of a report, read without going through text (negative zero keeps the text path).
    if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 && value != 0.0 {
        return Value::Number(Decimal::from(value as i64));
    }
    let text = format!("{value}");
    match text.parse::<Decimal>() {
        Ok(d) => Value::Number(d),
        Err(_) => match Decimal::from_scientific(&format!("{value:e}")) {
            Ok(d) => Value::Number(d),
            Err(_) => Value::Float(value),
        },
    }
}

/// One copy of each of calamine's shared strings for all the cells that show it, found
/// by where the string lies in calamine's table: a small file whose thousands of cells
/// show one long string would otherwise hold it thousands of times.
#[derive(Default)]
pub(super) struct SharedTexts(HashMap<(usize, usize), Arc<str>>);

impl SharedTexts {
    fn get(&mut self, text: &str) -> Arc<str> {
        let key = (text.as_ptr() as usize, text.len());
        Arc::clone(self.0.entry(key).or_insert_with(|| text.into()))
    }
}

/// A value calamine streams as the model's value; a shared string is shared (`shared`).
pub(super) fn value_of_ref(data: &DataRef<'_>, shared: &mut SharedTexts) -> Value {
    match data {
        DataRef::Int(i) => Value::Number(Decimal::from(*i)),
        DataRef::Float(f) => decimal_of_f64(*f),
        DataRef::String(s) => Value::Text(s.as_str().into()),
        DataRef::SharedString(s) => Value::Text(shared.get(s)),
        DataRef::Bool(b) => Value::Bool(*b),
        // Kept as the serial number; the number format (read later) says it is a date.
        DataRef::DateTime(dt) => decimal_of_f64(dt.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => iso_date(s),
        DataRef::Error(e) => Value::Error(e.to_string().into()),
        DataRef::Empty => Value::Empty,
    }
}

/// `2022-09-15` or `2022-09-15T00:00:00` as a date; anything else stays text.
pub(super) fn iso_date(text: &str) -> Value {
    let date_part = text.split('T').next().unwrap_or_default();
    let mut parts = date_part.split('-');
    let parsed = (|| {
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(crate::model::Date {
            year,
            month,
            day,
        })
    })();
    parsed.map_or_else(|| Value::Text(text.into()), Value::Date)
}

/// A calamine error that may say the workbook is protected by a password.
pub(super) trait CalamineError: std::fmt::Display {
    /// The workbook is encrypted.
    fn is_password(&self) -> bool;
}

/// Each calamine format's error, whose `Password` variant says the workbook is encrypted.
macro_rules! password_variant {
    ($($error:ident),*) => {
        $(impl CalamineError for $error {
            fn is_password(&self) -> bool {
                matches!(self, $error::Password)
            }
        })*
    };
}

password_variant!(XlsxError, XlsbError, XlsError, OdsError);

/// A calamine error as the reader reports it: encrypted, or damaged.
pub(super) fn read_error(error: impl CalamineError) -> ReadError {
    if error.is_password() {
        ReadError::Encrypted
    } else {
        ReadError::Corrupt(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_back_as_the_decimals_written() {
        assert_eq!(decimal_of_f64(96.1), Value::Number(Decimal::new(961, 1)));
        assert_eq!(decimal_of_f64(0.721), Value::Number(Decimal::new(721, 3)));
        assert!(matches!(decimal_of_f64(1e300), Value::Float(_)));
        assert_eq!(decimal_of_f64(5226.0), Value::Number(Decimal::new(5226, 0)));
        assert_eq!(decimal_of_f64(-42.0), Value::Number(Decimal::new(-42, 0)));
        assert_eq!(decimal_of_f64(0.0), Value::Number(Decimal::ZERO));
        assert!(matches!(decimal_of_f64(f64::NAN), Value::Float(_)));
    }
}
