//! The resolver one relation is evaluated through: it reads cells (overridden, recalculated
//! or as stored), gives blanks and markers the template's meaning, widens numbers on a second
//! look, and records every cell read.

use std::cell::RefCell;
use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::formula::plain::{PlainCells, Reads};
use crate::formula::{EvalValue, ExcelError, Operand, Resolver};
use crate::interval::Interval;
use crate::model::{Cell, CellRange, CellRef, RangeVisit, RowIndex, Sheet, Value, MAX_RANGE_CELLS};
use crate::number::{Marker, Reading};
use crate::template::{BlankMeaning, Blanks};
use crate::unit::{cell_half_unit, is_formula_result, Units};

use super::cell_set::CellSet;
use super::child_sum::Tallied;
use super::names::Names;
use super::outcome::{Evaluation, Outcome};

/// Resolves names and addresses for one relation, recording what it reads.
pub(super) struct RelationResolver<'a> {
    pub(super) sheet: &'a Sheet,
    pub(super) cells: &'a RowIndex<'a>,
    /// The relation's row and its cells: most reads are in it, and a look among a dozen
    /// cells is cheaper than a binary search over the whole sheet.
    pub(super) row: Option<(u32, &'a [Cell])>,
    pub(super) names: Names<'a>,
    pub(super) blanks: Blanks,
    pub(super) overrides: &'a HashMap<CellRef, Decimal>,
    /// Stale formula cells and the numbers Excel computes for them.
    pub(super) recalculated: Option<&'a HashMap<CellRef, Decimal>>,
    pub(super) read: RefCell<Reads>,
    pub(super) skip: RefCell<bool>,
    pub(super) errors: RefCell<Vec<CellRef>>,
    /// Which figures stand for their rounding interval.
    pub(super) units: &'a Units,
    /// How the numbers read are widened on a second look ([`Widen`]); `None` on the
    /// first, which reads them as stored (tested for every number a relation reads).
    pub(super) widen: Option<&'a Widen>,
}

/// How the numbers a relation reads are widened when it is looked at again, after failing
/// with every number exact ([`Evaluator::second_look`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Widen {
    /// Figures of rounded columns (a scaled unit) and figures shown rounded stand for ±
    /// half their last shown unit.
    pub(super) rounding: bool,
    /// Every number stands for ± this fraction of its magnitude: the relation reads a
    /// formula's result, computed in binary arithmetic ([`binary_allowance`]).
    pub(super) binary: Option<Decimal>,
}

/// Where a value a relation read came from.
pub(super) enum Source<'c> {
    /// A value the caller put in for the cell (a tried correction).
    Override,
    /// No cell there.
    Missing,
    Cell(&'c Cell),
}

impl Source<'_> {
    /// Whether the cell counts as not filled in for a hierarchy sum: no override, and
    /// empty or a marker (`-`, `x`, `…`).
    fn is_blank(&self) -> bool {
        match self {
            Source::Override => false,
            Source::Missing => true,
            Source::Cell(cell) => {
                matches!(cell.reading, Reading::Marker(_)) || cell.value.is_blank()
            }
        }
    }
}

impl<'a> RelationResolver<'a> {
    pub(super) fn value_at(&self, at: CellRef) -> EvalValue {
        self.read_value(at).0
    }

    /// A cell's value and where it came from: one look-up serves a hierarchy sum's value
    /// and its "nothing filled in" test, as a section's sum reads thousands of cells.
    pub(super) fn read_value(&self, at: CellRef) -> (EvalValue, Source<'a>) {
        self.read.borrow_mut().push(at);
        if let Some(value) = self.overrides.get(&at) {
            let number = self.stands_for(at, None, *value);
            return (EvalValue::Number(number), Source::Override);
        }
        if let Some(value) = self.recalculated.and_then(|r| r.get(&at)) {
            return (EvalValue::Number(Interval::point(*value)), Source::Override);
        }
        match self.cell_at(at) {
            Some(cell) => (self.value_of(at, cell), Source::Cell(cell)),
            None => (self.marker(Marker::Blank), Source::Missing),
        }
    }

    /// The cell at `at`: looked for among the relation's row first (most reads are in it,
    /// and a look among a dozen cells is cheaper than the row index).
    fn cell_at(&self, at: CellRef) -> Option<&'a Cell> {
        match self.row {
            Some((row, cells)) if row == at.row => cells.iter().find(|cell| cell.at == at),
            _ => self.cells.cell(at),
        }
    }

    /// The interval a number read at `at` stands for: the number itself on the first look;
    /// on a second ([`Widen`]), with its rounding interval and binary allowance. `cell` is
    /// the cell read, `None` for an override (which is shown as the cell under it is).
    #[inline]
    fn stands_for(&self, at: CellRef, cell: Option<&Cell>, value: Decimal) -> Interval {
        match self.widen {
            None => Interval::point(value),
            Some(widen) => self.widen_number(widen, at, cell, value),
        }
    }

    /// [`RelationResolver::stands_for`] on a second look, out of the first look's way.
    #[inline(never)]
    fn widen_number(
        &self,
        widen: &Widen,
        at: CellRef,
        cell: Option<&Cell>,
        value: Decimal,
    ) -> Interval {
        let mut half = Decimal::ZERO;
        if widen.rounding {
            let stored = cell.is_some();
            let shown = cell.or_else(|| self.cell_at(at));
            half = cell_half_unit(self.units, at, shown, value, stored);
        }
        if let Some(binary) = widen
            .binary
            .and_then(|fraction| value.abs().checked_mul(fraction))
        {
            half = half.checked_add(binary).unwrap_or(half);
        }
        match (value.checked_sub(half), value.checked_add(half)) {
            (Some(lo), Some(hi)) => Interval::new(lo, hi),
            _ => Interval::point(value),
        }
    }

    /// What one read adds to a hierarchy sum's tally (`rounded`: the sum's column is).
    /// A section of a big form adds hundreds of thousands of children a column: only a
    /// number with decimals, or one in a rounded column, is looked at for its rounding.
    #[inline(always)]
    pub(super) fn tallied(
        &self,
        at: CellRef,
        value: &EvalValue,
        source: &Source,
        rounded: bool,
    ) -> Tallied {
        let half = match value {
            EvalValue::Number(n) if rounded || n.lo.scale() > 0 => {
                self.half_of(at, n.lo, source, rounded)
            }
            _ => None,
        };
        Tallied {
            filled: !source.is_blank(),
            skips: matches!(value, EvalValue::Blank),
            errors: matches!(value, EvalValue::Error(_)),
            number: match value {
                EvalValue::Number(n) => Some(n.lo),
                EvalValue::Blank => Some(Decimal::ZERO),
                _ => None,
            },
            formula: matches!(source, Source::Cell(cell) if is_formula_result(cell)),
            half,
        }
    }

    /// Half the last shown unit of the number `value` read at `at` for a hierarchy sum,
    /// when it stands for its rounding interval ([`cell_half_unit`]): in a `rounded`
    /// column, or shown rounded. `None` for an exact figure.
    #[inline(never)]
    fn half_of(
        &self,
        at: CellRef,
        value: Decimal,
        source: &Source,
        rounded: bool,
    ) -> Option<Decimal> {
        if value.is_zero() {
            return None;
        }
        let (cell, stored) = match source {
            Source::Cell(cell) => (Some(*cell), true),
            Source::Override => (self.cell_at(at), false),
            Source::Missing => (None, false),
        };
        // A figure can be shown rounded in any column: its stored value has more decimals
        // than it shows. Most have none to spare.
        let may_round = rounded || (stored && cell.is_some_and(|cell| cell_may_round(cell, value)));
        if !may_round {
            return None;
        }
        Some(cell_half_unit(self.units, at, cell, value, stored)).filter(|half| !half.is_zero())
    }

    /// The value a present cell gives a rule.
    fn value_of(&self, at: CellRef, cell: &Cell) -> EvalValue {
        match &cell.reading {
            Reading::Number(q) => EvalValue::Number(self.stands_for(at, Some(cell), q.value)),
            Reading::Ambiguous { primary, .. } => {
                EvalValue::Number(self.stands_for(at, Some(cell), primary.value))
            }
            Reading::Marker(marker) => self.marker(*marker),
            Reading::NotNumber => match &cell.value {
                Value::Error(_) => {
                    self.errors.borrow_mut().push(at);
                    EvalValue::Error(ExcelError::Value)
                }
                Value::Empty => self.marker(Marker::Blank),
                Value::Text(text) => EvalValue::Text(text.to_string()),
                Value::Bool(b) => EvalValue::Bool(*b),
                _ => {
                    *self.skip.borrow_mut() = true;
                    EvalValue::Blank
                }
            },
        }
    }

    fn marker(&self, marker: Marker) -> EvalValue {
        match self.blanks.meaning(marker) {
            BlankMeaning::Zero => EvalValue::Number(Interval::point(Decimal::ZERO)),
            BlankMeaning::Skip => {
                *self.skip.borrow_mut() = true;
                EvalValue::Blank
            }
        }
    }
}

impl RelationResolver<'_> {
    /// [`PlainCells::number`] on a second look ([`Widen`]), out of the first look's way:
    /// every rule of a big sheet reads its numbers through the first.
    #[inline(never)]
    fn widened_number(&self, at: CellRef) -> Option<Interval> {
        if let Some(value) = self.overrides.get(&at) {
            return Some(self.stands_for(at, None, *value));
        }
        let cell = self.cell_at(at);
        match cell.map(|cell| &cell.reading) {
            Some(Reading::Number(q)) => Some(self.stands_for(at, cell, q.value)),
            Some(Reading::Ambiguous { primary, .. }) => {
                Some(self.stands_for(at, cell, primary.value))
            }
            // Markers and blanks are what the first look makes of them.
            _ => self.first_number(at),
        }
    }

    /// [`PlainCells::number`] with every number as stored.
    #[inline(always)]
    fn first_number(&self, at: CellRef) -> Option<Interval> {
        if let Some(value) = self.overrides.get(&at) {
            return Some(Interval::point(*value));
        }
        if let Some(value) = self.recalculated.and_then(|r| r.get(&at)) {
            return Some(Interval::point(*value));
        }
        let marker = match self.cell_at(at).map(|cell| (&cell.reading, &cell.value)) {
            Some((Reading::Number(q), _)) => return Some(Interval::point(q.value)),
            Some((Reading::Ambiguous { primary, .. }, _)) => {
                return Some(Interval::point(primary.value))
            }
            Some((Reading::Marker(marker), _)) => *marker,
            None | Some((Reading::NotNumber, Value::Empty)) => Marker::Blank,
            Some((Reading::NotNumber, _)) => return None,
        };
        match self.blanks.meaning(marker) {
            BlankMeaning::Zero => Some(Interval::point(Decimal::ZERO)),
            BlankMeaning::Skip => None,
        }
    }
}

impl PlainCells for RelationResolver<'_> {
    fn number(&self, at: CellRef) -> Option<Interval> {
        if self.widen.is_some() {
            return self.widened_number(at);
        }
        self.first_number(at)
    }

    fn name(&self, name: &str) -> Option<CellRef> {
        self.names
            .get(name)
            .or_else(|| self.names.get_ignore_case(name))
    }

    fn is_own_sheet(&self, sheet: &str) -> bool {
        sheet == self.sheet.name
    }
}

impl Resolver for RelationResolver<'_> {
    fn cell(&self, sheet: Option<&str>, at: CellRef) -> EvalValue {
        if sheet.is_some_and(|name| name != self.sheet.name) {
            return EvalValue::Error(ExcelError::Ref);
        }
        self.value_at(at)
    }

    fn range(&self, sheet: Option<&str>, range: CellRange) -> Vec<EvalValue> {
        if sheet.is_some_and(|name| name != self.sheet.name) {
            return vec![EvalValue::Error(ExcelError::Ref)];
        }
        let (range, cut) = match self.cells.visit_range(range) {
            RangeVisit::Cells { range, cut } => (range, cut),
            // Every cell is empty: one blank stands for them all (a sum is the same).
            RangeVisit::Empty => return vec![self.marker(Marker::Blank)],
            RangeVisit::TooLarge => {
                return vec![EvalValue::Error(ExcelError::Unsupported(format!(
                    "range {range} larger than {MAX_RANGE_CELLS} cells"
                )))]
            }
        };
        let mut values = Vec::new();
        for row in range.first.row..=range.last.row {
            for col in range.first.col..=range.last.col {
                values.push(self.value_at(CellRef::new(row, col)));
            }
        }
        if cut {
            values.push(self.marker(Marker::Blank));
        }
        values
    }

    fn name(&self, name: &str) -> Option<Operand> {
        let at = self
            .names
            .get(name)
            .or_else(|| self.names.get_ignore_case(name))?;
        Some(Operand::Single(self.value_at(at)))
    }
}

/// A relation's evaluation from what its resolver saw: an error read or a skip decides
/// over `outcome`.
pub(super) fn finished(
    outcome: Outcome,
    target: Option<CellRef>,
    resolver: &RelationResolver,
) -> Evaluation {
    let cells = CellSet::of(resolver.read.borrow().as_slice());
    let errors = resolver.errors.borrow().clone();
    let outcome = if !errors.is_empty() {
        Outcome::ErrorValue(Box::new(errors))
    } else if *resolver.skip.borrow() {
        Outcome::Skipped
    } else {
        outcome
    };
    Evaluation {
        outcome,
        target,
        cells,
    }
}

/// Whether `value` read from `cell` may have more decimals than the cell shows (a quick
/// test before [`cell_half_unit`] looks closer).
fn cell_may_round(cell: &Cell, value: Decimal) -> bool {
    match &cell.reading {
        Reading::Number(q) => value.scale() > q.decimals,
        Reading::Ambiguous { primary, .. } => value.scale() > primary.decimals,
        _ => false,
    }
}
