//! Which cell is wrong: one error at a time injected into the 06 sample — every kind of
//! slip, in detail cells, section rows and the grand total, in every column — must be
//! localized at the injected cell with the original value as its fix, or reported as
//! ambiguous; never as a confident wrong cell. Two errors in different rows are both found.

use crossfoot::{
    check, recompute, Applicability, CellRef, Quantity, Reading, RecalcOutcome, TemplateChoice,
    Value, Workbook,
};
use rust_decimal::prelude::*;

use crate::common::read_fixture;

/// Slips applied to a value, by name.
fn slips(value: Decimal, neighbour: Option<Decimal>) -> Vec<(&'static str, Decimal)> {
    let mut out = Vec::new();
    let digits: Vec<char> = value.abs().normalize().to_string().chars().collect();
    let whole = value.normalize().scale() == 0;
    let from = |chars: &[char]| -> Option<Decimal> {
        let text: String = chars.iter().collect();
        text.parse::<Decimal>()
            .ok()
            .map(|d| if value.is_sign_negative() { -d } else { d })
    };
    if whole && digits.len() >= 2 {
        let mut swapped = digits.clone();
        let n = swapped.len();
        swapped.swap(n - 2, n - 1);
        if let Some(v) = from(&swapped) {
            out.push(("swapped digits", v));
        }
        let mut dropped = digits.clone();
        dropped.remove(0);
        if let Some(v) = from(&dropped) {
            out.push(("dropped digit", v));
        }
    }
    if whole {
        let mut changed = digits.clone();
        let i = changed.len() / 2;
        changed[i] = if changed[i] == '9' {
            '1'
        } else {
            (changed[i] as u8 + 1) as char
        };
        if let Some(v) = from(&changed) {
            out.push(("changed digit", v));
        }
        let mut added = digits.clone();
        added.push(*digits.last().unwrap());
        if let Some(v) = from(&added) {
            out.push(("added digit", v));
        }
    }
    out.push(("thousand-fold", value * Decimal::from(1000)));
    out.push(("sign flipped", -value));
    if let Some(n) = neighbour {
        out.push(("copied neighbour", n));
    }
    out.retain(|(_, v)| *v != value);
    out
}

fn number_at(book: &Workbook, at: CellRef) -> Option<Decimal> {
    match &book.sheets[0].cell(at)?.reading {
        Reading::Number(q) => Some(q.value),
        _ => None,
    }
}

/// Types `value` over the cell (a formula typed over becomes a constant), then lets the
/// sheet's formulas recompute as Excel would on saving.
fn inject(book: &Workbook, at: CellRef, value: Decimal) -> Workbook {
    let mut book = book.clone();
    let sheet = &mut book.sheets[0];
    let cell = sheet.cells.iter_mut().find(|c| c.at == at).unwrap();
    let decimals = match &cell.reading {
        Reading::Number(q) => q.decimals,
        _ => 0,
    };
    cell.formula = None;
    cell.value = Value::Number(value);
    cell.reading = Reading::Number(Quantity {
        value,
        decimals,
        percent: false,
        from_text: false,
    });
    for _ in 0..4 {
        let stale: Vec<(CellRef, Decimal)> = recompute(&book)
            .into_iter()
            .filter_map(|r| match r.outcome {
                RecalcOutcome::Stale {
                    computed: crossfoot::EvalValue::Number(n),
                    ..
                } if n.lo == n.hi => Some((r.cell, n.lo)),
                _ => None,
            })
            .collect();
        if stale.is_empty() {
            break;
        }
        for (at, v) in stale {
            if let Some(cell) = book.sheets[0].cells.iter_mut().find(|c| c.at == at) {
                cell.value = Value::Number(v);
                if let Reading::Number(q) = &mut cell.reading {
                    q.value = v;
                }
            }
        }
    }
    book
}

enum Verdict {
    Right,
    Ambiguous,
    Wrong(String),
}

fn verdict(book: &Workbook, at: CellRef, original: Decimal) -> Verdict {
    let report = check(book, &TemplateChoice::Auto);
    let errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == crossfoot::Severity::Error)
        .collect();
    if errors.iter().any(|f| f.code == "CF302") {
        return Verdict::Ambiguous;
    }
    let root = errors.iter().find(|f| f.cell == at);
    match root {
        Some(f)
            if errors.len() == 1
                && f.fix.as_ref().is_some_and(|fix| {
                    fix.applicability == Applicability::Safe && fix.edits[0].value == original
                }) =>
        {
            Verdict::Right
        }
        _ => Verdict::Wrong(format!(
            "{at}: {:?}",
            errors
                .iter()
                .map(|f| (
                    f.code,
                    f.cell.to_string(),
                    f.fix.as_ref().map(|x| x.edits[0].value)
                ))
                .collect::<Vec<_>>()
        )),
    }
}

/// The sample as an office that types its totals files it: every formula replaced by its
/// value.
fn typed_totals(book: &Workbook) -> Workbook {
    let mut book = book.clone();
    for cell in &mut book.sheets[0].cells {
        cell.formula = None;
    }
    book
}

#[test]
fn single_errors_in_the_06_sample_with_typed_totals_are_localized() {
    let (right, ambiguous, wrong) =
        localize_single_errors(&typed_totals(&read_fixture("tthc-06-q3-2022.xlsx")));
    let total = right + ambiguous + wrong.len();
    println!(
        "localization, 06 sample with typed totals: {right} of {total} right ({:.1} %), {ambiguous} ambiguous, {} wrong",
        100.0 * right as f64 / total as f64,
        wrong.len()
    );
    assert!(total >= 300, "{total} cases");
    assert!(wrong.is_empty(), "confidently wrong: {wrong:#?}");
    assert!(right * 100 >= total * 95, "{right} of {total}");
}

/// With formula totals that recompute, a slip in a detail cell is carried into its section
/// and the grand total, so only row identities break and any part of the row explains
/// them: crossfoot must say so (ambiguous) unless a slip pattern singles one cell out, and
/// must never name a wrong cell with confidence.
#[test]
fn single_errors_in_the_06_sample_with_formula_totals_are_never_confidently_wrong() {
    let (right, ambiguous, wrong) = localize_single_errors(&read_fixture("tthc-06-q3-2022.xlsx"));
    let total = right + ambiguous + wrong.len();
    println!(
        "localization, 06 sample with formula totals: {right} of {total} right ({:.1} %), {ambiguous} ambiguous, {} wrong",
        100.0 * right as f64 / total as f64,
        wrong.len()
    );
    assert!(wrong.is_empty(), "confidently wrong: {wrong:#?}");
    assert!(right * 100 >= total * 60, "{right} of {total}");
}

fn localize_single_errors(book: &Workbook) -> (usize, usize, Vec<String>) {
    let (mut right, mut ambiguous, mut wrong) = (0, 0, Vec::new());
    let mut ambiguous_by: std::collections::BTreeMap<&str, usize> = Default::default();
    // Rows: the grand total, the three sections, and a spread of units; every count column.
    let rows = [8u32, 9, 10, 14, 18, 26, 30, 38, 39, 44, 51];
    for &row in &rows {
        for col in 2..=12u32 {
            let at = CellRef::new(row, col);
            let Some(original) = number_at(book, at) else {
                continue;
            };
            let neighbour = number_at(book, CellRef::new(row + 1, col)).filter(|n| *n != original);
            for (slip, slipped) in slips(original, neighbour) {
                match verdict(&inject(book, at, slipped), at, original) {
                    Verdict::Right => right += 1,
                    Verdict::Ambiguous => {
                        ambiguous += 1;
                        *ambiguous_by.entry(slip).or_insert(0) += 1;
                    }
                    Verdict::Wrong(why) => wrong.push(why),
                }
            }
        }
        // A stale rate.
        let at = CellRef::new(row, 13);
        if let Some(original) = number_at(book, at) {
            match verdict(
                &inject(book, at, original + Decimal::new(13, 1)),
                at,
                original,
            ) {
                Verdict::Right => right += 1,
                Verdict::Ambiguous => ambiguous += 1,
                Verdict::Wrong(why) => wrong.push(why),
            }
        }
    }
    println!("ambiguous by slip: {ambiguous_by:?}");
    (right, ambiguous, wrong)
}

#[test]
fn two_errors_in_different_rows_are_both_localized() {
    let book = typed_totals(&read_fixture("tthc-06-q3-2022.xlsx"));
    let cases = [
        // Same column, same section.
        (CellRef::new(10, 3), CellRef::new(14, 3)),
        // Different columns, different sections.
        (CellRef::new(12, 7), CellRef::new(30, 11)),
        // A detail and another section's total.
        (CellRef::new(20, 4), CellRef::new(26, 8)),
    ];
    for (a, b) in cases {
        let (va, vb) = (number_at(&book, a).unwrap(), number_at(&book, b).unwrap());
        let changed = inject(
            &inject(&book, a, va + Decimal::from(90)),
            b,
            vb * Decimal::from(1000),
        );
        let report = check(&changed, &TemplateChoice::Auto);
        let errors: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == crossfoot::Severity::Error)
            .collect();
        let fixed: Vec<(CellRef, Decimal)> = errors
            .iter()
            .filter_map(|f| f.fix.as_ref().map(|x| (x.edits[0].cell, x.edits[0].value)))
            .collect();
        assert!(fixed.contains(&(a, va)), "{a} in {errors:#?}");
        assert!(fixed.contains(&(b, vb)), "{b} in {errors:#?}");
        assert_eq!(errors.len(), 2, "{errors:#?}");
    }
}
