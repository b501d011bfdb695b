//! Checking tables without a template: the inferred template of the budget sample and of the
//! 06 form, its TOML round trip, and generated budget tables (Vietnamese and English, with
//! sections, subtotals and a percent column) with one error injected at a time.

use std::collections::BTreeSet;

use crossfoot::{
    check, infer_template, read_workbook, template_to_toml, CheckReport, Severity, Template,
    TemplateChoice,
};
use proptest::prelude::*;
use rust_decimal::prelude::*;
use rust_xlsxwriter::{Format, Formula, Workbook};

use crate::common::{at, read_fixture};

fn errors_and_warnings(report: &CheckReport) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .map(|f| {
            format!(
                "{} {} {} {}",
                f.severity.as_str(),
                f.code,
                f.cell,
                f.message.en
            )
        })
        .collect()
}

#[test]
fn the_budget_sample_checks_clean_without_a_template() {
    let book = read_fixture("kinh-phi-2022.xlsx");
    for choice in [TemplateChoice::None, TemplateChoice::Auto] {
        let report = check(&book, &choice);
        assert_eq!(report.template.as_deref(), Some("inferred"));
        assert!(report.findings.is_empty(), "{:#?}", report.findings);
    }
}

#[test]
fn the_budget_sample_template_names_its_rows_and_relations() {
    let inferred = infer_template(&read_fixture("kinh-phi-2022.xlsx")).unwrap();
    let spec = &inferred.template.spec;
    assert_eq!(spec.table.subtotal_labels, vec!["Cộng".to_string()]);
    assert_eq!(spec.table.total_labels, vec!["Tổng cộng".to_string()]);
    let exprs: Vec<String> = spec
        .rules
        .iter()
        .filter_map(|r| r.expr.as_ref().map(|e| e.get_ref().clone()))
        .collect();
    assert!(
        exprs.contains(&"con_lai = du_toan_duoc_giao - da_thuc_hien".to_string()),
        "{exprs:?}"
    );
    let rate = spec
        .rules
        .iter()
        .find(|r| {
            r.expr
                .as_ref()
                .is_some_and(|e| e.get_ref().starts_with("ty_le"))
        })
        .unwrap();
    assert_eq!(
        rate.expr.as_ref().unwrap().get_ref(),
        "ty_le_thuc_hien = da_thuc_hien / du_toan_duoc_giao * 100"
    );
    assert_eq!(rate.rounding, crossfoot::Rounding::Nearest);
    let text: Vec<&str> = inferred
        .evidence
        .iter()
        .map(|e| e.message.en.as_str())
        .collect();
    assert!(
        text.iter()
            .any(|t| t.contains("subtotal rows: 13, 22 (Cộng)")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("grand total: 23 (Tổng cộng)")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("column E = C − D holds on 18 of 18 rows")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("F = D / C × 100 (2 decimals, rounded to nearest)")),
        "{text:#?}"
    );
    assert!(inferred.evidence.iter().any(|e| e
        .message
        .vi
        .contains("suy ra: cột E = C − D đúng trên 18/18 dòng")));
}

#[test]
fn inferred_templates_round_trip_through_toml() {
    for name in ["kinh-phi-2022.xlsx", "tthc-06-q3-2022.xlsx"] {
        let inferred = infer_template(&read_fixture(name)).unwrap();
        let text = template_to_toml(&inferred.template, &inferred.evidence);
        let parsed = Template::from_toml(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert_eq!(parsed, inferred.template, "{name}");
        assert!(text.contains("# inferred: "), "{text}");
        // The text checks the file the same way.
        let book = read_fixture(name);
        let given = check(&book, &TemplateChoice::Given(Box::new(parsed)));
        let inferred_report = check(&book, &TemplateChoice::None);
        assert_eq!(given.findings, inferred_report.findings, "{name}");
    }
}

#[test]
fn the_06_form_without_its_template_finds_the_same_relations_and_warnings() {
    let book = read_fixture("tthc-06-q3-2022.xlsx");
    let inferred = infer_template(&book).unwrap();
    let exprs: Vec<String> = inferred
        .template
        .spec
        .rules
        .iter()
        .filter_map(|r| r.expr.as_ref().map(|e| e.get_ref().clone()))
        .collect();
    for wanted in [
        "tong_so_c = truc_tuyen + truc_tiep_dich_vu + tu_ky_truoc",
        "tong_so_g = tra_truoc_han + tra_dung_han + tra_qua_han",
        "tong_so_k = chua_den_han + qua_han",
        "ty_le_giai_quyet = (tra_truoc_han + tra_dung_han) / tong_so_g * 100",
    ] {
        assert!(
            exprs.contains(&wanted.to_string()),
            "{wanted} not in {exprs:#?}"
        );
    }
    let balance = inferred
        .template
        .spec
        .rules
        .iter()
        .find(|r| {
            r.expr
                .as_ref()
                .is_some_and(|e| e.get_ref() == "tong_so_c = tong_so_g + tong_so_k")
        })
        .expect("received = resolved + pending");
    assert_eq!(balance.severity, Severity::Warning);
    let text: Vec<&str> = inferred
        .evidence
        .iter()
        .map(|e| e.message.en.as_str())
        .collect();
    assert!(
        text.iter().any(|t| t.contains(
            "section rows: 10 (Cấp tỉnh); 27 (Cấp huyện); 40 (Cấp xã); grand total: 9 (TỔNG CỘNG)"
        )),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("column C = G + K holds on 37 of 44 rows")),
        "{text:#?}"
    );

    // The same warnings as the built-in template, and nothing else.
    let report = check(&book, &TemplateChoice::None);
    let found: BTreeSet<String> = report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .map(|f| format!("{} {}", f.severity.as_str(), f.cell))
        .collect();
    let wanted: BTreeSet<String> = ["C9", "C10", "C15", "C27", "C39", "C40", "C51"]
        .iter()
        .map(|c| format!("warning {c}"))
        .collect();
    assert_eq!(found, wanted);
}

// ---------------------------------------------------------------------------------------
// Generated budget tables.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Vi,
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inject {
    Nothing,
    /// A unit's `remaining` typed 1.000 too high.
    Detail,
    /// A subtotal's `plan` 1.000 too high.
    Subtotal,
    /// The grand total's `spent` 1.000 too high.
    GrandTotal,
    /// A unit's rate 1,5 points off.
    Percent,
    /// A unit's `remaining` typed (correctly) in a column of formulas.
    Constant,
    /// A subtotal's SUM leaves out the section's last unit.
    SumOmitsRow,
}

/// A budget table: `sections` of `(plan, spent)` units. Returns the workbook and the cell
/// the injected error is expected at.
pub(crate) fn budget_table(
    lang: Lang,
    sections: &[Vec<(i64, i64)>],
    formulas: bool,
    inject: Inject,
) -> (Vec<u8>, Option<String>) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let money = Format::new().set_num_format("#,##0");
    let rate_format = Format::new().set_num_format("0.00");
    let (title, headers, section_names, subtotal, total) = match lang {
        Lang::Vi => (
            "TÌNH HÌNH THỰC HIỆN DỰ TOÁN NĂM 2023",
            [
                "STT",
                "Đơn vị",
                "Dự toán",
                "Đã thực hiện",
                "Còn lại",
                "Tỷ lệ (%)",
            ],
            ["Khối tỉnh", "Khối huyện", "Khối xã"],
            "Cộng",
            "Tổng cộng",
        ),
        Lang::En => (
            "BUDGET EXECUTION 2023",
            ["No.", "Unit", "Plan", "Spent", "Remaining", "Rate (%)"],
            ["Provincial", "District", "Commune"],
            "Subtotal",
            "Total",
        ),
    };
    sheet.write_string(0, 1, title).unwrap();
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(2, col as u16, *header).unwrap();
    }
    let rate = |plan: i64, spent: i64| -> Decimal {
        if plan == 0 {
            Decimal::ZERO
        } else {
            (Decimal::from(spent) * Decimal::ONE_HUNDRED / Decimal::from(plan))
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        }
    };
    let mut expected = None;
    let mut row: u32 = 3;
    let mut subtotal_rows = Vec::new();
    let (mut grand_plan, mut grand_spent) = (0i64, 0i64);
    for (s, units) in sections.iter().enumerate() {
        let letter = ["A", "B", "C"][s];
        sheet.write_string(row, 0, letter).unwrap();
        sheet.write_string(row, 1, section_names[s]).unwrap();
        row += 1;
        let first = row;
        let (mut plan_sum, mut spent_sum) = (0i64, 0i64);
        for (u, (plan, spent)) in units.iter().enumerate() {
            let r1 = row + 1;
            sheet.write_number(row, 0, (u + 1) as f64).unwrap();
            let name = match lang {
                Lang::Vi => format!("Đơn vị số {}", u + 1),
                Lang::En => format!("Unit {}", u + 1),
            };
            sheet.write_string(row, 1, name).unwrap();
            sheet
                .write_number_with_format(row, 2, *plan as f64, &money)
                .unwrap();
            sheet
                .write_number_with_format(row, 3, *spent as f64, &money)
                .unwrap();
            let target = s == 0 && u == 1;
            let remaining = plan - spent;
            if formulas && !(target && inject == Inject::Constant) {
                let formula =
                    Formula::new(format!("=C{r1}-D{r1}")).set_result(remaining.to_string());
                sheet
                    .write_formula_with_format(row, 4, formula, &money)
                    .unwrap();
            } else {
                let value = if target && inject == Inject::Detail {
                    remaining + 1000
                } else {
                    remaining
                };
                sheet
                    .write_number_with_format(row, 4, value as f64, &money)
                    .unwrap();
            }
            if target && matches!(inject, Inject::Detail | Inject::Constant) {
                expected = Some(format!("E{r1}"));
            }
            let mut shown = rate(*plan, *spent);
            if target && inject == Inject::Percent {
                shown += Decimal::new(15, 1);
                expected = Some(format!("F{r1}"));
            }
            sheet
                .write_number_with_format(row, 5, shown.to_f64().unwrap(), &rate_format)
                .unwrap();
            plan_sum += plan;
            spent_sum += spent;
            row += 1;
        }
        let last = row - 1;
        let r1 = row + 1;
        sheet.write_string(row, 1, subtotal).unwrap();
        let mut plan_shown = plan_sum;
        if s == 0 && inject == Inject::Subtotal {
            plan_shown += 1000;
            expected = Some(format!("C{r1}"));
        }
        for (col, letter, value, real) in [
            (2u16, "C", plan_shown, plan_sum),
            (3, "D", spent_sum, spent_sum),
            (4, "E", plan_shown - spent_sum, plan_sum - spent_sum),
        ] {
            if formulas && value == real {
                let omit = s == 0 && inject == Inject::SumOmitsRow;
                let (end, result) = if omit {
                    let last_value = match col {
                        2 => units.last().unwrap().0,
                        3 => units.last().unwrap().1,
                        _ => units.last().unwrap().0 - units.last().unwrap().1,
                    };
                    (last, value - last_value)
                } else {
                    (last + 1, value)
                };
                if omit && col == 2 {
                    expected = Some(format!("C{r1}"));
                }
                let formula = Formula::new(format!("=SUM({letter}{}:{letter}{end})", first + 1))
                    .set_result(result.to_string());
                sheet
                    .write_formula_with_format(row, col, formula, &money)
                    .unwrap();
            } else {
                sheet
                    .write_number_with_format(row, col, value as f64, &money)
                    .unwrap();
            }
        }
        sheet
            .write_number_with_format(
                row,
                5,
                rate(plan_shown, spent_sum).to_f64().unwrap(),
                &rate_format,
            )
            .unwrap();
        subtotal_rows.push(r1);
        grand_plan += plan_sum;
        grand_spent += spent_sum;
        row += 1;
    }
    let r1 = row + 1;
    sheet.write_string(row, 1, total).unwrap();
    let mut spent_shown = grand_spent;
    if inject == Inject::GrandTotal {
        spent_shown += 1000;
        expected = Some(format!("D{r1}"));
    }
    for (col, letter, value, real) in [
        (2u16, "C", grand_plan, grand_plan),
        (3, "D", spent_shown, grand_spent),
        (4, "E", grand_plan - spent_shown, grand_plan - grand_spent),
    ] {
        if formulas && value == real && inject == Inject::Nothing {
            let refs: Vec<String> = subtotal_rows
                .iter()
                .map(|r| format!("{letter}{r}"))
                .collect();
            let formula =
                Formula::new(format!("={}", refs.join("+"))).set_result(value.to_string());
            sheet
                .write_formula_with_format(row, col, formula, &money)
                .unwrap();
        } else {
            sheet
                .write_number_with_format(row, col, value as f64, &money)
                .unwrap();
        }
    }
    sheet
        .write_number_with_format(
            row,
            5,
            rate(grand_plan, spent_shown).to_f64().unwrap(),
            &rate_format,
        )
        .unwrap();
    let signature = match lang {
        Lang::Vi => "Người lập biểu",
        Lang::En => "Prepared by",
    };
    sheet.write_string(row + 3, 1, signature).unwrap();
    (book.save_to_buffer().unwrap(), expected)
}

fn sample_sections() -> Vec<Vec<(i64, i64)>> {
    vec![
        vec![
            (6_105_000_000, 5_624_694_914),
            (7_268_000_000, 5_509_245_462),
            (1_986_000_000, 1_691_477_909),
            (2_342_000_000, 1_407_843_893),
            (1_750_000_000, 1_575_590_160),
            (4_317_000_000, 1_815_827_816),
        ],
        vec![
            (7_755_000_000, 3_354_121_086),
            (2_828_000_000, 2_604_863_264),
            (1_813_000_000, 1_300_658_205),
            (7_299_000_000, 3_118_673_819),
            (4_422_000_000, 1_882_093_737),
        ],
    ]
}

fn check_none(bytes: &[u8]) -> CheckReport {
    let book = read_workbook(bytes, "generated.xlsx").expect("generated workbook reads");
    check(&book, &TemplateChoice::None)
}

#[test]
fn clean_generated_tables_give_no_error_and_no_warning() {
    for lang in [Lang::Vi, Lang::En] {
        for formulas in [false, true] {
            let (bytes, _) = budget_table(lang, &sample_sections(), formulas, Inject::Nothing);
            let report = check_none(&bytes);
            assert_eq!(
                report.template.as_deref(),
                Some("inferred"),
                "{lang:?} {formulas}"
            );
            assert!(
                errors_and_warnings(&report).is_empty(),
                "{lang:?} {formulas}: {:#?}",
                report.findings
            );
            let book = read_workbook(&bytes, "generated.xlsx").unwrap();
            let inferred = infer_template(&book).unwrap();
            let exprs: Vec<String> = inferred
                .template
                .spec
                .rules
                .iter()
                .filter_map(|r| r.expr.as_ref().map(|e| e.get_ref().clone()))
                .collect();
            let (remaining, rate) = match lang {
                Lang::Vi => (
                    "con_lai = du_toan - da_thuc_hien",
                    "ty_le = da_thuc_hien / du_toan * 100",
                ),
                Lang::En => ("remaining = plan - spent", "rate = spent / plan * 100"),
            };
            assert!(exprs.contains(&remaining.to_string()), "{exprs:?}");
            assert!(exprs.contains(&rate.to_string()), "{exprs:?}");
        }
    }
}

#[test]
fn each_injected_error_is_found_at_its_cell() {
    // A wrong detail, subtotal or grand total: the engine names the one cell that explains
    // every broken relation (CF301, or the relation's own code when only one broke).
    let cases = [
        (Inject::Detail, false, "CF301", Severity::Error),
        (Inject::Subtotal, false, "CF301", Severity::Error),
        (Inject::GrandTotal, false, "CF301", Severity::Error),
        (Inject::Percent, false, "CF203", Severity::Error),
        // Typed as what the formula gives today: latent, an info.
        (Inject::Constant, true, "CF107", Severity::Info),
        (Inject::SumOmitsRow, true, "CF108", Severity::Warning),
    ];
    for lang in [Lang::Vi, Lang::En] {
        for (inject, formulas, code, severity) in cases {
            let (bytes, expected) = budget_table(lang, &sample_sections(), formulas, inject);
            let cell = at(&expected.expect("the generator says where"));
            let report = check_none(&bytes);
            assert!(
                report.findings.iter().any(|f| f.cell == cell
                    && (f.code == code
                        || (code == "CF301" && ["CF201", "CF202"].contains(&f.code)))
                    && f.severity == severity),
                "{lang:?} {inject:?}: want {code} at {cell}: {:#?}",
                report.findings
            );
        }
    }
}

#[test]
fn inferred_findings_say_they_were_inferred() {
    let (bytes, _) = budget_table(Lang::Vi, &sample_sections(), false, Inject::Detail);
    let report = check_none(&bytes);
    let error = report
        .findings
        .iter()
        .find(|f| f.severity == Severity::Error)
        .expect("the injected error is found");
    assert!(
        error.message.vi.starts_with("Suy ra từ dữ liệu"),
        "{}",
        error.message.vi
    );
    assert!(
        error.message.en.starts_with("Inferred from the data"),
        "{}",
        error.message.en
    );
}

#[test]
fn a_total_row_no_label_names_is_found_by_its_values() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, header) in ["Item", "Plan", "Spent", "Remaining"].iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    let units = [
        (500, 120),
        (800, 640),
        (300, 299),
        (950, 10),
        (420, 400),
        (610, 600),
    ];
    for (i, (plan, spent)) in units.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, format!("Item {r}")).unwrap();
        sheet.write_number(r, 1, *plan as f64).unwrap();
        sheet.write_number(r, 2, *spent as f64).unwrap();
        sheet.write_number(r, 3, (plan - spent) as f64).unwrap();
    }
    let plan: i64 = units.iter().map(|u| u.0).sum();
    let spent: i64 = units.iter().map(|u| u.1).sum();
    sheet.write_number(7, 1, plan as f64).unwrap();
    sheet.write_number(7, 2, spent as f64).unwrap();
    sheet.write_number(7, 3, (plan - spent) as f64).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let workbook = read_workbook(&bytes, "t.xlsx").unwrap();
    let inferred = infer_template(&workbook).unwrap();
    let exprs: Vec<String> = inferred
        .template
        .spec
        .rules
        .iter()
        .filter_map(|r| r.expr.as_ref().map(|e| e.get_ref().clone()))
        .collect();
    assert!(exprs.contains(&"B8 = SUM(B2:B7)".to_string()), "{exprs:?}");
    assert!(check_none(&bytes).findings.is_empty());
    let text = template_to_toml(&inferred.template, &inferred.evidence);
    assert_eq!(Template::from_toml(&text).unwrap(), inferred.template);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]
    #[test]
    fn random_clean_tables_give_no_false_error(
        sections in prop::collection::vec(
            prop::collection::vec((1i64..10_000_000_000, 0u32..=1000), 1..7),
            1..4,
        ),
        vietnamese in any::<bool>(),
        formulas in any::<bool>(),
    ) {
        let sections: Vec<Vec<(i64, i64)>> = sections
            .into_iter()
            .map(|units| units.into_iter().map(|(plan, per_mille)| (plan, plan * i64::from(per_mille) / 1000)).collect())
            .collect();
        let lang = if vietnamese { Lang::Vi } else { Lang::En };
        let (bytes, _) = budget_table(lang, &sections, formulas, Inject::Nothing);
        let report = check_none(&bytes);
        let bad = errors_and_warnings(&report);
        prop_assert!(bad.is_empty(), "{:?}", bad);
    }
}

#[test]
fn a_sheet_of_200_number_columns_is_inferred_within_the_work_budget() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Đơn vị").unwrap();
    for col in 1..=200u16 {
        sheet
            .write_string(0, col, format!("Chỉ tiêu {col}"))
            .unwrap();
    }
    // Pseudo-random figures with no relation among them, 60 rows.
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    for row in 1..=60u32 {
        sheet.write_string(row, 0, format!("Đơn vị {row}")).unwrap();
        for col in 1..=200u16 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            sheet
                .write_number(row, col, (seed % 100_000) as f64)
                .unwrap();
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let workbook = read_workbook(&bytes, "wide.xlsx").unwrap();
    let started = std::time::Instant::now();
    let inferred = infer_template(&workbook);
    let elapsed = started.elapsed();
    assert!(inferred.is_none(), "{inferred:#?}");
    assert!(elapsed.as_secs() < 20, "took {elapsed:?}");
    eprintln!("200 columns × 60 rows inferred in {elapsed:?}");
}
