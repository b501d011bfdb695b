//! Reading: every format of the samples into the one model, numbers as offices write them,
//! formulas with cached values, merges, number formats, stale values, and bad input.

use std::collections::BTreeMap;

use crossfoot::{read_workbook, ReadError, Reading, SourceFormat, Value, Workbook};
use rust_decimal::Decimal;
use rust_xlsxwriter::{Formula, Workbook as XlsxWriter};

use crate::common::{at, read_fixture};

fn number(book: &Workbook, sheet: usize, a1: &str) -> Option<Decimal> {
    match &book.sheets.get(sheet)?.cell(at(a1))?.reading {
        Reading::Number(q) => Some(q.value),
        Reading::Ambiguous { primary, .. } => Some(primary.value),
        _ => None,
    }
}

#[test]
fn indicator_appendix_reads_vietnamese_text_numbers() {
    let book = read_fixture("phu-luc-cchc-q3-2022.xlsx");
    assert_eq!(book.format, SourceFormat::Xlsx);
    assert_eq!(book.convention, crossfoot::Convention::Vietnamese);
    let sheet = &book.sheets[0];
    assert_eq!(sheet.name, "Phụ lục");

    let d25 = sheet.cell(at("D25")).unwrap();
    assert_eq!(d25.value, Value::Text("203.566".into()));
    match &d25.reading {
        Reading::Number(q) => {
            assert_eq!(q.value, Decimal::from(203_566));
            assert!(q.from_text, "stored as text");
            assert_eq!(q.decimals, 0);
        }
        other => panic!("D25 read as {other:?}"),
    }
    match &sheet.cell(at("D39")).unwrap().reading {
        Reading::Number(q) => {
            assert_eq!(q.value, Decimal::new(961, 1));
            assert_eq!(q.decimals, 1);
            assert!(q.from_text);
        }
        other => panic!("D39 read as {other:?}"),
    }
    // 2491 (no separator) is a number either way.
    assert_eq!(number(&book, 0, "D33"), Some(Decimal::from(2491)));
    // A numeric cell keeps its format's precision.
    match &sheet.cell(at("D48")).unwrap().reading {
        Reading::Number(q) => {
            assert_eq!(q.value, Decimal::new(703, 1));
            assert_eq!(q.decimals, 1);
            assert!(!q.from_text);
        }
        other => panic!("D48 read as {other:?}"),
    }
    // A date typed as text is not a number.
    assert_eq!(sheet.cell(at("D17")).unwrap().reading, Reading::NotNumber);
}

#[test]
fn form_06_has_formulas_cached_values_merges_and_formats() {
    let book = read_fixture("tthc-06-q3-2022.xlsx");
    let sheet = &book.sheets[0];
    assert_eq!(sheet.name, "06");
    let d9 = sheet.cell(at("D9")).unwrap();
    assert_eq!(d9.formula.as_deref(), Some("D10+D27+D40"));
    assert_eq!(d9.value, Value::Number(Decimal::from(42_360)));
    let c10 = sheet.cell(at("C10")).unwrap();
    assert_eq!(c10.formula.as_deref(), Some("SUM(C11:C26)"));
    let merges: Vec<String> = sheet.merges.iter().map(|m| m.to_string()).collect();
    for expected in ["A5:A7", "C5:F5", "G6:J6", "N5:N7"] {
        assert!(
            merges.contains(&expected.to_string()),
            "{expected} in {merges:?}"
        );
    }
    assert_eq!(
        sheet.cell(at("C11")).unwrap().number_format.as_deref(),
        Some("#,##0")
    );
    assert_eq!(
        sheet.cell(at("N9")).unwrap().number_format.as_deref(),
        Some("0.0")
    );
    // Labels look through merges to their top-left cell.
    assert_eq!(sheet.label(at("E5")), "Số hồ sơ nhận giải quyết");
}

/// Every number of the 06 table keyed by the row's label and the column's header number.
fn numbers_by_label(book: &Workbook) -> BTreeMap<(String, u32), Decimal> {
    let sheet = &book.sheets[0];
    let mut out = BTreeMap::new();
    let label_col = 1;
    for cell in &sheet.cells {
        let label = sheet.label(crossfoot::CellRef::new(cell.at.row, label_col));
        if label.is_empty() || cell.at.col < 2 {
            continue;
        }
        let value = match &cell.reading {
            Reading::Number(q) => q.value,
            Reading::Ambiguous { primary, .. } => primary.value,
            _ => continue,
        };
        out.insert((label, cell.at.col), value.normalize());
    }
    out
}

#[test]
fn the_06_form_reads_to_the_same_numbers_in_every_format() {
    let xlsx = numbers_by_label(&read_fixture("tthc-06-q3-2022.xlsx"));
    assert!(xlsx.len() > 400, "{} numbers", xlsx.len());
    for (name, format) in [
        ("tthc-06-q3-2022.xls", SourceFormat::Xls),
        ("tthc-06-q3-2022.ods", SourceFormat::Ods),
        ("tthc-06-q3-2022-html.xls", SourceFormat::Html),
    ] {
        let book = read_fixture(name);
        assert_eq!(book.format, format, "{name}");
        let other = numbers_by_label(&book);
        assert_eq!(other, xlsx, "{name} reads to different numbers");
    }
}

#[test]
fn html_export_numbers_are_vietnamese_and_not_flagged_as_text() {
    let book = read_fixture("tthc-06-q3-2022-html.xls");
    assert_eq!(book.convention, crossfoot::Convention::Vietnamese);
    let sheet = &book.sheets[0];
    let grand_total = sheet
        .cells
        .iter()
        .find(|c| c.value.as_text() == Some("TỔNG CỘNG"))
        .expect("grand total row");
    let received = sheet
        .cell(crossfoot::CellRef::new(grand_total.at.row, 2))
        .unwrap();
    match &received.reading {
        Reading::Number(q) => {
            assert_eq!(q.value, Decimal::from(203_566));
            assert!(!q.from_text, "HTML numbers are text by nature");
        }
        other => panic!("{other:?}"),
    }
    assert!(!sheet.merges.is_empty(), "rowspan/colspan become merges");
}

#[test]
fn recomputing_the_06_sample_finds_no_stale_value() {
    let book = read_fixture("tthc-06-q3-2022.xlsx");
    let recomputed = crossfoot::recompute(&book);
    assert_eq!(recomputed.len(), 88, "section, total and rate formulas");
    let stale: Vec<_> = recomputed
        .iter()
        .filter(|r| matches!(r.outcome, crossfoot::RecalcOutcome::Stale { .. }))
        .collect();
    assert!(stale.is_empty(), "{stale:?}");
}

#[test]
fn one_wrong_cached_value_is_found_at_its_cell() {
    let mut writer = XlsxWriter::new();
    let sheet = writer.add_worksheet();
    sheet.write_number(0, 0, 10).unwrap();
    sheet.write_number(1, 0, 20).unwrap();
    sheet.write_number(2, 0, 30).unwrap();
    sheet
        .write_formula(3, 0, Formula::new("=SUM(A1:A3)").set_result("60"))
        .unwrap();
    sheet
        .write_formula(4, 0, Formula::new("=A1+A2").set_result("31"))
        .unwrap();
    // Saved as a spreadsheet program saves in manual calculation; rust_xlsxwriter's default
    // asks for a recalculation on load, which makes saved values placeholders.
    writer.set_calculation_mode(rust_xlsxwriter::CalculationMode::Manual);
    let bytes = writer.save_to_buffer().unwrap();
    let book = read_workbook(&bytes, "stale.xlsx").unwrap();
    let stale: Vec<String> = crossfoot::recompute(&book)
        .iter()
        .filter(|r| matches!(r.outcome, crossfoot::RecalcOutcome::Stale { .. }))
        .map(|r| r.cell.to_string())
        .collect();
    assert_eq!(stale, vec!["A5".to_string()]);
}

#[test]
fn bad_input_gives_a_typed_error() {
    assert_eq!(
        read_workbook(b"", "empty.xlsx").unwrap_err(),
        ReadError::Empty
    );
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_eq!(
        read_workbook(&random, "random.xlsx").unwrap_err(),
        ReadError::NotAWorkbook
    );
    assert_eq!(
        read_workbook(b"Hello, this is a text file.\n", "notes.xlsx").unwrap_err(),
        ReadError::NotAWorkbook
    );
    let whole = std::fs::read(crate::common::fixture("tthc-06-q3-2022.xlsx")).unwrap();
    for cut in [10, 100, whole.len() / 2, whole.len() - 10] {
        let error = read_workbook(&whole[..cut], "truncated.xlsx").unwrap_err();
        assert!(
            matches!(error, ReadError::Corrupt(_)),
            "cut at {cut}: {error:?}"
        );
    }
    let xls = std::fs::read(crate::common::fixture("tthc-06-q3-2022.xls")).unwrap();
    let error = read_workbook(&xls[..xls.len() / 2], "truncated.xls").unwrap_err();
    assert!(matches!(error, ReadError::Corrupt(_)), "{error:?}");
}

#[test]
fn an_encrypted_workbook_says_so() {
    let bytes = std::fs::read(crate::common::fixture("encrypted.xlsx")).unwrap();
    assert_eq!(
        read_workbook(&bytes, "encrypted.xlsx").unwrap_err(),
        ReadError::Encrypted
    );
}

#[test]
fn a_sheet_claiming_the_whole_grid_costs_only_its_cells() {
    let mut writer = XlsxWriter::new();
    let sheet = writer.add_worksheet();
    sheet.write_number(0, 0, 1).unwrap();
    sheet.write_number(1_048_575, 16_383, 2).unwrap();
    let bytes = writer.save_to_buffer().unwrap();
    let book = read_workbook(&bytes, "corners.xlsx").unwrap();
    let cells: Vec<String> = book.sheets[0]
        .cells
        .iter()
        .map(|c| c.at.to_string())
        .collect();
    assert_eq!(cells, vec!["A1".to_string(), "XFD1048576".to_string()]);
}

#[test]
fn dates_are_dates_whether_serial_or_text() {
    let mut writer = XlsxWriter::new();
    let sheet = writer.add_worksheet();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2022, 9, 15).unwrap();
    let format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    sheet
        .write_datetime_with_format(0, 0, &date, &format)
        .unwrap();
    sheet
        .write_string(1, 0, "Đồng Tháp, ngày 15 tháng 9 năm 2022")
        .unwrap();
    let bytes = writer.save_to_buffer().unwrap();
    let book = read_workbook(&bytes, "dates.xlsx").unwrap();
    let expected = crossfoot::Date {
        year: 2022,
        month: 9,
        day: 15,
    };
    assert_eq!(
        book.sheets[0].cell(at("A1")).unwrap().value,
        Value::Date(expected)
    );
    let text = book.sheets[0].cell(at("A2")).unwrap();
    assert_eq!(
        text.reading,
        Reading::NotNumber,
        "a dated place line is not a number"
    );
    assert_eq!(
        crossfoot::dates_in_text(text.value.as_text().unwrap()),
        vec![expected]
    );
}
