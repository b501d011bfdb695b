//! What a formula computes, as Excel computes it: a wrong saved value in a workbook saved
//! the way Excel and LibreOffice save one is stale (one finding at its cell, the relations
//! it breaks folded in); binary residues are not; a workbook that leaves its formulas for
//! Excel to calculate holds placeholders, which the check replaces by what Excel will
//! show; links to other workbooks keep their saved values. LibreOffice, recalculating on
//! load, is the oracle for what Excel computes.

use std::collections::BTreeSet;

use crossfoot::{check, read_workbook, CheckReport, Severity, TemplateChoice};
use rust_xlsxwriter::{CalculationMode, Formula, Workbook as XlsxWriter, Worksheet};

use crate::common::{fixture, libreoffice_convert, rezip};

/// (code, severity, cell) of every finding.
fn keys(report: &CheckReport) -> BTreeSet<(String, Severity, String)> {
    report
        .findings
        .iter()
        .map(|f| (f.code.to_string(), f.severity, f.cell.to_string()))
        .collect()
}

fn check_bytes(bytes: &[u8], name: &str) -> CheckReport {
    let book = read_workbook(bytes, name).expect("reads");
    check(&book, &TemplateChoice::Auto)
}

/// A workbook saved as Excel saves one in manual calculation: the saved values are what
/// the program last computed, and nothing asks for a recalculation on load.
fn saved_as_excel(mut writer: XlsxWriter) -> Vec<u8> {
    writer.set_calculation_mode(CalculationMode::Manual);
    writer.save_to_buffer().expect("saved")
}

/// Three units and a total: `figures` in B2:B4, `=SUM(B2:B4)` in B5 saved as `total`.
fn three_rows_and_a_total(sheet: &mut Worksheet, total: Option<&str>) {
    sheet.write_string(0, 0, "Đơn vị").unwrap();
    sheet.write_string(0, 1, "Số hồ sơ").unwrap();
    for (row, (name, value)) in [("Xã A", 120.0), ("Xã B", 75.0), ("Xã C", 230.0)]
        .into_iter()
        .enumerate()
    {
        let row = row as u32 + 1;
        sheet.write_string(row, 0, name).unwrap();
        sheet.write_number(row, 1, value).unwrap();
    }
    sheet.write_string(4, 0, "Tổng cộng").unwrap();
    let formula = Formula::new("=SUM(B2:B4)");
    let formula = match total {
        Some(saved) => formula.set_result(saved),
        None => formula,
    };
    sheet.write_formula(4, 1, formula).unwrap();
}

#[test]
fn a_wrong_saved_value_is_stale_where_excel_would_show_it() {
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
    let report = check_bytes(&saved_as_excel(writer), "stale.xlsx");
    let stale: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.code == "CF103")
        .map(|f| f.cell.to_string())
        .collect();
    assert_eq!(stale, ["A5"], "{:#?}", report.findings);
    let finding = report.findings.iter().find(|f| f.code == "CF103").unwrap();
    assert_eq!(finding.expected.as_deref(), Some("30"));
    assert_eq!(finding.actual.as_deref(), Some("31"));
}

/// A correct workbook that a program wrote without calculating (rust_xlsxwriter saves 0
/// for every formula and asks Excel to recalculate): no error, one note.
#[test]
fn placeholders_are_replaced_by_what_excel_computes() {
    let mut writer = XlsxWriter::new();
    three_rows_and_a_total(writer.add_worksheet(), None);
    let bytes = writer.save_to_buffer().unwrap();
    let book = read_workbook(&bytes, "xlsxwriter.xlsx").unwrap();
    assert!(book.full_calc_on_load);
    let report = check(&book, &TemplateChoice::Auto);
    assert_eq!(
        keys(&report),
        [("CF110".to_string(), Severity::Info, "B5".to_string())]
            .into_iter()
            .collect(),
        "{:#?}",
        report.findings
    );
    let note = &report.findings[0];
    assert!(
        note.message.en.contains("placeholders"),
        "{}",
        note.message.en
    );
    assert_eq!(note.expected.as_deref(), Some("425"));

    // The same total with a wrong figure in it is found, on the value Excel computes.
    let mut writer = XlsxWriter::new();
    let sheet = writer.add_worksheet();
    three_rows_and_a_total(sheet, Some("425"));
    sheet.write_number(2, 1, 57.0).unwrap();
    let report = check_bytes(&writer.save_to_buffer().unwrap(), "placeholder.xlsx");
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error),
        "a total computed by Excel cannot be off: {:#?}",
        report.findings
    );
}

/// openpyxl writes formulas with no saved value at all (`<c><f>…</f></c>`): they are not
/// read as 0, and not reported as stale.
#[test]
fn formulas_saved_without_a_value_are_placeholders() {
    let mut writer = XlsxWriter::new();
    three_rows_and_a_total(writer.add_worksheet(), None);
    let bytes = saved_as_excel(writer);
    let bytes = rezip(&bytes, "xl/worksheets/sheet1.xml", |xml| {
        xml.replace("<v>0</v>", "")
    });
    let book = read_workbook(&bytes, "openpyxl.xlsx").unwrap();
    assert!(!book.full_calc_on_load);
    let report = check(&book, &TemplateChoice::Auto);
    assert_eq!(
        keys(&report),
        [("CF110".to_string(), Severity::Info, "B5".to_string())]
            .into_iter()
            .collect(),
        "{:#?}",
        report.findings
    );
}

/// The 06 sample as Excel would save it with one section total not recalculated: one
/// finding at that cell, with the relations its saved value breaks folded in; the grand
/// total above it, saved from the recomputed section, is not stale and breaks nothing.
#[test]
fn one_stale_section_total_is_one_finding() {
    let original = std::fs::read(fixture("tthc-06-q3-2022.xlsx")).unwrap();
    let excel_saved = rezip(&original, "xl/workbook.xml", |xml| {
        xml.replace(
            "fullCalcOnLoad=\"1\"",
            "calcMode=\"manual\" calcOnSave=\"0\"",
        )
    });
    let sample = check_bytes(&excel_saved, "06.xlsx");
    let stale = rezip(&excel_saved, "xl/worksheets/sheet1.xml", |xml| {
        xml.replace(
            "<c r=\"C10\" s=\"5\"><f>SUM(C11:C26)</f><v>90421</v>",
            "<c r=\"C10\" s=\"5\"><f>SUM(C11:C26)</f><v>90171</v>",
        )
    });
    let report = check_bytes(&stale, "06-stale.xlsx");
    let mut expected = keys(&sample);
    expected.insert(("CF103".to_string(), Severity::Error, "C10".to_string()));
    assert_eq!(keys(&report), expected, "{:#?}", report.findings);
    let finding = report.findings.iter().find(|f| f.code == "CF103").unwrap();
    assert_eq!(finding.actual.as_deref(), Some("90.171"));
    assert_eq!(finding.expected.as_deref(), Some("90.421"));
    // The section's own sum, its row identity and the grand total are what it breaks.
    for cell in ["C11", "C26", "D10", "C9"] {
        assert!(
            finding.cells.iter().any(|c| c.to_string() == cell),
            "{cell}: {:?} {}",
            finding.cells,
            finding.message.en
        );
    }
    assert!(
        finding.message.en.contains("do not hold"),
        "{}",
        finding.message.en
    );
    let fix = finding.fix.as_ref().expect("recalculate");
    assert_eq!(fix.edits[0].value, rust_decimal::Decimal::from(90_421));
}

/// Formulas whose results carry binary residues, each saved with the double Rust computes
/// for it (what Excel saves), then recalculated and saved by LibreOffice: crossfoot calls
/// none of them stale either way, and a planted wrong value among them still is.
#[test]
fn binary_results_are_not_stale_as_libreoffice_recomputes_them() {
    let mut writer = XlsxWriter::new();
    let sheet = writer.add_worksheet();
    let (h8, g61, i61) = (8493.0_f64, 106_516.38_f64, 100_000.0_f64);
    sheet.write_number(0, 0, h8).unwrap();
    sheet.write_number(1, 0, g61).unwrap();
    sheet.write_number(2, 0, i61).unwrap();
    for (row, value) in [0.1_f64, 0.2, 0.3, 0.5, 0.4].into_iter().enumerate() {
        sheet.write_number(row as u32, 2, value).unwrap();
    }
    let prices = [10_559.4_f64 / 1.1, 7_321.9, 12_345.67, 999.99];
    for (row, price) in prices.iter().enumerate() {
        sheet.write_number(row as u32, 4, *price).unwrap();
        sheet
            .write_formula(
                row as u32,
                5,
                Formula::new(format!("=E{}*1.1", row + 1)).set_result((price * 1.1).to_string()),
            )
            .unwrap();
    }
    let total: f64 = prices.iter().map(|p| p * 1.1).fold(0.0, |a, b| a + b);
    let formulas: [(u32, &str, f64); 8] = [
        (0, "=(A1/8760)", h8 / 8760.0),
        (1, "=+A2-A3", g61 - i61),
        (2, "=C1+C2-C3", 0.0),
        (3, "=1*(C4-C5-C1)", 1.0 * (0.5 - 0.4 - 0.1)),
        (4, "=ROUND(0.285*100,0)", 29.0),
        (5, "=SUM(F1:F4)", total),
        (6, "=C1+C2", 0.1 + 0.2),
        (7, "=A1*3", 0.0), // planted: Excel computes 25479
    ];
    for (row, text, saved) in formulas {
        sheet
            .write_formula(row, 7, Formula::new(text).set_result(saved.to_string()))
            .unwrap();
    }
    let bytes = saved_as_excel(writer);
    let stale_cells = |report: &CheckReport| -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|f| f.code == "CF103")
            .map(|f| f.cell.to_string())
            .collect()
    };
    let report = check_bytes(&bytes, "binary.xlsx");
    assert_eq!(stale_cells(&report), ["H8"], "{:#?}", report.findings);

    // LibreOffice recalculates every formula and saves its own doubles.
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("binary.xlsx");
    std::fs::write(&input, &bytes).unwrap();
    let Some(recalculated) = libreoffice_convert(&input, work.path(), "xlsx", true) else {
        return;
    };
    let bytes = std::fs::read(&recalculated).unwrap();
    let report = check_bytes(&bytes, "recalculated.xlsx");
    assert!(stale_cells(&report).is_empty(), "{:#?}", report.findings);
}

/// A link to another workbook is not recomputed: its saved value stands, with one note.
#[test]
fn links_to_other_workbooks_keep_their_saved_values() {
    let mut writer = XlsxWriter::new();
    let sheet = writer.add_worksheet();
    sheet.write_number(0, 0, 5.0).unwrap();
    sheet
        .write_formula(
            0,
            1,
            Formula::new("='[2]Segment P&L'!$G$27/100").set_result("256.62"),
        )
        .unwrap();
    sheet
        .write_formula(
            1,
            1,
            Formula::new("='[2]Segment P&L'!$G$28/100").set_result("12.5"),
        )
        .unwrap();
    sheet
        .write_formula(2, 1, Formula::new("=A1*2").set_result("10"))
        .unwrap();
    let report = check_bytes(&saved_as_excel(writer), "linked.xlsx");
    assert_eq!(
        keys(&report),
        [("CF109".to_string(), Severity::Info, "B1".to_string())]
            .into_iter()
            .collect(),
        "{:#?}",
        report.findings
    );
    assert!(report.findings[0].message.en.contains("another workbook"));
    assert!(report.findings[0].message.en.starts_with("2 formulas"));
}
