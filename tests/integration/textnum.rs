//! Numbers stored as text: which texts are figures (CF101 names them, with its example a
//! figure a total reads; addresses, ordinals, phrases, codes and years are not), the SUMs
//! that skip them (CF111, at the total, with the amount; a relation broken only by such a
//! total names it and proposes no value over the formula), and the corrected workbook
//! that makes them numbers shown as typed, so a spreadsheet program's SUMs count them
//! (LibreOffice, when installed, opens it and adds them up; the same table saved as ods is
//! rebuilt and corrected alike). Workbooks are written with rust_xlsxwriter and saved as
//! Excel saves them (no recalculation asked on load).

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Formula, Workbook as XlsxWorkbook};

use crossfoot::{
    annotated_workbook, check, fixed_workbook, read_workbook, Applicability, CheckReport, Finding,
    OutputOptions, Reading, Severity, TemplateChoice, Value, Workbook,
};

use crate::common::{at, csv_at, fixture, libreoffice_convert, libreoffice_csv, rezip, zip_parts};

/// The workbook as Excel saves it: rust_xlsxwriter asks for a full recalculation on load,
/// which an office's saved file does not.
fn as_excel_saves(bytes: Vec<u8>) -> Vec<u8> {
    rezip(&bytes, "xl/workbook.xml", |xml| {
        xml.replace(" fullCalcOnLoad=\"1\"", "")
    })
}

/// A unit row: its row, name, code, and its two figures, each as (its text, or "" when
/// typed as a number; its value).
type UnitRow<'a> = (u32, &'a str, &'a str, (&'a str, f64), (&'a str, f64));

/// A unit table whose figures are partly typed as text with a leading apostrophe, as a
/// tool's export or a clerk leaves them, under section subtotals and a grand total that
/// SUM them (Excel skips the text), beside a typed row total:
///
/// | row | A | B (Mã) | C Trực tuyến | D Trực tiếp | E Tổng số |
/// |---|---|---|---|---|---|
/// | 3–5 | units of I | `001`… | 1.200, '1.845, 950 | '2.491, 310, '64 | C + D |
/// | 6 | Cộng I | | `=SUM(C3:C5)` | `=SUM(D3:D5)` | `=SUM(E3:E5)` |
/// | 7–8 | units of II | | 400, 520 | 130, 85 | C + D |
/// | 9 | Cộng II | | `=SUM(C7:C8)` | `=SUM(D7:D8)` | `=SUM(E7:E8)` |
/// | 10 | Tổng cộng | | `=SUM(C6,C9)` | `=SUM(D6,D9)` | `=SUM(E6,E9)` |
///
/// Every cached value is what Excel shows: C6 = 2.150 (not 3.995), D6 = 310 (not 2.865).
fn text_figures_workbook() -> Vec<u8> {
    let mut book = XlsxWorkbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Báo cáo").unwrap();
    let typed = Format::new().set_quote_prefix();
    sheet.write_string(0, 0, "KẾT QUẢ TIẾP NHẬN HỒ SƠ").unwrap();
    for (col, header) in ["Đơn vị", "Mã", "Trực tuyến", "Trực tiếp", "Tổng số"]
        .into_iter()
        .enumerate()
    {
        sheet.write_string(1, col as u16, header).unwrap();
    }
    // (row, unit, code, C, D): each figure as (its text, or "" when typed as a number; value).
    let rows: [UnitRow; 5] = [
        (2, "Sở Tư pháp", "001", ("", 1200.0), ("2.491", 2491.0)),
        (3, "Sở Y tế", "002", ("1.845", 1845.0), ("", 310.0)),
        (4, "Sở Xây dựng", "003", ("", 950.0), ("64", 64.0)),
        (6, "Huyện A", "101", ("", 400.0), ("", 130.0)),
        (7, "Huyện B", "102", ("", 520.0), ("", 85.0)),
    ];
    for (row, unit, code, c, d) in rows {
        sheet.write_string(row, 0, unit).unwrap();
        sheet
            .write_string_with_format(row, 1, code, &typed)
            .unwrap();
        for (col, (text, value)) in [(2u16, c), (3u16, d)] {
            if text.is_empty() {
                sheet.write_number(row, col, value).unwrap();
            } else {
                sheet
                    .write_string_with_format(row, col, text, &typed)
                    .unwrap();
            }
        }
        sheet.write_number(row, 4, c.1 + d.1).unwrap();
    }
    let formula =
        |sheet: &mut rust_xlsxwriter::Worksheet, row: u32, col: u16, text: &str, shown: f64| {
            sheet
                .write_formula(row, col, Formula::new(text).set_result(shown.to_string()))
                .unwrap();
        };
    sheet.write_string(5, 0, "Cộng I").unwrap();
    formula(sheet, 5, 2, "=SUM(C3:C5)", 2150.0);
    formula(sheet, 5, 3, "=SUM(D3:D5)", 310.0);
    formula(sheet, 5, 4, "=SUM(E3:E5)", 6860.0);
    sheet.write_string(8, 0, "Cộng II").unwrap();
    formula(sheet, 8, 2, "=SUM(C7:C8)", 920.0);
    formula(sheet, 8, 3, "=SUM(D7:D8)", 215.0);
    formula(sheet, 8, 4, "=SUM(E7:E8)", 1135.0);
    sheet.write_string(9, 0, "Tổng cộng").unwrap();
    formula(sheet, 9, 2, "=SUM(C6,C9)", 3070.0);
    formula(sheet, 9, 3, "=SUM(D6,D9)", 525.0);
    formula(sheet, 9, 4, "=SUM(E6,E9)", 7995.0);
    as_excel_saves(book.save_to_buffer().unwrap())
}

fn read(bytes: &[u8], name: &str) -> Workbook {
    read_workbook(bytes, name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn checked(bytes: &[u8], name: &str) -> (Workbook, CheckReport) {
    let book = read(bytes, name);
    let report = check(&book, &TemplateChoice::Auto);
    (book, report)
}

fn with_code<'r>(report: &'r CheckReport, code: &str) -> Vec<&'r Finding> {
    report.findings.iter().filter(|f| f.code == code).collect()
}

fn finding_at<'r>(report: &'r CheckReport, code: &str, cell: &str) -> &'r Finding {
    report
        .findings
        .iter()
        .find(|f| f.code == code && f.cell == at(cell))
        .unwrap_or_else(|| panic!("no {code} at {cell}: {:#?}", report.findings))
}

fn dec(value: i64) -> Decimal {
    Decimal::from(value)
}

#[test]
fn a_sum_over_text_figures_is_an_error_at_the_total_with_the_amount() {
    let (_, report) = checked(&text_figures_workbook(), "text-figures.xlsx");

    // One note for the figures typed as text: not the codes, and its example a figure a
    // total reads.
    let notes = with_code(&report, "CF101");
    assert_eq!(notes.len(), 1, "{:#?}", report.findings);
    let note = notes[0];
    assert_eq!(note.severity, Severity::Info);
    assert_eq!(
        note.cell,
        at("D3"),
        "the first figure, which D6's SUM reads"
    );
    let mut named: Vec<String> = std::iter::once(note.cell)
        .chain(note.cells.iter().copied())
        .map(|c| c.to_string())
        .collect();
    named.sort();
    assert_eq!(named, ["C4", "D3", "D5"], "the codes in B are no figures");
    let fix = note.fix.as_ref().expect("the conversion");
    assert_eq!(fix.applicability, Applicability::Safe);
    let shown: Vec<(String, Decimal, &str)> = fix
        .edits
        .iter()
        .map(|e| (e.cell.to_string(), e.value, e.shown.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("D3".to_string(), dec(2491), "2.491"),
            ("C4".to_string(), dec(1845), "1.845"),
            ("D5".to_string(), dec(64), "64"),
        ]
    );

    // The SUMs that skip them: errors at the totals, with the amount and the total with it.
    let c6 = finding_at(&report, "CF111", "C6");
    assert_eq!(c6.severity, Severity::Error);
    assert_eq!(c6.cells, [at("C4")]);
    assert_eq!(c6.actual.as_deref(), Some("2.150"));
    assert_eq!(c6.expected.as_deref(), Some("3.995"));
    assert!(
        c6.message.en.contains("C4") && c6.message.en.contains("1,845"),
        "{}",
        c6.message.en
    );
    assert!(c6.message.vi.contains("bỏ qua"), "{}", c6.message.vi);
    let d6 = finding_at(&report, "CF111", "D6");
    assert_eq!(d6.cells, [at("D3"), at("D5")]);
    assert_eq!(d6.expected.as_deref(), Some("2.865"));
    // Its fix: the total's value, and the grand total over it, with their formulas kept.
    let edits: Vec<(String, Decimal)> = d6
        .fix
        .as_ref()
        .expect("fix")
        .edits
        .iter()
        .map(|e| (e.cell.to_string(), e.value))
        .collect();
    assert_eq!(
        edits,
        [
            ("D6".to_string(), dec(2865)),
            ("D10".to_string(), dec(3080))
        ]
    );
    // E's totals add numbers: right.
    assert!(
        report
            .findings
            .iter()
            .all(|f| !(f.code == "CF111" && f.cell.col == 4)),
        "{:#?}",
        report.findings
    );
    // The grand totals are not reported again: their SUMs skip no text themselves.
    assert_eq!(
        with_code(&report, "CF111").len(),
        2,
        "{:#?}",
        report.findings
    );

    // A relation that fails only because of those totals (the section total against its
    // units, inferred from the labels) says why, and proposes no value over the formula.
    let broken: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info && f.code != "CF111")
        .collect();
    assert!(!broken.is_empty(), "{:#?}", report.findings);
    for finding in broken {
        assert!(finding.fix.is_none(), "{finding:#?}");
        assert!(
            finding.message.en.contains("CF111"),
            "{}",
            finding.message.en
        );
    }
}

#[test]
fn a_sum_over_text_figures_is_an_error_without_any_template() {
    let book = read(&text_figures_workbook(), "text-figures.xlsx");
    let report = check(&book, &TemplateChoice::None);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.code == "CF111" && f.cell == at("C6")),
        "{:#?}",
        report.findings
    );
}

#[test]
fn plus_reads_a_text_number_and_sum_skips_it() {
    // As in a school board's table: H = F + G per row (Excel's `+` reads the text "14"),
    // the column totals SUM (they skip it), so the totals' H is no longer F + G.
    let mut book = XlsxWorkbook::new();
    let sheet = book.add_worksheet();
    for (col, header) in ["Lycée", "Garçons", "Filles", "Total"]
        .into_iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, header).unwrap();
    }
    let rows = [
        ("Schure", None, 10.0),
        ("Maurois", Some("14"), 23.0),
        ("Bloch", None, 35.0),
    ];
    for (i, (name, text, girls)) in rows.into_iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, name).unwrap();
        let boys = match text {
            Some(text) => {
                sheet.write_string(row, 1, text).unwrap();
                14.0
            }
            None => {
                sheet.write_number(row, 1, 11.0 + i as f64).unwrap();
                11.0 + i as f64
            }
        };
        sheet.write_number(row, 2, girls).unwrap();
        let r = row + 1;
        sheet
            .write_formula(
                row,
                3,
                Formula::new(format!("=B{r}+C{r}")).set_result((boys + girls).to_string()),
            )
            .unwrap();
    }
    sheet.write_string(4, 0, "Total").unwrap();
    // 11 + 13 (the text 14 skipped); 10 + 23 + 35; 21 + 37 + 48.
    for (col, letter, shown) in [(1u16, "B", 24.0), (2, "C", 68.0), (3, "D", 106.0)] {
        sheet
            .write_formula(
                4,
                col,
                Formula::new(format!("=SUM({letter}2:{letter}4)")).set_result(shown.to_string()),
            )
            .unwrap();
    }
    let (_, report) = checked(
        &as_excel_saves(book.save_to_buffer().unwrap()),
        "lycees.xlsx",
    );
    let skipping: Vec<String> = with_code(&report, "CF111")
        .iter()
        .map(|f| f.cell.to_string())
        .collect();
    assert_eq!(skipping, ["B5"], "{:#?}", report.findings);
    let b5 = finding_at(&report, "CF111", "B5");
    assert_eq!(
        (b5.actual.as_deref(), b5.expected.as_deref()),
        (Some("24"), Some("38"))
    );
    assert!(
        with_code(&report, "CF103").is_empty(),
        "{:#?}",
        report.findings
    );
}

/// Texts that hold digits but are no figures, in the columns of a small register, and
/// SUMs over columns with labels and notes in them.
fn no_figures_workbook() -> Vec<u8> {
    let mut book = XlsxWorkbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Register").unwrap();
    for (col, header) in [
        "Project", "Code", "Zip", "Address", "Year", "Term", "Amount", "Note",
    ]
    .into_iter()
    .enumerate()
    {
        sheet.write_string(0, col as u16, header).unwrap();
    }
    let rows = [
        (
            "Library",
            "00",
            "10003",
            "180 Suffolk Street",
            "2001",
            "45th Day",
            1200.0,
            "30 or less",
        ),
        (
            "Clinic",
            "01",
            "10004",
            "1189 WASHINGTON AVE",
            "2002",
            "1ST",
            800.0,
            "12 Months",
        ),
        (
            "School",
            "02",
            "10012",
            "404 CLAREMONT PARKWAY",
            "2003",
            "12 Months",
            450.0,
            "3D SCANNERS",
        ),
        (
            "Depot",
            "10",
            "10017",
            "115 PRECINCT VEHICLE UPGRADE",
            "2004",
            "9th",
            300.0,
            "10 % reduction",
        ),
    ];
    for (i, (name, code, zip, address, year, term, amount, note)) in rows.into_iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, name).unwrap();
        for (col, text) in [
            (1u16, code),
            (2, zip),
            (3, address),
            (4, year),
            (5, term),
            (7, note),
        ] {
            sheet.write_string(row, col, text).unwrap();
        }
        sheet.write_number(row, 6, amount).unwrap();
    }
    sheet.write_string(5, 0, "Total").unwrap();
    for (col, letter) in [(6u16, "G"), (7, "H"), (5, "F")] {
        let shown = if letter == "G" { 2750.0 } else { 0.0 };
        sheet
            .write_formula(
                5,
                col,
                Formula::new(format!("=SUM({letter}2:{letter}5)")).set_result(shown.to_string()),
            )
            .unwrap();
    }
    as_excel_saves(book.save_to_buffer().unwrap())
}

#[test]
fn addresses_ordinals_phrases_codes_and_years_are_not_numbers_stored_as_text() {
    let (book, report) = checked(&no_figures_workbook(), "register.xlsx");
    let sheet = &book.sheets[0];
    for a1 in [
        "D2", "D3", "D4", "D5", "F2", "F3", "F4", "H2", "H3", "H4", "H5",
    ] {
        let cell = sheet.cell(at(a1)).expect(a1);
        assert_eq!(cell.reading, Reading::NotNumber, "{a1}: {:?}", cell.value);
    }
    let noise: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| matches!(f.code, "CF101" | "CF111"))
        .collect();
    assert!(noise.is_empty(), "{noise:#?}");
    // (Inference may still add up the Zip column against the total row, reading its codes
    // as numbers: which columns a table adds up is the structure's question, not this one.)
}

/// The cell's value and number format, as read back.
fn value_and_format(book: &Workbook, a1: &str) -> (Value, Option<String>) {
    let cell = book.sheets[0]
        .cell(at(a1))
        .unwrap_or_else(|| panic!("{a1}"));
    (
        cell.value.clone(),
        cell.number_format.as_deref().map(str::to_string),
    )
}

#[test]
fn the_corrected_workbook_makes_text_figures_numbers_its_sums_count() {
    let input = text_figures_workbook();
    let (book, report) = checked(&input, "text-figures.xlsx");
    let options = OutputOptions::default();
    let fixed = fixed_workbook(&input, &book, &report, &[], &options).expect("fixed");
    let back = read(&fixed, "text-figures.fixed.xlsx");

    // The figures are numbers, shown as typed; the codes stay text.
    assert_eq!(
        value_and_format(&back, "D3"),
        (Value::Number(dec(2491)), Some("#,##0".into()))
    );
    assert_eq!(
        value_and_format(&back, "C4"),
        (Value::Number(dec(1845)), Some("#,##0".into()))
    );
    assert_eq!(
        value_and_format(&back, "D5"),
        (Value::Number(dec(64)), Some("0".into()))
    );
    assert_eq!(
        back.sheets[0].cell(at("B3")).unwrap().value,
        Value::Text("001".into())
    );
    // The totals keep their formulas and hold what Excel computes from the numbers.
    for (a1, formula, value) in [
        ("C6", "SUM(C3:C5)", 3995),
        ("D6", "SUM(D3:D5)", 2865),
        ("C10", "SUM(C6,C9)", 4915),
        ("D10", "SUM(D6,D9)", 3080),
        ("E10", "SUM(E6,E9)", 7995),
    ] {
        let cell = back.sheets[0].cell(at(a1)).unwrap();
        assert_eq!(cell.formula.as_deref(), Some(formula), "{a1}");
        assert_eq!(cell.value, Value::Number(dec(value)), "{a1}");
    }
    // The quote prefix that made them text is gone from their cell formats, and the
    // workbook asks to be recalculated on load.
    let parts = zip_parts(&fixed);
    let text = |name: &str| {
        String::from_utf8(parts.iter().find(|(n, _)| n == name).expect(name).1.clone())
            .expect("utf-8")
    };
    assert!(text("xl/workbook.xml").contains("fullCalcOnLoad=\"1\""));
    let sheet_xml = text("xl/worksheets/sheet1.xml");
    let style_of = |a1: &str| -> usize {
        let start = sheet_xml.find(&format!("r=\"{a1}\"")).expect(a1);
        let tail = &sheet_xml[start..];
        let s = tail.find("s=\"").expect("styled") + 3;
        tail[s..s + tail[s..].find('"').unwrap()].parse().unwrap()
    };
    let styles = text("xl/styles.xml");
    let xfs: Vec<&str> = styles
        .split("<cellXfs")
        .nth(1)
        .unwrap()
        .split("<xf ")
        .skip(1)
        .collect();
    assert!(
        !xfs[style_of("C4")].contains("quotePrefix=\"1\""),
        "{}",
        xfs[style_of("C4")]
    );
    assert!(
        xfs[style_of("B3")].contains("quotePrefix=\"1\""),
        "codes keep theirs"
    );
    // One note says what was converted.
    let comments = parts
        .iter()
        .find(|(n, _)| n.starts_with("xl/comments"))
        .map(|(_, data)| String::from_utf8(data.clone()).unwrap())
        .expect("notes");
    assert!(
        comments.contains("ref=\"D3\"") && comments.contains("CF101"),
        "{comments}"
    );

    // Checked again, nothing is stored as text and no SUM skips anything.
    let again = check(&back, &TemplateChoice::Auto);
    assert!(
        again
            .findings
            .iter()
            .all(|f| !matches!(f.code, "CF101" | "CF111")),
        "{:#?}",
        again.findings
    );

    // The annotated workbook marks them and changes nothing.
    let annotated = annotated_workbook(&input, &book, &report, &options).expect("annotated");
    let marked = read(&annotated, "text-figures.checked.xlsx");
    assert_eq!(
        marked.sheets[0].cell(at("C4")).unwrap().value,
        Value::Text("1.845".into())
    );

    // A spreadsheet program opens it with the totals counting the converted figures: from
    // the saved values, and recalculating every formula on load.
    let work = tempfile::tempdir().expect("temp dir");
    let path = work.path().join("text-figures.fixed.xlsx");
    std::fs::write(&path, &fixed).expect("written");
    let Some(rows) = libreoffice_csv(&path, &work.path().join("saved")) else {
        return;
    };
    let number = |rows: &[Vec<String>], a1: &str| csv_at(rows, at(a1)).replace([',', '.'], "");
    for (a1, value) in [
        ("C6", "3995"),
        ("D6", "2865"),
        ("C10", "4915"),
        ("D10", "3080"),
        ("D3", "2491"),
    ] {
        assert_eq!(number(&rows, a1), value, "{a1} as saved");
    }
    let recalculated =
        libreoffice_convert(&path, &work.path().join("recalc"), "xlsx", true).expect("ran above");
    let rows = libreoffice_csv(&recalculated, &work.path().join("recalc-csv")).expect("ran above");
    for (a1, value) in [
        ("C6", "3995"),
        ("D6", "2865"),
        ("C10", "4915"),
        ("D10", "3080"),
        ("E10", "7995"),
    ] {
        assert_eq!(number(&rows, a1), value, "{a1} recalculated");
    }
}

#[test]
fn a_workbook_rebuilt_from_ods_is_corrected_the_same_way() {
    // The same table saved as OpenDocument by LibreOffice: rebuilt as xlsx, then patched.
    let work = tempfile::tempdir().expect("temp dir");
    let xlsx = work.path().join("text-figures.xlsx");
    std::fs::write(&xlsx, text_figures_workbook()).expect("written");
    let Some(ods) = libreoffice_convert(&xlsx, work.path(), "ods", false) else {
        return;
    };
    let input = std::fs::read(&ods).expect("ods");
    let (book, report) = checked(&input, "text-figures.ods");
    assert_eq!(
        finding_at(&report, "CF111", "D6").expected.as_deref(),
        Some("2.865")
    );
    let fixed =
        fixed_workbook(&input, &book, &report, &[], &OutputOptions::default()).expect("fixed");
    let back = read(&fixed, "text-figures.fixed.xlsx");
    assert_eq!(
        value_and_format(&back, "D3"),
        (Value::Number(dec(2491)), Some("#,##0".into()))
    );
    let d6 = back.sheets[0].cell(at("D6")).expect("D6");
    assert_eq!(
        (d6.formula.as_deref(), &d6.value),
        (Some("SUM(D3:D5)"), &Value::Number(dec(2865)))
    );
    assert_eq!(
        back.sheets[0].cell(at("B3")).unwrap().value,
        Value::Text("001".into())
    );
}

#[test]
fn the_corrected_indicator_appendix_holds_numbers() {
    let bytes = std::fs::read(fixture("phu-luc-cchc-q3-2022.xlsx")).expect("fixture");
    let (book, report) = checked(&bytes, "phu-luc-cchc-q3-2022.xlsx");
    let fixed =
        fixed_workbook(&bytes, &book, &report, &[], &OutputOptions::default()).expect("fixed");
    let back = read(&fixed, "phu-luc.fixed.xlsx");
    for (a1, value, format) in [
        ("D21", Decimal::from(1845), "#,##0"),
        ("D25", Decimal::from(203_566), "#,##0"),
        ("D33", Decimal::from(2491), "0"),
        ("D39", Decimal::new(961, 1), "0.0"),
    ] {
        assert_eq!(
            value_and_format(&back, a1),
            (Value::Number(value), Some(format.into())),
            "{a1}"
        );
    }
    // Not every text is a figure: the date stays as it was typed.
    assert_eq!(
        back.sheets[0].cell(at("D17")).unwrap().value,
        Value::Text("28/4/2024".into())
    );
    let again = check(&back, &TemplateChoice::Auto);
    assert!(
        again.findings.iter().all(|f| f.code != "CF101"),
        "{:#?}",
        again.findings
    );
}

#[test]
fn a_text_number_that_reads_two_ways_is_left_as_it_is_and_noted() {
    let mut book = XlsxWorkbook::new();
    let sheet = book.add_worksheet();
    for (col, header) in ["Đơn vị", "Số tiền", "Tỷ lệ"].into_iter().enumerate() {
        sheet.write_string(0, col as u16, header).unwrap();
    }
    for (row, (unit, money, rate)) in [
        ("Xã A", "1.845.000", "96,1"),
        ("Xã B", "2.500.000", "72,5"),
        ("Xã C", "1,234", "50,0"),
    ]
    .into_iter()
    .enumerate()
    {
        let row = row as u32 + 1;
        sheet.write_string(row, 0, unit).unwrap();
        sheet.write_string(row, 1, money).unwrap();
        sheet.write_string(row, 2, rate).unwrap();
    }
    let input = as_excel_saves(book.save_to_buffer().unwrap());
    let (book, report) = checked(&input, "hai-cach-doc.xlsx");
    let doubtful = finding_at(&report, "CF102", "B4");
    let proposal = doubtful.fix.as_ref().expect("a proposal");
    assert_eq!(proposal.applicability, Applicability::NeedsReview);
    let note = with_code(&report, "CF101")[0];
    assert!(
        std::iter::once(note.cell)
            .chain(note.cells.iter().copied())
            .all(|c| c != at("B4")),
        "an ambiguous text is no text figure to convert"
    );

    let fixed =
        fixed_workbook(&input, &book, &report, &[], &OutputOptions::default()).expect("fixed");
    let back = read(&fixed, "hai-cach-doc.fixed.xlsx");
    assert_eq!(
        back.sheets[0].cell(at("B4")).unwrap().value,
        Value::Text("1,234".into())
    );
    assert_eq!(
        back.sheets[0].cell(at("B2")).unwrap().value,
        Value::Number(dec(1_845_000))
    );
    let comments = zip_parts(&fixed)
        .into_iter()
        .find(|(n, _)| n.starts_with("xl/comments"))
        .map(|(_, data)| String::from_utf8(data).unwrap())
        .expect("notes");
    assert!(comments.contains("ref=\"B4\""), "{comments}");
}
