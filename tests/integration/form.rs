//! Self-checking forms (`crossfoot form`): the blank forms of tthc-06 and the indicator
//! appendix are recognised by `check` on their own and report nothing; LibreOffice opens
//! them and computes their formulas; the 06 form filled with the sample's unit figures and
//! recalculated by LibreOffice reports exactly the sample's findings; the package carries a
//! validation and a conditional format for every rule that has them, protection and the
//! print setup; a rendered page of a form with wrong rows shows them coloured.

use std::collections::BTreeSet;
use std::io::{Cursor, Read};
use std::process::Command;

use crossfoot::{
    check, form_sections_from, form_workbook, read_workbook, CellRef, CheckReport, FormOptions,
    Template, TemplateChoice, Value,
};

use crate::common::{
    csv_at, fixture, libreoffice_convert, libreoffice_csv, parse_csv, read_fixture, rezip,
};

fn form(id: &str, options: &FormOptions) -> Vec<u8> {
    let template = Template::builtin(id).expect("built-in");
    form_workbook(&template, options).unwrap_or_else(|e| panic!("{id}: {e}"))
}

fn sheet_xml(bytes: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut xml = String::new();
    archive
        .by_name("xl/worksheets/sheet1.xml")
        .expect("sheet part")
        .read_to_string(&mut xml)
        .expect("utf-8");
    xml
}

fn keys(report: &CheckReport) -> BTreeSet<(String, String, String, String)> {
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.sheet.clone(),
                f.cell.to_string(),
                f.code.to_string(),
                f.severity.as_str().to_string(),
            )
        })
        .collect()
}

#[test]
fn blank_forms_are_recognised_and_report_nothing() {
    // 06: C, G, K and the rate on 44 body rows, and the 8 parts summed on the total and
    // section rows; the appendix: its 14 defined figures.
    for (id, expected_formulas) in [("tthc-06", 44 * 4 + 4 * 8), ("phu-luc-cchc", 14)] {
        let bytes = form(id, &FormOptions::default());
        let book = read_workbook(&bytes, "form.xlsx").expect("reads");
        let report = check(&book, &TemplateChoice::Auto);
        assert_eq!(report.template.as_deref(), Some(id));
        assert!(report.findings.is_empty(), "{id}: {:#?}", report.findings);
        let formulas = book.sheets[0]
            .cells
            .iter()
            .filter(|c| c.formula.is_some())
            .count();
        assert_eq!(formulas, expected_formulas, "{id}");
    }
}

#[test]
fn a_form_from_a_filed_workbook_keeps_its_units_and_period() {
    let template = Template::builtin("tthc-06").expect("built-in");
    let sample = read_fixture("tthc-06-q3-2022.xlsx");
    let sections = form_sections_from(&sample, &template).expect("units");
    let labels: Vec<(&str, &str, usize)> = sections
        .iter()
        .map(|s| (s.number.as_str(), s.label.as_str(), s.units.len()))
        .collect();
    assert_eq!(
        labels,
        [
            ("I", "Cấp tỉnh", 16),
            ("II", "Cấp huyện", 12),
            ("III", "Cấp xã", 12)
        ]
    );
    let bytes = form_workbook(
        &template,
        &FormOptions {
            period: Some("Quý IV năm 2022".to_string()),
            sections: Some(sections),
            ..Default::default()
        },
    )
    .expect("form");
    let book = read_workbook(&bytes, "form.xlsx").expect("reads");
    let sheet = &book.sheets[0];
    // The same units on the same rows as the filed workbook.
    for row in 8..52 {
        let at = CellRef::new(row, 1);
        assert_eq!(sheet.label(at), sample.sheets[0].label(at), "{at}");
    }
    assert_eq!(
        sheet.label(CellRef::new(2, 0)),
        "Kỳ báo cáo: Quý IV năm 2022"
    );
    assert!(check(&book, &TemplateChoice::Auto).findings.is_empty());
}

/// The 06 form with the sample's unit figures typed into its input cells (patched into the
/// package, as a person typing leaves the cached totals stale).
fn filled_06_form() -> Vec<u8> {
    let template = Template::builtin("tthc-06").expect("built-in");
    let sample = read_fixture("tthc-06-q3-2022.xlsx");
    let sections = form_sections_from(&sample, &template).expect("units");
    let blank = form_workbook(
        &template,
        &FormOptions {
            period: None,
            sections: Some(sections),
            ..Default::default()
        },
    )
    .expect("form");
    let sheet = sample.sheets[0].clone();
    rezip(&blank, "xl/worksheets/sheet1.xml", move |xml| {
        let mut xml = xml;
        let mut typed = 0;
        for cell in &sheet.cells {
            let Value::Number(n) = &cell.value else {
                continue;
            };
            if cell.formula.is_some() {
                continue;
            }
            // An input cell of the form is written blank with its style: `<c r="D11" s="7"/>`.
            let open = format!(r#"<c r="{}" s="#, cell.at);
            let Some(start) = xml.find(&open) else {
                continue;
            };
            let Some(end) = xml[start..].find('>').map(|e| start + e) else {
                continue;
            };
            if !xml[start..=end].ends_with("/>") {
                continue; // a formula cell: computed, not typed
            }
            let element = xml[start..end - 1].to_string();
            xml.replace_range(start..=end, &format!("{element}><v>{n}</v></c>"));
            typed += 1;
        }
        // 40 units × 8 typed columns, and the sample's typed totals stay formulas.
        assert_eq!(typed, 40 * 8, "input cells filled");
        xml
    })
}

#[test]
fn the_filled_06_form_recalculated_by_libreoffice_reports_the_samples_findings() {
    let work = tempfile::tempdir().expect("temp dir");
    let filled = work.path().join("filled.xlsx");
    std::fs::write(&filled, filled_06_form()).expect("write");

    // The form asks to be recalculated when it is opened, so before a spreadsheet program
    // has done so its saved totals are placeholders: the checker computes them as Excel
    // will, finds the sample's findings, and says once that the saved values are not
    // results (a program reading them would see the blank form's).
    let unopened =
        read_workbook(&std::fs::read(&filled).expect("read"), "filled.xlsx").expect("reads");
    assert!(unopened.full_calc_on_load);
    let before = check(&unopened, &TemplateChoice::Auto);
    assert!(!before.findings.iter().any(|f| f.code == "CF103"));
    let notes: Vec<&crossfoot::Finding> = before
        .findings
        .iter()
        .filter(|f| f.code == "CF110")
        .collect();
    assert_eq!(notes.len(), 1, "{:#?}", before.findings);
    let sample_keys = keys(&check(
        &read_fixture("tthc-06-q3-2022.xlsx"),
        &TemplateChoice::Auto,
    ));
    let mut without_note = before.clone();
    without_note.findings.retain(|f| f.code != "CF110");
    assert_eq!(keys(&without_note), sample_keys);

    let Some(recalculated) = libreoffice_convert(&filled, work.path(), "xlsx", true) else {
        return;
    };
    let book = read_workbook(&std::fs::read(&recalculated).expect("read"), "recalc.xlsx")
        .expect("LibreOffice's xlsx reads");
    let report = check(&book, &TemplateChoice::Auto);
    let sample = check(&read_fixture("tthc-06-q3-2022.xlsx"), &TemplateChoice::Auto);
    assert_eq!(report.template.as_deref(), Some("tthc-06"));
    assert_eq!(keys(&report), keys(&sample));
    let cells: Vec<String> = report.findings.iter().map(|f| f.cell.to_string()).collect();
    assert_eq!(cells, ["C9", "C10", "C15", "C27", "C39", "C40", "C51"]);

    // The computed totals and rates, as LibreOffice shows them, are the sample's.
    let rows = libreoffice_csv(&recalculated, &work.path().join("csv")).expect("ran above");
    let original = libreoffice_csv(&fixture("tthc-06-q3-2022.xlsx"), &work.path().join("csv0"))
        .expect("ran above");
    for a1 in ["C9", "G9", "K9", "N9", "D10", "N15", "C52", "N52"] {
        let at = CellRef::parse(a1).expect("A1");
        assert_eq!(csv_at(&rows, at), csv_at(&original, at), "{a1}");
    }

    // The picture for the README: a page of the form with its wrong rows coloured.
    let pdf = libreoffice_convert(&recalculated, &work.path().join("pdf"), "pdf", false)
        .expect("ran above");
    let png = work.path().join("form-06");
    let rendered = Command::new("pdftoppm")
        .args(["-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf)
        .arg(&png)
        .status();
    match rendered {
        Ok(status) if status.success() => {
            let png = png.with_extension("png");
            assert!(std::fs::metadata(&png).expect("png").len() > 10_000);
            if std::env::var_os("UPDATE_FORM_PICTURE").is_some() {
                let docs =
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/form-06.png");
                std::fs::copy(&png, docs).expect("docs/form-06.png");
            }
        }
        _ => println!("skipped: pdftoppm (poppler-utils) is not installed"),
    }
}

#[test]
fn blank_forms_open_in_libreoffice_with_their_formulas_computed() {
    let work = tempfile::tempdir().expect("temp dir");
    for (id, sheet_total, zero_cells) in [
        ("tthc-06", "C9", &["C9", "G10", "K52"][..]),
        ("phu-luc-cchc", "D25", &["D25", "D30", "D44"][..]),
    ] {
        let path = work.path().join(format!("{id}.xlsx"));
        // Through the command line, as an office would.
        let output = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
            .args(["form", id, "--period", "Quý IV năm 2022", "-o"])
            .arg(&path)
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let Some(rows) = libreoffice_csv(&path, &work.path().join(id)) else {
            return;
        };
        let book = read_workbook(&std::fs::read(&path).expect("read"), "f.xlsx").expect("reads");
        let sheet = &book.sheets[0];
        assert!(sheet
            .cell(CellRef::parse(sheet_total).expect("A1"))
            .is_some_and(|c| c.formula.is_some()));
        for a1 in zero_cells {
            let at = CellRef::parse(a1).expect("A1");
            assert!(
                sheet.cell(at).is_some_and(|c| c.formula.is_some()),
                "{id} {a1} is a formula"
            );
            assert_eq!(csv_at(&rows, at), "0", "{id} {a1}");
        }
        // Every text of the form shows as written.
        for cell in &sheet.cells {
            if let Value::Text(text) = &cell.value {
                if sheet.merge_at(cell.at).is_none_or(|m| m.first == cell.at) {
                    assert_eq!(csv_at(&rows, cell.at), &**text, "{id} {}", cell.at);
                }
            }
        }
    }
    // The parser the other tests use reads what LibreOffice wrote.
    assert_eq!(parse_csv("a,\"b,c\"\n"), [vec!["a", "b,c"]]);
}

#[test]
fn the_package_carries_validation_colours_protection_and_print_setup() {
    let xml = sheet_xml(&form("tthc-06", &FormOptions::default()));
    // Counts typed in unit rows: whole numbers ≥ 0, with a bilingual message, per section.
    for col in ["D", "E", "F", "H", "I", "J", "L", "M"] {
        for (first, last) in [(11, 26), (28, 39), (41, 52)] {
            let sqref = format!(r#"sqref="{col}{first}:{col}{last}""#);
            let validation = xml
                .split("<dataValidation ")
                .find(|v| v.contains(&sqref))
                .unwrap_or_else(|| panic!("no validation on {col}{first}:{col}{last}"));
            assert!(validation.contains(r#"type="whole""#));
            assert!(validation.contains(r#"operator="greaterThanOrEqual""#));
            assert!(validation.contains("<formula1>0</formula1>"));
            assert!(validation.contains("Enter a count") && validation.contains("Nhập số đếm"));
        }
    }
    // No validation on a computed cell.
    assert!(!xml.contains(r#"sqref="C11:C26""#));
    // Every rule no formula makes true colours its cell while it fails.
    for (sqref, formula) in [
        ("C9:C52", "NOT(C9=G9+K9)"),
        ("C9:C52", "NOT(C9&gt;=MAX(D9,E9,F9))"),
        ("G9:G52", "NOT(G9&gt;=MAX(H9,I9,J9))"),
        ("K9:K52", "NOT(K9&gt;=MAX(L9,M9))"),
    ] {
        let block = xml
            .split("<conditionalFormatting ")
            .find(|b| b.starts_with(&format!(r#"sqref="{sqref}""#)))
            .unwrap_or_else(|| panic!("no conditional format on {sqref}"));
        assert!(
            block.contains(&format!("<formula>{formula}</formula>")),
            "{formula}"
        );
    }
    // Formulas for every defined cell; protection without a password; A4 landscape, one
    // page wide, panes frozen under the header.
    assert!(xml.contains("<f>SUM(D11:D26)</f>"));
    assert!(xml.contains("<f>C10+C27+C40</f>"));
    assert!(xml.contains("<f>D11+E11+F11</f>"));
    assert!(xml.contains(r#"<f>IF(G11&gt;0,ROUND((H11+I11)/G11*100,1),"")</f>"#));
    assert!(xml.contains(r#"<sheetProtection sheet="1""#) && !xml.contains("password"));
    assert!(xml.contains(r#"paperSize="9""#) && xml.contains(r#"orientation="landscape""#));
    assert!(xml.contains(r#"<pageSetUpPr fitToPage="1"/>"#) && xml.contains(r#"fitToHeight="0""#));
    assert!(
        xml.contains(r#"topLeftCell="C9""#),
        "panes frozen under the header"
    );

    let list = sheet_xml(&form("phu-luc-cchc", &FormOptions::default()));
    // The appendix: the balance warning colours the received figure; counts are validated.
    assert!(
        list.contains("<formula>NOT(D25=D30+D34)</formula>"),
        "balance"
    );
    assert!(
        list.contains(r#"<f>IF(D10&gt;0,ROUND(D11/D10*100,1),"")</f>"#),
        "tasks rate"
    );
    // The counts typed (tasks planned and done, petitions and those resolved); the other
    // counts of the rule are formulas.
    assert_eq!(list.matches(r#"type="whole""#).count(), 2);
    assert!(list.contains(r#"sqref="D10:D11""#) && list.contains(r#"sqref="D37:D38""#));
}

#[test]
fn the_command_line_takes_units_from_a_file_and_refuses_them_for_a_list() {
    let work = tempfile::tempdir().expect("temp dir");
    let units = work.path().join("units.txt");
    std::fs::write(
        &units,
        "# đơn vị kỳ sau\nCấp tỉnh\tSở Y tế\nSở Tài chính\nCấp xã\tXã Mỹ An\n",
    )
    .expect("write");
    let out = work.path().join("f.xlsx");
    let run = |args: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_crossfoot"))
            .args(args)
            .output()
            .expect("runs")
    };
    let output = run(&[
        "form".as_ref(),
        "tthc-06".as_ref(),
        "--units".as_ref(),
        units.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let book = read_workbook(&std::fs::read(&out).expect("read"), "f.xlsx").expect("reads");
    let sheet = &book.sheets[0];
    let labels: Vec<String> = (8..14)
        .map(|row| sheet.label(CellRef::new(row, 1)))
        .collect();
    assert_eq!(
        labels,
        [
            "TỔNG CỘNG",
            "Cấp tỉnh",
            "Sở Y tế",
            "Sở Tài chính",
            "Cấp xã",
            "Xã Mỹ An"
        ]
    );
    // The grand total adds the two sections present.
    assert_eq!(
        sheet
            .cell(CellRef::new(8, 3))
            .and_then(|c| c.formula.clone())
            .as_deref(),
        Some("D10+D13")
    );
    assert!(check(&book, &TemplateChoice::Auto).findings.is_empty());

    let output = run(&[
        "form".as_ref(),
        "phu-luc-cchc".as_ref(),
        "--units".as_ref(),
        units.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("indicator list"));
}
