//! Closed intervals of exact decimals: what a reported number stands for at its shown
//! precision, and the arithmetic that carries those intervals through a rule.
//!
//! Every operation is checked: it returns `None` when a bound overflows `Decimal` (or, for
//! division, when the divisor may be zero), never panics. Division and negative powers are
//! exact to `Decimal`'s 28 significant digits, like every `Decimal` quotient.

use rust_decimal::Decimal;

/// A closed interval of exact decimals; a point when `lo == hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Interval {
    /// Lower bound, included.
    pub lo: Decimal,
    /// Upper bound, included.
    pub hi: Decimal,
}

/// How a number is rounded to a number of digits (Excel's rounding functions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoundMode {
    /// To nearest, halves away from zero (`ROUND`).
    HalfAwayFromZero,
    /// Away from zero (`ROUNDUP`).
    AwayFromZero,
    /// Toward zero (`ROUNDDOWN`, `TRUNC`).
    TowardZero,
    /// Toward negative infinity (`INT`).
    Floor,
}

/// The largest power of ten `Decimal` holds is 10^28.
const MAX_POWER_OF_TEN: i64 = 28;

/// `10^exponent` for `-28 <= exponent <= 28`.
fn power_of_ten(exponent: i64) -> Option<Decimal> {
    if exponent >= 0 {
        let exponent = u32::try_from(exponent).ok()?;
        let value = 10i128.checked_pow(exponent)?;
        Decimal::try_from_i128_with_scale(value, 0).ok()
    } else {
        let scale = u32::try_from(exponent.checked_neg()?).ok()?;
        Decimal::try_from_i128_with_scale(1, scale).ok()
    }
}

/// Rounds `value` to `digits` decimal places (negative `digits` round to tens, hundreds…)
/// the way `mode` says.
///
/// # Errors
/// Returns `None` when the result does not fit in a `Decimal` (rounding away from zero to
/// more than 28 integer digits).
///
/// # Examples
/// ```
/// use crossfoot::{round_decimal, RoundMode};
/// use rust_decimal::Decimal;
/// let x: Decimal = "72.15".parse().unwrap();
/// assert_eq!(round_decimal(x, 1, RoundMode::HalfAwayFromZero), Some("72.2".parse().unwrap()));
/// assert_eq!(round_decimal(x, -1, RoundMode::TowardZero), Some(Decimal::from(70)));
/// ```
pub fn round_decimal(value: Decimal, digits: i64, mode: RoundMode) -> Option<Decimal> {
    if digits > MAX_POWER_OF_TEN {
        // A Decimal never has more than 28 decimals: nothing to round.
        return Some(value);
    }
    if digits < -MAX_POWER_OF_TEN {
        // Every Decimal is smaller than half of 10^29.
        return match mode {
            RoundMode::HalfAwayFromZero | RoundMode::TowardZero => Some(Decimal::ZERO),
            RoundMode::AwayFromZero if value.is_zero() => Some(Decimal::ZERO),
            RoundMode::Floor if !value.is_sign_negative() || value.is_zero() => Some(Decimal::ZERO),
            _ => None,
        };
    }
    if digits >= 0 && i64::from(value.scale()) <= digits {
        // No more decimals than asked for (a count under INT, most of all): already there.
        return Some(value);
    }
    let unit = power_of_ten(digits.checked_neg()?)?;
    // The remainder has the sign of `value`, so `base` is `value` truncated toward zero.
    let remainder = value.checked_rem(unit)?;
    if remainder.is_zero() {
        return Some(value);
    }
    let base = value.checked_sub(remainder)?;
    let away = if value.is_sign_negative() {
        base.checked_sub(unit)
    } else {
        base.checked_add(unit)
    };
    match mode {
        RoundMode::TowardZero => Some(base),
        RoundMode::AwayFromZero => away,
        RoundMode::HalfAwayFromZero => {
            if remainder.abs().checked_mul(Decimal::TWO)? >= unit {
                away
            } else {
                Some(base)
            }
        }
        RoundMode::Floor => {
            if value.is_sign_negative() {
                away
            } else {
                Some(base)
            }
        }
    }
}

/// `base^exponent` by repeated squaring, checked.
fn checked_pow(base: Decimal, exponent: u64) -> Option<Decimal> {
    let mut result = Decimal::ONE;
    let mut square = base;
    let mut rest = exponent;
    while rest > 0 {
        if rest & 1 == 1 {
            result = result.checked_mul(square)?;
        }
        rest >>= 1;
        if rest > 0 {
            square = square.checked_mul(square)?;
        }
    }
    Some(result)
}

impl Interval {
    /// The interval `[lo, hi]` (bounds swapped if given in the wrong order).
    pub fn new(lo: Decimal, hi: Decimal) -> Self {
        if lo <= hi {
            Interval { lo, hi }
        } else {
            Interval { lo: hi, hi: lo }
        }
    }

    /// The single value `value`.
    pub fn point(value: Decimal) -> Self {
        Interval {
            lo: value,
            hi: value,
        }
    }

    /// Whether the two intervals share at least one value (XBRL Calculations 1.1 "consistent").
    pub fn meets(&self, other: &Interval) -> bool {
        self.lo <= other.hi && other.lo <= self.hi
    }

    /// Whether the interval is a single value.
    pub fn is_point(&self) -> bool {
        self.lo == self.hi
    }

    /// Whether both bounds are the same decimal, written the same (`1.0` and `1.00` are
    /// equal values but not the same decimal): an operation on such intervals computes
    /// its result once, where the general formula computes it for each bound and gets the
    /// same decimal each time. Nearly every number a check meets is one.
    fn is_one_decimal(&self) -> bool {
        self.lo.serialize() == self.hi.serialize()
    }

    /// Whether `value` lies in the interval.
    pub fn contains(&self, value: Decimal) -> bool {
        self.lo <= value && value <= self.hi
    }

    /// The smallest interval holding all the given values (`None` when there are none).
    fn hull(values: &[Decimal]) -> Option<Interval> {
        let first = *values.first()?;
        let (lo, hi) = values
            .iter()
            .fold((first, first), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        Some(Interval { lo, hi })
    }

    /// `self + other`.
    ///
    /// # Errors
    /// `None` on overflow.
    ///
    /// # Examples
    /// ```
    /// use crossfoot::Interval;
    /// use rust_decimal::Decimal;
    /// let a = Interval::new(Decimal::from(1), Decimal::from(2));
    /// let b = Interval::point(Decimal::from(10));
    /// assert_eq!(a.checked_add(&b), Some(Interval::new(Decimal::from(11), Decimal::from(12))));
    /// ```
    pub fn checked_add(&self, other: &Interval) -> Option<Interval> {
        if self.is_one_decimal() && other.is_one_decimal() {
            return Some(Interval::point(self.lo.checked_add(other.lo)?));
        }
        Some(Interval {
            lo: self.lo.checked_add(other.lo)?,
            hi: self.hi.checked_add(other.hi)?,
        })
    }

    /// `self - other`.
    ///
    /// # Errors
    /// `None` on overflow.
    pub fn checked_sub(&self, other: &Interval) -> Option<Interval> {
        if self.is_one_decimal() && other.is_one_decimal() {
            return Some(Interval::point(self.lo.checked_sub(other.lo)?));
        }
        Some(Interval {
            lo: self.lo.checked_sub(other.hi)?,
            hi: self.hi.checked_sub(other.lo)?,
        })
    }

    /// `self * other`: the least and greatest of the four products of bounds.
    ///
    /// # Errors
    /// `None` on overflow.
    pub fn checked_mul(&self, other: &Interval) -> Option<Interval> {
        if self.is_one_decimal() && other.is_one_decimal() {
            return Some(Interval::point(self.lo.checked_mul(other.lo)?));
        }
        Interval::hull(&[
            self.lo.checked_mul(other.lo)?,
            self.lo.checked_mul(other.hi)?,
            self.hi.checked_mul(other.lo)?,
            self.hi.checked_mul(other.hi)?,
        ])
    }

    /// `self / other`: the least and greatest of the four quotients of bounds.
    ///
    /// # Errors
    /// `None` when `other` contains zero (the quotient is unbounded or undefined) or on
    /// overflow.
    ///
    /// # Examples
    /// ```
    /// use crossfoot::Interval;
    /// use rust_decimal::Decimal;
    /// let ten = Interval::point(Decimal::from(10));
    /// assert_eq!(ten.checked_div(&Interval::point(Decimal::from(4))), Some(Interval::point("2.5".parse().unwrap())));
    /// assert_eq!(ten.checked_div(&Interval::new(Decimal::from(-1), Decimal::from(1))), None);
    /// ```
    pub fn checked_div(&self, other: &Interval) -> Option<Interval> {
        if other.contains(Decimal::ZERO) {
            return None;
        }
        if self.is_one_decimal() && other.is_one_decimal() {
            return Some(Interval::point(self.lo.checked_div(other.lo)?));
        }
        Interval::hull(&[
            self.lo.checked_div(other.lo)?,
            self.lo.checked_div(other.hi)?,
            self.hi.checked_div(other.lo)?,
            self.hi.checked_div(other.hi)?,
        ])
    }

    /// `-self`. Never overflows (`Decimal` is symmetric around zero).
    pub fn neg(&self) -> Interval {
        Interval {
            lo: -self.hi,
            hi: -self.lo,
        }
    }

    /// `|self|`: `[0, max]` when the interval straddles zero.
    pub fn abs(&self) -> Interval {
        if self.lo.is_sign_negative() && !self.hi.is_sign_negative() {
            Interval {
                lo: Decimal::ZERO,
                hi: self.hi.max(-self.lo),
            }
        } else {
            Interval::new(self.lo.abs(), self.hi.abs())
        }
    }

    /// `self^exponent` for an integer exponent.
    ///
    /// # Errors
    /// `None` on overflow, for `0^0`, and for a negative exponent of an interval containing
    /// zero.
    pub fn checked_pow(&self, exponent: i64) -> Option<Interval> {
        if exponent == 0 {
            if self.contains(Decimal::ZERO) {
                return None;
            }
            return Some(Interval::point(Decimal::ONE));
        }
        let magnitude = exponent.unsigned_abs();
        let lo = checked_pow(self.lo, magnitude)?;
        let hi = checked_pow(self.hi, magnitude)?;
        let positive = if magnitude.is_multiple_of(2) && self.contains(Decimal::ZERO) {
            Interval {
                lo: Decimal::ZERO,
                hi: lo.max(hi),
            }
        } else {
            Interval::new(lo, hi)
        };
        if exponent > 0 {
            Some(positive)
        } else {
            Interval::point(Decimal::ONE).checked_div(&positive)
        }
    }

    /// Both bounds rounded to `digits` decimals by `mode` (every mode is monotonic, so the
    /// result holds the rounding of every value in the interval).
    ///
    /// # Errors
    /// `None` on overflow.
    ///
    /// # Examples
    /// ```
    /// use crossfoot::{Interval, RoundMode};
    /// let x = Interval::new("70.25".parse().unwrap(), "70.349".parse().unwrap());
    /// let rounded = x.round(1, RoundMode::HalfAwayFromZero).unwrap();
    /// assert_eq!(rounded, Interval::new("70.3".parse().unwrap(), "70.3".parse().unwrap()));
    /// ```
    pub fn round(&self, digits: i64, mode: RoundMode) -> Option<Interval> {
        if self.is_one_decimal() {
            return Some(Interval::point(round_decimal(self.lo, digits, mode)?));
        }
        Some(Interval {
            lo: round_decimal(self.lo, digits, mode)?,
            hi: round_decimal(self.hi, digits, mode)?,
        })
    }

    /// The interval of `min(a, b)` for `a` in `self` and `b` in `other`.
    pub fn min(&self, other: &Interval) -> Interval {
        Interval {
            lo: self.lo.min(other.lo),
            hi: self.hi.min(other.hi),
        }
    }

    /// The interval of `max(a, b)` for `a` in `self` and `b` in `other`.
    pub fn max(&self, other: &Interval) -> Interval {
        Interval {
            lo: self.lo.max(other.lo),
            hi: self.hi.max(other.hi),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap_or_default()
    }

    fn iv(lo: &str, hi: &str) -> Interval {
        Interval::new(d(lo), d(hi))
    }

    /// Both bounds as written (scale included), which `==` on decimals ignores.
    fn written(interval: Option<Interval>) -> Option<(String, String)> {
        interval.map(|i| (i.lo.to_string(), i.hi.to_string()))
    }

    #[test]
    fn operations_on_single_decimals_give_what_the_bound_formulas_give() {
        let values = [
            "0",
            "3",
            "-2.50",
            "1.0",
            "0.001",
            "96.1",
            "-7",
            "79228162514264337593543950335",
        ];
        for a in values {
            for b in values {
                let (x, y) = (Interval::point(d(a)), Interval::point(d(b)));
                // The bound formulas, written out for two single values.
                let both = |v: Option<Decimal>| v.map(|v| (v.to_string(), v.to_string()));
                assert_eq!(
                    written(x.checked_add(&y)),
                    both(d(a).checked_add(d(b))),
                    "{a} + {b}"
                );
                assert_eq!(
                    written(x.checked_sub(&y)),
                    both(d(a).checked_sub(d(b))),
                    "{a} - {b}"
                );
                assert_eq!(
                    written(x.checked_mul(&y)),
                    both(d(a).checked_mul(d(b))),
                    "{a} * {b}"
                );
                let quotient = if d(b).is_zero() {
                    None
                } else {
                    d(a).checked_div(d(b))
                };
                assert_eq!(written(x.checked_div(&y)), both(quotient), "{a} / {b}");
            }
            let rounded = round_decimal(d(a), 1, RoundMode::HalfAwayFromZero);
            assert_eq!(
                written(Interval::point(d(a)).round(1, RoundMode::HalfAwayFromZero)),
                rounded.map(|v| (v.to_string(), v.to_string()))
            );
        }
        // Equal values written differently are two decimals: each bound keeps its own.
        let apart = Interval {
            lo: d("1.0"),
            hi: d("1.00"),
        };
        let three = Interval::point(d("3"));
        assert_eq!(
            written(apart.checked_add(&three)),
            Some(("4.0".into(), "4.00".into()))
        );
    }

    fn pt(value: &str) -> Interval {
        Interval::point(d(value))
    }

    #[test]
    fn add_and_sub_take_opposite_bounds() {
        assert_eq!(
            iv("1", "2").checked_add(&iv("10", "20")),
            Some(iv("11", "22"))
        );
        assert_eq!(
            iv("1", "2").checked_sub(&iv("10", "20")),
            Some(iv("-19", "-8"))
        );
        assert_eq!(pt("0.1").checked_add(&pt("0.2")), Some(pt("0.3")));
    }

    #[test]
    fn overflow_is_none() {
        assert_eq!(pt("1").checked_add(&Interval::point(Decimal::MAX)), None);
        assert_eq!(Interval::point(Decimal::MAX).checked_mul(&pt("2")), None);
        assert_eq!(pt("10").checked_pow(40), None);
    }

    #[test]
    fn mul_spans_signs() {
        assert_eq!(
            iv("-2", "3").checked_mul(&iv("-5", "4")),
            Some(iv("-15", "12"))
        );
        assert_eq!(
            iv("2", "3").checked_mul(&iv("-1", "-1")),
            Some(iv("-3", "-2"))
        );
    }

    #[test]
    fn div_refuses_a_divisor_holding_zero() {
        assert_eq!(pt("1").checked_div(&pt("0")), None);
        assert_eq!(pt("1").checked_div(&iv("0", "1")), None);
        assert_eq!(
            iv("1", "2").checked_div(&iv("4", "8")),
            Some(iv("0.125", "0.5"))
        );
        assert_eq!(
            iv("1", "2").checked_div(&iv("-4", "-2")),
            Some(iv("-1", "-0.25"))
        );
    }

    #[test]
    fn neg_and_abs() {
        assert_eq!(iv("-1", "2").neg(), iv("-2", "1"));
        assert_eq!(iv("-3", "2").abs(), iv("0", "3"));
        assert_eq!(iv("-3", "-2").abs(), iv("2", "3"));
    }

    #[test]
    fn powers() {
        assert_eq!(pt("2").checked_pow(10), Some(pt("1024")));
        assert_eq!(iv("-2", "3").checked_pow(2), Some(iv("0", "9")));
        assert_eq!(iv("-2", "3").checked_pow(3), Some(iv("-8", "27")));
        assert_eq!(pt("2").checked_pow(-2), Some(pt("0.25")));
        assert_eq!(pt("0").checked_pow(0), None);
        assert_eq!(pt("0").checked_pow(-1), None);
        assert_eq!(pt("5").checked_pow(0), Some(pt("1")));
    }

    #[test]
    fn rounding_modes_match_excel() {
        let half = RoundMode::HalfAwayFromZero;
        assert_eq!(round_decimal(d("2.5"), 0, half), Some(d("3")));
        assert_eq!(round_decimal(d("-2.5"), 0, half), Some(d("-3")));
        assert_eq!(round_decimal(d("72.149"), 1, half), Some(d("72.1")));
        assert_eq!(round_decimal(d("1250"), -2, half), Some(d("1300")));
        assert_eq!(
            round_decimal(d("3.14159"), 3, RoundMode::AwayFromZero),
            Some(d("3.142"))
        );
        assert_eq!(
            round_decimal(d("-3.14159"), 3, RoundMode::AwayFromZero),
            Some(d("-3.142"))
        );
        assert_eq!(
            round_decimal(d("-3.9"), 0, RoundMode::TowardZero),
            Some(d("-3"))
        );
        assert_eq!(round_decimal(d("-3.1"), 0, RoundMode::Floor), Some(d("-4")));
        assert_eq!(round_decimal(d("3.9"), 0, RoundMode::Floor), Some(d("3")));
        assert_eq!(
            round_decimal(
                d("0.0000000000000000000000000001"),
                -1,
                RoundMode::AwayFromZero
            ),
            Some(d("10"))
        );
        assert_eq!(round_decimal(d("5"), 40, half), Some(d("5")));
        assert_eq!(round_decimal(d("5"), -40, half), Some(d("0")));
        assert_eq!(round_decimal(d("5"), -40, RoundMode::AwayFromZero), None);
        assert_eq!(
            round_decimal(Decimal::MAX, -1, RoundMode::AwayFromZero),
            None
        );
    }

    #[test]
    fn round_applies_to_both_bounds() {
        assert_eq!(
            iv("70.25", "70.35").round(1, RoundMode::TowardZero),
            Some(iv("70.2", "70.3"))
        );
    }

    #[test]
    fn min_max_and_meets() {
        assert_eq!(iv("1", "5").min(&iv("2", "3")), iv("1", "3"));
        assert_eq!(iv("1", "5").max(&iv("2", "3")), iv("2", "5"));
        assert!(iv("70.25", "70.35").meets(&pt("70.35")));
        assert!(!iv("70.25", "70.35").meets(&pt("70.36")));
    }
}
