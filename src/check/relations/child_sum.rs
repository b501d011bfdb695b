//! Hierarchy sums: a parent row's children added up column by column (`ChildSum`), the
//! sums of one parent evaluated together, and a kept tally moved by a tried change rather
//! than added up again.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::formula::EvalValue;
use crate::interval::Interval;
use crate::model::CellRef;
use crate::template::RuleBody;
use crate::unit::binary_allowance;

use super::evaluator::Evaluator;
use super::outcome::{Evaluation, Outcome};
use super::relation::Relation;
use super::resolver::{finished, RelationResolver, Source};

/// How close a hierarchy sum comes to its parent ([`ChildSum::fit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    /// Exactly, or within the rounding of binary arithmetic.
    Exact,
    /// Within the rounding of its figures.
    Rounded,
    /// Not at all.
    No,
}

/// The fewest children a hierarchy sum has for its tally to be kept from the sheet's
/// evaluation for localization: a shorter one is added up again, cheaply, when a change is
/// tried, and a sheet of many small parents keeps nothing extra.
const KEPT_SUM_CHILDREN: usize = 256;

/// A hierarchy sum being added up: the parent's value, and what its children's reads
/// came to so far. Reads are counted, not only flagged, so that a tried change can take a
/// cell's read back and put its new value in ([`Evaluator::moved_sum_holds`]).
#[derive(Clone)]
pub(crate) struct ChildSum {
    pub(super) target: CellRef,
    pub(super) col: u32,
    pub(super) parent: EvalValue,
    /// Cells filled in so far, the parent included.
    pub(super) filled: i64,
    /// Children neither a number nor blank: the sum is not known.
    not_numbers: i64,
    /// Reads that skip the relation (a blank read as missing, a value no rule uses):
    /// the only reads that give [`EvalValue::Blank`]. The parent's included.
    pub(super) skips: i64,
    /// Error values read, the parent's included.
    pub(super) errors: i64,
    /// The children's numbers added up; `None` past `Decimal`'s range.
    pub(super) sum: Option<Decimal>,
    /// Whether the column's figures stand for their rounding interval.
    pub(super) rounded: bool,
    /// Reads of a formula's result, the parent's included.
    formulas: i64,
    /// The negative children added up (zero or less): with `sum`, the children's
    /// magnitudes, which binary arithmetic may have left a residue on
    /// ([`binary_allowance`]), are `sum − 2 × negatives`, kept without an addition for
    /// every child (a section of a big form has hundreds of thousands).
    negatives: Option<Decimal>,
    /// The half units of the figures read added up (a rounded column, figures shown
    /// rounded), the parent's included: how far rounding may have moved the sum from the
    /// parent.
    halves: Option<Decimal>,
}

/// Whether a change can move a hierarchy sum's tally ([`Evaluator::moved_sum_holds`]):
/// its children in order (found by a binary search), its parent not among them (a cell
/// changed is either the parent or a child).
fn movable(relation: &Relation, children: &[u32]) -> bool {
    children.is_sorted()
        && relation
            .row
            .is_none_or(|row| children.binary_search(&row).is_err())
}

/// What one read adds to a [`ChildSum`]'s counts ([`RelationResolver::tallied`]).
pub(super) struct Tallied {
    pub(super) filled: bool,
    pub(super) skips: bool,
    pub(super) errors: bool,
    /// For a child: its number, or `None` when it is neither a number nor blank.
    pub(super) number: Option<Decimal>,
    /// A formula's result.
    pub(super) formula: bool,
    /// Half the number's last shown unit, in a rounded column or shown rounded.
    pub(super) half: Option<Decimal>,
}

/// `total` with `amount` counted in `times` (negative: taken back); `None` stays `None`.
#[inline]
fn counted_in(total: Option<Decimal>, amount: Decimal, times: i64) -> Option<Decimal> {
    if amount.is_zero() {
        return total;
    }
    match times {
        1 => total?.checked_add(amount),
        -1 => total?.checked_sub(amount),
        _ => total?.checked_add(amount.checked_mul(Decimal::from(times))?),
    }
}

impl ChildSum {
    /// Reads the parent's cell; `None` for a relation with no cell.
    pub(super) fn start(relation: &Relation, resolver: &RelationResolver) -> Option<ChildSum> {
        let (row, col) = (relation.row?, relation.column?);
        let target = CellRef::new(row, col);
        let (parent, source) = resolver.read_value(target);
        let mut sum = ChildSum {
            target,
            col,
            parent: EvalValue::Blank,
            filled: 0,
            not_numbers: 0,
            skips: 0,
            errors: 0,
            sum: Some(Decimal::ZERO),
            rounded: resolver.units.rounded(col),
            formulas: 0,
            negatives: Some(Decimal::ZERO),
            halves: Some(Decimal::ZERO),
        };
        sum.count_flags(&resolver.tallied(target, &parent, &source, sum.rounded), 1);
        sum.parent = parent;
        Some(sum)
    }

    /// Reads and adds the child in `row`.
    #[inline]
    fn add(&mut self, row: u32, resolver: &RelationResolver) {
        let at = CellRef::new(row, self.col);
        let (value, source) = resolver.read_value(at);
        self.count_child(&resolver.tallied(at, &value, &source, self.rounded), 1);
    }

    /// Counts a child's read in `times` (negative: takes it back).
    fn count_child(&mut self, read: &Tallied, times: i64) {
        self.count_flags(read, times);
        match read.number {
            // Every child of a sum is counted in once: no multiplication.
            Some(number) if times == 1 => {
                self.sum = self.sum.and_then(|sum| sum.checked_add(number));
                if number.is_sign_negative() {
                    self.negatives = counted_in(self.negatives, number, times);
                }
            }
            Some(number) => {
                self.sum = self.sum.and_then(|sum| {
                    number
                        .checked_mul(Decimal::from(times))
                        .and_then(|moved| sum.checked_add(moved))
                });
                if number.is_sign_negative() {
                    self.negatives = counted_in(self.negatives, number, times);
                }
            }
            None => self.not_numbers = self.not_numbers.saturating_add(times),
        }
    }

    /// Counts a read's flags, formula and rounding in `times` (negative: takes them back);
    /// the parent's read counts only these.
    fn count_flags(&mut self, read: &Tallied, times: i64) {
        let counted = |flag: bool| if flag { times } else { 0 };
        self.filled = self.filled.saturating_add(counted(read.filled));
        self.skips = self.skips.saturating_add(counted(read.skips));
        self.errors = self.errors.saturating_add(counted(read.errors));
        self.formulas = self.formulas.saturating_add(counted(read.formula));
        if let Some(half) = read.half {
            self.halves = counted_in(self.halves, half, times);
        }
    }

    /// How close the children's `sum` comes to the `parent`: exactly, or within what
    /// binary arithmetic leaves when a formula's result is read; else within the rounding
    /// of the figures, when they are rounded. A tally past `Decimal`'s range allows
    /// nothing.
    fn fit(&self, parent: &Interval, sum: Decimal) -> Fit {
        let point = Interval::point(sum);
        if parent.meets(&point) {
            return Fit::Exact;
        }
        let Some(off) = parent.lo.checked_sub(sum).map(|off| off.abs()) else {
            return Fit::No;
        };
        let terms = usize::try_from(self.filled).unwrap_or(0);
        let binary = if self.formulas > 0 {
            // The children's magnitudes and the parent's.
            self.negatives
                .and_then(|negatives| sum.checked_sub(negatives)?.checked_sub(negatives))
                .and_then(|children| children.checked_add(parent.lo.abs()))
                .and_then(|magnitude| binary_allowance(magnitude, terms))
        } else {
            Some(Decimal::ZERO)
        };
        let Some(binary) = binary else {
            return Fit::No;
        };
        if off <= binary {
            return Fit::Exact;
        }
        match self.halves.and_then(|halves| halves.checked_add(binary)) {
            Some(allowed) if off <= allowed => Fit::Rounded,
            _ => Fit::No,
        }
    }

    /// Whether the sum adds up (exactly or within rounding), as [`Evaluator::evaluate`]
    /// and [`finished`] decide it.
    pub(super) fn holds(&self) -> bool {
        if self.errors > 0 {
            return false;
        }
        if self.skips > 0 || self.filled == 0 {
            return true;
        }
        match (&self.parent, self.sum) {
            (EvalValue::Number(p), Some(s)) if self.not_numbers == 0 => self.fit(p, s) != Fit::No,
            _ => true,
        }
    }
}

impl Evaluator<'_> {
    /// Evaluates the hierarchy sums of one parent row together, with no overrides: `run`
    /// is consecutive relations of one sum rule without a condition, one a column, all
    /// summing the same children (see `Evaluations::of`). Each child row is read once for
    /// every column, so a big section's cells are walked once rather than once a column,
    /// which on a big sheet is mostly waiting for memory. Each relation reads the same
    /// cells in the same order as [`Evaluator::evaluate`] would.
    pub(crate) fn evaluate_sums(&self, run: &[Relation]) -> Vec<(Evaluation, Option<ChildSum>)> {
        let no_overrides = HashMap::new();
        let resolvers: Vec<RelationResolver> = run
            .iter()
            .map(|relation| self.resolver(Some(relation), &no_overrides))
            .collect();
        let mut sums: Vec<Option<ChildSum>> = run
            .iter()
            .zip(&resolvers)
            .map(|(relation, resolver)| ChildSum::start(relation, resolver))
            .collect();
        let children = run.first().map_or(&[][..], |first| self.children(first));
        for child in children {
            for (sum, resolver) in sums.iter_mut().zip(&resolvers) {
                if let Some(sum) = sum {
                    sum.add(*child, resolver);
                }
            }
        }
        // Localization moves a long sum rather than add it up again (`moved_sum_holds`).
        let keep = children.len() >= KEPT_SUM_CHILDREN
            && run.first().is_some_and(|first| movable(first, children));
        sums.into_iter()
            .zip(&resolvers)
            .map(|(sum, resolver)| match sum {
                Some(sum) => {
                    let evaluation = self.sum_finished(&sum, resolver, &no_overrides);
                    (evaluation, keep.then_some(sum))
                }
                None => (finished(Outcome::Skipped, None, resolver), None),
            })
            .collect()
    }

    /// A plain hierarchy sum ([`Evaluator::is_plain_sum`]) added up as the sheet stands,
    /// for [`Evaluator::moved_sum_holds`]; `None` for any other relation, or one
    /// [`movable`] does not take.
    pub(crate) fn sum_tally(&self, relation: &Relation) -> Option<ChildSum> {
        let children = self.children(relation);
        if !self.is_plain_sum(relation) || !movable(relation, children) {
            return None;
        }
        let no_overrides = HashMap::new();
        self.add_up(relation, &self.resolver(Some(relation), &no_overrides))
    }

    /// A hierarchy sum's parent and children read through `resolver`; `None` for a
    /// relation with no cell.
    pub(super) fn add_up(
        &self,
        relation: &Relation,
        resolver: &RelationResolver,
    ) -> Option<ChildSum> {
        let mut sum = ChildSum::start(relation, resolver)?;
        for child in self.children(relation) {
            sum.add(*child, resolver);
        }
        Some(sum)
    }

    /// Whether a plain hierarchy sum holds (or is skipped) with `overrides`, as
    /// [`Evaluator::evaluate`] would say, from its `tally` with no overrides: only the
    /// overridden cells are read again. Localization tries hundreds of changes, and a
    /// section total of a big form has hundreds of thousands of children to add up.
    /// `None` when the sum leaves `Decimal`'s range (then evaluate it whole).
    pub(crate) fn moved_sum_holds(
        &self,
        relation: &Relation,
        tally: &ChildSum,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> Option<bool> {
        let no_overrides = HashMap::new();
        let original = self.resolver(Some(relation), &no_overrides);
        let children = self.children(relation);
        let mut sum = tally.clone();
        for (&at, &value) in overrides {
            let is_parent = at == sum.target;
            // How many times the sum reads the cell as a child: children are in order
            // (`movable`), and a row listed twice is added twice.
            let times = if !is_parent && at.col == sum.col {
                let first = children.partition_point(|&row| row < at.row);
                let past = children.partition_point(|&row| row <= at.row);
                i64::try_from(past.saturating_sub(first)).ok()?
            } else {
                0
            };
            if !is_parent && times == 0 {
                continue;
            }
            let (old, source) = original.read_value(at);
            let took = original.tallied(at, &old, &source, sum.rounded);
            let new = EvalValue::Number(Interval::point(value));
            let put = original.tallied(at, &new, &Source::Override, sum.rounded);
            if is_parent {
                sum.count_flags(&took, -1);
                sum.count_flags(&put, 1);
                sum.parent = new;
            } else {
                sum.count_child(&took, times.checked_neg()?);
                sum.count_child(&put, times);
            }
        }
        sum.sum?;
        Some(sum.holds())
    }

    /// Whether relations `a` and `b` can be evaluated together by
    /// [`Evaluator::evaluate_sums`].
    pub(crate) fn sum_together(&self, a: &Relation, b: &Relation) -> bool {
        a.rule == b.rule && a.sum_of == b.sum_of && self.is_plain_sum(a)
    }

    /// Whether `relation` sums a parent's children with no condition.
    pub(crate) fn is_plain_sum(&self, relation: &Relation) -> bool {
        relation.sum_of != u32::MAX
            && self
                .rules
                .get(relation.rule())
                .is_some_and(|rule| rule.when.is_none() && matches!(rule.body, RuleBody::Sum))
            && self.spec.rules.get(relation.rule()).is_some()
    }

    /// How a hierarchy sum comes out once its children are added.
    pub(super) fn sum_finished(
        &self,
        sum: &ChildSum,
        resolver: &RelationResolver,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> Evaluation {
        if sum.filled == 0 {
            return finished(Outcome::Skipped, Some(sum.target), resolver);
        }
        let outcome = match (&sum.parent, sum.sum) {
            (EvalValue::Number(p), Some(s)) if sum.not_numbers == 0 => match sum.fit(p, s) {
                Fit::Exact => Outcome::Holds,
                Fit::Rounded => Outcome::HoldsRounded,
                Fit::No => {
                    Outcome::fails(*p, self.quantity(sum.target, overrides), Interval::point(s))
                }
            },
            _ => Outcome::Skipped,
        };
        finished(outcome, Some(sum.target), resolver)
    }
}
