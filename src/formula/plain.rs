//! A formula evaluated when every cell it reads is a plain number: the same interval
//! arithmetic as the general evaluator ([`evaluate`](super::evaluate)), without its general
//! values.
//!
//! Nearly every rule of a filled-in form and every row formula of it read only numbers, and
//! the general evaluator's values, argument lists and resolver calls cost more than the
//! arithmetic: a 5,000-row form's rules were a quarter of its check under callgrind, and
//! recomputing its rate formulas a twentieth. Here a value is a number interval or a truth
//! value, computed with the same `Interval` operations in the same order, so a result is
//! exactly the general evaluator's. Anything else (text, an error value, a blank the caller
//! does not count as zero, a range, a function not listed below, an overflow) gives `None`,
//! and the caller evaluates the formula the general way, which then decides what that
//! means. Rule relations (`check::relations`) and the recalculation (`recalc`) use it.

use rust_decimal::Decimal;
use smallvec::SmallVec;

use super::{compare_numbers, digits_of, number_truth, BinaryOp, Expr, Reference, UnaryOp};
use crate::interval::{Interval, RoundMode};
use crate::model::CellRef;

/// What the plain evaluation of an expression gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Plain {
    Number(Interval),
    Bool(bool),
}

/// The cells a relation reads, as the plain evaluation sees them.
pub(crate) trait PlainCells {
    /// The number a cell stands for, or `None` when it is not a plain number (or a blank
    /// that counts as zero).
    fn number(&self, at: CellRef) -> Option<Interval>;
    /// The cell a name stands for in this relation.
    fn name(&self, name: &str) -> Option<CellRef>;
    /// Whether `sheet` (named in a reference) is the relation's own sheet.
    fn is_own_sheet(&self, sheet: &str) -> bool;
}

/// The cells one relation read, in the order read (repeats kept), as the general
/// evaluator's resolver records them.
pub(crate) type Reads = SmallVec<[CellRef; 16]>;

/// Deep formulas are left to the general evaluator and its depth limit.
const MAX_DEPTH: usize = 64;

/// Evaluates `expr` over plain numbers, noting every cell read in `reads`; `None` when
/// the general evaluator must decide.
pub(crate) fn evaluate_plain(
    expr: &Expr,
    cells: &dyn PlainCells,
    reads: &mut Reads,
) -> Option<Plain> {
    PlainEvaluator { cells, reads }.eval(expr, 0)
}

struct PlainEvaluator<'c, 'r> {
    cells: &'c dyn PlainCells,
    reads: &'r mut Reads,
}

impl PlainEvaluator<'_, '_> {
    fn eval(&mut self, expr: &Expr, depth: usize) -> Option<Plain> {
        if depth > MAX_DEPTH {
            return None;
        }
        let next = depth.saturating_add(1);
        match expr {
            Expr::Number(n) => Some(Plain::Number(Interval::point(*n))),
            Expr::Bool(b) => Some(Plain::Bool(*b)),
            Expr::Reference(reference) => self.reference(reference).map(Plain::Number),
            Expr::Unary { op, operand } => {
                let value = self.number(operand, next)?;
                Some(Plain::Number(match op {
                    UnaryOp::Plus => value,
                    UnaryOp::Neg => value.neg(),
                    UnaryOp::Percent => {
                        value.checked_div(&Interval::point(Decimal::ONE_HUNDRED))?
                    }
                }))
            }
            Expr::Binary { op, left, right } => {
                // A left-leaning chain `a + b - c …` is evaluated down its spine without
                // recursing, as the general evaluator does.
                let mut spine: SmallVec<[(BinaryOp, &Expr); 8]> = SmallVec::new();
                spine.push((*op, right.as_ref()));
                let mut node = left.as_ref();
                while let Expr::Binary { op, left, right } = node {
                    spine.push((*op, right.as_ref()));
                    node = left;
                }
                let mut value = self.eval(node, next)?;
                for (op, right) in spine.into_iter().rev() {
                    let right = self.eval(right, next)?;
                    value = binary(op, value, right)?;
                }
                Some(value)
            }
            Expr::Call { name, args } => self.call(name, args, next),
            Expr::Text(_) | Expr::Error(_) | Expr::Missing => None,
        }
    }

    fn number(&mut self, expr: &Expr, depth: usize) -> Option<Interval> {
        match self.eval(expr, depth)? {
            Plain::Number(n) => Some(n),
            Plain::Bool(_) => None,
        }
    }

    /// A single cell read by address or by name, noted as read.
    fn reference(&mut self, reference: &Reference) -> Option<Interval> {
        let at = match reference {
            Reference::Cell { sheet, at } => {
                if sheet
                    .as_deref()
                    .is_some_and(|s| !self.cells.is_own_sheet(s))
                {
                    return None;
                }
                *at
            }
            Reference::Range { sheet, range } if range.first == range.last => {
                if sheet
                    .as_deref()
                    .is_some_and(|s| !self.cells.is_own_sheet(s))
                {
                    return None;
                }
                range.first
            }
            Reference::Range { .. } => return None,
            Reference::Name(name) => self.cells.name(name)?,
        };
        self.reads.push(at);
        self.cells.number(at)
    }

    fn call(&mut self, name: &str, args: &[Expr], depth: usize) -> Option<Plain> {
        match name {
            "AND" | "OR" => {
                // Every argument is evaluated (each cell noted), as the general evaluator
                // does before it combines them.
                let (mut every, mut any) = (true, false);
                if args.is_empty() {
                    return None;
                }
                for arg in args {
                    let truth = match self.eval(arg, depth)? {
                        Plain::Bool(b) => b,
                        Plain::Number(n) => number_truth(&n),
                    };
                    every &= truth;
                    any |= truth;
                }
                Some(Plain::Bool(if name == "AND" { every } else { any }))
            }
            "IF" => {
                if !(1..=3).contains(&args.len()) {
                    return None;
                }
                let condition = match self.eval(args.first()?, depth)? {
                    Plain::Bool(b) => b,
                    Plain::Number(n) => number_truth(&n),
                };
                match args.get(if condition { 1 } else { 2 }) {
                    // `IF(c,,x)`: an omitted branch gives 0.
                    Some(Expr::Missing) => Some(Plain::Number(Interval::point(Decimal::ZERO))),
                    Some(branch) => self.eval(branch, depth),
                    None => Some(Plain::Bool(false)),
                }
            }
            "ROUND" | "ROUNDUP" | "ROUNDDOWN" | "TRUNC" => {
                let (mode, digits_required) = match name {
                    "ROUND" => (RoundMode::HalfAwayFromZero, true),
                    "ROUNDUP" => (RoundMode::AwayFromZero, true),
                    "ROUNDDOWN" => (RoundMode::TowardZero, true),
                    _ => (RoundMode::TowardZero, false),
                };
                let count_ok = if digits_required {
                    args.len() == 2
                } else {
                    (1..=2).contains(&args.len())
                };
                if !count_ok {
                    return None;
                }
                let value = self.number(args.first()?, depth)?;
                let digits = match args.get(1) {
                    Some(arg) => digits_of(&self.number(arg, depth)?)?,
                    None => 0,
                };
                Some(Plain::Number(value.round(digits, mode)?))
            }
            "INT" | "ABS" => {
                let [arg] = args else { return None };
                let value = self.number(arg, depth)?;
                Some(Plain::Number(if name == "INT" {
                    value.round(0, RoundMode::Floor)?
                } else {
                    value.abs()
                }))
            }
            "SUM" | "MIN" | "MAX" => {
                let mut numbers: SmallVec<[Interval; 8]> = SmallVec::new();
                for arg in args {
                    numbers.push(self.number(arg, depth)?);
                }
                Some(Plain::Number(match name {
                    "SUM" => numbers
                        .iter()
                        .try_fold(Interval::point(Decimal::ZERO), |total, n| {
                            total.checked_add(n)
                        })?,
                    "MIN" => numbers
                        .iter()
                        .copied()
                        .reduce(|a, b| a.min(&b))
                        .unwrap_or(Interval::point(Decimal::ZERO)),
                    _ => numbers
                        .iter()
                        .copied()
                        .reduce(|a, b| a.max(&b))
                        .unwrap_or(Interval::point(Decimal::ZERO)),
                }))
            }
            _ => None,
        }
    }
}

/// An infix operator on two plain values; `None` where the general evaluator would give an
/// error or convert a truth value.
fn binary(op: BinaryOp, left: Plain, right: Plain) -> Option<Plain> {
    let (Plain::Number(a), Plain::Number(b)) = (left, right) else {
        return None;
    };
    Some(match op {
        BinaryOp::Add => Plain::Number(a.checked_add(&b)?),
        BinaryOp::Sub => Plain::Number(a.checked_sub(&b)?),
        BinaryOp::Mul => Plain::Number(a.checked_mul(&b)?),
        BinaryOp::Div => {
            if b.contains(Decimal::ZERO) {
                return None;
            }
            Plain::Number(a.checked_div(&b)?)
        }
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            Plain::Bool(compare_numbers(op, &a, &b))
        }
        BinaryOp::Pow | BinaryOp::Concat => return None,
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;
    use crate::formula::{evaluate, parse_formula, EvalValue, Operand, Resolver};
    use crate::model::CellRange;

    /// Cells by address, names for some of them, and what the general evaluator read.
    struct Cells {
        values: HashMap<CellRef, EvalValue>,
        names: HashMap<&'static str, CellRef>,
        read: RefCell<Vec<CellRef>>,
    }

    impl Cells {
        fn new(values: &[(&'static str, &str, EvalValue)]) -> Cells {
            let mut cells = Cells {
                values: HashMap::new(),
                names: HashMap::new(),
                read: RefCell::new(Vec::new()),
            };
            for (name, address, value) in values {
                let at = CellRef::parse(address).unwrap();
                cells.values.insert(at, value.clone());
                cells.names.insert(name, at);
            }
            cells
        }

        fn value(&self, at: CellRef) -> EvalValue {
            self.read.borrow_mut().push(at);
            self.values.get(&at).cloned().unwrap_or(EvalValue::Blank)
        }
    }

    impl PlainCells for Cells {
        fn number(&self, at: CellRef) -> Option<Interval> {
            match self.values.get(&at) {
                Some(EvalValue::Number(n)) => Some(*n),
                _ => None,
            }
        }
        fn name(&self, name: &str) -> Option<CellRef> {
            self.names.get(name).copied()
        }
        fn is_own_sheet(&self, sheet: &str) -> bool {
            sheet == "06"
        }
    }

    impl Resolver for Cells {
        fn cell(&self, sheet: Option<&str>, at: CellRef) -> EvalValue {
            if sheet.is_some_and(|s| s != "06") {
                return EvalValue::Error(crate::formula::ExcelError::Ref);
            }
            self.value(at)
        }
        fn range(&self, _: Option<&str>, range: CellRange) -> Vec<EvalValue> {
            let mut values = Vec::new();
            for row in range.first.row..=range.last.row {
                for col in range.first.col..=range.last.col {
                    values.push(self.value(CellRef::new(row, col)));
                }
            }
            values
        }
        fn name(&self, name: &str) -> Option<Operand> {
            let at = *self.names.get(name)?;
            Some(Operand::Single(self.value(at)))
        }
    }

    fn number(text: &str) -> EvalValue {
        EvalValue::number(text.parse().unwrap())
    }

    /// The plain evaluation of `text`, checked against the general evaluator: the same
    /// value and the same cells read, in order.
    fn plain_agrees(text: &str, cells: &Cells) -> Option<Plain> {
        let expr = parse_formula(text).unwrap();
        let mut reads = Reads::new();
        let plain = evaluate_plain(&expr, cells, &mut reads)?;
        cells.read.borrow_mut().clear();
        let general = evaluate(&expr, cells);
        let expected = match plain {
            Plain::Number(n) => EvalValue::Number(n),
            Plain::Bool(b) => EvalValue::Bool(b),
        };
        // Compared as written, so that a value with other trailing zeros (50 against 50.0,
        // which `Decimal` holds equal) would show.
        assert_eq!(format!("{general:?}"), format!("{expected:?}"), "{text}");
        assert_eq!(cells.read.borrow().as_slice(), reads.as_slice(), "{text}");
        Some(plain)
    }

    fn row() -> Cells {
        Cells::new(&[
            ("received", "C9", number("120")),
            ("online", "D9", number("70")),
            ("direct", "E9", number("50.0")),
            ("carried", "F9", number("0")),
            ("early", "G9", number("50")),
            ("rate", "H9", number("41.7")),
            ("zero", "I9", number("0")),
            ("label", "B9", EvalValue::Text("Sở Nội vụ".into())),
            ("blank", "J9", EvalValue::Blank),
        ])
    }

    #[test]
    fn rules_over_numbers_give_what_the_general_evaluator_gives() {
        let cells = row();
        for text in [
            "online + direct + carried",
            "received - online - direct",
            "MAX(online, direct, carried)",
            "MAX(direct, early)",
            "MIN(early, direct, 60)",
            "SUM(online, direct, 2.5)",
            "AND(received >= 0, INT(received) = received)",
            "AND(rate >= 0, INT(rate) = rate)",
            "OR(online > direct, direct > online)",
            "received <> online + direct",
            "early / received * 100",
            "-online + 5% * 2",
            "ABS(online - received)",
            "INT(-rate)",
            "C9 = D9 + E9 + F9",
            "'06'!C9 + $D$9",
            "IF(received > 0, early / received * 100, 0)",
            "IF(zero, 1, 2)",
            "IF(zero = 0, , 2)",
            "IF(online < direct, 1)",
            "ROUND(early / received * 100, 1)",
            "ROUNDUP(rate, 0)",
            "ROUNDDOWN(-rate, 0.7)",
            "TRUNC(rate)",
            "ROUND(rate, -1)",
            "NOT(received)",
        ] {
            if text.starts_with("NOT") {
                // Not among the functions evaluated plainly: the general evaluator decides.
                assert_eq!(plain_agrees(text, &cells), None, "{text}");
                continue;
            }
            assert!(
                plain_agrees(text, &cells).is_some(),
                "{text} was not evaluated plainly"
            );
        }
        assert_eq!(
            plain_agrees("received = online + direct + carried", &cells),
            Some(Plain::Bool(true))
        );
        assert_eq!(
            plain_agrees("AND(rate >= 0, INT(rate) = rate)", &cells),
            Some(Plain::Bool(false))
        );
    }

    #[test]
    fn anything_but_plain_numbers_is_left_to_the_general_evaluator() {
        let cells = row();
        for text in [
            "received + label",
            "IF(zero = 0, \"\", rate)",
            "IF(received, label, 1)",
            "ROUND(rate)",
            "received + blank",
            "received / zero",
            "received & online",
            "SUM(C9:F9)",
            "Other!C9 + 1",
            "unknown + 1",
            "\"text\" = label",
            "2 ^ 3",
        ] {
            let expr = parse_formula(text).unwrap();
            let mut reads = Reads::new();
            assert_eq!(evaluate_plain(&expr, &cells, &mut reads), None, "{text}");
        }
    }
}
