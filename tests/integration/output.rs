//! Output workbooks: xls, ods and HTML exports rebuilt as xlsx read back to the same cells and
//! the same findings; the run summary workbook reads back to the run's outcomes; the CLI's
//! `--annotate`, `--fix` and `--summary` write their files (and report a folder it cannot
//! write with exit code 2); LibreOffice, when installed, opens what we write.

use std::path::Path;
use std::process::Command;

use crossfoot::{
    annotated_workbook, check, fixed_workbook, read_workbook, rebuild_xlsx, summary_workbook,
    CellRange, CellRef, CheckReport, FileOutcome, Lang, OutputOptions, Reading, Severity,
    SourceFormat, TemplateChoice, Value, Workbook,
};

use crate::common::{csv_at, fixture, libreoffice_csv, read_fixture};

const REBUILT: [(&str, SourceFormat); 3] = [
    ("tthc-06-q3-2022.xls", SourceFormat::Xls),
    ("tthc-06-q3-2022.ods", SourceFormat::Ods),
    ("tthc-06-q3-2022-html.xls", SourceFormat::Html),
];

/// What a rebuild keeps of a cell: position, value, formula, number format.
type CellView = (CellRef, Value, Option<String>, Option<String>);

/// The cells a rebuild writes, as read back: the other cells of a merged range are blank, an
/// Excel error is written as its text, an empty cell without a format is not written; an ods
/// formula's `;` separators become `,`. In an HTML export a number is text; the rebuild
/// writes it as a number showing as many decimals, so numbers are compared as read
/// (value, decimals shown, percent) rather than as stored.
fn cells_as_rebuilt(book: &Workbook, sheet: usize, html: bool) -> Vec<CellView> {
    let sheet = &book.sheets[sheet];
    sheet
        .cells
        .iter()
        .filter(|cell| {
            sheet
                .merge_at(cell.at)
                .is_none_or(|range| range.first == cell.at)
        })
        .filter(|cell| cell.value != Value::Empty || cell.number_format.is_some())
        .map(|cell| {
            let value = match (&cell.value, &cell.reading) {
                (Value::Error(text), _) if cell.formula.is_none() => {
                    Value::Text(text.as_ref().into())
                }
                (_, Reading::Number(q)) if html => Value::Text(
                    format!(
                        "number {} shown with {} decimals, percent {}",
                        q.value.normalize(),
                        q.decimals,
                        q.percent
                    )
                    .into(),
                ),
                (other, _) => other.clone(),
            };
            let number_format = if html {
                None
            } else {
                cell.number_format.as_deref().map(str::to_string)
            };
            let formula = cell.formula.as_ref().map(|f| f.replace(';', ","));
            (cell.at, value, formula, number_format)
        })
        .collect()
}

fn sorted_merges(book: &Workbook, sheet: usize) -> Vec<CellRange> {
    let mut merges = book.sheets[sheet].merges.clone();
    merges.retain(|range| range.first != range.last);
    merges.sort();
    merges
}

/// Findings as `(code, severity, sheet, cell)`.
fn finding_keys(report: &CheckReport) -> Vec<(&'static str, Severity, String, CellRef)> {
    report
        .findings
        .iter()
        .map(|f| (f.code, f.severity, f.sheet.clone(), f.cell))
        .collect()
}

#[test]
fn rebuilt_xlsx_reads_back_to_the_same_cells_merges_and_findings() {
    for (name, format) in REBUILT {
        let original = read_fixture(name);
        assert_eq!(original.format, format, "{name}");
        let xlsx = rebuild_xlsx(&original).unwrap_or_else(|e| panic!("{name}: {e}"));
        let rebuilt =
            read_workbook(&xlsx, "rebuilt.xlsx").unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(rebuilt.format, SourceFormat::Xlsx);
        assert_eq!(rebuilt.sheets.len(), original.sheets.len(), "{name}");
        for (index, sheet) in original.sheets.iter().enumerate() {
            let again = &rebuilt.sheets[index];
            assert_eq!(again.name, sheet.name, "{name}");
            assert_eq!(again.hidden, sheet.hidden, "{name} {}", sheet.name);
            let html = format == SourceFormat::Html;
            let want = cells_as_rebuilt(&original, index, html);
            let got = cells_as_rebuilt(&rebuilt, index, html);
            assert!(want.len() > 100, "{name}: only {} cells", want.len());
            for (w, g) in want.iter().zip(&got) {
                assert_eq!(w, g, "{name} {} at {}", sheet.name, w.0);
            }
            assert_eq!(got.len(), want.len(), "{name} {}", sheet.name);
            assert_eq!(
                sorted_merges(&rebuilt, index),
                sorted_merges(&original, index),
                "{name} {}",
                sheet.name
            );
        }
        let before = check(&original, &TemplateChoice::Auto);
        let after = check(&rebuilt, &TemplateChoice::Auto);
        assert_eq!(after.template, before.template, "{name}");
        assert_eq!(finding_keys(&after), finding_keys(&before), "{name}");
    }
}

#[test]
fn non_ooxml_inputs_get_an_xlsx_and_xlsx_inputs_are_patched() {
    let options = OutputOptions::default();
    for (name, _) in REBUILT {
        let input = std::fs::read(fixture(name)).expect("fixture");
        let book = read_workbook(&input, name).expect("readable");
        let report = check(&book, &TemplateChoice::Auto);
        for xlsx in [
            annotated_workbook(&input, &book, &report, &options).expect("annotated"),
            fixed_workbook(&input, &book, &report, &[], &options).expect("fixed"),
        ] {
            let again = read_workbook(&xlsx, "out.xlsx").expect("readable xlsx");
            assert_eq!(again.format, SourceFormat::Xlsx, "{name}");
            assert!(again.sheets.len() >= book.sheets.len(), "{name}");
        }
    }
    // An xlsx goes to the patcher as it is, never through the rebuild.
    let input = std::fs::read(fixture("tthc-06-q3-2022.xlsx")).expect("fixture");
    let book = read_workbook(&input, "tthc-06-q3-2022.xlsx").expect("readable");
    let report = check(&book, &TemplateChoice::Auto);
    let xlsx = annotated_workbook(&input, &book, &report, &options).expect("annotated");
    assert_ne!(xlsx, rebuild_xlsx(&book).expect("rebuilt"));
}

fn text_at(book: &Workbook, sheet: usize, row: u32, col: u32) -> String {
    book.sheets[sheet].label(CellRef::new(row, col))
}

#[test]
fn summary_rows_equal_the_outcomes() {
    let good = read_fixture("tthc-06-q3-2022.xlsx");
    let report = check(&good, &TemplateChoice::Auto);
    assert!(
        !report.findings.is_empty(),
        "the sample has findings to list"
    );
    let summary = report.summary();
    let files = [
        FileOutcome {
            path: "reports/tthc-06-q3-2022.xlsx".to_string(),
            result: Ok(report.clone()),
        },
        FileOutcome {
            path: "=bad.xls".to_string(),
            result: Err("-damaged: not a workbook".to_string()),
        },
    ];
    for lang in [Lang::Vi, Lang::En] {
        let xlsx = summary_workbook(&files, lang).expect("summary");
        let book = read_workbook(&xlsx, "summary.xlsx").expect("summary readable");
        let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
        match lang {
            Lang::Vi => assert_eq!(names, ["Tệp", "Phát hiện"]),
            Lang::En => assert_eq!(names, ["Files", "Findings"]),
        }
        // Files: header, then one row per outcome.
        assert_eq!(book.sheets[0].extent(), Some(CellRef::new(2, 5)));
        let row1: Vec<String> = (0..6).map(|c| text_at(&book, 0, 1, c)).collect();
        assert_eq!(
            row1,
            [
                "reports/tthc-06-q3-2022.xlsx".to_string(),
                report.template.clone().expect("a template"),
                summary.errors.to_string(),
                summary.warnings.to_string(),
                summary.infos.to_string(),
                String::new(),
            ]
        );
        // Text that looks like a formula stays text.
        let bad = book.sheets[0].cell(CellRef::new(2, 0)).expect("path cell");
        assert_eq!(bad.value, Value::Text("=bad.xls".into()));
        assert_eq!(bad.formula, None);
        assert_eq!(text_at(&book, 0, 2, 5), "-damaged: not a workbook");

        // Findings: header, then one row per finding of the readable file.
        let findings = &book.sheets[1];
        assert_eq!(
            findings.extent().map(|end| end.row),
            Some(u32::try_from(report.findings.len()).expect("few"))
        );
        for (index, finding) in report.findings.iter().enumerate() {
            let row = u32::try_from(index + 1).expect("few");
            assert_eq!(text_at(&book, 1, row, 0), "reports/tthc-06-q3-2022.xlsx");
            assert_eq!(text_at(&book, 1, row, 1), finding.severity.as_str());
            assert_eq!(text_at(&book, 1, row, 2), finding.code);
            assert_eq!(text_at(&book, 1, row, 3), finding.sheet);
            assert_eq!(text_at(&book, 1, row, 4), finding.cell.to_string());
            assert_eq!(text_at(&book, 1, row, 5), finding.message.get(lang).trim());
            assert_eq!(
                text_at(&book, 1, row, 6),
                finding.expected.clone().unwrap_or_default()
            );
            assert_eq!(
                text_at(&book, 1, row, 7),
                finding.actual.clone().unwrap_or_default()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// The CLI

fn crossfoot(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(args)
        .output()
        .expect("the crossfoot binary runs")
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

fn read_written(path: &Path) -> Workbook {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    read_workbook(&bytes, "written.xlsx").unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn cli_writes_checked_fixed_and_summary_workbooks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let checked = dir.path().join("checked");
    let fixed = dir.path().join("out/fixed");
    let summary = dir.path().join("summary.xlsx");
    let xlsx = fixture("tthc-06-q3-2022.xlsx");
    let ods = fixture("tthc-06-q3-2022.ods");
    let plain = crossfoot(&["check", arg(&xlsx), arg(&ods)]);
    let output = crossfoot(&[
        "check",
        "--annotate",
        arg(&checked),
        "--fix",
        arg(&fixed),
        "--summary",
        arg(&summary),
        arg(&xlsx),
        arg(&ods),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), plain.status.code(), "{stderr}");
    assert_eq!(output.stdout, plain.stdout, "the report is unchanged");

    for path in [
        checked.join("tthc-06-q3-2022.xlsx.checked.xlsx"),
        checked.join("tthc-06-q3-2022.ods.checked.xlsx"),
        fixed.join("tthc-06-q3-2022.xlsx.fixed.xlsx"),
        fixed.join("tthc-06-q3-2022.ods.fixed.xlsx"),
    ] {
        let book = read_written(&path);
        assert_eq!(book.format, SourceFormat::Xlsx);
        assert!(!book.sheets.is_empty(), "{}", path.display());
    }
    let from_ods = read_written(&checked.join("tthc-06-q3-2022.ods.checked.xlsx"));
    assert_eq!(
        from_ods.sheets[0].name,
        read_fixture("tthc-06-q3-2022.ods").sheets[0].name
    );
    // The results sheet of the copy rebuilt from the ods says it was converted.
    let results = from_ods.sheet("Kết quả kiểm tra").expect("results sheet");
    assert!(results.cells.iter().any(|c| c
        .value
        .as_text()
        .is_some_and(|t| t.contains("ods") || t.contains("ODS"))));

    let book = read_written(&summary);
    let files: Vec<String> = (1..=2).map(|row| text_at(&book, 0, row, 0)).collect();
    assert_eq!(files, [arg(&xlsx), arg(&ods)]);
}

#[test]
fn cli_single_stems_and_an_unwritable_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a folder").expect("write");
    let bad = blocker.join("checked");
    let fixed = dir.path().join("fixed");
    let summary = dir.path().join("s.xlsx");
    let ods = fixture("tthc-06-q3-2022.ods");
    let output = crossfoot(&[
        "check",
        "--annotate",
        arg(&bad),
        "--fix",
        arg(&fixed),
        "--summary",
        arg(&summary),
        "--live-totals",
        arg(&ods),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(arg(&bad)), "{stderr}");
    assert!(stderr.contains("cannot create"), "{stderr}");
    assert!(!stderr.contains("not yet"), "{stderr}");
    read_written(&fixed.join("tthc-06-q3-2022.fixed.xlsx"));
    read_written(&summary);

    // A summary path that cannot be written: exit 2, the copies are still written.
    let checked = dir.path().join("checked");
    let output = crossfoot(&[
        "check",
        "--annotate",
        arg(&checked),
        "--summary",
        arg(&blocker.join("s.xlsx")),
        arg(&ods),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("s.xlsx"), "{stderr}");
    read_written(&checked.join("tthc-06-q3-2022.checked.xlsx"));
}

// ---------------------------------------------------------------------------------------
// LibreOffice

#[test]
fn libreoffice_opens_the_rebuilt_workbook_and_the_summary() {
    let work = tempfile::tempdir().expect("temp dir");
    let original = read_fixture("tthc-06-q3-2022.ods");
    let rebuilt_path = work.path().join("rebuilt.xlsx");
    std::fs::write(&rebuilt_path, rebuild_xlsx(&original).expect("rebuilt")).expect("write");
    let Some(rows) = libreoffice_csv(&rebuilt_path, work.path()) else {
        return;
    };
    // Every text cell shows its text; every number without a format shows the number.
    let sheet = &original.sheets[0];
    let mut numbers = 0;
    for cell in &sheet.cells {
        if sheet
            .merge_at(cell.at)
            .is_some_and(|range| range.first != cell.at)
        {
            continue;
        }
        let shown = csv_at(&rows, cell.at);
        match &cell.value {
            Value::Text(text) => assert_eq!(shown, &**text, "{}", cell.at),
            Value::Number(number) if cell.number_format.is_none() => {
                let value: rust_decimal::Decimal = shown
                    .parse()
                    .unwrap_or_else(|e| panic!("{} shows {shown:?}: {e}", cell.at));
                assert_eq!(value, *number, "{}", cell.at);
                numbers += 1;
            }
            Value::Number(_) => assert!(!shown.is_empty(), "{} is empty", cell.at),
            _ => {}
        }
    }
    println!("LibreOffice showed {numbers} unformatted numbers as written");

    let good = read_fixture("tthc-06-q3-2022.xlsx");
    let report = check(&good, &TemplateChoice::Auto);
    let summary = report.summary();
    let files = [
        FileOutcome {
            path: "a.xlsx".to_string(),
            result: Ok(report.clone()),
        },
        FileOutcome {
            path: "=b.xls".to_string(),
            result: Err("damaged".to_string()),
        },
    ];
    let summary_path = work.path().join("summary.xlsx");
    std::fs::write(
        &summary_path,
        summary_workbook(&files, Lang::En).expect("summary"),
    )
    .expect("write");
    let rows = libreoffice_csv(&summary_path, work.path()).expect("LibreOffice ran above");
    assert_eq!(
        rows,
        [
            vec![
                "File",
                "Template",
                "Errors",
                "Warnings",
                "Infos",
                "Read error"
            ],
            vec![
                "a.xlsx",
                report.template.as_deref().unwrap_or(""),
                &summary.errors.to_string(),
                &summary.warnings.to_string(),
                &summary.infos.to_string(),
                "",
            ],
            vec!["=b.xls", "", "", "", "", "damaged"],
        ]
    );
}
