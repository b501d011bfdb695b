//! Values as a person sees them in the sheet: numbers in the workbook's convention at the
//! precision the cell shows, percentages as percentages.

use rust_decimal::Decimal;

use crate::formula::EvalValue;
use crate::interval::Interval;
use crate::model::{Cell, Value};
use crate::number::{
    classify_text, format_number, format_quantity, resolve_text, Convention, Quantity, Reading,
    TextShape,
};

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

/// What a number as [`show_number`] or [`show_interval`] wrote it in `from` reads as: the
/// quantity (its value, decimals shown, percent), `None` for anything else (a date, a
/// typed text, an interval). Only a string that is exactly how `from` writes its reading
/// qualifies, so a text the sheet holds is never taken for one of ours.
fn read_back(shown: &str, from: Convention) -> Option<Quantity> {
    let quantity = match classify_text(shown) {
        TextShape::Number { quantity, .. } => quantity,
        TextShape::Ambiguous {
            vietnamese,
            english,
            ..
        } => match from {
            Convention::Vietnamese => vietnamese,
            Convention::English => english,
        },
        _ => return None,
    };
    (format_quantity(&quantity, from) == shown).then_some(quantity)
}

/// A value shown in the sheet's convention (`from`), written again in `to`: `1.156` in a
/// Vietnamese sheet is `1,156` in English, `[70,25; 70,35]` is `[70.25; 70.35]`; anything
/// that is not a number as crossfoot writes one (a date, a typed text) is left as it is.
pub(crate) fn in_convention(shown: &str, from: Convention, to: Convention) -> String {
    if from == to {
        return shown.to_string();
    }
    if let Some(q) = read_back(shown, from) {
        return format_quantity(&q, to);
    }
    let interval = shown
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|rest| rest.split_once("; "));
    match interval {
        Some((lo, hi)) => match (read_back(lo, from), read_back(hi, from)) {
            (Some(lo), Some(hi)) => {
                format!(
                    "[{}; {}]",
                    format_quantity(&lo, to),
                    format_quantity(&hi, to)
                )
            }
            _ => shown.to_string(),
        },
        None => shown.to_string(),
    }
}

/// A value shown in the sheet's convention, as each message language writes it:
/// (Vietnamese, English), `1.156` and `1,156`, `96,1` and `96.1`.
pub(crate) fn for_messages(shown: &str, convention: Convention) -> (String, String) {
    (
        in_convention(shown, convention, Convention::Vietnamese),
        in_convention(shown, convention, Convention::English),
    )
}

/// The plain decimal a value shown in the sheet's convention stands for (`203.566` →
/// 203566, `96,1` → 96.1, `96,1%` → 0.961, the fraction the cell holds; a text figure such
/// as `1.845 hồ sơ` → 1845): what a program reads without knowing the locale. `None` for an
/// interval, a date or a text that is not a number.
pub(crate) fn plain_value(shown: &str, convention: Convention) -> Option<Decimal> {
    match resolve_text(&classify_text(shown), convention) {
        Reading::Number(q) => Some(q.value.normalize()),
        Reading::Ambiguous { primary, .. } => Some(primary.value.normalize()),
        _ => None,
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
    fn numbers_written_again_in_the_other_convention() {
        let vi = Convention::Vietnamese;
        let en = Convention::English;
        for (vietnamese, english) in [
            ("1.156", "1,156"),
            ("96,1", "96.1"),
            ("96,1%", "96.1%"),
            ("-1.845.000", "-1,845,000"),
            ("98,0992", "98.0992"),
            ("0", "0"),
            ("[70,25; 70,35]", "[70.25; 70.35]"),
        ] {
            assert_eq!(in_convention(vietnamese, vi, en), english);
            assert_eq!(in_convention(english, en, vi), vietnamese);
        }
        // Not numbers as crossfoot writes them: left as they are.
        for text in ["28/4/2024", "1.845 hồ sơ", "TRUE", "#DIV/0!", "2491", ""] {
            assert_eq!(in_convention(text, vi, en), text);
        }
        assert_eq!(
            for_messages("203.566", vi),
            ("203.566".to_string(), "203,566".to_string())
        );
    }

    #[test]
    fn plain_values_need_no_locale() {
        let vi = Convention::Vietnamese;
        assert_eq!(plain_value("203.566", vi), Some(Decimal::from(203_566)));
        assert_eq!(plain_value("96,1", vi), Some(Decimal::new(961, 1)));
        assert_eq!(plain_value("96,1%", vi), Some(Decimal::new(961, 3)));
        assert_eq!(plain_value("1.845 hồ sơ", vi), Some(Decimal::from(1845)));
        assert_eq!(
            plain_value("1,156", Convention::English),
            Some(Decimal::from(1156))
        );
        assert_eq!(plain_value("[70,25; 70,35]", vi), None);
        assert_eq!(plain_value("28/4/2024", vi), None);
    }

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
