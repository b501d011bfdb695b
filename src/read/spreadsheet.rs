//! Reads the binary and zipped spreadsheet formats (xlsx, xlsm, xlsb, xls, ods) through
//! calamine into the model: values, formulas, number formats and merged ranges, with every
//! cell at its absolute position.
//!
//! xlsx and xlsb are streamed cell by cell, so a sheet that claims a huge dimension costs
//! only the cells it really has; xls and ods are only offered as dense ranges by calamine.

use std::io::Cursor;
use std::sync::Arc;

use calamine::{
    Data, DataRef, Ods, Range, Reader, SheetType, SheetVisible, Xls, XlsError, Xlsb, XlsbError,
    Xlsx, XlsxError,
};
use rust_decimal::Decimal;

use crate::error::ReadError;
use crate::limits::Limits;
use crate::model::{Cell, CellRange, CellRef, Sheet, SourceFormat, Value};
use crate::number::Reading;

use super::guard::Unmeasured;
use super::{xlsx_cells, xlsx_scan};

/// A raw sheet before numbers are read: cells carry their format code.
pub(crate) struct RawBook {
    pub format: SourceFormat,
    pub sheets: Vec<Sheet>,
    pub defined_names: Vec<(String, String)>,
    pub is_1904: bool,
    /// The workbook asks for every formula to be recalculated when it is opened.
    pub full_calc_on_load: bool,
}

/// Reads a zipped Office Open XML workbook (xlsx or xlsm).
/// The sheet parts the package guard left unmeasured (`unmeasured`) are measured by the
/// one-scan reader as it reads them, or by the guard before calamine touches them.
pub(crate) fn read_xlsx(
    bytes: &[u8],
    format: SourceFormat,
    limits: &Limits,
    unmeasured: &mut Unmeasured,
) -> Result<RawBook, ReadError> {
    read_xlsx_with(bytes, format, limits, true, unmeasured)
}

/// [`read_xlsx`], with the one-scan reader or (`one_scan` false, for tests comparing the
/// two) calamine's passes alone.
fn read_xlsx_with(
    bytes: &[u8],
    format: SourceFormat,
    limits: &Limits,
    one_scan: bool,
    unmeasured: &mut Unmeasured,
) -> Result<RawBook, ReadError> {
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(xlsx_error)?;
    let is_1904 = book.has_1904_epoch();
    let metadata: Vec<calamine::Sheet> = book.sheets_metadata().to_vec();
    let defined_names = book.defined_names().to_vec();
    // One package for the style scans of every sheet (calamine keeps its own).
    let mut package = xlsx_scan::Package::new(Cursor::new(bytes)).ok();
    let parts = package
        .as_mut()
        .and_then(xlsx_scan::sheet_parts)
        .unwrap_or_default();
    let full_calc_on_load = package.as_mut().is_some_and(xlsx_scan::full_calc_on_load);
    let mut sheets = Vec::new();
    let mut palette: Option<Vec<Option<Arc<str>>>> = None;
    // The shared strings, read on the first sheet the one-scan reader takes.
    let mut strings: Option<Option<Vec<String>>> = None;
    let worksheets: Vec<&calamine::Sheet> = metadata
        .iter()
        .filter(|m| m.typ == SheetType::WorkSheet)
        .collect();
    let part_of = |meta: &calamine::Sheet| {
        parts
            .iter()
            .find(|(name, _)| *name == meta.name)
            .map(|(_, part)| part.as_str())
    };
    // Every sheet read in one byte scan first (values, formulas, styles, merges), each
    // part measured as it is read; calamine's passes for those the scan cannot follow.
    let mut scans = Vec::with_capacity(worksheets.len());
    for meta in &worksheets {
        let read_whole = match part_of(meta).filter(|_| one_scan).zip(package.as_mut()) {
            Some((part, package)) => {
                let strings = strings.get_or_insert_with(|| xlsx_cells::shared_strings(package));
                match strings.as_deref() {
                    Some(strings) => {
                        xlsx_scan::read_sheet(package, part, strings, limits, unmeasured)?
                    }
                    None => None,
                }
            }
            None => None,
        };
        scans.push(read_whole);
    }
    // calamine measures nothing it inflates, and finds a sheet's part its own way: every
    // part the scans did not measure is measured before calamine opens any sheet.
    std::mem::take(unmeasured).measure_rest(bytes, limits)?;
    for (meta, read_whole) in worksheets.into_iter().zip(scans) {
        // The styles are the workbook's: read them once, through the first sheet.
        if palette.is_none() {
            palette = Some(number_formats(&mut book, &meta.name)?);
        }
        let palette = palette.as_deref().unwrap_or_default();
        // Without a single number format besides General, the styles have nothing to add.
        let with_styles = palette.iter().any(Option::is_some);
        let (mut cells, scanned) = match read_whole {
            Some(mut scan) => {
                // The scan kept no more cells than the limit, in order, each once: each
                // cell's style is its own.
                let mut cells = std::mem::take(&mut scan.cells);
                if with_styles {
                    for (cell, style) in cells.iter_mut().zip(&scan.cell_styles) {
                        if let Some(Some(code)) = palette.get(*style as usize) {
                            cell.number_format = Some(Arc::clone(code));
                        }
                    }
                }
                scan.cell_styles = Vec::new();
                (cells, Some(scan))
            }
            None => {
                let mut cells = Vec::new();
                let mut reader = book
                    .worksheet_cells_reader(&meta.name)
                    .map_err(xlsx_error)?;
                while let Some(record) = reader.next_cell_with_formula().map_err(xlsx_error)? {
                    let formula = record.formula.filter(|f| !f.is_empty());
                    let value = value_of_ref(&record.value);
                    if value == Value::Empty && formula.is_none() {
                        continue;
                    }
                    push_cell(&mut cells, &meta.name, record.pos, value, formula, limits)?;
                }
                drop(reader);
                // Number formats and merged ranges come from a byte scan of the sheet
                // (calamine offers values with formulas or values with style ids, never
                // both in one pass); calamine's own passes are the fallback when the scan
                // cannot follow the part.
                let scanned = part_of(meta)
                    .zip(package.as_mut())
                    .and_then(|(part, package)| xlsx_scan::scan_sheet(package, part, with_styles));
                (cells, scanned)
            }
        };
        sort_cells(&mut cells);
        let mut set_format = |at: CellRef, style: usize| {
            let Some(Some(code)) = palette.get(style) else {
                return;
            };
            if let Ok(i) = cells.binary_search_by(|cell| cell.at.cmp(&at)) {
                if let Some(cell) = cells.get_mut(i) {
                    cell.number_format = Some(Arc::clone(code));
                }
            }
        };
        let merges = match scanned {
            Some(scan) => {
                if with_styles {
                    for (at, style) in scan.styles {
                        set_format(at, style);
                    }
                }
                scan.merges
            }
            None => {
                if with_styles {
                    let mut reader = book
                        .worksheet_cells_reader(&meta.name)
                        .map_err(xlsx_error)?;
                    while let Some((row, col, style)) =
                        reader.next_style_id().map_err(xlsx_error)?
                    {
                        set_format(CellRef::new(row, col), style);
                    }
                }
                book.merge_cells_by_sheet_name(&meta.name)
                    .map_err(xlsx_error)?
                    .iter()
                    .map(range_of)
                    .collect()
            }
        };
        sheets.push(sheet_of(meta, cells, merges));
    }
    Ok(RawBook {
        format,
        sheets,
        defined_names,
        is_1904,
        full_calc_on_load,
    })
}

/// The number format code of each of the workbook's cell styles, by style id; `None` for
/// General (which says nothing) and styles without one.
fn number_formats(
    book: &mut Xlsx<Cursor<&[u8]>>,
    sheet: &str,
) -> Result<Vec<Option<Arc<str>>>, ReadError> {
    Ok(book
        .worksheet_cells_reader(sheet)
        .map_err(xlsx_error)?
        .styles()
        .iter()
        .map(|style| {
            style
                .number_format
                .as_ref()
                .map(|f| f.format_code.as_str())
                .filter(|code| !code.is_empty() && !code.eq_ignore_ascii_case("general"))
                .map(Arc::from)
        })
        .collect())
}

/// Reads an Excel binary workbook (xlsb), streaming its cells.
pub(crate) fn read_xlsb(bytes: &[u8], limits: &Limits) -> Result<RawBook, ReadError> {
    let mut book = Xlsb::new(Cursor::new(bytes)).map_err(xlsb_error)?;
    let is_1904 = book.has_1904_epoch();
    let metadata: Vec<calamine::Sheet> = book.sheets_metadata().to_vec();
    let defined_names = book.defined_names().to_vec();
    let mut sheets = Vec::new();
    for meta in metadata.iter().filter(|m| m.typ == SheetType::WorkSheet) {
        let mut cells = Vec::new();
        {
            let mut reader = book
                .worksheet_cells_reader(&meta.name)
                .map_err(xlsb_error)?;
            while let Some(cell) = reader.next_cell().map_err(xlsb_error)? {
                let value = value_of_ref(cell.get_value());
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
        {
            let mut reader = book
                .worksheet_cells_reader(&meta.name)
                .map_err(xlsb_error)?;
            while let Some(formula) = reader.next_formula().map_err(xlsb_error)? {
                attach_formula(&mut cells, formula.get_position(), formula.get_value());
            }
        }
        sheets.push(sheet_of(meta, cells, Vec::new()));
    }
    Ok(RawBook {
        format: SourceFormat::Xlsb,
        sheets,
        defined_names,
        is_1904,
        full_calc_on_load: false,
    })
}

/// Reads an Excel 97-2003 workbook (BIFF8).
pub(crate) fn read_xls(bytes: &[u8], limits: &Limits) -> Result<RawBook, ReadError> {
    let mut book = Xls::new(Cursor::new(bytes)).map_err(xls_error)?;
    let is_1904 = book.has_1904_epoch();
    let metadata: Vec<calamine::Sheet> = book.sheets_metadata().to_vec();
    let defined_names = book.defined_names().to_vec();
    let mut sheets = Vec::new();
    for meta in metadata.iter().filter(|m| m.typ == SheetType::WorkSheet) {
        let range = book.worksheet_range(&meta.name).map_err(xls_error)?;
        let formulas = book.worksheet_formula(&meta.name).map_err(xls_error)?;
        let merges = book
            .merge_cells_by_sheet_name(&meta.name)
            .map_err(xls_error)?
            .iter()
            .map(range_of)
            .collect();
        let cells = cells_of_ranges(&meta.name, &range, &formulas, limits)?;
        sheets.push(sheet_of(meta, cells, merges));
    }
    Ok(RawBook {
        format: SourceFormat::Xls,
        sheets,
        defined_names,
        is_1904,
        full_calc_on_load: false,
    })
}

/// Reads an OpenDocument spreadsheet.
pub(crate) fn read_ods(bytes: &[u8], limits: &Limits) -> Result<RawBook, ReadError> {
    let mut book = Ods::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::OdsError::Password => ReadError::Encrypted,
        other => ReadError::Corrupt(other.to_string()),
    })?;
    let metadata: Vec<calamine::Sheet> = book.sheets_metadata().to_vec();
    let defined_names = book.defined_names().to_vec();
    let mut merges_by_sheet = super::ods_merges::ods_merges(bytes);
    let mut sheets = Vec::new();
    for meta in &metadata {
        let range = book
            .worksheet_range(&meta.name)
            .map_err(|e| ReadError::Corrupt(e.to_string()))?;
        let formulas = book
            .worksheet_formula(&meta.name)
            .map_err(|e| ReadError::Corrupt(e.to_string()))?;
        let mut cells = cells_of_ranges(&meta.name, &range, &formulas, limits)?;
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
        sheets.push(sheet_of(meta, cells, merges));
    }
    Ok(RawBook {
        format: SourceFormat::Ods,
        sheets,
        defined_names,
        is_1904: false,
        full_calc_on_load: false,
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

/// A model sheet from calamine's metadata and the cells and merges read for it.
fn sheet_of(meta: &calamine::Sheet, mut cells: Vec<Cell>, merges: Vec<CellRange>) -> Sheet {
    // The cells grew by doubling; a big sheet would keep up to half as much again unused.
    cells.shrink_to_fit();
    Sheet {
        name: meta.name.clone(),
        hidden: meta.visible != SheetVisible::Visible,
        cells,
        merges,
    }
}

fn offset(row0: u32, col0: u32, row: usize, col: usize) -> (u32, u32) {
    let row = u32::try_from(row).unwrap_or(u32::MAX);
    let col = u32::try_from(col).unwrap_or(u32::MAX);
    (row0.saturating_add(row), col0.saturating_add(col))
}

fn push_cell(
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
fn sort_cells(cells: &mut Vec<Cell>) {
    if !cells.windows(2).all(|w| matches!(w, [a, b] if a.at < b.at)) {
        cells.sort_by_key(|cell| cell.at);
        cells.dedup_by_key(|cell| cell.at);
    }
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

fn range_of(dims: &calamine::Dimensions) -> CellRange {
    CellRange {
        first: CellRef::new(dims.start.0, dims.start.1),
        last: CellRef::new(dims.end.0, dims.end.1),
    }
}

/// An f64 as the exact decimal it was written as: Rust prints the shortest text that reads
/// back to the same f64, which is what the file stored (`96.1`, not `96.09999…`).
pub(crate) fn decimal_of_f64(value: f64) -> Value {
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

fn value_of_ref(data: &DataRef<'_>) -> Value {
    match data {
        DataRef::Int(i) => Value::Number(Decimal::from(*i)),
        DataRef::Float(f) => decimal_of_f64(*f),
        DataRef::String(s) => Value::Text(s.as_str().into()),
        DataRef::SharedString(s) => Value::Text((*s).into()),
        DataRef::Bool(b) => Value::Bool(*b),
        // Kept as the serial number; the number format (read later) says it is a date.
        DataRef::DateTime(dt) => decimal_of_f64(dt.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => iso_date(s),
        DataRef::Error(e) => Value::Error(e.to_string().into()),
        DataRef::Empty => Value::Empty,
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

/// `2022-09-15` or `2022-09-15T00:00:00` as a date; anything else stays text.
pub(crate) fn iso_date(text: &str) -> Value {
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

fn xlsx_error(error: XlsxError) -> ReadError {
    match error {
        XlsxError::Password => ReadError::Encrypted,
        other => ReadError::Corrupt(other.to_string()),
    }
}

fn xlsb_error(error: XlsbError) -> ReadError {
    match error {
        XlsbError::Password => ReadError::Encrypted,
        other => ReadError::Corrupt(other.to_string()),
    }
}

fn xls_error(error: XlsError) -> ReadError {
    match error {
        XlsError::Password => ReadError::Encrypted,
        other => ReadError::Corrupt(other.to_string()),
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

    /// The workbook read by the one-scan reader and by calamine's passes alone.
    fn both_ways(bytes: &[u8]) -> (Vec<Sheet>, Vec<Sheet>) {
        let (fast, slow) = read_both(bytes);
        (
            fast.expect("one scan").sheets,
            slow.expect("calamine").sheets,
        )
    }

    /// What the one-scan reader and calamine's passes alone make of the workbook.
    fn read_both(bytes: &[u8]) -> (Result<RawBook, ReadError>, Result<RawBook, ReadError>) {
        let read = |one_scan| {
            read_xlsx_with(
                bytes,
                SourceFormat::Xlsx,
                &Limits::default(),
                one_scan,
                &mut Unmeasured::default(),
            )
        };
        (read(true), read(false))
    }

    /// Whether every sheet of `bytes` is read by the one scan (rather than by calamine).
    fn read_in_one_scan(bytes: &[u8]) -> bool {
        let mut package = xlsx_scan::Package::new(Cursor::new(bytes)).expect("zip");
        let strings = xlsx_cells::shared_strings(&mut package);
        let parts = xlsx_scan::sheet_parts(&mut package).expect("parts");
        strings.is_some_and(|strings| {
            parts.iter().all(|(_, part)| {
                xlsx_scan::read_sheet(
                    &mut package,
                    part,
                    &strings,
                    &Limits {
                        max_cells_per_sheet: u64::MAX,
                        ..Limits::default()
                    },
                    &mut Unmeasured::default(),
                )
                .ok()
                .flatten()
                .is_some()
            })
        })
    }

    /// `bytes` with its first sheet's XML replaced by `sheet`.
    fn with_sheet_xml(bytes: &[u8], sheet: &str) -> Vec<u8> {
        use std::io::{Read, Write};
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).expect("entry");
            let name = entry.name().expect("name").to_string();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).expect("inflate");
            if name == "xl/worksheets/sheet1.xml" {
                content = sheet.as_bytes().to_vec();
            }
            writer
                .start_file(name, zip::write::SimpleFileOptions::default())
                .expect("start");
            writer.write_all(&content).expect("write");
        }
        writer.finish().expect("finish").into_inner()
    }

    /// A workbook with every kind of value rust_xlsxwriter writes.
    fn every_kind_of_value() -> Vec<u8> {
        use rust_xlsxwriter::{Format, Formula, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let bold = Format::new().set_bold();
        let percent = Format::new().set_num_format("0.0%");
        let date = Format::new().set_num_format("dd/mm/yyyy");
        let numbers = [
            0.0,
            -0.0,
            1.5,
            96.1,
            1e-7,
            1.2345678901234567e17,
            0.1 + 0.2,
            -42.0,
        ];
        for (row, number) in (0u32..).zip(numbers) {
            sheet.write_number(row, 0, number).unwrap();
            sheet
                .write_number_with_format(row, 1, number, &percent)
                .unwrap();
        }
        let texts = [
            "Đồng Tháp",
            "  lề  ",
            "a & b <c> \"d\"",
            "dòng\nhai",
            "1.845",
            "96,1%",
            "",
        ];
        for (row, text) in (0u32..).zip(texts) {
            sheet.write_string(row, 2, text).unwrap();
        }
        sheet
            .write_rich_string(0, 3, &[(&bold, "Tổng "), (&Format::default(), "cộng")])
            .unwrap();
        sheet.write_boolean(1, 3, true).unwrap();
        sheet.write_boolean(2, 3, false).unwrap();
        sheet
            .write_formula(3, 3, Formula::new("=A1+A2").set_result("1.5"))
            .unwrap();
        sheet
            .write_formula(4, 3, Formula::new("=\"a\"&\"<b>\"").set_result("a<b>"))
            .unwrap();
        sheet
            .write_formula(5, 3, Formula::new("=1/0").set_result("#DIV/0!"))
            .unwrap();
        sheet.write_formula(6, 3, "=SUM(A1:A8)").unwrap();
        sheet
            .write_number_with_format(7, 3, 44819.0, &date)
            .unwrap();
        sheet.write_blank(8, 3, &bold).unwrap();
        sheet.merge_range(10, 0, 10, 3, "Gộp", &bold).unwrap();
        let second = book.add_worksheet().set_name("Hai").unwrap();
        second.write_string(0, 0, "Đồng Tháp").unwrap();
        second.write_number(1_000, 20, 7.0).unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn the_one_scan_reads_what_calamine_reads() {
        let mut files: Vec<(String, Vec<u8>)> = vec![("every kind".into(), every_kind_of_value())];
        for dir in ["tests/fixtures", "examples"] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "xlsx") {
                    files.push((path.display().to_string(), std::fs::read(&path).unwrap()));
                }
            }
        }
        let mut scanned = 0;
        for (name, bytes) in &files {
            if calamine::Xlsx::new(Cursor::new(bytes.as_slice())).is_err() {
                continue;
            }
            let (fast, slow) = both_ways(bytes);
            assert_eq!(fast, slow, "{name}");
            assert!(read_in_one_scan(bytes), "{name} was not read in one scan");
            scanned += fast.iter().map(|s| s.cells.len()).sum::<usize>();
        }
        assert!(scanned > 1_500, "{scanned}");
    }

    #[test]
    fn the_one_scan_follows_hand_written_xml_or_leaves_it_to_calamine() {
        let base = every_kind_of_value();
        let sheet = |cells: &str| {
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:E9"/><sheetData>{cells}</sheetData><mergeCells count="1"><mergeCell ref="A9:B9"/></mergeCells></worksheet>"#
            )
        };
        // Shared formulas, inline strings (runs, phonetic text, preserved spaces,
        // entities), every type, cells and rows without addresses, empty cells.
        let followed = sheet(concat!(
            r#"<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2+$A$1</f><v>6</v></c><c r="C1" t="inlineStr"><is><r><rPr><b/></rPr><t xml:space="preserve"> Tổng </t></r><r><t>cộng &amp; x</t></r><rPh sb="0" eb="1"><t>フ</t></rPh></is></c></row>"#,
            r#"<row r="2"><c r="A2"><v>3.25</v></c><c r="B2"><f t="shared" si="0"/><v>8.5</v></c><c t="inlineStr"><is><t>  ngắn  </t></is></c><c t="b"><v>true</v></c></row>"#,
            r#"<row><c r="A3" t="e"><v>#N/A</v></c><c r="B3"><f t="shared" si="0"/><v>0</v></c><c r="C3" t="str"><f>"x"&amp;"y"</f><v>x&amp;y</v></c><c r="D3" t="d"><v>2022-09-15T00:00:00</v></c></row>"#,
            r#"<row r="5"><c r="A5" s="1"/><c r="B5" t="s"><v>0</v></c><c r="C5" t="n"><v>-1.5E-3</v></c><c r="D5"><f>SUM(A1:A2)</f></c><c r="E5" t="inlineStr"><is/></c></row>"#,
        ));
        let bytes = with_sheet_xml(&base, &followed);
        let (fast, slow) = both_ways(&bytes);
        assert_eq!(fast, slow);
        assert!(read_in_one_scan(&bytes));
        let first = fast.first().expect("a sheet");
        let formula = |at: &str| {
            first
                .cell(CellRef::parse(at).unwrap())
                .and_then(|c| c.formula.clone())
        };
        assert_eq!(formula("B2").as_deref(), Some("A2*2+$A$1"));
        assert_eq!(
            first
                .cell(CellRef::parse("C1").unwrap())
                .map(|c| c.value.clone()),
            Some(Value::Text(" Tổng cộng & x".into()))
        );
        // What the scan leaves to calamine: a `_xHHHH_` escape, a carriage return, a
        // comment inside a cell, an unknown type, text in a number cell.
        for odd in [
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a_x000D_b</t></is></c></row>"#,
            "<row r=\"1\"><c r=\"A1\" t=\"str\"><v>a\r\nb</v></c></row>",
            r#"<row r="1"><c r="A1"><!-- note --><v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1" t="x"><v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1"><v>abc</v></c><c r="B1"><v> 2 </v></c></row>"#,
        ] {
            let bytes = with_sheet_xml(&base, &sheet(odd));
            assert!(!read_in_one_scan(&bytes), "{odd}");
            match read_both(&bytes) {
                (Ok(fast), Ok(slow)) => assert_eq!(fast.sheets, slow.sheets, "{odd}"),
                (Err(fast), Err(slow)) => assert_eq!(fast.to_string(), slow.to_string()),
                (fast, slow) => panic!("{odd}: {:?} vs {:?}", fast.is_ok(), slow.is_ok()),
            }
        }
    }

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
