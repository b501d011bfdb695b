//! Figures that stand for intervals in relations (issue 22): a table in a scaled unit
//! (`triệu đồng`, `in millions of dollars`, `(tỷ đồng)` in a header, or the template's
//! `[table] unit`) rounded each figure on its own, so totals off by what rounding allows
//! hold with one info for the table; the same table of counts is exact. Totals of formula
//! results hold within the rounding of binary arithmetic, and a typed cent still counts.
//! Every workbook here is written by the test with rust_xlsxwriter.

use std::collections::BTreeSet;

use crossfoot::{check, read_workbook, CheckReport, Finding, Severity, Template, TemplateChoice};
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Formula, Workbook};

/// A template for the receipts-and-outlays table, optionally with a `[table]` part.
fn template(table: &str) -> Template {
    let text = format!(
        r#"
id = "thu-chi"
title = "Thu chi ngân sách"

[recognize]
all = ["Thu", "Chi", "Chênh lệch"]

[table]
{table}

[columns]
thu = "Thu"
chi = "Chi"
chenh = "Chênh lệch"

[[rule]]
expr = "chenh = thu - chi"

[[rule]]
scope = "hierarchy"
columns = ["thu", "chi", "chenh"]
"#
    );
    Template::from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// How the table is laid out.
struct Layout<'a> {
    /// The line above the header that states the unit, if any.
    unit_line: Option<&'a str>,
    /// Appended to each number column's header (`" (tỷ đồng)"`).
    header_unit: &'a str,
    /// English labels (`Receipts`, `Outlays`, `Surplus or Deficit (-)`) in place of the
    /// Vietnamese ones.
    english: bool,
}

const VIETNAMESE: Layout<'static> = Layout {
    unit_line: None,
    header_unit: "",
    english: false,
};

/// Twelve years of receipts and outlays and their difference, each difference off by
/// `offs[year]` (the years not listed are exact), then a total row: receipts and outlays
/// added up, and the difference of the two totals (which the differences above add up to
/// only when the offs cancel). Returns the workbook and the cells of the years made off.
fn summary_table(layout: &Layout, offs: &[(usize, i64)]) -> (Vec<u8>, Vec<String>) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let whole = Format::new().set_num_format("#,##0");
    let (title, headers, total) = if layout.english {
        (
            "Table 1.1 - Summary of receipts, outlays and surpluses",
            ["Year", "Receipts", "Outlays", "Surplus or Deficit (-)"],
            "Total",
        )
    } else {
        (
            "TÌNH HÌNH THU CHI NGÂN SÁCH 2010 - 2021",
            ["Năm", "Thu", "Chi", "Chênh lệch"],
            "Tổng cộng",
        )
    };
    sheet.write_string(0, 0, title).unwrap();
    if let Some(unit) = layout.unit_line {
        sheet.write_string(1, 3, unit).unwrap();
    }
    for (col, header) in headers.iter().enumerate() {
        let text = if col == 0 {
            header.to_string()
        } else {
            format!("{header}{}", layout.header_unit)
        };
        sheet.write_string(3, col as u16, text).unwrap();
    }
    let mut off_cells = Vec::new();
    let (mut receipts_total, mut outlays_total) = (0i64, 0i64);
    let mut row = 4u32;
    for year in 0..12usize {
        let receipts = 1_000 + 37 * year as i64 + (year as i64 % 3) * 211;
        let outlays = 900 + 41 * year as i64 + (year as i64 % 4) * 97;
        let off = offs
            .iter()
            .find(|(y, _)| *y == year)
            .map_or(0, |(_, off)| *off);
        if off != 0 {
            off_cells.push(format!("D{}", row + 1));
        }
        let label = if layout.english {
            format!("FY {}", 2010 + year)
        } else {
            format!("Năm {}", 2010 + year)
        };
        sheet.write_string(row, 0, label).unwrap();
        for (col, value) in [
            (1u16, receipts),
            (2, outlays),
            (3, receipts - outlays + off),
        ] {
            sheet
                .write_number_with_format(row, col, value as f64, &whole)
                .unwrap();
        }
        receipts_total += receipts;
        outlays_total += outlays;
        row += 1;
    }
    sheet.write_string(row, 0, total).unwrap();
    for (col, value) in [
        (1u16, receipts_total),
        (2, outlays_total),
        (3, receipts_total - outlays_total),
    ] {
        sheet
            .write_number_with_format(row, col, value as f64, &whole)
            .unwrap();
    }
    (book.save_to_buffer().unwrap(), off_cells)
}

fn check_with(bytes: &[u8], choice: &TemplateChoice) -> CheckReport {
    let book = read_workbook(bytes, "table.xlsx").expect("the written workbook reads");
    check(&book, choice)
}

fn given(template: Template) -> TemplateChoice {
    TemplateChoice::Given(Box::new(template))
}

fn errors_and_warnings(report: &CheckReport) -> Vec<&Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .collect()
}

fn within_rounding(report: &CheckReport) -> Vec<&Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.code == "CF207")
        .collect()
}

/// Years off by one, one of them down: the differences' total is off by one from the
/// difference of the totals too.
const OFF_BY_ONE: &[(usize, i64)] = &[(2, 1), (5, -1), (9, 1)];

#[test]
fn a_table_in_millions_off_by_one_holds_with_one_info() {
    let layout = Layout {
        unit_line: Some("Đơn vị tính: triệu đồng"),
        ..VIETNAMESE
    };
    let (bytes, off_cells) = summary_table(&layout, OFF_BY_ONE);
    for choice in [given(template("")), TemplateChoice::None] {
        let report = check_with(&bytes, &choice);
        assert!(
            errors_and_warnings(&report).is_empty(),
            "{:#?}",
            report.findings
        );
        let notes = within_rounding(&report);
        assert_eq!(notes.len(), 1, "{:#?}", report.findings);
        let note = notes[0];
        assert_eq!(note.severity, Severity::Info);
        // The three years, and the differences' total, hold only within rounding.
        assert!(
            note.message
                .en
                .starts_with("4 relations hold only within rounding"),
            "{}",
            note.message.en
        );
        assert!(
            note.message
                .vi
                .starts_with("4 quan hệ chỉ khớp trong phạm vi làm tròn"),
            "{}",
            note.message.vi
        );
        assert!(
            note.message.vi.contains("triệu đồng"),
            "{}",
            note.message.vi
        );
        // Its cell is the first of them in the sheet, the others beside it.
        assert_eq!(note.cell.to_string(), off_cells[0]);
        let mut cells: BTreeSet<String> = note.cells.iter().map(|c| c.to_string()).collect();
        cells.insert(note.cell.to_string());
        assert!(
            off_cells.iter().all(|cell| cells.contains(cell)),
            "{cells:?}"
        );
        assert!(cells.contains("D17"), "{cells:?}");
    }
}

#[test]
fn an_english_table_in_millions_of_dollars_holds_and_its_template_says_the_unit() {
    let layout = Layout {
        unit_line: Some("(in millions of dollars)"),
        english: true,
        ..VIETNAMESE
    };
    let (bytes, _) = summary_table(&layout, OFF_BY_ONE);
    let book = read_workbook(&bytes, "table.xlsx").unwrap();
    let inferred = crossfoot::infer_template(&book).expect("a template is inferred");
    assert_eq!(
        inferred.template.spec.table.unit.as_deref(),
        Some("in millions of dollars")
    );
    let report = check(&book, &TemplateChoice::None);
    assert!(
        errors_and_warnings(&report).is_empty(),
        "{:#?}",
        report.findings
    );
    let notes = within_rounding(&report);
    assert_eq!(notes.len(), 1, "{:#?}", report.findings);
    assert!(
        notes[0].message.en.contains("(in millions of dollars)"),
        "{}",
        notes[0].message.en
    );
    // The template printed for editing says it too, and reads back the same.
    let text = crossfoot::template_to_toml(&inferred.template, &inferred.evidence);
    assert!(text.contains("unit = \"in millions of dollars\""), "{text}");
    assert_eq!(Template::from_toml(&text).unwrap(), inferred.template);
}

#[test]
fn the_same_table_of_counts_off_by_one_is_an_error() {
    for unit_line in [None, Some("Đơn vị tính: hồ sơ"), Some("Đơn vị tính: đồng")] {
        let layout = Layout {
            unit_line,
            ..VIETNAMESE
        };
        let (bytes, off_cells) = summary_table(&layout, OFF_BY_ONE);
        let report = check_with(&bytes, &given(template("")));
        assert!(
            within_rounding(&report).is_empty(),
            "{:#?}",
            report.findings
        );
        let errors: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        let named: BTreeSet<String> = errors
            .iter()
            .flat_map(|f| std::iter::once(f.cell).chain(f.cells.iter().copied()))
            .map(|c| c.to_string())
            .collect();
        for cell in &off_cells {
            assert!(
                named.contains(cell),
                "{unit_line:?}: {cell} not among {named:?}: {:#?}",
                report.findings
            );
        }
    }
}

#[test]
fn a_difference_beyond_rounding_is_still_an_error() {
    let layout = Layout {
        unit_line: Some("Don vi tinh: trieu dong"),
        ..VIETNAMESE
    };
    // Three figures of ± 0,5 allow 1,5: a year off by 3 is a slip.
    let (bytes, off_cells) = summary_table(&layout, &[(2, 1), (5, -1), (7, 3), (9, 1)]);
    let report = check_with(&bytes, &given(template("")));
    // The slipped row's relation is an error naming its cells (which of them is wrong
    // the totals cannot say: twelve rounded figures allow a total ± 6,5); the others
    // hold within rounding.
    let errors: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{:#?}", report.findings);
    let named: BTreeSet<String> = std::iter::once(errors[0].cell)
        .chain(errors[0].cells.iter().copied())
        .map(|c| c.to_string())
        .collect();
    assert!(named.contains(&off_cells[2]), "{named:?}");
    assert!(!named.contains(&off_cells[0]), "{named:?}");
    let notes = within_rounding(&report);
    assert_eq!(notes.len(), 1, "{:#?}", report.findings);
    assert!(
        notes[0].message.en.starts_with("4 relations"),
        "{}",
        notes[0].message.en
    );
}

#[test]
fn a_unit_in_the_column_headers_or_the_template_is_read() {
    // `(tỷ đồng)` in every number column's header, no unit line.
    let layout = Layout {
        header_unit: " (tỷ đồng)",
        ..VIETNAMESE
    };
    let (bytes, _) = summary_table(&layout, OFF_BY_ONE);
    let report = check_with(&bytes, &given(template("")));
    assert!(
        errors_and_warnings(&report).is_empty(),
        "{:#?}",
        report.findings
    );
    assert_eq!(within_rounding(&report).len(), 1, "{:#?}", report.findings);

    // No unit on the sheet: the template's, or its `rounded`, makes the figures rounded.
    let (bytes, _) = summary_table(&VIETNAMESE, OFF_BY_ONE);
    for table in ["unit = \"nghìn đồng\"", "rounded = true"] {
        let report = check_with(&bytes, &given(template(table)));
        assert!(
            errors_and_warnings(&report).is_empty(),
            "{table}: {:#?}",
            report.findings
        );
        assert_eq!(within_rounding(&report).len(), 1, "{table}");
    }

    // The template can say the figures are exact, whatever the sheet states.
    let layout = Layout {
        unit_line: Some("Đơn vị tính: triệu đồng"),
        ..VIETNAMESE
    };
    let (bytes, _) = summary_table(&layout, OFF_BY_ONE);
    for table in ["rounded = false", "unit = \"hồ sơ\""] {
        let report = check_with(&bytes, &given(template(table)));
        assert!(within_rounding(&report).is_empty(), "{table}");
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.severity == Severity::Error),
            "{table}: {:#?}",
            report.findings
        );
    }
}

/// Items typed in B, `=B*1.1` in C with its value computed in binary doubles as Excel
/// saves it, and a total row: `=SUM(C…)` whose cached value is the doubles added up, or
/// (`typed_total`) a typed total.
fn formula_table(typed_total: Option<Decimal>) -> (Vec<u8>, Vec<f64>, f64) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let money = Format::new().set_num_format("#,##0.00");
    sheet.write_string(0, 0, "DỰ TOÁN CHI PHÍ").unwrap();
    for (col, header) in ["Khoản mục", "Năm trước", "Năm nay"].iter().enumerate() {
        sheet.write_string(2, col as u16, *header).unwrap();
    }
    // At most one decimal: the products have two, shown as typed, but for the residue
    // binary arithmetic leaves on some of them.
    let items = [44_000.0, 31.7, 1_234.5, 999.9, 48_400.0, 12.3];
    let mut cached = Vec::new();
    let mut total = 0.0f64;
    let mut row = 3u32;
    for (i, item) in items.iter().enumerate() {
        let r1 = row + 1;
        sheet
            .write_string(row, 0, format!("Khoản {}", i + 1))
            .unwrap();
        sheet
            .write_number_with_format(row, 1, *item, &money)
            .unwrap();
        let value = item * 1.1;
        cached.push(value);
        total += value;
        sheet
            .write_formula_with_format(
                row,
                2,
                Formula::new(format!("=B{r1}*1.1")).set_result(value.to_string()),
                &money,
            )
            .unwrap();
        row += 1;
    }
    sheet.write_string(row, 0, "Tổng cộng").unwrap();
    let items_total: f64 = items.iter().sum();
    sheet
        .write_formula_with_format(
            row,
            1,
            Formula::new(format!("=SUM(B4:B{row})")).set_result(items_total.to_string()),
            &money,
        )
        .unwrap();
    match typed_total {
        Some(value) => sheet
            .write_number_with_format(row, 2, f64::try_from(value).unwrap(), &money)
            .unwrap(),
        None => sheet
            .write_formula_with_format(
                row,
                2,
                Formula::new(format!("=SUM(C4:C{row})")).set_result(total.to_string()),
                &money,
            )
            .unwrap(),
    };
    (book.save_to_buffer().unwrap(), cached, total)
}

fn cost_template() -> Template {
    Template::from_toml(
        r#"
id = "chi-phi"
title = "Dự toán chi phí"
[recognize]
all = ["Khoản mục", "Năm nay"]
[columns]
truoc = "Năm trước"
nay = "Năm nay"
[[rule]]
scope = "hierarchy"
columns = ["truoc", "nay"]
"#,
    )
    .unwrap()
}

/// The relation findings (CF2xx, CF3xx) of a report.
fn relation_findings(report: &CheckReport) -> Vec<&Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.code.starts_with("CF2") || f.code.starts_with("CF3"))
        .collect()
}

#[test]
fn a_sum_of_formula_results_holds_within_binary_residue() {
    let (bytes, cached, total) = formula_table(None);
    // The doubles' decimals do not add up to the cached total exactly: a residue.
    let decimal = |value: f64| value.to_string().parse::<Decimal>().unwrap();
    let exact: Decimal = cached.iter().map(|v| decimal(*v)).sum();
    assert_ne!(exact, decimal(total), "no residue to test");
    assert!((exact - decimal(total)).abs() < Decimal::new(1, 9));
    for choice in [given(cost_template()), TemplateChoice::None] {
        let report = check_with(&bytes, &choice);
        assert!(
            relation_findings(&report).is_empty(),
            "{:#?}",
            report.findings
        );
    }
}

#[test]
fn a_typed_total_a_cent_off_a_sum_of_formula_results_is_an_error() {
    let (_, cached, _) = formula_table(None);
    let decimal = |value: f64| value.to_string().parse::<Decimal>().unwrap();
    let exact: Decimal = cached.iter().map(|v| decimal(*v)).sum();
    let cent_off = (exact + Decimal::new(1, 2)).round_dp(2);
    let (bytes, _, _) = formula_table(Some(cent_off));
    let report = check_with(&bytes, &given(cost_template()));
    let errors: Vec<&Finding> = relation_findings(&report)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{:#?}", report.findings);
    assert!(
        within_rounding(&report).is_empty(),
        "{:#?}",
        report.findings
    );
}

/// An export that writes money as text (`"58601689702.1"`) into columns the office
/// formatted as whole đồng (`#,##0`): the text's tenth of a đồng is below the precision the
/// column is meant to show, so a difference of 0,4 đồng on ten billion holds within
/// rounding; a whole đồng off still does not.
#[test]
fn text_figures_under_a_whole_unit_format_are_shown_rounded() {
    let write = |difference: &str| {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let whole = Format::new().set_num_format("#,##0");
        for (col, header) in ["Đơn vị", "Thu", "Chi", "Chênh lệch"].iter().enumerate() {
            sheet.write_string(0, col as u16, *header).unwrap();
        }
        let rows = [
            ("Bệnh viện A", 48_194_460_532.0, "58601689702.1", difference),
            (
                "Bệnh viện B",
                24_831_569_094.0,
                "32314404670",
                "-7482835576",
            ),
            ("Bệnh viện C", 1_000.0, "400", "600"),
        ];
        for (i, (name, thu, chi, chenh)) in rows.into_iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_string(row, 0, name).unwrap();
            sheet.write_number_with_format(row, 1, thu, &whole).unwrap();
            sheet.write_string_with_format(row, 2, chi, &whole).unwrap();
            sheet
                .write_string_with_format(row, 3, chenh, &whole)
                .unwrap();
        }
        book.save_to_buffer().unwrap()
    };
    let rule = Template::from_toml(
        r#"
id = "thu-chi-dong"
title = "Thu chi"
[recognize]
all = ["Thu", "Chi", "Chênh lệch"]
[columns]
thu = "Thu"
chi = "Chi"
chenh = "Chênh lệch"
[[rule]]
expr = "chenh = thu - chi"
"#,
    )
    .unwrap();
    // 48194460532 − 58601689702,1 = −10407229170,1, written −10407229169,7.
    let report = check_with(&write("-10407229169.7"), &given(rule.clone()));
    assert!(
        relation_findings(&report)
            .iter()
            .all(|f| f.severity == Severity::Info),
        "{:#?}",
        report.findings
    );
    assert_eq!(within_rounding(&report).len(), 1, "{:#?}", report.findings);
    // A whole đồng and more off is a slip (of the row; which cell, localization decides).
    let report = check_with(&write("-10407229168.7"), &given(rule));
    assert!(
        relation_findings(&report)
            .iter()
            .any(|f| f.severity == Severity::Error && f.cell.row == 1),
        "{:#?}",
        report.findings
    );
}
