//! A consolidated report checked against its units' own reports (issue 25, "Across
//! files"): twenty units' Biểu 06 reports written with `form_workbook` (a `Đơn vị báo cáo:`
//! line, the TỔNG CỘNG row at the top and three lĩnh vực rows under it) and the province's
//! report written from them by `consolidate`, or typed by the `form06` generator; then a
//! unit's figure copied wrongly (CF408, on the province's cell, the unit's file and total
//! cell in `related`), units with a row and no file or a file and no row (CF409), a unit
//! added twice (CF410), a CF302 of the province's own check that a unit's file decides
//! (CF301 naming that file); the consolidated workbook as LibreOffice computes it (its grand
//! totals the sum of the twenty units', no error of its own); and `crossfoot check --units
//! DIR` in JSON (with `related`), text, CSV and the annotated workbook's notes.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crossfoot::{
    check, check_against_units, check_set, consolidate, decide_by_units, form_workbook, read_unit,
    read_workbook, Applicability, ConsolidateOptions, Consolidated, FilledUnit, Finding,
    FormOptions, FormSection, Layout, Naming, SetFile, SetKind, Severity, Template, TemplateChoice,
    UnitFile, UnitReport, Workbook,
};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::common::{crossfoot, libreoffice_convert, libreoffice_csv, outputs_name_the_other_file};
use crate::form06::{self, Kind, Options, Row};

const PERIOD: &str = "Quý III năm 2022 (từ ngày 15/6/2022 đến ngày 14/9/2022)";

/// The lĩnh vực rows of each unit's report.
const FIELDS: [&str; 3] = ["Lĩnh vực Hộ tịch", "Lĩnh vực Đất đai", "Lĩnh vực Xây dựng"];

/// The 06 template's columns in the `form06` generator's order.
const COLUMNS: [&str; 11] = [
    "received", "online", "direct", "carried", "resolved", "early", "ontime", "late", "pending",
    "within", "overdue",
];

fn tthc() -> Template {
    Template::builtin("tthc-06").unwrap()
}

fn given() -> TemplateChoice {
    TemplateChoice::Given(Box::new(tthc()))
}

/// One unit's report: its file's path, its bytes, and the report `read_unit` reads.
struct Unit {
    path: String,
    bytes: Vec<u8>,
    report: UnitReport,
}

/// The twenty units: the first ten departments (Cấp tỉnh) and the first ten districts
/// (Cấp huyện) of the 06 template's own list.
fn unit_names() -> Vec<String> {
    let template = tthc();
    let sections = &template.spec.form.as_ref().unwrap().sections;
    sections[0].units[..10]
        .iter()
        .chain(&sections[1].units[..10])
        .cloned()
        .collect()
}

/// The figures typed on unit `u`'s lĩnh vực row `f`, by the template's column names; every
/// relation of the form holds on it (received = resolved + pending too).
fn typed(u: i64, f: i64) -> BTreeMap<String, Decimal> {
    let online = 10 + 3 * u + f;
    let direct = 4 + u + 2 * f;
    let carried = 2 + u % 5 + f;
    let overdue = (carried - 1) / 2;
    [
        ("online", online),
        ("direct", direct),
        ("carried", carried),
        ("early", online),
        ("ontime", direct),
        ("late", 1),
        ("within", carried - 1 - overdue),
        ("overdue", overdue),
    ]
    .into_iter()
    .map(|(name, n)| (name.to_string(), Decimal::from(n)))
    .collect()
}

/// Unit `u`'s own Biểu 06: the province and its own name over the title, TỔNG CỘNG at the
/// top, its lĩnh vực rows typed under it.
fn unit_workbook(name: &str, u: i64) -> Vec<u8> {
    let mut template = tthc();
    template.spec.form.as_mut().unwrap().issuer = vec![
        "UBND TỈNH ĐỒNG THÁP".to_string(),
        format!("Đơn vị báo cáo: {name}"),
    ];
    let filled = (0..FIELDS.len())
        .map(|f| {
            let figures = typed(u, f as i64);
            (
                (0, f),
                FilledUnit {
                    figures,
                    note: None,
                },
            )
        })
        .collect();
    let options = FormOptions {
        period: Some(PERIOD.to_string()),
        sections: Some(vec![FormSection {
            units: FIELDS.map(String::from).to_vec(),
            ..FormSection::default()
        }]),
        filled,
        appendix: None,
    };
    form_workbook(&template, &options).unwrap()
}

/// The twenty units' reports, written, checked and read once for every test.
fn units() -> &'static [Unit] {
    static UNITS: OnceLock<Vec<Unit>> = OnceLock::new();
    UNITS.get_or_init(|| {
        let template = tthc();
        unit_names()
            .iter()
            .enumerate()
            .map(|(u, name)| {
                let path = format!("don-vi/dv-{u:02}.xlsx");
                let bytes = unit_workbook(name, u as i64);
                let book = read_workbook(&bytes, &path).unwrap();
                let findings = check(&book, &given()).findings;
                assert!(
                    findings.iter().all(|f| f.severity != Severity::Error),
                    "{name}: {findings:#?}"
                );
                let file = UnitFile {
                    path: &path,
                    workbook: &book,
                };
                let report = read_unit(file, &template).unwrap();
                assert_eq!(&report.name, name);
                assert!(matches!(report.named_by, Naming::ReportLine(_)));
                Unit {
                    path,
                    bytes,
                    report,
                }
            })
            .collect()
    })
}

fn reports() -> Vec<UnitReport> {
    units().iter().map(|unit| unit.report.clone()).collect()
}

/// The province's report consolidated from `reports`, read back.
fn consolidated(reports: &[UnitReport]) -> (Workbook, Consolidated) {
    let options = ConsolidateOptions {
        period: Some(PERIOD.to_string()),
        units: None,
    };
    let out = consolidate(&tthc(), reports, &[], &options).unwrap();
    (read_workbook(&out.bytes, "tong-hop.xlsx").unwrap(), out)
}

/// The zero-based row of the unit `name` in a consolidated report.
fn row_of(out: &Consolidated, name: &str) -> u32 {
    out.units
        .iter()
        .find(|unit| unit.name == name)
        .and_then(|unit| unit.row)
        .unwrap()
}

fn province(book: &Workbook) -> UnitFile<'_> {
    UnitFile {
        path: "tong-hop.xlsx",
        workbook: book,
    }
}

fn codes(findings: &[Finding]) -> Vec<(&str, String)> {
    findings
        .iter()
        .map(|f| (f.code, f.cell.to_string()))
        .collect()
}

/// `reports` with unit `u`'s grand total in `column` raised by `by`, as a person copying it
/// into the province's report mistyped it.
fn copied_wrongly(u: usize, column: &str, by: i64) -> Vec<UnitReport> {
    let mut copied = reports();
    let figure = copied[u].totals.get_mut(column).unwrap();
    figure.value += Decimal::from(by);
    copied
}

#[test]
fn a_units_figure_copied_wrongly_is_an_error_on_the_provinces_cell_naming_the_units_file_and_cell()
{
    let unit = &units()[4].report;
    let (book, out) = consolidated(&copied_wrongly(4, "online", 9));
    // The province's report adds up: its own check sees nothing wrong.
    assert_eq!(check(&book, &given()).summary().errors, 0);

    let findings = check_against_units(province(&book), &reports(), &tthc());
    let row = row_of(&out, &unit.name) + 1;
    // Online is column D; the received total of the row (C) is a formula over it and moves
    // with it: one finding, at the figure typed wrong.
    assert_eq!(
        codes(&findings),
        [("CF408", format!("D{row}"))],
        "{findings:#?}"
    );
    let differs = &findings[0];
    assert_eq!(differs.severity, Severity::Error);
    assert_eq!(differs.sheet, "06");
    let total = &unit.totals["online"];
    let right = total.value.to_string();
    let wrong = (total.value + Decimal::from(9)).to_string();
    assert_eq!(
        (differs.expected.as_deref(), differs.actual.as_deref()),
        (Some(right.as_str()), Some(wrong.as_str()))
    );
    assert_eq!(differs.related.len(), 1);
    let related = &differs.related[0];
    assert_eq!(related.path, "don-vi/dv-04.xlsx");
    assert_eq!(related.sheet, "06");
    assert_eq!(related.cell, total.cell);
    assert_eq!(related.value.as_deref(), Some(right.as_str()));
    for text in [&differs.message.vi, &differs.message.en] {
        let cells = [format!("D{row}"), total.cell.to_string()];
        for named in [
            "tong-hop.xlsx",
            "don-vi/dv-04.xlsx",
            &cells[0],
            &cells[1],
            &unit.name,
        ] {
            assert!(text.contains(named), "{named} in {text}");
        }
    }
    assert!(
        differs.message.en.contains("a difference of 9"),
        "{}",
        differs.message.en
    );
    // The unit's figure is the fix to review.
    let fix = differs.fix.as_ref().unwrap();
    assert_eq!(fix.applicability, Applicability::NeedsReview);
    assert_eq!(fix.edits[0].value, total.value);

    // Copied rightly, nothing differs.
    let (book, _) = consolidated(&reports());
    assert!(check_against_units(province(&book), &reports(), &tthc()).is_empty());
}

#[test]
fn a_unit_row_without_a_file_and_a_file_without_a_row_are_warnings_naming_them() {
    // The province's report leaves the last unit out; the folder lacks the first unit's file.
    let reports = reports();
    let (book, out) = consolidated(&reports[..19]);
    let findings = check_against_units(province(&book), &reports[1..], &tthc());
    let first_row = row_of(&out, &reports[0].name) + 1;
    let layout = Layout::find(&book.sheets[0]).unwrap();
    let header = crossfoot::CellRef::new(layout.header_first, layout.label_col);
    assert_eq!(
        codes(&findings),
        [
            ("CF409", format!("B{first_row}")),
            ("CF409", header.to_string())
        ],
        "{findings:#?}"
    );
    let without_file = &findings[0];
    assert_eq!(without_file.severity, Severity::Warning);
    assert!(without_file.related.is_empty());
    assert!(without_file.cells.is_empty(), "one unit only");
    for text in [&without_file.message.vi, &without_file.message.en] {
        assert!(text.contains(&format!("«{}»", reports[0].name)), "{text}");
    }

    let without_row = &findings[1];
    assert_eq!(without_row.severity, Severity::Warning);
    let last = &reports[19];
    assert_eq!(without_row.related.len(), 1);
    let related = &without_row.related[0];
    assert_eq!(related.path, "don-vi/dv-19.xlsx");
    assert_eq!(related.sheet, "06");
    let Naming::ReportLine(name_cell) = last.named_by else {
        panic!("named by its line");
    };
    assert_eq!(related.cell, name_cell);
    assert_eq!(related.value.as_deref(), Some(last.name.as_str()));
    for text in [&without_row.message.vi, &without_row.message.en] {
        for named in ["tong-hop.xlsx", "don-vi/dv-19.xlsx", &last.name] {
            assert!(text.contains(named), "{named} in {text}");
        }
    }
}

/// The `form06` rows of a province's report typed from the reports of its departments
/// (`Cấp tỉnh`) and its districts (`Cấp huyện`), sections and the grand total adding them up.
fn typed_rows(departments: &[&UnitReport], districts: &[&UnitReport]) -> Vec<Row> {
    let counts = |report: &UnitReport| -> [i64; 11] {
        COLUMNS.map(|name| report.totals[name].value.to_i64().unwrap())
    };
    let row = |stt: &str, label: &str, kind, counts| Row {
        stt: stt.to_string(),
        label: label.to_string(),
        kind,
        counts,
        rate: None,
        as_text: Vec::new(),
    };
    let mut rows = vec![row("", "TỔNG CỘNG", Kind::Total, [0; 11])];
    for (number, label, units) in [
        ("I", "Cấp tỉnh", departments),
        ("II", "Cấp huyện", districts),
    ] {
        let section = rows.len();
        rows.push(row(number, label, Kind::Section, [0; 11]));
        for (n, report) in units.iter().enumerate() {
            let figures = counts(report);
            for (k, count) in figures.iter().enumerate() {
                rows[section].counts[k] += count;
                rows[0].counts[k] += count;
            }
            rows.push(row(&(n + 1).to_string(), &report.name, Kind::Unit, figures));
        }
    }
    rows
}

#[test]
fn a_unit_added_twice_is_an_error_at_its_second_row_naming_the_first() {
    let reports = reports();
    let mut departments: Vec<&UnitReport> = reports[..10].iter().collect();
    let districts: Vec<&UnitReport> = reports[10..].iter().collect();
    // The third department typed again at the end of its section.
    departments.push(&reports[2]);
    let rows = typed_rows(&departments, &districts);
    let (bytes, placed) = form06::write(&rows, &Options::default());
    let book = read_workbook(&bytes, "tong-hop.xlsx").unwrap();
    // Its totals add both rows up: its own check sees nothing wrong.
    assert_eq!(check(&book, &given()).summary().errors, 0);

    let findings = check_against_units(province(&book), &reports, &tthc());
    let first = placed[rows
        .iter()
        .position(|r| r.label == reports[2].name)
        .unwrap()]
        + 1;
    let second = placed[rows
        .iter()
        .rposition(|r| r.label == reports[2].name)
        .unwrap()]
        + 1;
    assert!(second > first);
    assert_eq!(
        codes(&findings),
        [("CF410", format!("B{second}"))],
        "{findings:#?}"
    );
    let twice = &findings[0];
    assert_eq!(twice.severity, Severity::Error);
    assert_eq!(
        twice.cells,
        [crossfoot::CellRef::parse(&format!("B{first}")).unwrap()]
    );
    assert!(twice.related.is_empty(), "both rows are in this file");
    for text in [&twice.message.vi, &twice.message.en] {
        for named in [&reports[2].name, &format!("B{first}"), &first.to_string()] {
            assert!(text.contains(named.as_str()), "{named} in {text}");
        }
    }
}

/// A province's report typed from the twenty units (sections and the grand total live
/// `SUM`s, unit rows typed) with unit 4's online figure typed 8 too high, and its received
/// total left as the unit sent it: the row's received = online + direct + carried breaks,
/// and online, direct or carried lowered by 8 would each mend it. Also the slipped cell.
fn province_with_a_slip() -> (Vec<u8>, String) {
    province_with_online_off_by(8)
}

/// The province's report of [`province_with_a_slip`] with unit 4's online figure typed `by`
/// too high.
fn province_with_online_off_by(by: i64) -> (Vec<u8>, String) {
    let reports = reports();
    let departments: Vec<&UnitReport> = reports[..10].iter().collect();
    let districts: Vec<&UnitReport> = reports[10..].iter().collect();
    let mut rows = typed_rows(&departments, &districts);
    let unit = rows
        .iter()
        .position(|r| r.label == reports[4].name)
        .unwrap();
    // The unit, its section and the grand total: the SUMs' saved values are Excel's.
    for i in [unit, 1, 0] {
        rows[i].counts[form06::ONLINE] += by;
    }
    let options = Options {
        formulas: true,
        ..Options::default()
    };
    let (bytes, placed) = form06::write(&rows, &options);
    (bytes, format!("D{}", placed[unit] + 1))
}

/// One finding a cell: a slip the province's file alone pins on its cell (online typed 40
/// too high: lowering direct or carried by 40 would make them negative, so CF301) that the unit's own report confirms is one CF301 naming the unit's
/// cell as agreeing, not a CF301 and a CF408 on the same cell.
#[test]
fn a_slip_both_the_province_and_the_units_file_pin_on_one_cell_is_one_finding() {
    let unit = &units()[4].report;
    let right = unit.totals["online"].value;
    let (bytes, slipped) = province_with_online_off_by(40);
    let book = read_workbook(&bytes, "tong-hop.xlsx").unwrap();

    let alone = check(&book, &given());
    let wrong: Vec<&Finding> = alone
        .findings
        .iter()
        .filter(|f| f.code == "CF301")
        .collect();
    assert_eq!(wrong.len(), 1, "{:#?}", alone.findings);
    assert_eq!(wrong[0].cell.to_string(), slipped);
    assert_eq!(wrong[0].fix.as_ref().unwrap().edits[0].value, right);

    let mut findings = alone.findings.clone();
    let mut across = check_against_units(province(&book), &reports(), &tthc());
    assert_eq!(codes(&across), [("CF408", slipped.clone())], "{across:#?}");
    decide_by_units(
        province(&book),
        &reports(),
        &tthc(),
        &mut findings,
        &mut across,
    );
    assert!(across.is_empty(), "one finding a cell: {across:#?}");
    assert_eq!(findings.len(), alone.findings.len());
    let merged = findings.iter().find(|f| f.code == "CF301").unwrap();
    assert_eq!(merged.fix, wrong[0].fix, "the file's own fix stays");
    let related: Vec<(&str, crossfoot::CellRef)> = merged
        .related
        .iter()
        .map(|r| (r.path.as_str(), r.cell))
        .collect();
    assert_eq!(related, [("don-vi/dv-04.xlsx", unit.totals["online"].cell)]);
    assert!(
        merged
            .message
            .en
            .contains("don-vi/dv-04.xlsx says the same"),
        "{}",
        merged.message.en
    );
}

#[test]
fn a_cell_the_province_alone_cannot_tell_is_decided_by_the_units_file() {
    let (bytes, slipped) = province_with_a_slip();
    let book = read_workbook(&bytes, "tong-hop.xlsx").unwrap();
    let unit = &units()[4].report;
    let right = unit.totals["online"].value;

    // The province's file alone: three cells would each explain it, none is chosen.
    let alone = check(&book, &given());
    let ambiguous: Vec<&Finding> = alone
        .findings
        .iter()
        .filter(|f| f.code == "CF302")
        .collect();
    assert_eq!(ambiguous.len(), 1, "{:#?}", alone.findings);
    assert!(!alone.findings.iter().any(|f| f.code == "CF301"));
    let candidates = &ambiguous[0].message.en;
    assert!(
        candidates.contains(&format!("{slipped} = {right}")),
        "{candidates}"
    );

    // With the units' files: the unit's report says the online figure was the slip.
    let mut findings = alone.findings.clone();
    let mut across = check_against_units(province(&book), &reports(), &tthc());
    assert_eq!(codes(&across), [("CF408", slipped.clone())], "{across:#?}");
    decide_by_units(
        province(&book),
        &reports(),
        &tthc(),
        &mut findings,
        &mut across,
    );
    assert!(across.is_empty(), "one finding a cell: {across:#?}");
    assert!(!findings.iter().any(|f| f.code == "CF302"), "{findings:#?}");
    let decided: Vec<&Finding> = findings.iter().filter(|f| f.code == "CF301").collect();
    assert_eq!(decided.len(), 1, "{findings:#?}");
    let decided = decided[0];
    assert_eq!(decided.cell.to_string(), slipped);
    assert_eq!(decided.severity, Severity::Error);
    assert_eq!(decided.related.len(), 1);
    let related = &decided.related[0];
    assert_eq!(
        (related.path.as_str(), related.cell),
        ("don-vi/dv-04.xlsx", unit.totals["online"].cell)
    );
    assert_eq!(related.value.as_deref(), Some(right.to_string().as_str()));
    assert!(
        decided.message.en.contains("decided by don-vi/dv-04.xlsx"),
        "{}",
        decided.message.en
    );
    assert!(decided.message.vi.contains("don-vi/dv-04.xlsx quyết định"));
    // The fix the CF302 proposed for that cell, now safe.
    let fix = decided.fix.as_ref().unwrap();
    assert_eq!(fix.applicability, Applicability::Safe);
    assert_eq!(
        (fix.edits[0].cell.to_string(), fix.edits[0].value),
        (slipped.clone(), right)
    );
    // Nothing else of the province's check changed.
    assert_eq!(findings.len(), alone.findings.len());

    // The page's set of the province's file and the units' files decides the same: the
    // set's findings hold the CF301 on the province's file in place of the CF408.
    let unit_books: Vec<(String, Workbook)> = units()
        .iter()
        .map(|unit| {
            let book = read_workbook(&unit.bytes, &unit.path).unwrap();
            (unit.path.clone(), book)
        })
        .collect();
    let mut files: Vec<SetFile> = unit_books
        .iter()
        .map(|(path, workbook)| SetFile { path, workbook })
        .collect();
    files.push(SetFile {
        path: "tong-hop.xlsx",
        workbook: &book,
    });
    let set = check_set(&files, &given());
    let province_index = files.len() - 1;
    assert!(
        matches!(set.kind, SetKind::Units { province: Some(p), .. } if p == province_index),
        "{:?}",
        set.kind
    );
    let in_set: Vec<(usize, &str, String)> = set
        .findings
        .iter()
        .map(|(file, f)| (*file, f.code, f.cell.to_string()))
        .collect();
    assert_eq!(in_set, [(province_index, "CF301", slipped.clone())]);
    assert_eq!(set.findings[0].1, *decided);

    // A unit's figure that would not mend the province's relations decides nothing: the
    // CF302 stays, and so does the CF408 of the cell that differs.
    let mut amended = reports();
    amended[4].totals.get_mut("online").unwrap().value = right + Decimal::from(1);
    let mut findings = alone.findings.clone();
    let mut across = check_against_units(province(&book), &amended, &tthc());
    decide_by_units(
        province(&book),
        &amended,
        &tthc(),
        &mut findings,
        &mut across,
    );
    assert_eq!(findings, alone.findings);
    assert_eq!(codes(&across), [("CF408", slipped.clone())], "{across:#?}");
}

#[test]
fn the_consolidated_report_of_twenty_units_adds_them_up_in_libreoffice_and_holds() {
    let reports = reports();
    let (book, out) = consolidated(&reports);
    let report = check(&book, &given());
    assert_eq!(report.template.as_deref(), Some("tthc-06"));
    assert_eq!(report.summary().errors, 0, "{:#?}", report.findings);
    assert!(check_against_units(province(&book), &reports, &tthc()).is_empty());

    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("tong-hop.xlsx");
    std::fs::write(&path, &out.bytes).unwrap();
    let Some(recalculated) = libreoffice_convert(&path, work.path(), "xlsx", true) else {
        return;
    };
    let rows = libreoffice_csv(&recalculated, &work.path().join("csv")).expect("ran above");
    let total = rows
        .iter()
        .position(|row| row.get(1).is_some_and(|label| label == "TỔNG CỘNG"))
        .expect("the grand total row");
    let layout = Layout::find(&book.sheets[0]).unwrap();
    assert_eq!(Some(total as u32), layout.body.first().map(|row| row.row));
    for (k, name) in COLUMNS.iter().enumerate() {
        let sum: Decimal = reports.iter().map(|r| r.totals[*name].value).sum();
        let shown = rows[total][2 + k].replace([',', '.'], "");
        assert_eq!(shown, sum.to_string(), "{name}: {:?}", rows[total]);
    }
    // LibreOffice's own workbook, its values computed on load, holds too.
    let opened = read_workbook(&std::fs::read(&recalculated).unwrap(), "lo.xlsx").unwrap();
    let report = check(&opened, &given());
    assert_eq!(report.summary().errors, 0, "{:#?}", report.findings);
}

/// The twenty units' files in `dir/don-vi` and the province's report with unit 4's online
/// figure copied 9 too high in `dir/tong-hop.xlsx`; the unit folder, the province's path,
/// and the unit's file.
fn on_disk(dir: &std::path::Path) -> (String, String, String) {
    let folder = dir.join("don-vi");
    std::fs::create_dir_all(&folder).unwrap();
    for unit in units() {
        std::fs::write(dir.join(&unit.path), &unit.bytes).unwrap();
    }
    let (_, out) = consolidated(&copied_wrongly(4, "online", 9));
    let province = dir.join("tong-hop.xlsx");
    std::fs::write(&province, &out.bytes).unwrap();
    let shown = |path: std::path::PathBuf| path.to_str().unwrap().to_string();
    (
        shown(folder),
        shown(province),
        shown(dir.join(&units()[4].path)),
    )
}

#[test]
fn the_command_line_checks_a_consolidated_report_against_a_folder_of_units() {
    let work = tempfile::tempdir().unwrap();
    let (folder, tong_hop, unit_file) = on_disk(work.path());
    let unit = &units()[4].report;
    let (_, out) = consolidated(&copied_wrongly(4, "online", 9));
    let row = row_of(&out, &unit.name) + 1;
    let unit_cell = unit.totals["online"].cell.to_string();
    let right = unit.totals["online"].value.to_string();

    let output = crossfoot(&["check", "--units", &folder, &tong_hop, "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "CF408 is an error");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "the units' files are not reported: {json}");
    let findings = files[0]["findings"].as_array().unwrap();
    let across: Vec<_> = findings
        .iter()
        .filter(|f| f["code"].as_str().is_some_and(|c| c.starts_with("CF4")))
        .collect();
    assert_eq!(across.len(), 1, "{findings:#?}");
    assert_eq!(across[0]["code"], "CF408");
    assert_eq!(across[0]["cell"], format!("D{row}"));
    assert_eq!(
        across[0]["related"],
        serde_json::json!([{"path": unit_file, "sheet": "06", "cell": unit_cell, "value": right}])
    );

    // The text, the CSV and the annotated workbook's note name the unit's file and cell.
    outputs_name_the_other_file(
        &["--units", &folder],
        &tong_hop,
        "CF408",
        (&unit_file, &unit_cell),
        work.path(),
    );

    // A unit's file that cannot be read is one more unreadable input; the rest are compared.
    let broken = work.path().join("don-vi/hong.xlsx");
    std::fs::write(&broken, "not a workbook").unwrap();
    let output = crossfoot(&["check", "--units", &folder, &tong_hop, "--format", "json"]);
    assert_eq!(output.status.code(), Some(2), "an input could not be read");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{json}");
    assert_eq!(files[1]["path"], broken.to_str().unwrap());
    let error = files[1]["error"].as_str().unwrap();
    assert!(
        error.contains("tệp của đơn vị") && error.contains("a unit's file"),
        "{error}"
    );
    let codes: Vec<&str> = files[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"CF408"), "{codes:?}");
    assert!(
        !codes.contains(&"CF409"),
        "every unit still has its file: {codes:?}"
    );

    // The units decide a cell the province's file alone cannot: the CF302 becomes a CF301.
    std::fs::remove_file(&broken).unwrap();
    let (typed, slipped) = province_with_a_slip();
    std::fs::write(&tong_hop, typed).unwrap();
    let output = crossfoot(&["check", "--units", &folder, &tong_hop, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = json["files"][0]["findings"].as_array().unwrap();
    assert!(
        !findings.iter().any(|f| f["code"] == "CF302"),
        "{findings:#?}"
    );
    let decided: Vec<_> = findings.iter().filter(|f| f["code"] == "CF301").collect();
    assert_eq!(decided.len(), 1, "{findings:#?}");
    assert_eq!(decided[0]["cell"], slipped);
    assert_eq!(decided[0]["related"][0]["path"], unit_file.as_str());
    assert_eq!(decided[0]["related"][0]["cell"], unit_cell);
    assert!(
        !findings.iter().any(|f| f["code"] == "CF408"),
        "one finding a cell"
    );

    // Two consolidated files have no one folder of units: refused before any check.
    let output = crossfoot(&[
        "check", "--units", &folder, &tong_hop, &tong_hop, &unit_file,
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("cần đúng một tệp tổng hợp") && stderr.contains("needs exactly one"),
        "{stderr}"
    );
}

/// A slip the province's file alone pins on another cell (online typed 1 too high: alone,
/// one mistyped digit in carried-over explains the row as well and is preferred) moves to
/// the cell the unit's own report shows wrong: one CF301 on online, its fix the unit's
/// figure, naming the unit's file and the cell the file alone pointed at.
#[test]
fn a_slip_the_province_alone_pins_on_another_cell_is_moved_by_the_units_file() {
    let unit = &units()[4].report;
    let right = unit.totals["online"].value;
    let (bytes, slipped) = province_with_online_off_by(1);
    let book = read_workbook(&bytes, "tong-hop.xlsx").unwrap();

    let alone = check(&book, &given());
    let wrong: Vec<&Finding> = alone
        .findings
        .iter()
        .filter(|f| f.code == "CF301")
        .collect();
    let [pinned] = wrong.as_slice() else {
        panic!("one CF301 alone: {:#?}", alone.findings);
    };
    assert_ne!(
        pinned.cell.to_string(),
        slipped,
        "alone, another cell is preferred"
    );

    let mut findings = alone.findings.clone();
    let mut across = check_against_units(province(&book), &reports(), &tthc());
    assert_eq!(codes(&across), [("CF408", slipped.clone())], "{across:#?}");
    decide_by_units(
        province(&book),
        &reports(),
        &tthc(),
        &mut findings,
        &mut across,
    );
    assert!(across.is_empty(), "one finding a cell: {across:#?}");
    let wrong: Vec<&Finding> = findings.iter().filter(|f| f.code == "CF301").collect();
    let [moved] = wrong.as_slice() else {
        panic!("one CF301: {findings:#?}");
    };
    assert_eq!(moved.cell.to_string(), slipped);
    assert_eq!(moved.fix.as_ref().unwrap().edits[0].value, right);
    assert_eq!(
        moved.cells,
        [pinned.cell],
        "it names the cell the file alone pointed at"
    );
    let related: Vec<(&str, crossfoot::CellRef)> = moved
        .related
        .iter()
        .map(|r| (r.path.as_str(), r.cell))
        .collect();
    assert_eq!(related, [("don-vi/dv-04.xlsx", unit.totals["online"].cell)]);
    let alone_cell = pinned.cell.to_string();
    assert!(
        moved
            .message
            .en
            .contains(&format!("This file alone pointed at {alone_cell}")),
        "{}",
        moved.message.en
    );
    assert!(
        moved
            .message
            .vi
            .contains(&format!("crossfoot chỉ ra ô {alone_cell}")),
        "{}",
        moved.message.vi
    );
}
