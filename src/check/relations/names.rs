//! Name resolution: what each name a rule reads stands for in one relation (`x`, a bound
//! column in the relation's row, a bound cell), worked out once a sheet.

use crate::formula::Expr;
use crate::model::CellRef;
use crate::template::{Bound, ParsedRule, RuleBody};

/// What a name can stand for in any relation, before its row and `x` are known.
#[derive(Clone, Copy)]
pub(super) struct NameMeaning {
    /// `x`: the relation's cell, when it has one.
    is_x: bool,
    /// The bound column of that name (read in the relation's row).
    pub(super) column: Option<u32>,
    /// The bound cell of that name.
    pub(super) cell: Option<CellRef>,
}

impl NameMeaning {
    /// The meaning of `name`, names compared by `same`.
    pub(super) fn of(
        columns: &[(&str, u32)],
        bound: &Bound,
        name: &str,
        same: impl Fn(&str, &str) -> bool,
    ) -> NameMeaning {
        NameMeaning {
            is_x: same(name, "x"),
            column: columns
                .iter()
                .find(|(known, _)| same(known, name))
                .map(|(_, col)| *col),
            cell: bound
                .cells
                .iter()
                .find(|(known, _)| same(known, name))
                .map(|(_, at)| *at),
        }
    }
}

/// A name as written in a parsed rule and its meaning, resolved once per sheet: found by
/// the address of its text in the rule (the evaluators hand back the rule's own `&str`),
/// which spares the string comparisons against every bound column that a look-up by text
/// costs, millions of times on a big sheet.
#[derive(Clone, Copy)]
pub(super) struct RuleName<'a> {
    pub(super) text: &'a str,
    pub(super) meaning: NameMeaning,
}

impl RuleName<'_> {
    fn is(&self, name: &str) -> bool {
        std::ptr::eq(self.text.as_ptr(), name.as_ptr()) && self.text.len() == name.len()
    }
}

/// Every name a rule reads (and its reported cell's name), as the text the rule holds.
pub(super) fn names_in(rule: &ParsedRule) -> Vec<&str> {
    let mut names: Vec<&str> = rule.lhs_name.iter().map(String::as_str).collect();
    let mut pending: Vec<&Expr> = rule.when.iter().collect();
    match &rule.body {
        RuleBody::Sum => {}
        RuleBody::Whole(expr) => pending.push(expr),
        RuleBody::Compare { lhs, rhs, .. } => pending.extend([lhs, rhs]),
    }
    while let Some(next) = pending.pop() {
        match next {
            Expr::Reference(crate::formula::Reference::Name(name)) => names.push(name.as_str()),
            Expr::Unary { operand, .. } => pending.push(operand),
            Expr::Binary { left, right, .. } => pending.extend([left.as_ref(), right.as_ref()]),
            Expr::Call { args, .. } => pending.extend(args.iter()),
            _ => {}
        }
    }
    names
}

/// The names one relation can read and the cells they stand for: `x` (the relation's
/// cell), the template's columns in the relation's row, and its named cells, in that order
/// of precedence. The columns are the evaluator's one list of them, the cells the bound
/// template's, borrowed rather than copied for each of the hundreds of thousands of
/// relations a big sheet resolves.
pub(super) struct Names<'a> {
    pub(super) bound: &'a Bound,
    pub(super) columns: &'a [(&'a str, u32)],
    pub(super) row: Option<u32>,
    pub(super) x: Option<CellRef>,
    /// The relation's rule's names, resolved once.
    pub(super) rule_names: &'a [RuleName<'a>],
}

impl Names<'_> {
    pub(super) fn get(&self, name: &str) -> Option<CellRef> {
        match self.rule_names.iter().find(|known| known.is(name)) {
            Some(known) => self.place(&known.meaning),
            None => self.place(&NameMeaning::of(self.columns, self.bound, name, |a, b| {
                a == b
            })),
        }
    }

    pub(super) fn get_ignore_case(&self, name: &str) -> Option<CellRef> {
        self.place(&NameMeaning::of(
            self.columns,
            self.bound,
            name,
            str::eq_ignore_ascii_case,
        ))
    }

    /// The cell a name stands for in this relation: `x`, then a column in the row, then a
    /// bound cell.
    pub(super) fn place(&self, meaning: &NameMeaning) -> Option<CellRef> {
        if let Some(x) = self.x.filter(|_| meaning.is_x) {
            return Some(x);
        }
        self.row
            .zip(meaning.column)
            .map(|(row, col)| CellRef::new(row, col))
            .or(meaning.cell)
    }
}
