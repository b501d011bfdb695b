//! Values as a person sees them in the sheet: numbers in the workbook's convention at the
//! precision the cell shows, percentages as percentages.

use rust_decimal::Decimal;

use crate::formula::EvalValue;
use crate::interval::Interval;
use crate::model::{Cell, Value};
use crate::number::{format_number, format_quantity, Convention, Quantity, Reading};

/// A cell's stored value as shown.
pub(crate) fn show_value(value: &Value, cell: Option<&Cell>, convention: Convention) -> String {
    match value {
        Value::Number(n) => show_number(*n, cell.and_then(quantity_of), convention),
        Value::Text(t) => t.trim().to_string(),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Value::Error(e) => e.to_string(),
        Value::Date(d) => d.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Empty => String::new(),
    }
}

/// A computed value as it would be shown in `cell`.
pub(crate) fn show_eval(value: &EvalValue, cell: Option<&Cell>, convention: Convention) -> String {
    match value {
        EvalValue::Number(n) => show_interval(n, cell.and_then(quantity_of), convention),
        EvalValue::Text(t) => t.clone(),
        EvalValue::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        EvalValue::Error(e) => format!("{e:?}"),
        EvalValue::Blank => String::new(),
    }
}

/// Decimals shown for a computed value with no cell precision to follow: a ratio's
/// 28 digits (`98,14049586776859504132231405`) say nothing more than its first few.
const MAX_FREE_DECIMALS: u32 = 4;

/// A number shown like `like` (same decimals and percent), or with its own digits (at
/// most [`MAX_FREE_DECIMALS`] of them).
pub(crate) fn show_number(
    value: Decimal,
    like: Option<Quantity>,
    convention: Convention,
) -> String {
    match like {
        Some(q) => format_quantity(&Quantity { value, ..q }, convention),
        None => format_number(
            value,
            value.normalize().scale().min(MAX_FREE_DECIMALS),
            convention,
        ),
    }
}

/// An interval shown as its value when a point (or when both ends show the same), else as
/// `[lo; hi]`.
pub(crate) fn show_interval(
    value: &Interval,
    like: Option<Quantity>,
    convention: Convention,
) -> String {
    let lo = show_number(value.lo, like, convention);
    let hi = show_number(value.hi, like, convention);
    if lo == hi {
        lo
    } else {
        format!("[{lo}; {hi}]")
    }
}

/// The quantity a cell reports, if it is a number.
pub(crate) fn quantity_of(cell: &Cell) -> Option<Quantity> {
    match &cell.reading {
        Reading::Number(q) => Some(*q),
        Reading::Ambiguous { primary, .. } => Some(**primary),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ratio_without_a_cell_precision_shows_four_decimals_at_most() {
        let ratio = Decimal::from(1187) / Decimal::from(1210);
        assert_eq!(
            show_number(ratio * Decimal::from(100), None, Convention::Vietnamese),
            "98,0992"
        );
        assert_eq!(
            show_number(Decimal::new(15, 1), None, Convention::English),
            "1.5"
        );
        assert_eq!(
            show_number(Decimal::from(1_845_000), None, Convention::Vietnamese),
            "1.845.000"
        );
    }
}
