//! What a form's rules become in Excel: live formulas with their cached values (through the
//! same rule-to-formula function as `--live-totals`), data validation on the cells an
//! office types in, and conditional formats that colour a cell while its rule fails.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;

use crate::check::{names_of, rule_formulas, substitute};
use crate::finding::Severity;
use crate::formula::{parse_formula, EvalValue, Expr};
use crate::model::{CellRef, Sheet};
use crate::template::{parse_rules, Bound, Comparison, ParsedRule, RuleBody, Scope, Template};

/// A live formula and the value it computes on the form as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Computed {
    /// The formula text, without `=`.
    pub formula: String,
    /// Its cached value: a number, or empty text (a rate whose condition does not hold).
    pub value: Option<Decimal>,
}

/// What a validated cell accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Accepts {
    /// Whole numbers, 0 or more (counts).
    Count,
    /// Any number, 0 or more.
    NonNegative,
    /// Whatever this formula (written for the run's first cell) allows.
    Custom(String),
}

/// Data validation over a run of cells in one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Validation {
    /// First and last cell of the run.
    pub first: CellRef,
    /// Last cell.
    pub last: CellRef,
    /// What is accepted.
    pub accepts: Accepts,
}

/// A conditional format: the cells `first..=last` (one column) turn coloured while
/// `formula` (written for `first`, relative down the run) is true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Highlight {
    /// First cell of the run.
    pub first: CellRef,
    /// Last cell.
    pub last: CellRef,
    /// True while the rule fails.
    pub formula: String,
    /// The rule's severity (its colour).
    pub severity: Severity,
    /// The rule's id, for the reader of the package.
    pub rule: String,
}

/// Everything the rules put on a form.
#[derive(Debug, Clone, Default)]
pub(crate) struct FormRules {
    /// Live formulas by cell.
    pub formulas: BTreeMap<CellRef, Computed>,
    /// Validations on typed cells.
    pub validations: Vec<Validation>,
    /// Conditional formats.
    pub highlights: Vec<Highlight>,
}

/// The rules of `template` on the form's `sheet` (bound as `bound`); `typed` are the cells
/// an office may type in.
pub(crate) fn form_rules(
    template: &Template,
    sheet: &Sheet,
    bound: &Bound,
    typed: &BTreeSet<CellRef>,
) -> FormRules {
    let Some(parsed) = parse_rules(template) else {
        return FormRules::default();
    };
    let (evaluator, exprs) = rule_formulas(template, sheet, bound, &parsed);
    let formulas = computed_formulas(&exprs, |expr, known| evaluator.formula_value(expr, known));
    let typed: BTreeSet<CellRef> = typed
        .iter()
        .filter(|at| !formulas.contains_key(at))
        .copied()
        .collect();
    let rules = RulesOnForm {
        template,
        parsed: &parsed,
        bound,
    };
    let mut sorted = SortedRelations::default();
    for relation in evaluator.relations().iter() {
        rules.sort(
            &mut sorted,
            &typed,
            &formulas,
            (relation.rule(), relation.row, relation.column),
        );
    }
    let validations = rules.validations(sorted.validated);
    let highlights = rules.highlights(sorted.once, sorted.failing);
    FormRules {
        formulas,
        validations,
        highlights,
    }
}

/// The live formulas with their cached values, by `value_of` (a formula with the values
/// known so far). Formulas read formulas (a grand total reads section totals), so they
/// are evaluated until nothing changes; the chain is as deep as the hierarchy.
fn computed_formulas(
    exprs: &BTreeMap<CellRef, Expr>,
    value_of: impl Fn(&Expr, &HashMap<CellRef, Decimal>) -> EvalValue,
) -> BTreeMap<CellRef, Computed> {
    let mut known: HashMap<CellRef, Decimal> = HashMap::new();
    for _ in 0..=exprs.len() {
        let mut changed = false;
        for (at, expr) in exprs {
            if let EvalValue::Number(n) = value_of(expr, &known) {
                if n.lo == n.hi && known.get(at) != Some(&n.lo) {
                    known.insert(*at, n.lo);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    exprs
        .iter()
        .map(|(at, expr)| {
            let computed = Computed {
                formula: expr.to_string(),
                value: known.get(at).map(|v| v.normalize()),
            };
            (*at, computed)
        })
        .collect()
}

/// The template's rules on the form they were bound to.
struct RulesOnForm<'a> {
    template: &'a Template,
    parsed: &'a [ParsedRule],
    bound: &'a Bound,
}

/// The rules' relations sorted by what each becomes on the form.
#[derive(Default)]
struct SortedRelations {
    /// Typed cells to validate, by column and what they accept, with their rows.
    validated: BTreeMap<(u32, String), Vec<u32>>,
    /// Row rules that colour a column while they fail, with their rows.
    failing: BTreeMap<(usize, u32), Vec<u32>>,
    /// Rules that colour one cell.
    once: Vec<Highlight>,
}

impl RulesOnForm<'_> {
    /// Sorts one relation, of rule `index` on `row` (and `column`, for a rule on each
    /// named cell): a validation of a typed cell, a row rule's highlight, a highlight of
    /// one cell, or nothing (a rule a live formula makes true needs no colour).
    fn sort(
        &self,
        sorted: &mut SortedRelations,
        typed: &BTreeSet<CellRef>,
        formulas: &BTreeMap<CellRef, Computed>,
        (index, row, column): (usize, Option<u32>, Option<u32>),
    ) {
        let (Some(rule), Some(parsed_rule)) =
            (self.template.spec.rules.get(index), self.parsed.get(index))
        else {
            return;
        };
        if rule.scope == Scope::Hierarchy {
            return;
        }
        let names = names_of(self.bound, row);
        if !rule.each.is_empty() {
            // A rule on each named cell: validation of the typed ones.
            let (Some(row), Some(col)) = (row, column) else {
                return;
            };
            let at = CellRef::new(row, col);
            if !typed.contains(&at) {
                return;
            }
            let RuleBody::Whole(expr) = &parsed_rule.body else {
                return;
            };
            let key = match accepts(expr, at) {
                Accepts::Count => "count".to_string(),
                Accepts::NonNegative => "nonnegative".to_string(),
                Accepts::Custom(_) => format!("custom {index}"),
            };
            sorted.validated.entry((col, key)).or_default().push(row);
            return;
        }
        // A rule a formula already makes true needs no colour.
        let target = parsed_rule
            .lhs_name
            .as_deref()
            .and_then(|name| names.get(name).copied().or_else(|| CellRef::parse(name)));
        let Some(target) = target else {
            return;
        };
        let defines = matches!(
            parsed_rule.body,
            RuleBody::Compare {
                op: Comparison::Eq,
                ..
            }
        ) && rule.severity == Severity::Error;
        if defines && formulas.contains_key(&target) {
            return;
        }
        match row {
            Some(row) if uses_only_columns(rule, self.bound) => sorted
                .failing
                .entry((index, target.col))
                .or_default()
                .push(row),
            _ => {
                if let Some(formula) = failing_formula(rule, &names) {
                    sorted.once.push(Highlight {
                        first: target,
                        last: target,
                        formula,
                        severity: rule.severity,
                        rule: rule_id(rule, index),
                    });
                }
            }
        }
    }

    /// The validations over runs of typed cells in one column.
    fn validations(&self, validated: BTreeMap<(u32, String), Vec<u32>>) -> Vec<Validation> {
        let mut validations = Vec::new();
        for ((col, key), rows) in validated {
            for (first, last) in runs(rows) {
                let custom = key
                    .strip_prefix("custom ")
                    .and_then(|index| index.parse::<usize>().ok())
                    .and_then(|index| self.parsed.get(index));
                let accepts = if let Some(ParsedRule {
                    body: RuleBody::Whole(expr),
                    ..
                }) = custom
                {
                    accepts(expr, CellRef::new(first, col))
                } else if key == "count" {
                    Accepts::Count
                } else {
                    Accepts::NonNegative
                };
                validations.push(Validation {
                    first: CellRef::new(first, col),
                    last: CellRef::new(last, col),
                    accepts,
                });
            }
        }
        validations
    }

    /// The highlights: those of one cell, then each row rule's over runs of rows.
    fn highlights(
        &self,
        once: Vec<Highlight>,
        failing: BTreeMap<(usize, u32), Vec<u32>>,
    ) -> Vec<Highlight> {
        let mut highlights = once;
        for ((index, col), rows) in failing {
            let Some(rule) = self.template.spec.rules.get(index) else {
                continue;
            };
            for (first, last) in runs(rows) {
                // Written for the run's first row; Excel moves its relative references down.
                if let Some(formula) = failing_formula(rule, &names_of(self.bound, Some(first))) {
                    highlights.push(Highlight {
                        first: CellRef::new(first, col),
                        last: CellRef::new(last, col),
                        formula,
                        severity: rule.severity,
                        rule: rule_id(rule, index),
                    });
                }
            }
        }
        highlights
    }
}

fn rule_id(rule: &crate::template::RuleSpec, index: usize) -> String {
    rule.id
        .clone()
        .unwrap_or_else(|| format!("#{}", index.saturating_add(1)))
}

/// Whether a row rule names only columns (so its formula moves down a run of rows).
fn uses_only_columns(rule: &crate::template::RuleSpec, bound: &Bound) -> bool {
    let text = rule
        .expr
        .as_ref()
        .map(|e| e.get_ref().as_str())
        .unwrap_or("");
    let when = rule
        .when
        .as_ref()
        .map(|e| e.get_ref().as_str())
        .unwrap_or("");
    !bound
        .cells
        .keys()
        .any(|name| text.contains(name.as_str()) || when.contains(name.as_str()))
}

/// `NOT(rule)`, or `AND(when, NOT(rule))`, over this row's cells.
fn failing_formula(
    rule: &crate::template::RuleSpec,
    names: &HashMap<String, CellRef>,
) -> Option<String> {
    let expr = parse_formula(rule.expr.as_ref()?.get_ref()).ok()?;
    let fails = Expr::Call {
        name: "NOT".into(),
        args: vec![substitute(&expr, names)?],
    };
    let formula = match &rule.when {
        Some(when) => Expr::Call {
            name: "AND".into(),
            args: vec![
                substitute(&parse_formula(when.get_ref()).ok()?, names)?,
                fails,
            ],
        },
        None => fails,
    };
    Some(formula.to_string())
}

/// What a rule on each cell `x` accepts: counts and non-negative numbers by their shape,
/// anything else as its own formula written for `at`.
fn accepts(expr: &Expr, at: CellRef) -> Accepts {
    let shape = |text: &str| parse_formula(text).ok();
    if shape("AND(x >= 0, INT(x) = x)").as_ref() == Some(expr)
        || shape("AND(INT(x) = x, x >= 0)").as_ref() == Some(expr)
    {
        return Accepts::Count;
    }
    if shape("x >= 0").as_ref() == Some(expr) {
        return Accepts::NonNegative;
    }
    let names = HashMap::from([("x".to_string(), at)]);
    substitute(expr, &names).map_or(Accepts::NonNegative, |e| Accepts::Custom(e.to_string()))
}

/// Sorted rows as runs of consecutive rows `(first, last)`.
fn runs(mut rows: Vec<u32>) -> Vec<(u32, u32)> {
    rows.sort_unstable();
    rows.dedup();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for row in rows {
        match out.last_mut() {
            Some((_, last)) if last.checked_add(1) == Some(row) => *last = row,
            _ => out.push((row, row)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn runs_split_at_gaps() {
        assert_eq!(runs(vec![12, 10, 11, 14]), vec![(10, 12), (14, 14)]);
        assert!(runs(Vec::new()).is_empty());
    }
}
