//! Rebuilds a workbook that cannot be patched in place (xls, xlsb, ods, HTML exported as
//! `.xls`) as an xlsx from the model, with rust_xlsxwriter: every sheet (name, hidden),
//! every cell value, formulas with their cached values, merged ranges and number formats.
//! Column widths are not in the model: they are fitted to the text of each column.
//!
//! Whatever the model holds, the rebuild never panics and never fails on names or merges
//! Excel would reject: sheet names are made valid and unique, overlapping or huge merges are
//! left out (their cells are still written).

use std::collections::HashMap;

use rust_xlsxwriter::{
    ExcelDateTime, Format, FormatAlign, Formula, Workbook as XlsxWorkbook, Worksheet,
};

use super::OutputError;
use crate::layout::Layout;
use crate::model::{Cell, CellRange, Date, Sheet, SourceFormat, Value, Workbook};
use crate::number::Reading;

/// Excel's last row index (zero-based).
const MAX_ROW: u32 = 1_048_575;
/// Excel's last column index (zero-based).
const MAX_COL: u32 = 16_383;
/// Longest sheet name Excel takes, in UTF-16 code units.
const MAX_SHEET_NAME: usize = 31;
/// A merge covering more cells than this is left out: rust_xlsxwriter writes a blank cell
/// for each covered cell, and real forms never merge that much.
const MAX_MERGE_CELLS: u64 = 100_000;
/// Column widths, in Excel character units.
const MIN_WIDTH: f64 = 8.43;
const MAX_WIDTH: f64 = 60.0;
/// Date format for date cells that carry none.
const DEFAULT_DATE_FORMAT: &str = "dd/mm/yyyy";

/// A rebuilt workbook and the sheet names it was written with.
pub(crate) struct Rebuilt {
    /// The xlsx package.
    pub bytes: Vec<u8>,
    /// `(name in the model, name written)`, in sheet order; differ only where the model's
    /// name was not a valid or unique Excel sheet name.
    pub names: Vec<(String, String)>,
}

/// Rebuilds `workbook` as an xlsx package: the way xls, xlsb, ods and HTML exports get an
/// annotated or corrected copy.
///
/// Numbers are written as the nearest `f64` (the number the original file stored), text as
/// text, dates as dates under their format (`dd/mm/yyyy` when they have none), Excel errors
/// as their text, formulas with their cached values. Sheet names that Excel would refuse
/// (over 31 characters, `[]:*?/\`, leading or trailing `'`, duplicates ignoring case) are
/// made valid; a merge that overlaps an earlier one is left out.
///
/// # Errors
/// [`OutputError::Write`] when rust_xlsxwriter refuses the workbook (not expected for any
/// model the readers produce).
///
/// # Examples
/// ```
/// use crossfoot::{read_workbook, rebuild_xlsx, SourceFormat};
/// let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.ods").unwrap();
/// let book = read_workbook(&bytes, "tthc-06-q3-2022.ods").unwrap();
/// let xlsx = rebuild_xlsx(&book).unwrap();
/// let again = read_workbook(&xlsx, "rebuilt.xlsx").unwrap();
/// assert_eq!(again.format, SourceFormat::Xlsx);
/// assert_eq!(again.sheets.len(), book.sheets.len());
/// ```
pub fn rebuild_xlsx(workbook: &Workbook) -> Result<Vec<u8>, OutputError> {
    rebuild(workbook).map(|rebuilt| rebuilt.bytes)
}

/// [`rebuild_xlsx`], also telling which sheet names were changed.
pub(crate) fn rebuild(workbook: &Workbook) -> Result<Rebuilt, OutputError> {
    let names = sheet_names(&workbook.sheets);
    let mut book = XlsxWorkbook::new();
    // Excel wants one visible sheet; the active one must be visible.
    let all_hidden = workbook.sheets.iter().all(|sheet| sheet.hidden);
    let first_visible = workbook.sheets.iter().position(|sheet| !sheet.hidden);
    for (index, (sheet, name)) in workbook.sheets.iter().zip(&names).enumerate() {
        let mut worksheet = Worksheet::new();
        worksheet.set_name(name.as_str()).map_err(write_error)?;
        let kind = match workbook.format {
            SourceFormat::Html => SheetKind::Html,
            SourceFormat::Ods => SheetKind::Ods,
            _ => SheetKind::Excel,
        };
        write_sheet(&mut worksheet, sheet, kind)?;
        if sheet.hidden && !(all_hidden && index == 0) {
            worksheet.set_hidden(true);
        }
        if first_visible == Some(index) && index > 0 {
            worksheet.set_active(true);
        }
        book.push_worksheet(worksheet);
    }
    for (name, formula) in &workbook.defined_names {
        // A name Excel or rust_xlsxwriter refuses, or one pointing at a lost reference, is
        // dropped rather than failing the whole copy.
        if !formula.contains("#REF!") && !name.starts_with("_xlnm") {
            let _ = book.define_name(name.as_str(), formula);
        }
    }
    let bytes = book.save_to_buffer().map_err(write_error)?;
    let names = workbook
        .sheets
        .iter()
        .map(|sheet| sheet.name.clone())
        .zip(names)
        .collect();
    Ok(Rebuilt { bytes, names })
}

fn write_error(error: rust_xlsxwriter::XlsxError) -> OutputError {
    OutputError::Write(error.to_string())
}

/// Valid, unique (ignoring case) Excel sheet names for `sheets`, in order.
fn sheet_names(sheets: &[Sheet]) -> Vec<String> {
    let mut used: Vec<String> = Vec::with_capacity(sheets.len());
    let mut names = Vec::with_capacity(sheets.len());
    for (index, sheet) in sheets.iter().enumerate() {
        let mut base = sanitize_sheet_name(&sheet.name);
        if base.is_empty() {
            base = format!("Sheet{}", index.saturating_add(1));
        }
        let mut name = base.clone();
        let mut n: usize = 2;
        while used.contains(&name.to_lowercase()) {
            let suffix = format!(" ({n})");
            let room = MAX_SHEET_NAME.saturating_sub(suffix.len());
            name = format!("{}{suffix}", truncate_utf16(&base, room));
            n = n.saturating_add(1);
        }
        used.push(name.to_lowercase());
        names.push(name);
    }
    names
}

/// Replaces the characters Excel forbids in sheet names, drops leading and trailing `'`,
/// avoids the reserved `History`, and cuts to 31 UTF-16 units.
fn sanitize_sheet_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let trimmed = replaced.trim_matches('\'');
    let cut = truncate_utf16(trimmed, MAX_SHEET_NAME)
        .trim_end_matches('\'')
        .to_string();
    if cut.eq_ignore_ascii_case("history") {
        format!("{cut}_")
    } else {
        cut
    }
}

/// Excel's longest cell text, in UTF-16 code units.
const MAX_CELL_TEXT: usize = 32_767;

/// `text` cut to the longest a cell holds (rust_xlsxwriter refuses longer).
pub(super) fn cell_text(text: &str) -> &str {
    truncate_utf16(text, MAX_CELL_TEXT)
}

/// The longest prefix of `text` that fits in `units` UTF-16 code units.
fn truncate_utf16(text: &str, units: usize) -> &str {
    let mut used = 0usize;
    for (at, c) in text.char_indices() {
        used = used.saturating_add(c.len_utf16());
        if used > units {
            return text.get(..at).unwrap_or("");
        }
    }
    text
}

/// The formats a sheet uses, made once each.
#[derive(Default)]
struct Formats {
    made: HashMap<(Option<String>, bool), Format>,
}

impl Formats {
    fn get(&mut self, number_format: Option<&str>, wrap: bool) -> &Format {
        self.made
            .entry((number_format.map(str::to_string), wrap))
            .or_insert_with(|| {
                let mut format = Format::new();
                if let Some(code) = number_format {
                    format = format.set_num_format(code);
                }
                if wrap {
                    format = format
                        .set_text_wrap()
                        .set_align(FormatAlign::VerticalCenter);
                }
                format
            })
    }
}

/// What a sheet's source needs beyond writing its cells as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SheetKind {
    /// xls, xlsb: as they are.
    Excel,
    /// OpenDocument: formulas may still separate arguments with `;`.
    Ods,
    /// An HTML export, where every number is text by nature: a text that reads as one plain
    /// number is written as that number under a format showing the same decimals.
    Html,
}

/// Writes a sheet's cells and merges and fits its columns.
fn write_sheet(
    worksheet: &mut Worksheet,
    sheet: &Sheet,
    kind: SheetKind,
) -> Result<(), OutputError> {
    let header = Layout::find(sheet).map(|layout| layout.header_first..=layout.header_last);
    let in_header = |row: u32| header.as_ref().is_some_and(|rows| rows.contains(&row));
    let merges = accepted_merges(&sheet.merges);
    let mut formats = Formats::default();

    for merge in &merges {
        let origin = sheet.cell(merge.first);
        let text = origin
            .filter(|cell| cell.formula.is_none())
            .and_then(|cell| cell.value.as_text())
            .map_or("", cell_text);
        let number_format = origin.and_then(|cell| cell.number_format.as_deref());
        let format = formats.get(number_format, true);
        worksheet
            .merge_range(
                merge.first.row,
                col16(merge.first.col),
                merge.last.row,
                col16(merge.last.col),
                text,
                format,
            )
            .map_err(write_error)?;
    }

    let mut widths: HashMap<u32, usize> = HashMap::new();
    for cell in &sheet.cells {
        let (row, col) = (cell.at.row, cell.at.col);
        if row > MAX_ROW || col > MAX_COL {
            continue;
        }
        let merge = merges.iter().find(|range| range.contains(cell.at));
        if let Some(range) = merge {
            if range.first != cell.at {
                continue; // the other cells of a merged range stay blank
            }
            if cell.formula.is_none() && matches!(cell.value, Value::Text(_)) {
                continue; // written with the merge
            }
        }
        let header_cell = in_header(row);
        let wrap = header_cell || merge.is_some();
        let is_date = matches!(cell.value, Value::Date(_));
        let number_format = cell
            .number_format
            .as_deref()
            .or(is_date.then_some(DEFAULT_DATE_FORMAT));
        let html_number = if kind == SheetKind::Html {
            html_number(cell)
        } else {
            None
        };
        if let Some((number, code)) = html_number {
            let format = formats.get(Some(&code), wrap);
            worksheet
                .write_number_with_format(row, col16(col), number, format)
                .map_err(write_error)?;
        } else {
            let format = formats.get(number_format, wrap);
            write_cell(worksheet, row, col16(col), cell, format, kind)?;
        }

        if merge.is_none_or(|range| range.first.col == range.last.col) {
            let width = shown_width(&cell.value, header_cell);
            let entry = widths.entry(col).or_insert(0);
            *entry = (*entry).max(width);
        }
    }
    for (col, width) in widths {
        // Character count plus a little room, in Excel's width units.
        let width = (width as f64 * 1.1 + 2.0).clamp(MIN_WIDTH, MAX_WIDTH);
        worksheet
            .set_column_width(col16(col), width)
            .map_err(write_error)?;
    }
    Ok(())
}

/// A column index as rust_xlsxwriter takes it (callers have checked it is inside the grid).
fn col16(col: u32) -> u16 {
    u16::try_from(col.min(MAX_COL)).unwrap_or(u16::MAX)
}

/// The merges to write, in the model's order: inside the grid, more than one cell, not
/// huge, not overlapping an earlier one.
fn accepted_merges(merges: &[CellRange]) -> Vec<CellRange> {
    let mut accepted: Vec<CellRange> = Vec::new();
    for range in merges {
        let (first, last) = (range.first, range.last);
        let inside = last.row <= MAX_ROW && last.col <= MAX_COL;
        let ordered = first.row <= last.row && first.col <= last.col;
        if !inside || !ordered || first == last {
            continue;
        }
        // `ordered` above: last ≥ first.
        let rows = u64::from(last.row.saturating_sub(first.row)) + 1;
        let cols = u64::from(last.col.saturating_sub(first.col)) + 1;
        if rows.saturating_mul(cols) > MAX_MERGE_CELLS {
            continue;
        }
        let overlaps = accepted.iter().any(|other| {
            first.row <= other.last.row
                && other.first.row <= last.row
                && first.col <= other.last.col
                && other.first.col <= last.col
        });
        if !overlaps {
            accepted.push(*range);
        }
    }
    accepted
}

/// How many characters a value takes when shown; for header text, its longest word (the
/// header wraps).
fn shown_width(value: &Value, header: bool) -> usize {
    match value {
        Value::Text(text) if header => text
            .split_whitespace()
            .map(|word| word.chars().count())
            .max()
            .unwrap_or(0),
        Value::Text(text) => text
            .lines()
            .map(|line| line.chars().count())
            .max()
            .unwrap_or(0),
        // Digits plus grouping separators.
        Value::Number(number) => {
            let digits = number.normalize().to_string().len();
            digits.saturating_add(digits / 3)
        }
        Value::Float(_) => 12,
        Value::Date(_) => 10,
        Value::Bool(_) => 5,
        Value::Error(text) => text.chars().count(),
        Value::Empty => 0,
    }
}

fn write_cell(
    worksheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    format: &Format,
    kind: SheetKind,
) -> Result<(), OutputError> {
    if let Some(text) = &cell.formula {
        let text = if kind == SheetKind::Ods {
            comma_separators(text)
        } else {
            text.to_string()
        };
        let formula = Formula::new(text).set_result(formula_result(&cell.value));
        worksheet
            .write_formula_with_format(row, col, formula, format)
            .map_err(write_error)?;
        return Ok(());
    }
    let written = match &cell.value {
        Value::Empty => {
            if cell.number_format.is_some() {
                worksheet.write_blank(row, col, format)
            } else {
                return Ok(());
            }
        }
        Value::Number(number) => match number_as_f64(number) {
            Some(float) => worksheet.write_number_with_format(row, col, float, format),
            None => worksheet.write_string_with_format(row, col, number.to_string(), format),
        },
        Value::Float(float) if float.is_finite() => {
            worksheet.write_number_with_format(row, col, *float, format)
        }
        Value::Float(float) => {
            worksheet.write_string_with_format(row, col, float.to_string(), format)
        }
        Value::Text(text) => worksheet.write_string_with_format(row, col, cell_text(text), format),
        Value::Bool(value) => worksheet.write_boolean_with_format(row, col, *value, format),
        Value::Error(text) => worksheet.write_string_with_format(row, col, cell_text(text), format),
        Value::Date(date) => match excel_date(*date) {
            Some(date_time) => worksheet.write_datetime_with_format(row, col, date_time, format),
            None => worksheet.write_string_with_format(row, col, date.to_string(), format),
        },
    };
    written.map(|_| ()).map_err(write_error)
}

/// A text cell of an HTML export that reads as one number: the number and a format that
/// shows it as the text did (its decimals, percent, grouping for thousands).
fn html_number(cell: &Cell) -> Option<(f64, String)> {
    let (Value::Text(text), Reading::Number(quantity)) = (&cell.value, &cell.reading) else {
        return None;
    };
    // Only plain numbers: `(1)` column numbers and other shapes stay text.
    let plain = text
        .trim()
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '-' | '%' | '\u{a0}'));
    // A code keeps its leading zeros (`0001`, a district or post office).
    if cell.formula.is_some() || !plain || crate::number::is_code_text(text) {
        return None;
    }
    let number = number_as_f64(&quantity.value)?;
    let code = crate::number::number_format_for_text(text, quantity.value)?;
    Some((number, code))
}

/// An OpenDocument formula with its `;` argument separators written as Excel's `,`
/// (outside strings, quoted sheet names and array constants; Excel syntax never uses `;`
/// there, so a formula already in Excel syntax is unchanged).
fn comma_separators(formula: &str) -> String {
    let mut out = String::with_capacity(formula.len());
    let mut in_string = false;
    let mut in_quote = false;
    let mut braces = 0usize;
    for c in formula.chars() {
        match c {
            '"' if !in_quote => in_string = !in_string,
            '\'' if !in_string => in_quote = !in_quote,
            '{' if !in_string && !in_quote => braces = braces.saturating_add(1),
            '}' if !in_string && !in_quote => braces = braces.saturating_sub(1),
            ';' if !in_string && !in_quote && braces == 0 => {
                out.push(',');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// The nearest `f64`, through the decimal's text (correctly rounded, so the reader's
/// shortest round-trip text gives the same decimal back).
fn number_as_f64(number: &rust_decimal::Decimal) -> Option<f64> {
    number
        .to_string()
        .parse::<f64>()
        .ok()
        .filter(|float| float.is_finite())
}

fn excel_date(date: Date) -> Option<ExcelDateTime> {
    let year = u16::try_from(date.year).ok()?;
    let month = u8::try_from(date.month).ok()?;
    let day = u8::try_from(date.day).ok()?;
    ExcelDateTime::from_ymd(year, month, day).ok()
}

/// A formula's cached value as rust_xlsxwriter takes it: numbers as plain decimal text,
/// `TRUE`/`FALSE`, error text, text. Text that would pass for a number is left out (it
/// would be stored as one); the cell then shows its value once recalculated.
fn formula_result(value: &Value) -> String {
    match value {
        Value::Empty => String::new(),
        Value::Number(number) => number.to_string(),
        Value::Float(float) if float.is_finite() => float.to_string(),
        Value::Float(_) => String::new(),
        Value::Text(text) => {
            let looks_numeric = text.parse::<f64>().is_ok();
            let looks_bool = &**text == "TRUE" || &**text == "FALSE";
            if looks_numeric || looks_bool {
                String::new()
            } else {
                text.to_string()
            }
        }
        Value::Bool(true) => "TRUE".to_string(),
        Value::Bool(false) => "FALSE".to_string(),
        Value::Error(text) => text.to_string(),
        Value::Date(date) => {
            date_serial(*date).map_or_else(String::new, |serial| serial.to_string())
        }
    }
}

/// The Excel serial number (1900 system) of a date, counting Excel's phantom 29/02/1900.
fn date_serial(date: Date) -> Option<i64> {
    let days = days_from_civil(date.year, date.month, date.day)?;
    let epoch = days_from_civil(1899, 12, 31)?;
    let serial = days.checked_sub(epoch)?;
    // Serial 60 is the 29/02/1900 Excel believes in; real dates from 01/03/1900 shift by one.
    let serial = if serial >= 60 {
        serial.checked_add(1)?
    } else {
        serial
    };
    (serial >= 1).then_some(serial)
}

/// Days since 1970-01-01 of a date, `None` for a month, day or year out of range.
fn days_from_civil(year: i32, month: u32, day: u32) -> Option<i64> {
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || !(-1_000_000..=1_000_000).contains(&year)
    {
        return None;
    }
    Some(crate::period::days_from_civil(year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CellRef;

    fn sheet(name: &str) -> Sheet {
        Sheet {
            name: name.to_string(),
            ..Sheet::default()
        }
    }

    #[test]
    fn sheet_names_are_made_valid_and_unique() {
        let sheets = [
            sheet("Biểu 06 [Q3/2022]: tổng hợp * toàn tỉnh"),
            sheet("'quoted'"),
            sheet("Data"),
            sheet("DATA"),
            sheet(""),
            sheet("History"),
        ];
        let names = sheet_names(&sheets);
        assert_eq!(names[0], "Biểu 06 _Q3_2022__ tổng hợp _ t");
        assert_eq!(names[1], "quoted");
        assert_eq!(names[2], "Data");
        assert_eq!(names[3], "DATA (2)");
        assert_eq!(names[4], "Sheet5");
        assert_eq!(names[5], "History_");
        for name in &names {
            assert!(
                rust_xlsxwriter::utility::check_sheet_name(name).is_ok(),
                "{name}"
            );
        }
    }

    #[test]
    fn long_duplicates_stay_within_31_units() {
        let long = "x".repeat(40);
        let names = sheet_names(&[sheet(&long), sheet(&long)]);
        assert_eq!(names[0], "x".repeat(31));
        assert_eq!(names[1], format!("{} (2)", "x".repeat(27)));
    }

    #[test]
    fn overlapping_single_and_huge_merges_are_skipped() {
        let range = |a: (u32, u32), b: (u32, u32)| CellRange {
            first: CellRef::new(a.0, a.1),
            last: CellRef::new(b.0, b.1),
        };
        let merges = [
            range((0, 0), (0, 3)),
            range((0, 2), (1, 4)),
            range((2, 2), (2, 2)),
            range((3, 0), (MAX_ROW, 3)),
            range((5, 5), (6, 5)),
        ];
        assert_eq!(
            accepted_merges(&merges),
            vec![range((0, 0), (0, 3)), range((5, 5), (6, 5))]
        );
    }

    #[test]
    fn ods_separators_become_commas_outside_strings_and_arrays() {
        assert_eq!(
            comma_separators(r#"IF(G9=0;"";ROUND((H9+I9)/G9*100;1))"#),
            r#"IF(G9=0,"",ROUND((H9+I9)/G9*100,1))"#
        );
        assert_eq!(
            comma_separators(r#"IF(A1;"a;b";'x;y'!B2)+SUM({1,2;3,4})"#),
            r#"IF(A1,"a;b",'x;y'!B2)+SUM({1,2;3,4})"#
        );
        assert_eq!(comma_separators("SUM(C11:C26)"), "SUM(C11:C26)");
    }

    #[test]
    fn text_longer_than_a_cell_holds_is_cut() {
        let long = "ă".repeat(40_000);
        assert_eq!(cell_text(&long).chars().count(), 32_767);
        let mut sheet = sheet("Long");
        sheet.cells = vec![crate::model::Cell {
            at: CellRef::new(0, 0),
            value: Value::Text(long.into()),
            formula: None,
            number_format: None,
            reading: crate::number::Reading::NotNumber,
        }];
        let book = Workbook {
            format: crate::model::SourceFormat::Ods,
            sheets: vec![sheet],
            defined_names: vec![],
            convention: crate::number::Convention::default(),
            full_calc_on_load: false,
        };
        let again = crate::read::read_workbook(&rebuild_xlsx(&book).expect("rebuilt"), "x.xlsx")
            .expect("readable");
        let text = again.sheets[0].cells[0].value.as_text().expect("text");
        assert_eq!(text.chars().count(), 32_767);
    }

    #[test]
    fn serials_match_excel() {
        let date = |year, month, day| Date { year, month, day };
        assert_eq!(date_serial(date(1900, 1, 1)), Some(1));
        assert_eq!(date_serial(date(1900, 2, 28)), Some(59));
        assert_eq!(date_serial(date(1900, 3, 1)), Some(61));
        assert_eq!(date_serial(date(2022, 9, 30)), Some(44834));
        assert_eq!(date_serial(date(1899, 1, 1)), None);
        assert_eq!(date_serial(date(2022, 13, 1)), None);
    }

    #[test]
    fn numbers_keep_their_shortest_text() {
        for text in ["96.1", "1845000", "0.1", "-12.345", "123456789.123456"] {
            let number: rust_decimal::Decimal = text.parse().expect("decimal");
            let float = number_as_f64(&number).expect("finite");
            assert_eq!(float.to_string(), text);
        }
    }

    #[test]
    fn an_html_export_s_numbers_become_numbers_and_its_codes_stay_text() {
        let cell = |text: &str| crate::model::Cell {
            at: CellRef::new(0, 0),
            value: Value::Text(text.into()),
            formula: None,
            number_format: None,
            reading: crate::number::resolve_text(
                &crate::number::classify_text(text),
                crate::number::Convention::Vietnamese,
            ),
        };
        assert_eq!(
            html_number(&cell("4.088")),
            Some((4088.0, "#,##0".to_string()))
        );
        assert_eq!(html_number(&cell("98,6")), Some((98.6, "0.0".to_string())));
        for code in ["0001", "023224", "(1)"] {
            assert_eq!(html_number(&cell(code)), None, "{code}");
        }
    }

    #[test]
    fn bad_names_and_values_do_not_fail_the_rebuild() {
        let mut first = sheet("a/b");
        first.hidden = true;
        first.cells = vec![
            crate::model::Cell {
                at: CellRef::new(0, 0),
                value: Value::Float(f64::NAN),
                formula: None,
                number_format: Some("0.0".into()),
                reading: crate::number::Reading::NotNumber,
            },
            crate::model::Cell {
                at: CellRef::new(0, 1),
                value: Value::Text("=1+1".into()),
                formula: None,
                number_format: None,
                reading: crate::number::Reading::NotNumber,
            },
        ];
        first.merges = vec![
            CellRange {
                first: CellRef::new(0, 0),
                last: CellRef::new(0, 1),
            },
            CellRange {
                first: CellRef::new(0, 1),
                last: CellRef::new(1, 1),
            },
        ];
        let book = Workbook {
            format: crate::model::SourceFormat::Xls,
            sheets: vec![first, sheet("A/B")],
            defined_names: vec![("bad name".to_string(), "#REF!".to_string())],
            convention: crate::number::Convention::default(),
            full_calc_on_load: false,
        };
        let rebuilt = rebuild(&book).expect("rebuilt");
        assert_eq!(
            rebuilt.names,
            vec![
                ("a/b".to_string(), "a_b".to_string()),
                ("A/B".to_string(), "A_B (2)".to_string())
            ]
        );
        let again = crate::read::read_workbook(&rebuilt.bytes, "x.xlsx").expect("readable");
        assert!(again.sheets[0].hidden);
        assert!(!again.sheets[1].hidden);
        assert_eq!(again.sheets[0].merges.len(), 1);
    }
}
