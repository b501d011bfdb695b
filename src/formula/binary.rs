//! Excel's binary arithmetic, for recomputing a formula the way Excel does: IEEE doubles,
//! a subtraction (or an addition of opposite signs) whose operands agree to within a few
//! units in the last place snapped to 0, rounding functions that first round their
//! argument to 15 significant digits, and comparisons that hold when the two numbers agree
//! to within that precision.
//!
//! The rule engine computes in exact decimals: a typed figure is what it says. A formula's
//! saved value is not: it is the double Excel computed, so whether it is stale is judged
//! on the double Excel would compute from the same inputs (`=H8/8760` saves
//! `0.9695205479452055`, `=+G61-I61` saves `6516.37999999999`). Values travel as the
//! decimals of their shortest round-trip text, which is how the readers turn stored doubles
//! into `Decimal`; every operation goes back to the double, computes, and comes back.
//! LibreOffice's `rtl::math` (`approxAdd`, `approxSub`, `approxEqual`, `round`) is the
//! model followed here.

use std::str::FromStr;

use rust_decimal::Decimal;

/// `2^-48`: two doubles this close (relative to each) are the same number to Excel.
const APPROX_EQUAL: f64 = 1.0 / 281_474_976_710_656.0;

/// The double a decimal stands for (its nearest), `None` beyond a double's range.
pub(crate) fn to_f64(value: Decimal) -> Option<f64> {
    f64::from_str(&value.to_string())
        .ok()
        .filter(|x| x.is_finite())
}

/// A double as the decimal of its shortest round-trip text (digits past a decimal's 28
/// places, only in residues below 1e-11, are rounded away); `None` when not finite or
/// beyond a decimal's range.
pub(crate) fn from_f64(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    // `Display` of an f64 is its shortest round-trip text, without an exponent.
    Decimal::from_str(&value.to_string()).ok()
}

/// Whether two doubles are the same number to Excel and LibreOffice: equal, or within
/// `2^-48` of each other relative to both (and not two different whole numbers).
pub(crate) fn approx_equal(a: f64, b: f64) -> bool {
    if a == b {
        return true;
    }
    if a == 0.0 || b == 0.0 || !a.is_finite() || !b.is_finite() {
        return false;
    }
    let difference = (a - b).abs();
    // Two whole numbers that differ are different, however large.
    if a.fract() == 0.0 && b.fract() == 0.0 && a.abs() < 9.007_199_254_740_992e15 {
        return false;
    }
    difference < a.abs() * APPROX_EQUAL && difference < b.abs() * APPROX_EQUAL
}

/// `a + b` as Excel computes it: a sum of two numbers that cancel to within a few units in
/// the last place is 0, not the residue of their binary forms.
pub(crate) fn add(a: f64, b: f64) -> f64 {
    if ((a < 0.0 && b > 0.0) || (a > 0.0 && b < 0.0)) && approx_equal(a, -b) {
        return 0.0;
    }
    a + b
}

/// `a − b` as Excel computes it (see [`add`]).
pub(crate) fn sub(a: f64, b: f64) -> f64 {
    if ((a < 0.0 && b < 0.0) || (a > 0.0 && b > 0.0)) && approx_equal(a, b) {
        return 0.0;
    }
    a - b
}

/// `value` rounded to 15 significant digits, as Excel's rounding functions first do
/// (`0.285*100` is 28.499999999999996 in binary, and `ROUND` of it is 29).
pub(crate) fn fifteen_digits(value: Decimal) -> Decimal {
    let Some(x) = to_f64(value) else {
        return value;
    };
    if x == 0.0 {
        return value;
    }
    format!("{x:.14e}")
        .parse::<f64>()
        .ok()
        .and_then(from_f64)
        .unwrap_or(value)
}

/// Whether a recomputed double and a saved one would be shown as the same number by Excel:
/// equal, equal at 15 significant digits, within four units in the last place, or (for the
/// residue of a cancellation) both within `2^-47` of the largest magnitude the computation
/// met, which Excel shows as 0 or as noise of the same size.
pub(crate) fn shown_alike(computed: f64, saved: f64, magnitude: f64) -> bool {
    if computed == saved || format!("{computed:.14e}") == format!("{saved:.14e}") {
        return true;
    }
    let difference = (computed - saved).abs();
    let ulps = computed.abs().max(saved.abs()) * f64::EPSILON * 4.0;
    difference <= ulps || difference <= magnitude * 2.0 * APPROX_EQUAL
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn operations_give_the_doubles_excel_saves() {
        let f = |text: &str| to_f64(d(text)).unwrap_or(f64::NAN);
        // =(H8/8760) with H8 = 8493.0: Excel saves 0.9695205479452055.
        assert_eq!(
            from_f64(f("8493") / f("8760")),
            Some(d("0.9695205479452055"))
        );
        // The classic 0.1 + 0.2.
        assert_eq!(
            from_f64(add(f("0.1"), f("0.2"))),
            Some(d("0.30000000000000004"))
        );
        // A subtraction's binary residue is kept when the operands differ...
        assert_eq!(
            from_f64(sub(f("106516.38"), f("100000"))),
            Some(d("6516.380000000005"))
        );
        // ...and a cancellation to a few units in the last place is 0.
        assert_eq!(sub(add(f("0.1"), f("0.2")), f("0.3")), 0.0);
        assert_eq!(add(f("-0.3"), add(f("0.1"), f("0.2"))), 0.0);
        assert_ne!(sub(f("1000000"), f("999999.99")), 0.0);
    }

    #[test]
    fn equality_to_excel() {
        assert!(approx_equal(0.300_000_000_000_000_04, 0.3));
        assert!(!approx_equal(0.3, 0.300_000_1));
        assert!(!approx_equal(3.0, 4.0));
        assert!(!approx_equal(0.0, 1e-300));
        assert_eq!(fifteen_digits(d("28.499999999999996")), d("28.5"));
        assert_eq!(fifteen_digits(d("72.19999999999999")), d("72.2"));
    }

    #[test]
    fn shown_alike_as_excel_shows_them() {
        assert!(shown_alike(
            0.969_520_547_945_205_5,
            0.969_520_547_945_205_4,
            8760.0
        ));
        assert!(shown_alike(6_516.379_999_999_99, 6_516.38, 8_134.38));
        // A residue of a cancellation among millions is shown as 0.
        assert!(shown_alike(4.656_612_873_077_393e-10, 0.0, 2_000_000.0));
        // A real difference is not.
        assert!(!shown_alike(1250.0, 1500.0, 1500.0));
        assert!(!shown_alike(0.01, 0.0, 1e12));
        assert!(!shown_alike(72.1, 72.2, 100.0));
    }
}
