//! Any text as a formula: parsing gives a tree or a typed error; a tree prints back to a
//! formula that parses again, and evaluates (over cells holding huge numbers) without panic.
#![no_main]

use crossfoot::{evaluate, parse_formula, CellRange, CellRef, EvalValue, Operand, Resolver};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

/// Every cell holds the largest decimal, so arithmetic on them overflows.
struct Huge;

impl Resolver for Huge {
    fn cell(&self, _sheet: Option<&str>, _at: CellRef) -> EvalValue {
        EvalValue::number(Decimal::MAX)
    }
    fn range(&self, _sheet: Option<&str>, range: CellRange) -> Vec<EvalValue> {
        let rows = u64::from(range.last.row.saturating_sub(range.first.row)) + 1;
        let cols = u64::from(range.last.col.saturating_sub(range.first.col)) + 1;
        let count = usize::try_from((rows * cols).min(64)).unwrap_or(64);
        vec![EvalValue::number(Decimal::MIN); count]
    }
    fn name(&self, _name: &str) -> Option<Operand> {
        Some(Operand::Single(EvalValue::number(Decimal::new(1, 28))))
    }
}

fuzz_target!(|text: &str| {
    let Ok(expr) = parse_formula(text) else {
        return;
    };
    let printed = expr.to_string();
    assert!(
        parse_formula(&printed).is_ok(),
        "{text:?} printed as {printed:?}, which does not parse"
    );
    let _ = evaluate(&expr, &Huge);
});
