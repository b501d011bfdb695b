//! Reads the workbook formats calamine reads for us (xlsb, xls, ods) into the raw workbook:
//! values, formulas and merged ranges, with every cell at its absolute position. Each
//! format's own way of reading a sheet is handed to one loop over the workbook's sheets.
//!
//! xlsb is streamed cell by cell, so a sheet that claims a huge dimension costs only the
//! cells it really has; xls and ods are only offered as dense ranges by calamine.

use std::io::{Cursor, Read, Seek};

use calamine::{Data, Ods, Range, Reader, Xls, Xlsb};
use rust_decimal::Decimal;

use crate::error::ReadError;
use crate::limits::Limits;
use crate::model::{Cell, CellRef, SourceFormat, Value};
use crate::number::Reading;

use super::raw_book::{
    decimal_of_f64, iso_date, push_cell, range_of, read_error, read_worksheets, sort_cells,
    value_of_ref, CalamineError, RawBook, SharedTexts,
};

/// A sheet's cells from calamine's dense ranges of values and of formulas.
fn cells_of_sheet<RS, R>(book: &mut R, sheet: &str, limits: &Limits) -> Result<Vec<Cell>, ReadError>
where
    RS: Read + Seek,
    R: Reader<RS>,
    R::Error: CalamineError,
{
    let range = book.worksheet_range(sheet).map_err(read_error)?;
    let formulas = book.worksheet_formula(sheet).map_err(read_error)?;
    cells_of_ranges(sheet, &range, &formulas, limits)
}

/// Reads an Excel binary workbook (xlsb), streaming its cells.
pub(super) fn read_xlsb(bytes: &[u8], limits: &Limits) -> Result<RawBook, ReadError> {
    let book = Xlsb::new(Cursor::new(bytes)).map_err(read_error)?;
    let is_1904 = book.has_1904_epoch();
    read_worksheets(book, SourceFormat::Xlsb, is_1904, |book, meta| {
        let mut cells = Vec::new();
        let mut shared = SharedTexts::default();
        {
            let mut reader = book
                .worksheet_cells_reader(&meta.name)
                .map_err(read_error)?;
            while let Some(cell) = reader.next_cell().map_err(read_error)? {
                let value = value_of_ref(cell.get_value(), &mut shared);
                if value != Value::Empty {
                    push_cell(
                        &mut cells,
                        &meta.name,
                        cell.get_position(),
                        value,
                        None,
                        limits,
                    )?;
                }
            }
        }
        sort_cells(&mut cells);
        let mut reader = book
            .worksheet_cells_reader(&meta.name)
            .map_err(read_error)?;
        while let Some(formula) = reader.next_formula().map_err(read_error)? {
            attach_formula(&mut cells, formula.get_position(), formula.get_value());
        }
        Ok((cells, Vec::new()))
    })
}

/// Reads an Excel 97-2003 workbook (BIFF8).
pub(super) fn read_xls(bytes: &[u8], limits: &Limits) -> Result<RawBook, ReadError> {
    let book = Xls::new(Cursor::new(bytes)).map_err(read_error)?;
    let is_1904 = book.has_1904_epoch();
    read_worksheets(book, SourceFormat::Xls, is_1904, |book, meta| {
        let cells = cells_of_sheet(book, &meta.name, limits)?;
        let merges = book
            .merge_cells_by_sheet_name(&meta.name)
            .map_err(read_error)?
            .iter()
            .map(range_of)
            .collect();
        Ok((cells, merges))
    })
}

/// Reads an OpenDocument spreadsheet.
pub(super) fn read_ods(bytes: &[u8], limits: &Limits) -> Result<RawBook, ReadError> {
    let book = Ods::new(Cursor::new(bytes)).map_err(read_error)?;
    let mut merges_by_sheet = super::ods_merges::ods_merges(bytes);
    read_worksheets(book, SourceFormat::Ods, false, |book, meta| {
        let mut cells = cells_of_sheet(book, &meta.name, limits)?;
        for cell in &mut cells {
            if let Some(formula) = &cell.formula {
                cell.formula = Some(excel_formula_of_ods(formula).into());
            }
        }
        let merges = merges_by_sheet
            .iter_mut()
            .find(|(name, _)| *name == meta.name)
            .map(|(_, merges)| std::mem::take(merges))
            .unwrap_or_default();
        Ok((cells, merges))
    })
}

/// Builds sorted cells from calamine's dense ranges, whose positions are relative to each
/// range's own start (values and formulas can start at different cells).
fn cells_of_ranges(
    sheet: &str,
    values: &Range<Data>,
    formulas: &Range<String>,
    limits: &Limits,
) -> Result<Vec<Cell>, ReadError> {
    let mut cells = Vec::new();
    if let Some((row0, col0)) = values.start() {
        for (row, col, data) in values.used_cells() {
            let value = value_of_data(data);
            if value == Value::Empty {
                continue;
            }
            let pos = offset(row0, col0, row, col);
            push_cell(&mut cells, sheet, pos, value, None, limits)?;
        }
    }
    sort_cells(&mut cells);
    if let Some((row0, col0)) = formulas.start() {
        for (row, col, formula) in formulas.used_cells() {
            attach_formula(&mut cells, offset(row0, col0, row, col), formula);
        }
    }
    Ok(cells)
}

/// OpenFormula (`of:=[.C10]+[.C27]`, `SUM([.C11:.C26])`, `[$'Sheet 1'.A1]`) into Excel's
/// syntax (`C10+C27`, `SUM(C11:C26)`, `'Sheet 1'!A1`); `;` separators are kept, the
/// formula parser accepts them.
fn excel_formula_of_ods(formula: &str) -> String {
    let body = formula.strip_prefix("of:").unwrap_or(formula);
    let body = body.strip_prefix('=').unwrap_or(body);
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '[' => {
                let mut reference = String::new();
                for r in chars.by_ref() {
                    if r == ']' {
                        break;
                    }
                    reference.push(r);
                }
                out.push_str(&excel_reference_of_ods(&reference));
            }
            _ => out.push(c),
        }
    }
    out
}

/// `.C11:.C26` → `C11:C26`; `$Sheet1.A1` → `Sheet1!A1`; `'My sheet'.A1` → `'My sheet'!A1`.
fn excel_reference_of_ods(reference: &str) -> String {
    reference
        .split(':')
        .enumerate()
        .map(|(i, part)| {
            let part = part.strip_prefix('$').unwrap_or(part);
            match part.rsplit_once('.') {
                Some(("", cell)) => cell.to_string(),
                Some((sheet, cell)) if i == 0 => format!("{sheet}!{cell}"),
                Some((_, cell)) => cell.to_string(),
                None => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(":")
}

fn offset(row0: u32, col0: u32, row: usize, col: usize) -> (u32, u32) {
    let row = u32::try_from(row).unwrap_or(u32::MAX);
    let col = u32::try_from(col).unwrap_or(u32::MAX);
    (row0.saturating_add(row), col0.saturating_add(col))
}

/// Puts a formula on its cell, creating the cell (with no cached value) if needed.
fn attach_formula(cells: &mut Vec<Cell>, (row, col): (u32, u32), formula: &str) {
    if formula.is_empty() {
        return;
    }
    let at = CellRef::new(row, col);
    match cells.binary_search_by(|cell| cell.at.cmp(&at)) {
        Ok(i) => {
            if let Some(cell) = cells.get_mut(i) {
                cell.formula = Some(formula.into());
            }
        }
        Err(i) => cells.insert(
            i,
            Cell {
                at,
                value: Value::Empty,
                formula: Some(formula.into()),
                number_format: None,
                reading: Reading::default(),
            },
        ),
    }
}

fn value_of_data(data: &Data) -> Value {
    match data {
        Data::Int(i) => Value::Number(Decimal::from(*i)),
        Data::Float(f) => decimal_of_f64(*f),
        Data::String(s) => Value::Text(s.as_str().into()),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(dt) => decimal_of_f64(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => iso_date(s),
        Data::Error(e) => Value::Error(e.to_string().into()),
        Data::Empty => Value::Empty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ods_formulas_read_as_excel_formulas() {
        assert_eq!(
            excel_formula_of_ods("of:=[.C10]+[.C27]+[.C40]"),
            "C10+C27+C40"
        );
        assert_eq!(excel_formula_of_ods("of:=SUM([.C11:.C26])"), "SUM(C11:C26)");
        assert_eq!(
            excel_formula_of_ods("of:=IF([.G9]=0;\"[x]\";ROUND(([.H9]+[.I9])/[.G9]*100;1))"),
            "IF(G9=0;\"[x]\";ROUND((H9+I9)/G9*100;1))"
        );
        assert_eq!(
            excel_formula_of_ods("of:=[$'Kinh phí'.B2]*2"),
            "'Kinh phí'!B2*2"
        );
    }
}
