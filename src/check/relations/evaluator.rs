//! The evaluator: each relation of a template on one sheet evaluated exactly over the cells'
//! values, the reported side standing for the interval its shown precision allows, a
//! comparison that fails looked at again with its figures' rounding; residuals and formula
//! values for localization and live formulas.

use std::cell::RefCell;
use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::formula::plain::{evaluate_plain, Plain, Reads};
use crate::formula::{evaluate, EvalValue, Expr};
use crate::interval::Interval;
use crate::model::{CellRef, RowIndex, Sheet};
use crate::number::{Quantity, Reading, Rounding};
use crate::template::{Bound, Comparison, ParsedRule, RuleBody, RuleSpec, TemplateSpec};
use crate::unit::{binary_allowance, is_formula_result, is_shown_rounded};

use super::cell_set::CellSet;
use super::names::{names_in, NameMeaning, Names, RuleName};
use super::outcome::{Evaluation, Outcome};
use super::relation::Relation;
use super::resolver::{finished, RelationResolver, Widen};

/// Evaluates relations on one sheet, with optional overridden cell values (to test fixes).
pub(crate) struct Evaluator<'a> {
    pub sheet: &'a Sheet,
    pub bound: &'a Bound,
    pub spec: &'a TemplateSpec,
    pub rules: &'a [ParsedRule],
    /// The sheet's cells by row, for the millions of look-ups of a big sheet.
    pub cells: RowIndex<'a>,
    /// The bound columns by name, scanned rather than searched in the bound map: a form has
    /// a dozen, and every name a rule reads is looked up.
    pub(super) columns: Vec<(&'a str, u32)>,
    /// Each rule's names, resolved once (by rule index).
    pub(super) rule_names: Vec<Vec<RuleName<'a>>>,
    /// The layout's parent rows and their children, which hierarchy relations sum.
    pub(super) hierarchy: Vec<(u32, Vec<u32>)>,
    /// Formula cells whose saved numbers are stale, with the numbers Excel computes: the
    /// relations read these ([`Evaluator::with_recalculated`]).
    pub(super) recalculated: Option<&'a HashMap<CellRef, Decimal>>,
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(
        sheet: &'a Sheet,
        bound: &'a Bound,
        spec: &'a TemplateSpec,
        rules: &'a [ParsedRule],
    ) -> Evaluator<'a> {
        let columns: Vec<(&'a str, u32)> = bound
            .columns
            .iter()
            .map(|(name, col)| (name.as_str(), *col))
            .collect();
        let rule_names = rules
            .iter()
            .map(|rule| {
                names_in(rule)
                    .into_iter()
                    .map(|text| RuleName {
                        text,
                        meaning: NameMeaning::of(&columns, bound, text, |a, b| a == b),
                    })
                    .collect()
            })
            .collect();
        Evaluator {
            sheet,
            bound,
            spec,
            rules,
            cells: RowIndex::new(sheet),
            columns,
            rule_names,
            hierarchy: bound.layout.hierarchy(),
            recalculated: None,
        }
    }

    /// The evaluator reading, for the formula cells in `recalculated`, the numbers Excel
    /// computes instead of the stale ones saved (a handful of cells: the sheet is not
    /// copied for them).
    pub(crate) fn with_recalculated(
        self,
        recalculated: &'a HashMap<CellRef, Decimal>,
    ) -> Evaluator<'a> {
        Evaluator {
            recalculated: (!recalculated.is_empty()).then_some(recalculated),
            ..self
        }
    }

    /// The child rows a hierarchy relation sums (none for other relations).
    pub(crate) fn children(&self, relation: &Relation) -> &[u32] {
        self.hierarchy
            .get(relation.sum_of as usize)
            .map_or(&[], |(_, children)| children.as_slice())
    }

    /// A resolver for one relation (its row's columns and `x` bound), or for a plain cell
    /// formula of the sheet when `relation` is `None`.
    pub(super) fn resolver<'r>(
        &'r self,
        relation: Option<&Relation>,
        overrides: &'r HashMap<CellRef, Decimal>,
    ) -> RelationResolver<'r> {
        self.resolver_as(relation, overrides, None)
    }

    /// [`Evaluator::resolver`] with the numbers it reads widened as `widen` says (`None`:
    /// as stored).
    fn resolver_as<'r>(
        &'r self,
        relation: Option<&Relation>,
        overrides: &'r HashMap<CellRef, Decimal>,
        widen: Option<&'r Widen>,
    ) -> RelationResolver<'r> {
        let row_number = relation.and_then(|r| r.row);
        let names = Names {
            bound: self.bound,
            columns: &self.columns,
            rule_names: relation
                .and_then(|r| self.rule_names.get(r.rule()))
                .map_or(&[], Vec::as_slice),
            row: row_number,
            x: row_number
                .zip(relation.and_then(|r| r.column))
                .map(|(row, col)| CellRef::new(row, col)),
        };
        let row = relation
            .and_then(|r| r.row)
            .map(|row| (row, self.cells.row(row)));
        RelationResolver {
            sheet: self.sheet,
            cells: &self.cells,
            row,
            names,
            blanks: self.spec.blanks,
            overrides,
            recalculated: self.recalculated,
            // A rule reads a handful of cells: on the stack.
            read: RefCell::new(Reads::new()),
            skip: RefCell::new(false),
            errors: RefCell::new(Vec::new()),
            units: &self.bound.units,
            widen,
        }
    }

    /// Evaluates one relation, with `overrides` standing in for cell values. A comparison
    /// that fails with every number exact is looked at again with the numbers widened
    /// ([`Evaluator::second_look`]); a hierarchy sum allows the same as it is added up
    /// ([`ChildSum::fit`]).
    #[inline]
    pub(crate) fn evaluate(
        &self,
        relation: &Relation,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> Evaluation {
        self.evaluate_as(relation, overrides, None)
    }

    /// `evaluation` of a comparison as it stands, or, when it failed on the first look
    /// (`widen` none), what its second look makes of it.
    #[inline]
    fn looked_at(
        &self,
        relation: &Relation,
        overrides: &HashMap<CellRef, Decimal>,
        widen: Option<&Widen>,
        evaluation: Evaluation,
    ) -> Evaluation {
        if widen.is_none() && matches!(evaluation.outcome, Outcome::Fails(_)) {
            self.second_look(relation, overrides, evaluation)
        } else {
            evaluation
        }
    }

    /// A comparison that failed with every number exact (`exact`), looked at again: when
    /// it reads a formula's result, with every number it reads standing for its value
    /// within the rounding of binary arithmetic (then it holds, silently: a double's
    /// residue is no difference); when it reads figures of a rounded column (a scaled
    /// unit) or figures shown rounded, with those standing for ± half their last shown
    /// unit too (then it holds within rounding, [`Outcome::HoldsRounded`]). Figures shown
    /// as typed in tables of no scaled unit stay exact. Only failures get here: the
    /// millions of relations that hold cost nothing more.
    #[inline(never)]
    fn second_look(
        &self,
        relation: &Relation,
        overrides: &HashMap<CellRef, Decimal>,
        exact: Evaluation,
    ) -> Evaluation {
        let is_comparison = self
            .rules
            .get(relation.rule())
            .is_some_and(|rule| matches!(rule.body, RuleBody::Compare { .. }));
        if !is_comparison {
            return exact;
        }
        let units = &self.bound.units;
        let (mut terms, mut binary, mut rounding) = (0usize, false, false);
        for at in exact.cells.iter() {
            terms = terms.saturating_add(1);
            let stored = !overrides.contains_key(&at);
            let cell = self.cells.cell(at).filter(|_| stored);
            binary |= cell.is_some_and(is_formula_result);
            rounding |= units.rounded(at.col) || cell.is_some_and(is_shown_rounded);
        }
        let binary = if binary {
            binary_allowance(Decimal::ONE, terms)
        } else {
            None
        };
        if binary.is_some() {
            let second = self.evaluate_as(
                relation,
                overrides,
                Some(&Widen {
                    rounding: false,
                    binary,
                }),
            );
            if matches!(second.outcome, Outcome::Holds | Outcome::HoldsTruncated(_)) {
                return Evaluation {
                    outcome: second.outcome,
                    ..exact
                };
            }
        }
        if rounding {
            let second = self.evaluate_as(
                relation,
                overrides,
                Some(&Widen {
                    rounding: true,
                    binary,
                }),
            );
            match second.outcome {
                Outcome::Holds => {
                    return Evaluation {
                        outcome: Outcome::HoldsRounded,
                        ..exact
                    }
                }
                Outcome::HoldsTruncated(_) => {
                    return Evaluation {
                        outcome: second.outcome,
                        ..exact
                    }
                }
                _ => {}
            }
        }
        exact
    }

    /// Evaluates one relation with the numbers it reads widened as `widen` says (`None`:
    /// as stored); a comparison that fails with every number exact gets its second look.
    fn evaluate_as(
        &self,
        relation: &Relation,
        overrides: &HashMap<CellRef, Decimal>,
        widen: Option<&Widen>,
    ) -> Evaluation {
        let rule_spec = self.spec.rules.get(relation.rule());
        let parsed = self.rules.get(relation.rule());
        let (Some(rule_spec), Some(parsed)) = (rule_spec, parsed) else {
            return Evaluation {
                outcome: Outcome::Skipped,
                target: None,
                cells: CellSet::default(),
            };
        };
        let resolver = self.resolver_as(Some(relation), overrides, widen);
        if let Some(evaluation) =
            self.evaluate_plain(relation, rule_spec, parsed, &resolver, overrides)
        {
            return self.looked_at(relation, overrides, widen, evaluation);
        }

        if let Some(when) = &parsed.when {
            match evaluate(when, &resolver) {
                EvalValue::Bool(true) => {}
                EvalValue::Number(n) if n.lo != Decimal::ZERO || n.hi != Decimal::ZERO => {}
                _ => {
                    return Evaluation {
                        outcome: Outcome::Skipped,
                        target: None,
                        cells: CellSet::default(),
                    }
                }
            }
        }

        match &parsed.body {
            RuleBody::Sum => {
                let Some(sum) = self.add_up(relation, &resolver) else {
                    return finished(Outcome::Skipped, None, &resolver);
                };
                self.sum_finished(&sum, &resolver, overrides)
            }
            RuleBody::Whole(expr) => {
                let outcome = match evaluate(expr, &resolver) {
                    EvalValue::Bool(true) => Outcome::Holds,
                    EvalValue::Bool(false) => Outcome::fails_unsided(),
                    _ => Outcome::Skipped,
                };
                let target = relation
                    .row
                    .zip(relation.column)
                    .map(|(row, col)| CellRef::new(row, col));
                finished(outcome, target, &resolver)
            }
            RuleBody::Compare { lhs, op, rhs } => {
                let target = parsed
                    .lhs_name
                    .as_deref()
                    .and_then(|name| resolver.names.get(name).or_else(|| CellRef::parse(name)));
                let lhs_value = evaluate(lhs, &resolver);
                let rhs_value = evaluate(rhs, &resolver);
                let (EvalValue::Number(lhs_point), EvalValue::Number(rhs_interval)) =
                    (lhs_value, rhs_value)
                else {
                    return finished(Outcome::Skipped, target, &resolver);
                };
                let outcome =
                    self.compared(rule_spec, *op, target, lhs_point, rhs_interval, overrides);
                let evaluation = finished(outcome, target, &resolver);
                self.looked_at(relation, overrides, widen, evaluation)
            }
        }
    }

    /// How `lhs op rhs` comes out, the left side being the value reported at `target`
    /// (which stands for the interval its shown precision allows, as the rule's rounding
    /// says).
    pub(super) fn compared(
        &self,
        rule_spec: &RuleSpec,
        op: Comparison,
        target: Option<CellRef>,
        lhs_point: Interval,
        rhs_interval: Interval,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> Outcome {
        let quantity = target.and_then(|at| self.quantity(at, overrides));
        let reported = |rounding: Rounding| match (&quantity, rounding) {
            (Some(q), rounding) if rounding != Rounding::Exact && shows_all(q) => {
                q.interval(rounding)
            }
            _ => lhs_point,
        };
        if op.holds(&reported(Rounding::Exact), &rhs_interval) {
            Outcome::Holds
        } else if rule_spec.rounding == Rounding::Either {
            if op.holds(&reported(Rounding::Nearest), &rhs_interval) {
                Outcome::Holds
            } else if op.holds(&reported(Rounding::Truncate), &rhs_interval) {
                match quantity {
                    Some(q) => Outcome::HoldsTruncated(Box::new((q, rhs_interval))),
                    None => Outcome::Holds,
                }
            } else {
                Outcome::fails(lhs_point, quantity, rhs_interval)
            }
        } else if op.holds(&reported(rule_spec.rounding), &rhs_interval) {
            Outcome::Holds
        } else {
            Outcome::fails(lhs_point, quantity, rhs_interval)
        }
    }

    /// The relation evaluated over plain numbers ([`evaluate_plain`]), when every cell it
    /// reads is one (an overridden cell is); `None` leaves it to the general evaluator.
    /// Hierarchy sums add their cells directly and are not tried here.
    fn evaluate_plain(
        &self,
        relation: &Relation,
        rule_spec: &RuleSpec,
        parsed: &ParsedRule,
        resolver: &RelationResolver,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> Option<Evaluation> {
        let mut reads = Reads::new();
        if let Some(when) = &parsed.when {
            match evaluate_plain(when, resolver, &mut reads)? {
                Plain::Bool(true) => {}
                Plain::Number(n) if n.lo != Decimal::ZERO || n.hi != Decimal::ZERO => {}
                Plain::Bool(false) | Plain::Number(_) => {
                    return Some(Evaluation {
                        outcome: Outcome::Skipped,
                        target: None,
                        cells: CellSet::default(),
                    })
                }
            }
        }
        let (outcome, target) = match &parsed.body {
            RuleBody::Sum => return None,
            RuleBody::Whole(expr) => {
                let outcome = match evaluate_plain(expr, resolver, &mut reads)? {
                    Plain::Bool(true) => Outcome::Holds,
                    Plain::Bool(false) => Outcome::fails_unsided(),
                    Plain::Number(_) => Outcome::Skipped,
                };
                let target = relation
                    .row
                    .zip(relation.column)
                    .map(|(row, col)| CellRef::new(row, col));
                (outcome, target)
            }
            RuleBody::Compare { lhs, op, rhs } => {
                let target = parsed
                    .lhs_name
                    .as_deref()
                    .and_then(|name| resolver.names.get(name).or_else(|| CellRef::parse(name)));
                let Plain::Number(lhs_point) = evaluate_plain(lhs, resolver, &mut reads)? else {
                    return None;
                };
                let Plain::Number(rhs_interval) = evaluate_plain(rhs, resolver, &mut reads)? else {
                    return None;
                };
                let outcome =
                    self.compared(rule_spec, *op, target, lhs_point, rhs_interval, overrides);
                (outcome, target)
            }
        };
        Some(Evaluation {
            outcome,
            target,
            cells: CellSet::of(&reads),
        })
    }

    /// How far a relation is from holding, as `left − right` with `overrides` in place: the
    /// quantity a single-cell change must remove. `None` for relations that are not
    /// equations or whose sides are not numbers.
    pub(crate) fn residual(
        &self,
        relation: &Relation,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> Option<Decimal> {
        let parsed = self.rules.get(relation.rule())?;
        let resolver = self.resolver(Some(relation), overrides);
        match &parsed.body {
            RuleBody::Sum => {
                let col = relation.column?;
                let parent = match resolver.value_at(CellRef::new(relation.row?, col)) {
                    EvalValue::Number(n) => n.lo,
                    _ => return None,
                };
                let mut sum = Decimal::ZERO;
                for child in self.children(relation) {
                    if let EvalValue::Number(n) = resolver.value_at(CellRef::new(*child, col)) {
                        sum = sum.checked_add(n.lo)?;
                    }
                }
                parent.checked_sub(sum)
            }
            RuleBody::Compare {
                lhs,
                op: Comparison::Eq,
                rhs,
            } => {
                let (EvalValue::Number(l), EvalValue::Number(r)) =
                    (evaluate(lhs, &resolver), evaluate(rhs, &resolver))
                else {
                    return None;
                };
                let middle = r.lo.checked_add(r.hi)?.checked_div(Decimal::TWO)?;
                l.lo.checked_sub(middle)
            }
            _ => None,
        }
    }

    /// Evaluates a cell formula of the sheet with `overrides` standing in for cell values.
    pub(crate) fn formula_value(
        &self,
        expr: &Expr,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> EvalValue {
        evaluate(expr, &self.resolver(None, overrides))
    }

    /// The reported quantity of a cell (with an override, the override at the same precision).
    pub(crate) fn quantity(
        &self,
        at: CellRef,
        overrides: &HashMap<CellRef, Decimal>,
    ) -> Option<Quantity> {
        let cell_quantity = self.cells.cell(at).and_then(|cell| match &cell.reading {
            Reading::Number(q) => Some(*q),
            Reading::Ambiguous { primary, .. } => Some(**primary),
            _ => None,
        });
        let computed = self.recalculated.and_then(|r| r.get(&at));
        match overrides.get(&at).or(computed) {
            Some(value) => Some(Quantity {
                value: *value,
                ..cell_quantity.unwrap_or(Quantity {
                    value: *value,
                    decimals: value.scale(),
                    percent: false,
                    from_text: false,
                })
            }),
            None => cell_quantity,
        }
    }
}

/// Whether a quantity's value has no more digits than it shows: only then is it a rounded
/// report standing for an interval (an unrounded formula result is exact).
fn shows_all(quantity: &Quantity) -> bool {
    quantity.value.normalize().scale() <= quantity.decimals
}
