//! Nothing lost: random workbooks written with rust_xlsxwriter (values, formulas, number
//! formats and fonts, merges, notes, several sheets) are annotated, and every original
//! value, formula, number format and merge reads back the same from the annotated copy,
//! while every zip part the annotation has no reason to touch stays byte-identical.

use std::collections::BTreeSet;

use crossfoot::{annotated_workbook, check, read_workbook, OutputOptions, TemplateChoice};
use proptest::prelude::*;
use rust_xlsxwriter::{Format, Formula, Note, Workbook as XlsxWriter};

use crate::common::zip_parts;

/// One cell of a generated sheet.
#[derive(Debug, Clone)]
enum Content {
    Number(i64, u8),
    Text(String),
    /// `=SUM(A{row}:A{row+2})`-like formula over the first column, with a cached result.
    Sum(u32, i64),
}

#[derive(Debug, Clone)]
struct SheetPlan {
    cells: Vec<(u32, u16, Content, u8)>,
    merges: Vec<(u32, u16)>,
    notes: Vec<(u32, u16, String)>,
}

const NUMBER_FORMATS: [&str; 4] = ["0", "#,##0", "0.0%", "0.00"];

fn content() -> impl Strategy<Value = Content> {
    prop_oneof![
        (-1_000_000i64..1_000_000, 0u8..4).prop_map(|(n, scale)| Content::Number(n, scale)),
        "[A-Za-zÀ-ỹ =+@<>&\"'-]{0,12}".prop_map(Content::Text),
        (1u32..20, -1000i64..1000).prop_map(|(row, cached)| Content::Sum(row, cached)),
    ]
}

fn sheet_plan() -> impl Strategy<Value = SheetPlan> {
    (
        prop::collection::vec((0u32..20, 0u16..6, content(), 0u8..5), 0..25),
        prop::collection::btree_set((0u32..10, 0u16..3), 0..3),
        prop::collection::vec((0u32..20, 0u16..6, "[a-z <&>]{1,10}"), 0..3),
    )
        .prop_map(|(cells, merges, notes)| SheetPlan {
            cells,
            merges: merges.into_iter().collect(),
            notes,
        })
}

/// Writes the plan; merges sit to the right of the cells (columns 10+) so they never
/// cover a written value.
fn write(plan: &[SheetPlan]) -> Vec<u8> {
    let mut book = XlsxWriter::new();
    for (index, sheet_plan) in plan.iter().enumerate() {
        let sheet = book.add_worksheet();
        sheet.set_name(format!("Trang {index}")).unwrap();
        for (row, col, content, style) in &sheet_plan.cells {
            let mut format = Format::new();
            if let Some(code) = NUMBER_FORMATS.get(usize::from(*style)) {
                format = format.set_num_format(*code);
            } else {
                format = format.set_bold();
            }
            match content {
                Content::Number(n, scale) => {
                    let value = *n as f64 / 10f64.powi(i32::from(*scale));
                    sheet
                        .write_number_with_format(*row, *col, value, &format)
                        .unwrap();
                }
                Content::Text(text) => {
                    sheet
                        .write_string_with_format(*row, *col, text, &format)
                        .unwrap();
                }
                Content::Sum(first, cached) => {
                    let formula = Formula::new(format!("=SUM(A{first}:A{})", first + 2))
                        .set_result(cached.to_string());
                    sheet
                        .write_formula_with_format(*row, *col, formula, &format)
                        .unwrap();
                }
            }
        }
        for (i, (row, col)) in sheet_plan.merges.iter().enumerate() {
            let first_col = 10 + col * 3;
            let first_row = row * 3;
            sheet
                .merge_range(
                    first_row,
                    first_col,
                    first_row + 1,
                    first_col + 1,
                    &format!("M{i}"),
                    &Format::new(),
                )
                .unwrap();
        }
        for (row, col, text) in &sheet_plan.notes {
            sheet.insert_note(*row, *col, &Note::new(text)).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// Parts the annotation may rewrite: the package's indexes and styles, and a flagged
/// sheet with its notes.
fn may_change(part: &str, flagged_sheets: &BTreeSet<usize>) -> bool {
    const INDEXES: [&str; 5] = [
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "docProps/app.xml",
    ];
    if INDEXES.contains(&part) {
        return true;
    }
    flagged_sheets.iter().any(|i| {
        let n = i + 1;
        part == format!("xl/worksheets/sheet{n}.xml")
            || part == format!("xl/worksheets/_rels/sheet{n}.xml.rels")
    }) || part.starts_with("xl/comments")
        || part.starts_with("xl/drawings/vmlDrawing")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn annotation_keeps_everything_the_workbook_had(plan in prop::collection::vec(sheet_plan(), 1..4)) {
        let input = write(&plan);
        let original = read_workbook(&input, "random.xlsx").unwrap();
        let report = check(&original, &TemplateChoice::Auto);
        let output = annotated_workbook(&input, &original, &report, &OutputOptions::default()).unwrap();
        let annotated = read_workbook(&output, "random.checked.xlsx").unwrap();

        // The original sheets come first, in order, with the results sheet after them.
        prop_assert_eq!(annotated.sheets.len(), original.sheets.len() + 1);
        let flagged: BTreeSet<(String, crossfoot::CellRef)> = report
            .findings
            .iter()
            .map(|f| (f.sheet.clone(), f.cell))
            .collect();
        for (before, after) in original.sheets.iter().zip(&annotated.sheets) {
            prop_assert_eq!(&before.name, &after.name);
            prop_assert_eq!(&before.merges, &after.merges);
            prop_assert_eq!(before.cells.len(), after.cells.len());
            for (a, b) in before.cells.iter().zip(&after.cells) {
                prop_assert_eq!(a.at, b.at);
                prop_assert_eq!(&a.value, &b.value, "value at {}!{}", before.name, a.at);
                prop_assert_eq!(&a.formula, &b.formula, "formula at {}!{}", before.name, a.at);
                if !flagged.contains(&(before.name.clone(), a.at)) {
                    prop_assert_eq!(&a.number_format, &b.number_format, "format at {}!{}", before.name, a.at);
                }
            }
        }

        let flagged_sheets: BTreeSet<usize> = original
            .sheets
            .iter()
            .enumerate()
            .filter(|(_, s)| report.findings.iter().any(|f| f.sheet == s.name))
            .map(|(i, _)| i)
            .collect();
        let after = zip_parts(&output);
        for (name, data) in zip_parts(&input) {
            let kept = after.iter().find(|(n, _)| *n == name);
            prop_assert!(kept.is_some(), "part {} was dropped", name);
            if !may_change(&name, &flagged_sheets) {
                prop_assert!(kept.is_some_and(|(_, d)| *d == data), "part {} changed", name);
            }
        }
    }
}
