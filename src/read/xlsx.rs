//! The xlsx (and xlsm) reader: the one entry to reading an Office Open XML workbook. It
//! finds the workbook's sheets and their parts through the package's relationships
//! ([`crate::ooxml`]), reads each sheet in one byte scan ([`super::xlsx_scan`], or in
//! blocks on every core, `xlsx_blocks`) and falls back on calamine's passes for
//! any sheet the scans cannot follow. The scans read cells through [`super::xlsx_cells`];
//! none of them calls back up here. Each sheet's notes come from its comments part
//! ([`super::xlsx_notes`]).

use std::io::Cursor;
use std::sync::Arc;

use calamine::{Reader, SheetType, Xlsx};

use crate::error::ReadError;
use crate::limits::Limits;
use crate::model::{Cell, CellRange, CellRef, SourceFormat, Value};
use crate::ooxml::{archive_text, Archive, WorkbookPart};

use super::guard::Unmeasured;
use super::raw_book::{
    push_cell, range_of, read_error, read_worksheets, sort_cells, value_of_ref, RawBook,
    SharedTexts,
};
use super::xlsx_cells;
use super::xlsx_notes;
use super::xlsx_scan::{self, SheetScan};

/// Reads a zipped Office Open XML workbook (xlsx or xlsm).
/// The sheet parts the package guard left unmeasured (`unmeasured`) are measured by the
/// one-scan reader as it reads them, or by the guard before calamine touches them.
pub(super) fn read_xlsx(
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
    let book = Xlsx::new(Cursor::new(bytes)).map_err(read_error)?;
    let is_1904 = book.has_1904_epoch();
    let worksheets: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|m| m.typ == SheetType::WorkSheet)
        .map(|m| m.name.clone())
        .collect();
    // One archive for the scans of every sheet (calamine keeps its own).
    let mut package = Archive::new(Cursor::new(bytes)).ok();
    let workbook = package
        .as_mut()
        .and_then(|archive| WorkbookPart::read(|part| archive_text(archive, part)).ok());
    let parts = workbook
        .as_ref()
        .map(WorkbookPart::sheet_parts)
        .unwrap_or_default();
    let full_calc_on_load = workbook.as_ref().is_some_and(|w| w.full_calc_on_load);
    let strings_part = workbook
        .as_ref()
        .map(|w| xlsx_cells::shared_strings_part(&w.part))
        .unwrap_or_default();
    // The shared strings, read on the first sheet the one-scan reader takes.
    let mut strings: Option<Option<Vec<Arc<str>>>> = None;
    let part_of = |sheet: &str| {
        parts
            .iter()
            .find(|(name, _)| name == sheet)
            .map(|(_, part)| part.as_str())
    };
    // Every sheet read in one byte scan first (values, formulas, styles, merges), each
    // part measured as it is read; calamine's passes for those the scan cannot follow.
    let mut scans = Vec::with_capacity(worksheets.len());
    for sheet in &worksheets {
        let read_whole = match part_of(sheet).filter(|_| one_scan).zip(package.as_mut()) {
            Some((part, package)) => {
                let strings = strings
                    .get_or_insert_with(|| xlsx_cells::shared_strings(package, &strings_part));
                match strings.as_deref() {
                    Some(strings) => read_sheet(package, part, strings, limits, unmeasured)?,
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
    let mut scans = scans.into_iter();
    let mut palette: Option<Vec<Option<Arc<str>>>> = None;
    let mut raw = read_worksheets(book, format, is_1904, |book, meta| {
        let scan_part = package.as_mut().zip(part_of(&meta.name));
        let read_whole = scans.next().flatten();
        cells_and_merges(book, meta, read_whole, &mut palette, scan_part, limits)
    })?;
    raw.full_calc_on_load = full_calc_on_load;
    // The notes people left on cells, read from each sheet's comments part.
    if let Some(archive) = package.as_mut() {
        for sheet in &mut raw.sheets {
            if let Some(part) = part_of(&sheet.name) {
                sheet.notes = xlsx_notes::sheet_notes(archive, part, limits);
            }
        }
    }
    Ok(raw)
}

/// One worksheet's cells (with their number formats) and merged ranges: what the one
/// scan read (`read_whole`), else calamine's cells with the styles and merged ranges a
/// byte scan of its part finds (`scan_part`), else calamine's passes alone. `palette`
/// keeps the workbook's number formats, read on the first sheet.
fn cells_and_merges(
    book: &mut Xlsx<Cursor<&[u8]>>,
    meta: &calamine::Sheet,
    read_whole: Option<SheetScan>,
    palette: &mut Option<Vec<Option<Arc<str>>>>,
    scan_part: Option<(&mut Archive<'_>, &str)>,
    limits: &Limits,
) -> Result<(Vec<Cell>, Vec<CellRange>), ReadError> {
    // The styles are the workbook's: read them once, through the first sheet.
    if palette.is_none() {
        *palette = Some(number_formats(book, &meta.name)?);
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
            let cells = cells_with_formulas(book, &meta.name, limits)?;
            // Number formats and merged ranges come from a byte scan of the sheet
            // (calamine offers values with formulas or values with style ids, never
            // both in one pass); calamine's own passes are the fallback when the scan
            // cannot follow the part.
            let scanned = scan_part
                .and_then(|(package, part)| xlsx_scan::scan_sheet(package, part, with_styles));
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
                    .map_err(read_error)?;
                while let Some((row, col, style)) = reader.next_style_id().map_err(read_error)? {
                    set_format(CellRef::new(row, col), style);
                }
            }
            merged_ranges(book, &meta.name)?
        }
    };
    Ok((cells, merges))
}

/// A sheet's cells, values with their formulas, through calamine.
fn cells_with_formulas(
    book: &mut Xlsx<Cursor<&[u8]>>,
    sheet: &str,
    limits: &Limits,
) -> Result<Vec<Cell>, ReadError> {
    let mut cells = Vec::new();
    let mut shared = SharedTexts::default();
    let mut reader = book.worksheet_cells_reader(sheet).map_err(read_error)?;
    while let Some(record) = reader.next_cell_with_formula().map_err(read_error)? {
        let formula = record.formula.filter(|f| !f.is_empty());
        let value = value_of_ref(&record.value, &mut shared);
        if value == Value::Empty && formula.is_none() {
            continue;
        }
        push_cell(&mut cells, sheet, record.pos, value, formula, limits)?;
    }
    Ok(cells)
}

/// A sheet's merged ranges, through calamine.
fn merged_ranges(book: &mut Xlsx<Cursor<&[u8]>>, sheet: &str) -> Result<Vec<CellRange>, ReadError> {
    Ok(book
        .merge_cells_by_sheet_name(sheet)
        .map_err(read_error)?
        .iter()
        .map(range_of)
        .collect())
}

/// The number format code of each of the workbook's cell styles, by style id; `None` for
/// General (which says nothing) and styles without one.
fn number_formats(
    book: &mut Xlsx<Cursor<&[u8]>>,
    sheet: &str,
) -> Result<Vec<Option<Arc<str>>>, ReadError> {
    Ok(book
        .worksheet_cells_reader(sheet)
        .map_err(read_error)?
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

/// Reads one sheet part whole: in blocks on every core when it is big (feature
/// `parallel`), else in one scan; `None` when neither can follow it and calamine must
/// read it. A part the package guard left to this reader (`unmeasured`) is measured as it
/// inflates.
///
/// # Errors
/// What the package guard would have found in a part left to this reader.
fn read_sheet(
    archive: &mut Archive<'_>,
    part: &str,
    strings: &[Arc<str>],
    limits: &Limits,
    unmeasured: &mut Unmeasured,
) -> Result<Option<SheetScan>, ReadError> {
    #[cfg(feature = "parallel")]
    if let Some(found) = super::xlsx_blocks::read_sheet(archive, part, strings, limits, unmeasured)?
    {
        return Ok(Some(found));
    }
    xlsx_scan::read_sheet(archive, part, strings, limits, unmeasured)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Sheet;

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
        let mut package = Archive::new(Cursor::new(bytes)).expect("zip");
        let workbook =
            WorkbookPart::read(|part| archive_text(&mut package, part)).expect("workbook part");
        let strings = xlsx_cells::shared_strings(
            &mut package,
            &xlsx_cells::shared_strings_part(&workbook.part),
        );
        let parts = workbook.sheet_parts();
        !parts.is_empty()
            && strings.is_some_and(|strings| {
                parts.iter().all(|(_, part)| {
                    read_sheet(
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

    /// `bytes` with each entry's name and content as `rewrite` makes them.
    fn rewritten(bytes: &[u8], rewrite: impl Fn(String, Vec<u8>) -> (String, Vec<u8>)) -> Vec<u8> {
        use std::io::{Read, Write};
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).expect("entry");
            let name = entry.name().expect("name").to_string();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).expect("inflate");
            let (name, content) = rewrite(name, content);
            writer
                .start_file(name, zip::write::SimpleFileOptions::default())
                .expect("start");
            writer.write_all(&content).expect("write");
        }
        writer.finish().expect("finish").into_inner()
    }

    /// `bytes` with its first sheet's XML replaced by `sheet`.
    fn with_sheet_xml(bytes: &[u8], sheet: &str) -> Vec<u8> {
        rewritten(bytes, |name, content| {
            if name == "xl/worksheets/sheet1.xml" {
                (name, sheet.as_bytes().to_vec())
            } else {
                (name, content)
            }
        })
    }

    /// A workbook part elsewhere than `xl/workbook.xml`, where `_rels/.rels` says it is,
    /// is read in one scan as calamine reads it (the shared strings beside it).
    #[test]
    fn a_workbook_part_where_the_package_relationships_put_it_reads_in_one_scan() {
        let original = every_kind_of_value();
        let moved = rewritten(&original, |name, content| {
            let text = String::from_utf8(content).expect("text parts");
            let text = match name.as_str() {
                "_rels/.rels" => text.replace("\"xl/workbook.xml\"", "\"report/workbook.xml\""),
                "[Content_Types].xml" => text.replace("\"/xl/", "\"/report/"),
                _ => text,
            };
            let name = match name.strip_prefix("xl/") {
                Some(rest) => format!("report/{rest}"),
                None => name,
            };
            (name, text.into_bytes())
        });
        let mut package = Archive::new(Cursor::new(moved.as_slice())).expect("zip");
        let workbook = WorkbookPart::read(|part| archive_text(&mut package, part)).expect("read");
        assert_eq!(workbook.part, "report/workbook.xml");
        assert_eq!(workbook.sheet_parts().len(), 2);
        assert!(read_in_one_scan(&moved));
        let (fast, slow) = read_both(&moved);
        let (fast, slow) = (fast.expect("one scan"), slow.expect("calamine"));
        assert_eq!(fast.sheets, slow.sheets);
        let before = read_both(&original).0.expect("one scan");
        assert_eq!(fast.sheets, before.sheets);
        assert_eq!(fast.full_calc_on_load, before.full_calc_on_load);
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

    /// A workbook whose first sheet has notes on B2 and A1 (by rust_xlsxwriter, which
    /// writes the author's name first as Excel does) and whose second has none.
    fn with_notes() -> Vec<u8> {
        use rust_xlsxwriter::{Note, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_number(1, 1, 120_000.0).unwrap();
        sheet
            .insert_note(
                1,
                1,
                &Note::new("funded to 120K & no more").set_author("Lan"),
            )
            .unwrap();
        sheet
            .insert_note(0, 0, &Note::new("Đơn vị: đồng").add_author_prefix(false))
            .unwrap();
        book.add_worksheet().write_number(0, 0, 1.0).unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn each_sheet_carries_the_notes_of_its_comments_part() {
        let (fast, slow) = both_ways(&with_notes());
        assert_eq!(fast, slow);
        let first = fast.first().expect("a sheet");
        let at = |a: &str| CellRef::parse(a).unwrap();
        assert_eq!(first.note(at("B2")), Some("funded to 120K & no more"));
        assert_eq!(first.note(at("A1")), Some("Đơn vị: đồng"));
        assert_eq!(first.note(at("C3")), None);
        assert_eq!(first.notes.len(), 2);
        assert!(fast.get(1).is_some_and(|s| s.notes.is_empty()));
    }

    #[test]
    fn a_notes_part_that_is_malformed_or_too_big_is_left_out_not_an_error() {
        let broken = rewritten(&with_notes(), |name, content| {
            if name == "xl/comments1.xml" {
                (
                    name,
                    b"<comments><commentList><comment ref=\"B2\"><text><t>x</t></text></comment></oops>"
                        .to_vec(),
                )
            } else {
                (name, content)
            }
        });
        let (fast, slow) = read_both(&broken);
        let (fast, slow) = (fast.expect("read"), slow.expect("read"));
        assert_eq!(fast.sheets, slow.sheets);
        assert!(fast.sheets.iter().all(|s| s.notes.is_empty()));
        // The cells are read as before.
        assert_eq!(fast.sheets.first().map(|s| s.cells.len()), Some(1));
        let small = Limits {
            max_notes_bytes: 100,
            ..Limits::default()
        };
        let read = read_xlsx_with(
            &with_notes(),
            SourceFormat::Xlsx,
            &small,
            true,
            &mut Unmeasured::default(),
        )
        .expect("read");
        assert!(read.sheets.iter().all(|s| s.notes.is_empty()));
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
}
