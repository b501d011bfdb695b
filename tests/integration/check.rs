//! Checking: the samples give their known findings (template auto-detected or given), and
//! variants of the 06 form written with rust_xlsxwriter give exactly the findings of what
//! was changed, at the right cells.

use std::collections::BTreeSet;

use crossfoot::{check, read_workbook, CheckReport, Severity, Template, TemplateChoice};
use rust_decimal::prelude::*;

use crate::common::{fixture, read_fixture};
use crate::form06::{self, Kind, Options, Row};

type Key = (String, Severity, String);

fn keys(report: &CheckReport) -> BTreeSet<Key> {
    report
        .findings
        .iter()
        .map(|f| (f.code.to_string(), f.severity, f.cell.to_string()))
        .collect()
}

fn key(code: &str, severity: Severity, cell: &str) -> Key {
    (code.to_string(), severity, cell.to_string())
}

fn check_bytes(bytes: &[u8]) -> CheckReport {
    let book = read_workbook(bytes, "form.xlsx").expect("generated workbook reads");
    check(&book, &TemplateChoice::Auto)
}

/// The sample's known findings: received ≠ resolved + pending on three unit rows, their
/// sections and the grand total, as warnings.
fn known_06() -> BTreeSet<Key> {
    ["C9", "C10", "C15", "C27", "C39", "C40", "C51"]
        .into_iter()
        .map(|cell| key("CF201", Severity::Warning, cell))
        .collect()
}

#[test]
fn the_06_sample_gives_its_known_findings_with_the_template_found_by_itself() {
    let report = check(&read_fixture("tthc-06-q3-2022.xlsx"), &TemplateChoice::Auto);
    assert_eq!(report.template.as_deref(), Some("tthc-06"));
    assert_eq!(keys(&report), known_06(), "{:#?}", report.findings);
    let c15 = report
        .findings
        .iter()
        .find(|f| f.cell.to_string() == "C15")
        .unwrap();
    assert_eq!(c15.actual.as_deref(), Some("13.518"));
    assert_eq!(c15.expected.as_deref(), Some("8.305"));
    assert!(
        c15.message.en.contains("5.213") || c15.message.en.contains("5,213"),
        "{}",
        c15.message.en
    );
}

#[test]
fn the_06_form_in_other_formats_gives_the_same_findings() {
    let expected = known_06();
    for name in ["tthc-06-q3-2022.xls", "tthc-06-q3-2022.ods"] {
        let report = check(&read_fixture(name), &TemplateChoice::Auto);
        assert_eq!(report.template.as_deref(), Some("tthc-06"), "{name}");
        assert_eq!(keys(&report), expected, "{name}: {:#?}", report.findings);
    }
    // The HTML export has the same rows under its own title lines: compare by row label.
    let book = read_fixture("tthc-06-q3-2022-html.xls");
    let report = check(&book, &TemplateChoice::Auto);
    assert_eq!(report.template.as_deref(), Some("tthc-06"));
    let labels: BTreeSet<(String, String)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.code.to_string(),
                book.sheets[0].label(crossfoot::CellRef::new(f.cell.row, 1)),
            )
        })
        .collect();
    let xlsx = read_fixture("tthc-06-q3-2022.xlsx");
    let xlsx_labels: BTreeSet<(String, String)> = check(&xlsx, &TemplateChoice::Auto)
        .findings
        .iter()
        .map(|f| {
            (
                f.code.to_string(),
                xlsx.sheets[0].label(crossfoot::CellRef::new(f.cell.row, 1)),
            )
        })
        .collect();
    assert_eq!(labels, xlsx_labels, "{:#?}", report.findings);
}

#[test]
fn the_indicator_appendix_with_its_example_template() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/phu-luc-cchc.toml"),
    )
    .unwrap();
    let template = Template::from_toml(&text).expect("example template is valid");
    let report = check(
        &read_fixture("phu-luc-cchc-q3-2022.xlsx"),
        &TemplateChoice::Given(Box::new(template)),
    );
    // The figures typed as text ("1.845", "203.566", "96,1") get their note, with the fix
    // that makes them numbers in the corrected workbook (the template turned the note off
    // until the note carried that fix).
    let expected: BTreeSet<Key> = [
        key("CF101", Severity::Info, "D21"),
        key("CF105", Severity::Warning, "D17"),
        key("CF201", Severity::Warning, "D25"),
        key("CF206", Severity::Info, "D39"),
        key("CF206", Severity::Info, "D51"),
    ]
    .into_iter()
    .collect();
    assert_eq!(keys(&report), expected, "{:#?}", report.findings);
    let text = report.findings.iter().find(|f| f.code == "CF101").unwrap();
    let edits = &text.fix.as_ref().expect("the conversion").edits;
    assert_eq!(edits.len(), 15);
    let received = edits.iter().find(|e| e.cell.to_string() == "D25").unwrap();
    assert_eq!(
        (received.value, received.shown.as_str()),
        (Decimal::from(203_566), "203.566")
    );
    assert!(
        edits.iter().all(|e| e.cell.col == 3),
        "only the figures column"
    );
    let gap = report
        .findings
        .iter()
        .find(|f| f.cell.to_string() == "D25")
        .unwrap();
    assert!(gap.message.vi.contains("15.639"), "{}", gap.message.vi);
    let petitions = report
        .findings
        .iter()
        .find(|f| f.cell.to_string() == "D39")
        .unwrap();
    assert_eq!(petitions.actual.as_deref(), Some("96,1"));
    assert_eq!(petitions.expected.as_deref(), Some("96,2"));
}

#[test]
fn the_budget_table_with_a_template_written_for_it_gives_nothing() {
    let text = std::fs::read_to_string(fixture("kinh-phi.toml")).unwrap();
    let template = Template::from_toml(&text).unwrap();
    let report = check(
        &read_fixture("kinh-phi-2022.xlsx"),
        &TemplateChoice::Given(Box::new(template)),
    );
    assert_eq!(report.template.as_deref(), Some("kinh-phi"));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// Writes the sample's rows with `options` after `change`, and returns the findings that
/// the unchanged form does not have, plus where each row went.
fn injected(
    options: &Options,
    change: impl FnOnce(&mut Vec<Row>),
) -> (BTreeSet<Key>, Vec<u32>, CheckReport) {
    let rows = form06::sample_rows();
    let (clean, _) = form06::write(&rows, options);
    let baseline = keys(&check_bytes(&clean));
    let mut changed = rows.clone();
    change(&mut changed);
    let (bytes, placed) = form06::write(&changed, options);
    let report = check_bytes(&bytes);
    assert_eq!(report.template.as_deref(), Some("tthc-06"));
    let new = keys(&report).difference(&baseline).cloned().collect();
    (new, placed, report)
}

fn unit(rows: &[Row], label: &str) -> usize {
    rows.iter().position(|r| r.label == label).unwrap()
}

#[test]
fn a_generated_clean_form_gives_the_samples_findings() {
    let rows = form06::sample_rows();
    for formulas in [false, true] {
        let (bytes, _) = form06::write(
            &rows,
            &Options {
                formulas,
                ..Options::default()
            },
        );
        assert_eq!(
            keys(&check_bytes(&bytes)),
            known_06(),
            "formulas: {formulas}"
        );
    }
}

#[test]
fn one_wrong_detail_cell() {
    let rows = form06::sample_rows();
    let i = unit(&rows, "Sở Nội vụ");
    let (new, placed, report) = injected(&Options::default(), |rows| {
        rows[i].counts[form06::ONLINE] += 100
    });
    // The row identity and the section's column total both break; only the detail cell
    // explains both, so it is the one finding, with the original value as its fix.
    let cell = format!("D{}", placed[i] + 1);
    assert_eq!(
        new,
        [key("CF301", Severity::Error, &cell)].into_iter().collect()
    );
    let finding = report
        .findings
        .iter()
        .find(|f| f.cell.to_string() == cell)
        .unwrap();
    let fix = finding.fix.as_ref().unwrap();
    assert_eq!(
        fix.edits[0].value,
        Decimal::from(rows[i].counts[form06::ONLINE])
    );
    assert_eq!(fix.applicability, crossfoot::Applicability::Safe);
    assert_eq!(fix.reason.en, "one digit mistyped");
}

#[test]
fn one_wrong_total_is_found_and_fixed() {
    let rows = form06::sample_rows();
    let total = rows.iter().position(|r| r.kind == Kind::Total).unwrap();
    let (new, placed, report) = injected(&Options::default(), |rows| {
        rows[total].counts[form06::CARRIED] += 1000
    });
    let cell = format!("F{}", placed[total] + 1);
    assert_eq!(
        new,
        [key("CF301", Severity::Error, &cell)].into_iter().collect()
    );
    let finding = report
        .findings
        .iter()
        .find(|f| f.code == "CF301" && f.cell.to_string() == cell)
        .unwrap();
    let fix = finding.fix.as_ref().expect("the total alone explains it");
    assert_eq!(fix.edits[0].value, Decimal::from(19_158));
    assert_eq!(fix.applicability, crossfoot::Applicability::Safe);
}

#[test]
fn a_stale_rate_is_an_error_with_its_fix() {
    let rows = form06::sample_rows();
    let i = unit(&rows, "Sở Tư pháp");
    let right = form06::computed_rate(&rows[i]).unwrap();
    let (new, placed, report) = injected(&Options::default(), |rows| {
        rows[i].rate = Some(Decimal::new(500, 1))
    });
    let cell = format!("N{}", placed[i] + 1);
    assert_eq!(
        new,
        [key("CF203", Severity::Error, &cell)].into_iter().collect()
    );
    let finding = report
        .findings
        .iter()
        .find(|f| f.cell.to_string() == cell)
        .unwrap();
    assert_eq!(finding.fix.as_ref().unwrap().edits[0].value, right);
}

#[test]
fn a_rate_right_only_when_truncated_is_an_info_note() {
    let rows = form06::sample_rows();
    // A unit whose ratio rounds up at the first decimal.
    let i = rows
        .iter()
        .position(|row| {
            row.kind == Kind::Unit && row.counts[form06::RESOLVED] > 0 && {
                let exact = Decimal::from(row.counts[form06::EARLY] + row.counts[form06::ONTIME])
                    * Decimal::from(100)
                    / Decimal::from(row.counts[form06::RESOLVED]);
                exact.trunc_with_scale(1) != form06::computed_rate(row).unwrap()
            }
        })
        .expect("a row that rounds up");
    let truncated = {
        let row = &rows[i];
        (Decimal::from(row.counts[form06::EARLY] + row.counts[form06::ONTIME]) * Decimal::from(100)
            / Decimal::from(row.counts[form06::RESOLVED]))
        .trunc_with_scale(1)
    };
    let (new, placed, _) = injected(&Options::default(), |rows| rows[i].rate = Some(truncated));
    let cell = format!("N{}", placed[i] + 1);
    assert_eq!(
        new,
        [key("CF206", Severity::Info, &cell)].into_iter().collect()
    );
}

#[test]
fn the_older_layout_with_carried_over_first_is_recognised() {
    let options = Options {
        // received C, carried D, online E, direct F; the rest as usual.
        columns: [2, 4, 5, 3, 6, 7, 8, 9, 10, 11, 12, 13],
        carried_label: "Số kỳ trước chuyển qua",
        ..Options::default()
    };
    let (bytes, _) = form06::write(&form06::sample_rows(), &options);
    assert_eq!(keys(&check_bytes(&bytes)), known_06());
    let rows = form06::sample_rows();
    let i = unit(&rows, "Sở Nội vụ");
    let (new, placed, _) = injected(&options, |rows| rows[i].counts[form06::CARRIED] += 7);
    // Carried over sits in column D in this layout.
    assert_eq!(
        new,
        [key(
            "CF301",
            Severity::Error,
            &format!("D{}", placed[i] + 1)
        )]
        .into_iter()
        .collect()
    );
}

#[test]
fn headers_moved_down_two_rows() {
    let options = Options {
        header_row: 6,
        ..Options::default()
    };
    let (bytes, _) = form06::write(&form06::sample_rows(), &options);
    let shifted: BTreeSet<Key> = known_06()
        .into_iter()
        .map(|(code, severity, cell)| {
            let at = crossfoot::CellRef::parse(&cell).unwrap();
            (
                code,
                severity,
                crossfoot::CellRef::new(at.row + 2, at.col).to_string(),
            )
        })
        .collect();
    assert_eq!(keys(&check_bytes(&bytes)), shifted);
}

#[test]
fn totals_at_the_bottom() {
    let options = Options {
        totals_at_bottom: true,
        ..Options::default()
    };
    let rows = form06::sample_rows();
    let (bytes, placed) = form06::write(&rows, &options);
    let report = check_bytes(&bytes);
    let total = rows.iter().position(|r| r.kind == Kind::Total).unwrap();
    let total_cell = format!("C{}", placed[total] + 1);
    assert!(
        keys(&report).contains(&key("CF201", Severity::Warning, &total_cell)),
        "{:#?}",
        report.findings
    );
    assert_eq!(keys(&report).len(), 7);
    assert_eq!(report.summary().errors, 0);
    // A wrong grand total at the bottom is still cross-footed, and named as the wrong cell.
    let (new, placed, _) = injected(&options, |rows| rows[total].counts[form06::ONLINE] -= 5);
    let cell = format!("D{}", placed[total] + 1);
    assert_eq!(
        new,
        [key("CF301", Severity::Error, &cell)].into_iter().collect()
    );
}

#[test]
fn a_number_typed_as_vietnamese_text_is_read_and_noted() {
    let rows = form06::sample_rows();
    let i = unit(&rows, "Sở Nội vụ");
    let (new, placed, report) = injected(&Options::default(), |rows| {
        rows[i].as_text.push(form06::ONLINE)
    });
    let cell = format!("D{}", placed[i] + 1);
    assert_eq!(
        new,
        [key("CF101", Severity::Info, &cell)].into_iter().collect()
    );
    assert_eq!(report.summary().errors, 0);
}

#[test]
fn live_totals_make_the_corrected_form_compute_itself() {
    let mut rows = form06::sample_rows();
    let total = rows.iter().position(|r| r.kind == Kind::Total).unwrap();
    rows[total].counts[form06::CARRIED] += 1000;
    let (bytes, placed) = form06::write(&rows, &Options::default());
    let book = read_workbook(&bytes, "form.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::Auto);
    let live = crossfoot::live_formulas(&book, &report, &TemplateChoice::Auto);
    let fixed = crossfoot::fixed_workbook(
        &bytes,
        &book,
        &report,
        &live,
        &crossfoot::OutputOptions::default(),
    )
    .unwrap();
    let again = read_workbook(&fixed, "form.fixed.xlsx").unwrap();
    let sheet = &again.sheets[0];
    let grand = sheet
        .cell(crossfoot::CellRef::new(placed[total], 5))
        .unwrap();
    assert_eq!(grand.value, crossfoot::Value::Number(Decimal::from(19_158)));
    assert!(
        grand.formula.as_deref().unwrap().contains('+'),
        "{:?}",
        grand.formula
    );
    let section = placed[rows.iter().position(|r| r.stt == "I").unwrap()];
    let unit = placed[unit(&rows, "Sở Nội vụ")];
    assert!(sheet
        .cell(crossfoot::CellRef::new(section, 2))
        .and_then(|c| c.formula.clone())
        .is_some_and(|f| f.starts_with("SUM(")));
    assert_eq!(
        sheet
            .cell(crossfoot::CellRef::new(unit, 2))
            .and_then(|c| c.formula.clone()),
        Some(format!("D{r}+E{r}+F{r}", r = unit + 1).into())
    );
    assert!(sheet
        .cell(crossfoot::CellRef::new(unit, 13))
        .and_then(|c| c.formula.clone())
        .is_some_and(|f| f.contains("ROUND(")));
    // The received-balance warning is not a definition: no formula replaces it.
    let stale = crossfoot::recompute(&again)
        .into_iter()
        .filter(|r| matches!(r.outcome, crossfoot::RecalcOutcome::Stale { .. }))
        .count();
    assert_eq!(stale, 0, "every live formula carries its right value");
    assert_eq!(check(&again, &TemplateChoice::Auto).summary().errors, 0);
}

/// The page warms its workers on this form (`assets/`, written by the bench's generator):
/// it must stay a 06 form whose injected slips the check finds, so that warming runs the
/// row rules, the recalculation and localization a user's form will run.
#[test]
fn the_pages_warm_up_form_is_a_06_form_with_its_slips_found() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join("warm-up-06-200-rows.xlsx");
    let bytes = std::fs::read(path).expect("the warm-up form exists");
    let book = read_workbook(&bytes, "warm-up-06-200-rows.xlsx").expect("it reads");
    let report = check(&book, &TemplateChoice::Auto);
    assert_eq!(report.template.as_deref(), Some("tthc-06"));
    let summary = report.summary();
    // The stale rate is one finding (CF103), its broken ratio folded into it.
    assert_eq!(
        (summary.errors, summary.warnings),
        (6, 4),
        "{:#?}",
        report.findings
    );
    let codes: BTreeSet<&str> = report.findings.iter().map(|f| f.code).collect();
    assert!(!codes.contains("CF203"), "{codes:?}");
    for code in ["CF201", "CF103"] {
        assert!(codes.contains(code), "{code} missing: {codes:?}");
    }
}

#[test]
fn a_template_that_finds_no_column_names_it_and_the_nearest_header() {
    // The carried-over column headed in words the template does not look for.
    let options = Options {
        carried_label: "Kỳ trước chuyển đến",
        ..Options::default()
    };
    let (bytes, _) = form06::write(&form06::sample_rows(), &options);
    let book = read_workbook(&bytes, "06.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::parse("tthc-06").unwrap());
    let not_found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == "CF002")
        .collect();
    assert_eq!(not_found.len(), 1, "{:#?}", report.findings);
    let finding = not_found[0];
    // At the header the template came nearest to, merged over two header rows from F6.
    assert_eq!(
        (finding.sheet.as_str(), finding.cell.to_string().as_str()),
        ("06", "F6")
    );
    assert_eq!(
        finding.message.vi,
        "Mẫu biểu 'tthc-06' không khớp trang nào: trang '06' thiếu cột 'carried' (nhãn \
         «Từ kỳ trước» hoặc «kỳ trước chuyển qua» hoặc «kỳ trước chuyển sang»); nhãn gần \
         nhất: «Kỳ trước chuyển đến» (F6)"
    );
    assert_eq!(
        finding.message.en,
        "Template 'tthc-06' matches no sheet: sheet '06' lacks column 'carried' (label \
         «Từ kỳ trước» or «kỳ trước chuyển qua» or «kỳ trước chuyển sang»); nearest label \
         seen: «Kỳ trước chuyển đến» (F6)"
    );
}

#[test]
fn a_template_given_for_a_sheet_without_a_table_says_so() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write(0, 0, "Báo cáo tình hình").unwrap();
    sheet.write(1, 0, "Không có số liệu trong kỳ").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let book = read_workbook(&bytes, "trong.xlsx").unwrap();
    let report = check(&book, &TemplateChoice::parse("tthc-06").unwrap());
    let finding = report.findings.iter().find(|f| f.code == "CF002").unwrap();
    assert_eq!(
        finding.message.en,
        "Template 'tthc-06' matches no sheet: sheet 'Sheet1' holds no table of figures"
    );
    assert_eq!(
        finding.message.vi,
        "Mẫu biểu 'tthc-06' không khớp trang nào: trang 'Sheet1' không có bảng số liệu nào"
    );
}
