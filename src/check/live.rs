//! Rules as live Excel formulas: where a template rule defines a cell as a sum or a ratio
//! of others, the formula that computes it, so a corrected workbook (`--live-totals`) or a
//! self-checking form computes itself from then on.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use crate::finding::{Applicability, LiveFormula, Severity};
use crate::formula::{parse_formula, EvalValue, Expr, Reference};
use crate::model::{column_letters, CellRef, Sheet, Workbook};
use crate::number::Rounding;
use crate::template::{parse_rules, Bound, Comparison, ParsedRule, RuleBody, Scope, Template};

use super::relations::{Evaluator, Relation};
use super::{choose_template, BoundTemplate, CheckReport, TemplateChoice};

/// The live formulas of a checked workbook: each cell a template rule defines (section and
/// grand totals as sums of their rows, row totals as the sum of their parts, rates as
/// their ratio rounded as shown), with the value it computes once the report's safe fixes
/// are applied. Cells that already hold a formula are left as they are.
///
/// The template is the one the check bound; a report the check did not make (built by
/// hand with a template's id) has it chosen again by `choice`.
///
/// # Examples
/// ```
/// use crossfoot::{check, live_formulas, read_workbook, TemplateChoice};
/// let bytes = std::fs::read("tests/fixtures/kinh-phi-2022.xlsx").unwrap();
/// let book = read_workbook(&bytes, "kinh-phi-2022.xlsx").unwrap();
/// let report = check(&book, &TemplateChoice::Auto);
/// let live = live_formulas(&book, &report, &TemplateChoice::Auto);
/// assert!(live.iter().any(|f| f.formula.starts_with("SUM(")));
/// ```
pub fn live_formulas(
    workbook: &Workbook,
    report: &CheckReport,
    choice: &TemplateChoice,
) -> Vec<LiveFormula> {
    let chosen_again;
    let chosen = match &report.bound {
        Some(bound) => bound.as_ref(),
        None if report.template.is_some() => {
            chosen_again = choose_template(workbook, choice);
            match &chosen_again {
                Some(chosen) => chosen,
                None => return Vec::new(),
            }
        }
        None => return Vec::new(),
    };
    let BoundTemplate {
        template, sheets, ..
    } = chosen;
    let Some(parsed) = parse_rules(template) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (index, sheet_bound) in sheets {
        let Some(sheet) = workbook.sheets.get(*index) else {
            continue;
        };
        let overrides: HashMap<CellRef, Decimal> = report
            .findings
            .iter()
            .filter(|f| f.sheet == sheet.name)
            .filter_map(|f| f.fix_applying(Applicability::Safe))
            .flat_map(|fix| fix.edits.iter().map(|e| (e.cell, e.value)))
            .collect();
        let (evaluator, formulas) = rule_formulas(template, sheet, sheet_bound, &parsed);
        for (at, expr) in formulas {
            if sheet.cell(at).is_some_and(|c| c.formula.is_some()) {
                continue;
            }
            if let EvalValue::Number(n) = evaluator.formula_value(&expr, &overrides) {
                if n.lo == n.hi {
                    out.push(LiveFormula {
                        sheet: sheet.name.clone(),
                        cell: at,
                        formula: expr.to_string(),
                        value: n.lo,
                    });
                }
            }
        }
    }
    out
}

/// The one place a rule becomes an Excel formula: for a template bound to a sheet, each
/// cell a rule defines with the formula that computes it — section and grand totals as
/// sums of their rows (hierarchy rules), then row totals, rates and differences from
/// error-severity `cell = expression` rules. Shared by `--live-totals` and the
/// self-checking forms; the evaluator returned computes the formulas' values.
pub(crate) fn rule_formulas<'a>(
    template: &'a Template,
    sheet: &'a Sheet,
    bound: &'a Bound,
    parsed: &'a [ParsedRule],
) -> (Evaluator<'a>, BTreeMap<CellRef, Expr>) {
    let evaluator = Evaluator::new(sheet, bound, &template.spec, parsed);
    // Sums of rows first: a section row's received is its rows' sum, not its parts.
    let mut formulas: BTreeMap<CellRef, Expr> = BTreeMap::new();
    let (sums, others): (Vec<Relation>, Vec<Relation>) = evaluator
        .relations()
        .iter()
        .partition(|r| !evaluator.children(r).is_empty());
    for relation in &sums {
        if let Some((at, expr)) = sum_formula(relation, evaluator.children(relation)) {
            formulas.entry(at).or_insert(expr);
        }
    }
    for relation in &others {
        if let Some((at, expr)) = defining_formula(template, bound, parsed, relation, sheet) {
            formulas.entry(at).or_insert(expr);
        }
    }
    (evaluator, formulas)
}

/// `SUM(C11:C26)` for a contiguous block of rows, `C10+C27+C40` otherwise.
fn sum_formula(relation: &Relation, children: &[u32]) -> Option<(CellRef, Expr)> {
    let (row, col) = (relation.row?, relation.column?);
    let first = *children.first()?;
    let last = *children.last()?;
    let contiguous = children
        .windows(2)
        .all(|w| matches!(w, [a, b] if a.checked_add(1) == Some(*b)));
    let letters = column_letters(col);
    let text = if contiguous {
        format!(
            "SUM({letters}{}:{letters}{})",
            u64::from(first) + 1,
            u64::from(last) + 1
        )
    } else {
        children
            .iter()
            .map(|&r| format!("{letters}{}", u64::from(r) + 1))
            .collect::<Vec<_>>()
            .join("+")
    };
    parse_formula(&text)
        .ok()
        .map(|expr| (CellRef::new(row, col), expr))
}

/// The formula of a rule `cell = expression` (error severity, one cell on the left), with
/// its names turned into this row's cells, rounded as the cell shows when the rule rounds,
/// and blank when its condition does not hold.
fn defining_formula(
    template: &Template,
    bound: &Bound,
    parsed: &[ParsedRule],
    relation: &Relation,
    sheet: &Sheet,
) -> Option<(CellRef, Expr)> {
    let rule = template.spec.rules.get(relation.rule())?;
    let parsed_rule = parsed.get(relation.rule())?;
    if rule.severity != Severity::Error || !rule.each.is_empty() || rule.scope == Scope::Hierarchy {
        return None;
    }
    let RuleBody::Compare {
        rhs,
        op: Comparison::Eq,
        ..
    } = &parsed_rule.body
    else {
        return None;
    };
    let names = names_of(bound, relation.row);
    let target = parsed_rule
        .lhs_name
        .as_deref()
        .and_then(|name| names.get(name).copied().or_else(|| CellRef::parse(name)))?;
    let mut expr = substitute(rhs, &names)?;
    if rule.rounding != Rounding::Exact {
        let decimals = sheet
            .cell(target)
            .and_then(super::shown::quantity_of)
            .map_or(0, |q| q.decimals);
        expr = Expr::Call {
            name: "ROUND".into(),
            args: vec![expr, Expr::Number(Decimal::from(decimals))],
        };
    }
    if let Some(when) = &parsed_rule.when {
        expr = Expr::Call {
            name: "IF".into(),
            args: vec![substitute(when, &names)?, expr, Expr::Text(String::new())],
        };
    }
    Some((target, expr))
}

pub(crate) fn names_of(bound: &Bound, row: Option<u32>) -> HashMap<String, CellRef> {
    let mut names: HashMap<String, CellRef> = bound.cells.clone().into_iter().collect();
    if let Some(row) = row {
        for (name, col) in &bound.columns {
            names.insert(name.clone(), CellRef::new(row, *col));
        }
    }
    names
}

/// The expression with every name replaced by its cell; `None` if a name is unknown.
pub(crate) fn substitute(expr: &Expr, names: &HashMap<String, CellRef>) -> Option<Expr> {
    Some(match expr {
        Expr::Reference(Reference::Name(name)) => {
            let at = names.get(name).copied().or_else(|| {
                names
                    .iter()
                    .find(|(known, _)| known.eq_ignore_ascii_case(name))
                    .map(|(_, at)| *at)
            })?;
            Expr::Reference(Reference::Cell { sheet: None, at })
        }
        Expr::Unary { op, operand } => Expr::Unary {
            op: *op,
            operand: Box::new(substitute(operand, names)?),
        },
        Expr::Binary { op, left, right } => Expr::Binary {
            op: *op,
            left: Box::new(substitute(left, names)?),
            right: Box::new(substitute(right, names)?),
        },
        Expr::Call { name, args } => Expr::Call {
            name: name.clone(),
            args: args
                .iter()
                .map(|a| substitute(a, names))
                .collect::<Option<Vec<_>>>()?,
        },
        other => other.clone(),
    })
}
