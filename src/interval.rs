//! Closed intervals of exact decimals: what a reported number stands for at its shown
//! precision, and the arithmetic that carries those intervals through a rule.
//!
//! STUB: the struct is fixed; arithmetic is being written (see the formula helper's task).

use rust_decimal::Decimal;

/// A closed interval of exact decimals; a point when `lo == hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Interval {
    /// Lower bound, included.
    pub lo: Decimal,
    /// Upper bound, included.
    pub hi: Decimal,
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
        Interval { lo: value, hi: value }
    }

    /// Whether the two intervals share at least one value (XBRL Calculations 1.1 "consistent").
    pub fn meets(&self, other: &Interval) -> bool {
        self.lo <= other.hi && other.lo <= self.hi
    }
}
