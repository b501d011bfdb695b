//! `crossfoot consolidate`: units' reports (the worked example's six in `examples/don-vi/`)
//! written into the province's form: each unit's grand total on its row under the section
//! its name or the units list gives, the totals adding them up, and what became of each
//! unit (a listed unit with no report, a unit reported twice, a file that cannot be read)
//! on the findings sheet, in the summary printed and in the exit code.

use std::collections::BTreeMap;
use std::path::Path;

use crossfoot::{
    check, read_unit, read_workbook, CellRef, Template, TemplateChoice, UnitFile, Workbook,
};
use rust_decimal::Decimal;

const UNITS_DIR: &str = "examples/don-vi";

fn crossfoot(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(args)
        .output()
        .expect("the crossfoot binary runs")
}

fn read(path: &Path) -> Workbook {
    let bytes = std::fs::read(path).expect("readable");
    read_workbook(&bytes, &path.to_string_lossy()).expect("a workbook")
}

/// Each example unit's grand total, by unit name and column name, as `read_unit` reads it.
fn unit_totals() -> BTreeMap<String, BTreeMap<String, Decimal>> {
    let template = Template::builtin("tthc-06").unwrap();
    let mut totals = BTreeMap::new();
    for entry in std::fs::read_dir(UNITS_DIR).unwrap() {
        let path = entry.unwrap().path();
        let book = read(&path);
        let path = path.to_string_lossy().into_owned();
        let unit = read_unit(
            UnitFile {
                path: &path,
                workbook: &book,
            },
            &template,
        )
        .unwrap();
        assert!(unit.holds(), "{path}: {:?}", unit.findings);
        let figures = unit
            .totals
            .iter()
            .map(|(k, v)| (k.clone(), v.value))
            .collect();
        totals.insert(unit.name, figures);
    }
    totals
}

/// The figure of the row labelled `label` in the consolidated sheet's column headed by
/// `column` (the leaf header's column in the 06 form: C received, D online, K pending).
fn figure(sheet: &crossfoot::Sheet, label: &str, col: u32) -> Option<Decimal> {
    let row = sheet
        .cells
        .iter()
        .find(|cell| cell.at.col == 1 && sheet.label(cell.at) == label)?
        .at
        .row;
    match &sheet.cell(CellRef::new(row, col))?.value {
        crossfoot::Value::Number(n) => Some(*n),
        _ => None,
    }
}

#[test]
fn the_units_reports_become_the_provinces_rows_and_its_totals_add_them_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tong-hop.xlsx");
    let output = crossfoot(&[
        "consolidate",
        "--lang",
        "en",
        "--template",
        "tthc-06",
        UNITS_DIR,
        "-o",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("Added 6 of 6 units"), "{stdout}");
    assert!(
        stdout.contains("examples/don-vi/huyen-lap-vo.xlsx: Huyện Lấp Vò (row 15): added"),
        "{stdout}"
    );

    let book = read(&out);
    let sheet = &book.sheets[0];
    let totals = unit_totals();
    // Each unit's figures on its row, under the section its name states.
    for (name, figures) in &totals {
        assert_eq!(figure(sheet, name, 3), Some(figures["online"]), "{name}");
        assert_eq!(figure(sheet, name, 10), Some(figures["pending"]), "{name}");
    }
    let section_of = |label: &str| {
        let row = sheet
            .cells
            .iter()
            .find(|c| c.at.col == 1 && sheet.label(c.at) == label)
            .unwrap()
            .at
            .row;
        (0..row)
            .rev()
            .map(|r| sheet.label(CellRef::new(r, 1)))
            .find(|l| l.starts_with("Cấp"))
            .unwrap()
    };
    assert_eq!(section_of("Sở Y tế"), "Cấp tỉnh");
    assert_eq!(section_of("Huyện Lấp Vò"), "Cấp huyện");
    assert_eq!(section_of("Các xã thuộc huyện Tân Hồng"), "Cấp xã");
    // The grand total adds every unit (its cached value, as a program that does not
    // recalculate shows it).
    let received: Decimal = totals.values().map(|f| f["received"]).sum();
    assert_eq!(figure(sheet, "TỔNG CỘNG", 2), Some(received));
    assert_eq!(
        sheet.label(CellRef::new(2, 0)),
        "Kỳ báo cáo: Quý III năm 2022 (từ ngày 15/6/2022 đến ngày 14/9/2022)",
        "the period every unit states"
    );
    // The consolidated report holds together.
    let report = check(&book, &TemplateChoice::Auto);
    assert_eq!(report.template.as_deref(), Some("tthc-06"));
    assert_eq!(report.summary().errors, 0, "{:#?}", report.findings);
    assert_eq!(report.summary().warnings, 0, "{:#?}", report.findings);
    // Every unit on the findings sheet with its file.
    let units = &book.sheets[1];
    assert_eq!(units.name, "Kiểm tra đơn vị");
    for name in totals.keys() {
        assert!(
            units.cells.iter().any(|c| units.label(c.at) == *name),
            "{name} is listed"
        );
    }
}

#[test]
fn a_listed_unit_without_a_report_a_unit_twice_and_an_unreadable_file_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let units = dir.path().join("units");
    std::fs::create_dir(&units).unwrap();
    for entry in std::fs::read_dir(UNITS_DIR).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, units.join(path.file_name().unwrap())).unwrap();
    }
    // Sở Y tế's report sent twice, and a damaged file.
    std::fs::copy(units.join("so-y-te.xlsx"), units.join("so-y-te_2.xlsx")).unwrap();
    std::fs::write(units.join("hong.xlsx"), b"PK\x03\x04 not a workbook").unwrap();
    let list = dir.path().join("don-vi.txt");
    std::fs::write(
        &list,
        "Cấp tỉnh\tSở Nội vụ\nSở Tư pháp\nSở Xây dựng\nSở Y tế\nCấp huyện\tHuyện Tân Hồng\nHuyện Lấp Vò\nCấp xã\tCác xã thuộc huyện Tân Hồng\n",
    )
    .unwrap();
    let out = dir.path().join("tong-hop.xlsx");
    let output = crossfoot(&[
        "consolidate",
        "--lang",
        "en",
        "--units",
        list.to_str().unwrap(),
        units.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(2),
        "a file was not read: {stdout}"
    );
    assert!(stdout.contains("Sở Nội vụ (row 11): no report"), "{stdout}");
    assert!(
        stdout.contains("so-y-te_2.xlsx: Sở Y tế: the same unit as"),
        "{stdout}"
    );
    assert!(stdout.contains("hong.xlsx: not read:"), "{stdout}");
    assert!(stdout.contains("Added 6 of 9 units"), "{stdout}");

    let book = read(&out);
    let sheet = &book.sheets[0];
    // The listed unit keeps its place, blank, with a note saying why.
    assert_eq!(sheet.label(CellRef::new(10, 1)), "Sở Nội vụ");
    assert_eq!(figure(sheet, "Sở Nội vụ", 3), None);
    let bytes = std::fs::read(&out).unwrap();
    let notes: String = crate::common::zip_parts(&bytes)
        .into_iter()
        .filter(|(name, _)| name.starts_with("xl/comments"))
        .map(|(_, data)| String::from_utf8(data).unwrap())
        .collect();
    assert!(
        notes.contains("ref=\"B11\"") && notes.contains("No report from this unit"),
        "{notes}"
    );
    // Sở Y tế is added once: the grand total is the six units'.
    let received: Decimal = unit_totals().values().map(|f| f["received"]).sum();
    assert_eq!(figure(sheet, "TỔNG CỘNG", 2), Some(received));
    let report = check(&book, &TemplateChoice::Auto);
    assert_eq!(report.summary().errors, 0, "{:#?}", report.findings);
}
