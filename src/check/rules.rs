//! The findings of a template's rules on one bound sheet: its relations evaluated, the
//! wrong cells localized, and each failure, truncation, error value and proposed fix
//! written as a finding; and the relations a stale value breaks.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;

use crate::codes::{self, rule_docs};
use crate::finding::{Applicability, Edit, Finding, Fix, Message, Severity};
use crate::interval::Interval;
use crate::model::{CellRef, Sheet};
use crate::number::{Convention, Quantity};
use crate::recalc::FormulaReads;
use crate::template::{
    parse_rules, Bound, Comparison, ParsedRule, RuleBody, RuleSpec, Scope, Template,
};

use super::evaluations::{Evaluations, Readers};
use super::relations::{Evaluation, Evaluator, Outcome, Relation, Relations, Sides};
use super::shown::{self, for_messages, show_interval, show_number};
use super::{graph, localize, rounding};

/// The relations a stale value breaks, by the stale cell: each as its description (in
/// both languages) and the cells it reads. They hold with the value Excel computes, so
/// they are folded into the stale cell's one finding rather than reported apart.
pub(crate) type BrokenByStale = HashMap<CellRef, Vec<(Message, Vec<CellRef>)>>;

/// The findings of a template's rules on one bound sheet (which reads the values Excel
/// computes), and the relations each of the sheet's `stale` cells breaks with the value it
/// saved.
pub(crate) fn rule_findings(
    template: &Template,
    sheet: &Sheet,
    bound: &Bound,
    formula_reads: &FormulaReads,
    convention: Convention,
    stale: &[(CellRef, Decimal)],
    recalculated: &HashMap<CellRef, Decimal>,
) -> (Vec<Finding>, BrokenByStale) {
    let Some(parsed) = parse_rules(template) else {
        return (Vec::new(), BrokenByStale::new());
    };
    let evaluator =
        Evaluator::new(sheet, bound, &template.spec, &parsed).with_recalculated(recalculated);
    let relations = evaluator.relations();
    let evaluations = Evaluations::of(&evaluator, &relations);
    let (readers, explanations) = localized(
        &evaluator,
        &relations,
        &evaluations,
        sheet,
        formula_reads,
        !stale.is_empty(),
    );
    let rules = SheetRules {
        template,
        parsed: &parsed,
        sheet,
        bound,
        evaluator: &evaluator,
        relations: &relations,
        evaluations: &evaluations,
        readers: &readers,
        convention,
    };
    let broken_by_stale = rules.broken_by_stale(stale);
    let mut findings = Vec::new();
    for explanation in &explanations {
        findings.extend(rules.explanation_findings(explanation));
    }
    findings.extend(rules.relation_findings(&repaired_by(&explanations)));
    (findings, broken_by_stale)
}

/// A template's rules on one bound sheet, each failing relation reported on its own: no
/// localization, no stale values. What a consolidation asks of each unit's report (does
/// it hold together?) at a fraction of the check's cost; the check says which cell is wrong.
pub(crate) fn failing_relations(
    template: &Template,
    sheet: &Sheet,
    bound: &Bound,
    convention: Convention,
) -> Vec<Finding> {
    let Some(parsed) = parse_rules(template) else {
        return Vec::new();
    };
    let evaluator = Evaluator::new(sheet, bound, &template.spec, &parsed);
    let relations = evaluator.relations();
    let evaluations = Evaluations::of(&evaluator, &relations);
    let readers = Readers::default();
    let rules = SheetRules {
        template,
        parsed: &parsed,
        sheet,
        bound,
        evaluator: &evaluator,
        relations: &relations,
        evaluations: &evaluations,
        readers: &readers,
        convention,
    };
    rules.relation_findings(&HashSet::new())
}

/// The readers index (which relations read each cell) and the localizer's explanations of
/// the failing relations. Both serve only failing relations (localization and fixes) and,
/// for the readers, stale cells: a clean sheet, the common case in a batch, skips building
/// them and the formula graph.
fn localized<'e>(
    evaluator: &Evaluator,
    relations: &Relations,
    evaluations: &'e Evaluations,
    sheet: &Sheet,
    formula_reads: &FormulaReads,
    has_stale: bool,
) -> (Readers<'e>, Vec<localize::Explanation>) {
    let failing = evaluations.whole().any(|(_, evaluation)| {
        matches!(
            evaluation.outcome,
            Outcome::Fails(_) | Outcome::ErrorValue(_)
        )
    });
    if failing {
        let readers = Readers::new(evaluations);
        let graph = graph::FormulaGraph::build(sheet, formula_reads);
        let explanations =
            localize::Localizer::new(evaluator, relations, evaluations, &graph, &readers).explain();
        (readers, explanations)
    } else if has_stale {
        (Readers::new(evaluations), Vec::new())
    } else {
        (Readers::default(), Vec::new())
    }
}

/// The relations the explanations repair: their findings give way to the explanations'.
fn repaired_by(explanations: &[localize::Explanation]) -> HashSet<usize> {
    explanations
        .iter()
        .flat_map(|e| match e {
            localize::Explanation::Confident { repaired, .. }
            | localize::Explanation::Ambiguous { repaired, .. } => repaired.iter().copied(),
        })
        .collect()
}

/// A template's rules evaluated on one bound sheet: what its findings are written from.
struct SheetRules<'s> {
    template: &'s Template,
    parsed: &'s [ParsedRule],
    sheet: &'s Sheet,
    bound: &'s Bound,
    evaluator: &'s Evaluator<'s>,
    relations: &'s Relations,
    evaluations: &'s Evaluations,
    readers: &'s Readers<'s>,
    convention: Convention,
}

impl SheetRules<'_> {
    /// The relations each `stale` cell breaks with the number it saved, that hold with the
    /// value Excel computes.
    fn broken_by_stale(&self, stale: &[(CellRef, Decimal)]) -> BrokenByStale {
        let mut broken_by_stale = BrokenByStale::new();
        for &(at, saved) in stale {
            let overrides = HashMap::from([(at, saved)]);
            for i in self.readers.of(at) {
                let (Some(relation), Some(before)) =
                    (self.relations.get(i), self.evaluations.get(i))
                else {
                    continue;
                };
                if matches!(before.outcome, Outcome::Fails(_)) {
                    continue;
                }
                let after = self.evaluator.evaluate(&relation, &overrides);
                if matches!(after.outcome, Outcome::Fails(_)) {
                    let (vi, en) = describe(self.template, self.bound, &relation);
                    broken_by_stale
                        .entry(at)
                        .or_default()
                        .push((Message::new(vi, en), others(after.cells.iter(), at)));
                }
            }
        }
        broken_by_stale
    }

    /// The findings of the relations no explanation repaired (`explained`): failures,
    /// truncations, one note for those holding within rounding, and the error values read.
    fn relation_findings(&self, explained: &HashSet<usize>) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut error_cells = Vec::new();
        let mut within_rounding = Vec::new();
        // Nearly every relation holds or is skipped: only those kept whole can say more.
        for (index, evaluation) in self.evaluations.whole() {
            if matches!(evaluation.outcome, Outcome::Holds | Outcome::Skipped)
                || explained.contains(&index)
            {
                continue;
            }
            let Some(relation) = self.relations.get(index) else {
                continue;
            };
            let Some(rule) = self.template.spec.rules.get(relation.rule()) else {
                continue;
            };
            let Some(parsed_rule) = self.parsed.get(relation.rule()) else {
                continue;
            };
            match &evaluation.outcome {
                Outcome::Holds | Outcome::Skipped => {}
                Outcome::ErrorValue(cells) => error_cells.extend(cells.iter().copied()),
                Outcome::HoldsRounded => within_rounding.push((relation, evaluation.target)),
                Outcome::HoldsTruncated(sides) => {
                    findings.extend(self.truncated_finding(evaluation, &sides.0, &sides.1));
                }
                Outcome::Fails(sides) => {
                    findings.push(self.failure_finding(
                        &relation,
                        rule,
                        parsed_rule,
                        evaluation,
                        sides,
                    ));
                }
            }
        }
        findings.extend(rounding::within_rounding(
            self.evaluator,
            &within_rounding,
            self.sheet,
            self.convention,
        ));
        findings.extend(self.error_value_findings(error_cells));
        findings
    }

    /// The note of a ratio that holds only when its reported value is read as truncated
    /// (`lhs`) rather than rounded from the computed `rhs`.
    fn truncated_finding(
        &self,
        evaluation: &Evaluation,
        lhs: &Quantity,
        rhs: &Interval,
    ) -> Option<Finding> {
        let convention = self.convention;
        let target = evaluation.target?;
        let rounded = show_interval(rhs, Some(*lhs), convention);
        let actual = show_number(lhs.value, Some(*lhs), convention);
        Some(Finding {
            code: codes::TRUNCATED,
            severity: Severity::Info,
            sheet: self.sheet.name.clone(),
            cell: target,
            cells: others(evaluation.cells.iter(), target),
            message: Message::new(
                format!(
                    "{} là giá trị cắt bớt chữ số; làm tròn sẽ là {}",
                    for_messages(&actual, convention).0,
                    for_messages(&rounded, convention).0
                ),
                format!(
                    "{} is truncated; rounding gives {}",
                    for_messages(&actual, convention).1,
                    for_messages(&rounded, convention).1
                ),
            ),
            expected: Some(rounded),
            actual: Some(actual),
            fix: None,
            related: Vec::new(),
        })
    }

    /// The finding of a relation that fails, with the fix the rule alone determines.
    fn failure_finding(
        &self,
        relation: &Relation,
        rule: &RuleSpec,
        parsed_rule: &ParsedRule,
        evaluation: &Evaluation,
        sides: &Sides,
    ) -> Finding {
        let convention = self.convention;
        let (lhs, rhs) = (sides.lhs.as_ref(), sides.rhs.as_ref());
        let target = evaluation
            .target
            .or_else(|| evaluation.cells.first())
            .unwrap_or(CellRef::new(0, 0));
        let code = code_of(rule, parsed_rule);
        let like = lhs.and_then(|(_, q)| *q);
        let actual = lhs.map(|(value, q)| show_interval(value, *q, convention));
        let expected = rhs.map(|value| show_interval(value, like, convention));
        let difference = match (lhs, rhs) {
            (Some((l, _)), Some(r)) if r.lo == r.hi => {
                l.lo.checked_sub(r.lo)
                    .map(|d| show_number(d.abs(), like, convention))
            }
            _ => None,
        };
        let label = relation
            .row
            .and_then(|row| self.bound.layout.body_row(row))
            .map(|r| r.label.clone())
            .unwrap_or_default();
        let fix = propose_fix(
            self.evaluator,
            self.relations,
            self.evaluations,
            self.readers,
            target,
            rhs,
            parsed_rule,
            rule.scope,
            like,
            convention,
        );
        let message = message_for(
            rule,
            &parsed_rule.body,
            &label,
            expected.as_deref(),
            actual.as_deref(),
            difference.as_deref(),
            target,
            convention,
        );
        Finding {
            code,
            severity: rule.severity,
            sheet: self.sheet.name.clone(),
            cell: target,
            cells: others(evaluation.cells.iter(), target),
            message,
            expected,
            actual,
            fix,
            related: Vec::new(),
        }
    }

    /// One finding for each cell holding an Excel error that a rule reads.
    fn error_value_findings(&self, mut error_cells: Vec<CellRef>) -> Vec<Finding> {
        error_cells.sort();
        error_cells.dedup();
        error_cells
            .into_iter()
            .map(|at| {
                let shown = self
                    .sheet
                    .cell(at)
                    .map(|c| shown::show_value(&c.value, Some(c), self.convention))
                    .unwrap_or_default();
                Finding {
                    code: codes::FORMULA_ERROR,
                    severity: Severity::Error,
                    sheet: self.sheet.name.clone(),
                    cell: at,
                    cells: Vec::new(),
                    message: Message::new(
                        format!(
                            "Ô {at} chứa lỗi {shown}; các quy tắc đọc ô này không kiểm tra được"
                        ),
                        format!(
                            "{at} holds the error {shown}; the rules that read it cannot be checked"
                        ),
                    ),
                    expected: None,
                    actual: Some(shown),
                    fix: None,
                    related: Vec::new(),
                }
            })
            .collect()
    }

    /// One root finding per proposed change (or one for an ambiguity), in place of the
    /// findings of the relations it repairs.
    fn explanation_findings(&self, explanation: &localize::Explanation) -> Vec<Finding> {
        match explanation {
            localize::Explanation::Confident { changes, repaired } => {
                let repair = self.repair(repaired);
                changes
                    .iter()
                    .map(|change| self.confident_finding(&repair, repaired, change))
                    .collect()
            }
            localize::Explanation::Ambiguous {
                candidates,
                repaired,
            } => {
                let repair = self.repair(repaired);
                self.ambiguous_finding(&repair, candidates)
                    .into_iter()
                    .collect()
            }
        }
    }

    /// What the findings of one explanation say of the relations it `repaired`.
    fn repair(&self, repaired: &[usize]) -> Repair {
        let mut related: Vec<CellRef> = repaired
            .iter()
            .flat_map(|&i| self.evaluations.cells(i))
            .collect();
        related.sort();
        related.dedup();
        let (vi_list, en_list): (Vec<String>, Vec<String>) = repaired
            .iter()
            .filter_map(|&i| self.relations.get(i))
            .map(|r| describe(self.template, self.bound, &r))
            .unzip();
        let single_relation_code = match repaired {
            [only] => self.relations.get(*only).and_then(|relation| {
                Some(code_of(
                    self.template.spec.rules.get(relation.rule())?,
                    self.parsed.get(relation.rule())?,
                ))
            }),
            _ => None,
        };
        // Findings from rules the engine inferred say so, as their own messages do.
        let (vi_from, en_from) = if self.template.id == "inferred" {
            ("Suy ra từ dữ liệu: ", "Inferred from the data: ")
        } else {
            ("", "")
        };
        Repair {
            related,
            vi_list,
            en_list,
            single_relation_code,
            vi_from,
            en_from,
        }
    }

    /// A change's cell as the sheet shows it, and the value proposed, shown as the cell is.
    fn shown_change(&self, change: &localize::Change) -> (String, String) {
        let convention = self.convention;
        let like = self.sheet.cell(change.cell).and_then(shown::quantity_of);
        let actual = self
            .sheet
            .cell(change.cell)
            .map(|c| shown::show_value(&c.value, Some(c), convention))
            .unwrap_or_default();
        (actual, show_number(change.value, like, convention))
    }

    /// Whether `at` is the reported cell of a rounded rule (a rate) among the relations
    /// `repaired`.
    fn is_rate(&self, repaired: &[usize], at: CellRef) -> bool {
        repaired
            .iter()
            .filter_map(|&i| self.relations.get(i))
            .any(|relation| {
                self.template
                    .spec
                    .rules
                    .get(relation.rule())
                    .is_some_and(|rule| {
                        rule.rounding != crate::number::Rounding::Exact
                            && repaired
                                .first()
                                .and_then(|&first| self.evaluations.get(first))
                                .is_some_and(|e| e.target == Some(at))
                    })
            })
    }

    /// The finding of one change of a confident explanation, with its fix, safe to apply.
    fn confident_finding(
        &self,
        repair: &Repair,
        repaired: &[usize],
        change: &localize::Change,
    ) -> Finding {
        let convention = self.convention;
        let Repair {
            vi_from, en_from, ..
        } = repair;
        let (actual, expected) = self.shown_change(change);
        let (says_vi, says_en) = if actual.is_empty() {
            ("để trống".to_string(), "it is blank".to_string())
        } else {
            let (actual_vi, actual_en) = for_messages(&actual, convention);
            (format!("ghi {actual_vi}"), format!("it says {actual_en}"))
        };
        let (expected_vi, expected_en) = for_messages(&expected, convention);
        let reason = match change.typo {
            Some(typo) => typo.reason(),
            None if self.is_rate(repaired, change.cell) => Message::new(
                "tỷ lệ chưa được cập nhật sau khi số liệu thành phần thay đổi",
                "the percentage was not updated after its parts changed",
            ),
            None => Message::new(
                "giá trị duy nhất làm mọi quan hệ đều thỏa",
                "the one value that makes every relation hold",
            ),
        };
        let cell = change.cell;
        Finding {
            code: repair.single_relation_code.unwrap_or(codes::WRONG_CELL),
            severity: Severity::Error,
            sheet: self.sheet.name.clone(),
            cell,
            cells: others(repair.related.iter().copied(), cell),
            message: Message::new(
                format!(
                    "{vi_from}{cell} có lẽ sai: {says_vi}, đúng ra là {expected_vi} ({}); sửa ô này thì các quan hệ sau đều thỏa: {}",
                    reason.vi,
                    repair.vi_list.join("; ")
                ),
                format!(
                    "{en_from}{cell} is probably wrong: {says_en}, it should be {expected_en} ({}); with it corrected these relations hold: {}",
                    reason.en,
                    repair.en_list.join("; ")
                ),
            ),
            expected: Some(expected.clone()),
            actual: Some(actual),
            fix: Some(Fix {
                edits: vec![Edit {
                    cell,
                    value: change.value,
                    shown: expected,
                }],
                reason,
                applicability: Applicability::Safe,
            }),
            related: Vec::new(),
        }
    }

    /// The one finding of an ambiguous explanation: every candidate named, the first
    /// proposed for review.
    fn ambiguous_finding(&self, repair: &Repair, changes: &[localize::Change]) -> Option<Finding> {
        let convention = self.convention;
        let Repair {
            vi_from, en_from, ..
        } = repair;
        let first = changes.first()?;
        let (names_vi, names_en): (Vec<String>, Vec<String>) = changes
            .iter()
            .map(|c| {
                let (vi, en) = for_messages(&self.shown_change(c).1, convention);
                (format!("{} = {vi}", c.cell), format!("{} = {en}", c.cell))
            })
            .unzip();
        let (actual, expected) = self.shown_change(first);
        Some(Finding {
            code: codes::AMBIGUOUS_CELL,
            severity: Severity::Error,
            sheet: self.sheet.name.clone(),
            cell: first.cell,
            cells: others(repair.related.iter().copied(), first.cell),
            message: Message::new(
                format!(
                    "{vi_from}Các quan hệ sau không thỏa: {}; sửa một trong các ô sau đều làm chúng thỏa, cần người kiểm tra: {}",
                    repair.vi_list.join("; "),
                    names_vi.join(", ")
                ),
                format!(
                    "{en_from}These relations do not hold: {}; changing any one of these cells would make them hold, a person must decide: {}",
                    repair.en_list.join("; "),
                    names_en.join(", ")
                ),
            ),
            expected: Some(expected.clone()),
            actual: Some(actual),
            fix: Some(Fix {
                edits: vec![Edit {
                    cell: first.cell,
                    value: first.value,
                    shown: expected,
                }],
                reason: Message::new("một trong nhiều cách sửa", "one of several possible corrections"),
                applicability: Applicability::NeedsReview,
            }),
            related: Vec::new(),
        })
    }
}

/// What the findings of one explanation share: the cells of the relations it repairs,
/// those relations described in both languages, their code when there is one relation, and
/// the prefix of a finding from an inferred template.
struct Repair {
    related: Vec<CellRef>,
    vi_list: Vec<String>,
    en_list: Vec<String>,
    single_relation_code: Option<&'static str>,
    vi_from: &'static str,
    en_from: &'static str,
}

/// What a relation says, for a message: the rule's id or formula and the row it is on.
fn describe(template: &Template, bound: &Bound, relation: &Relation) -> (String, String) {
    let rule = template.spec.rules.get(relation.rule());
    let label = relation
        .row
        .and_then(|row| bound.layout.body_row(row))
        .map(|r| r.label.clone())
        .unwrap_or_default();
    let column = relation
        .column
        .map(crate::model::column_letters)
        .unwrap_or_default();
    match rule.map(|r| r.scope) {
        Some(Scope::Hierarchy) => (
            format!("tổng cột {column} của «{label}»"),
            format!("the column {column} total of «{label}»"),
        ),
        _ => {
            let what = rule
                .and_then(|r| r.expr.as_ref().map(|e| e.get_ref().clone()))
                .unwrap_or_default();
            let row = relation
                .row
                .map(|r| (u64::from(r) + 1).to_string())
                .unwrap_or_default();
            if row.is_empty() {
                (what.clone(), what)
            } else {
                (
                    format!("{what} (dòng {row})"),
                    format!("{what} (row {row})"),
                )
            }
        }
    }
}

/// Every cell of a relation but the primary one.
fn others(cells: impl IntoIterator<Item = CellRef>, primary: CellRef) -> Vec<CellRef> {
    cells.into_iter().filter(|c| *c != primary).collect()
}

/// The code a rule reports: the one the template names, or one chosen from its shape.
fn code_of(rule: &RuleSpec, parsed: &ParsedRule) -> &'static str {
    rule.code
        .as_deref()
        .and_then(|c| rule_docs().iter().find(|d| d.code == c))
        .map(|d| d.code)
        .unwrap_or_else(|| default_code(rule.scope, rule.rounding, &parsed.body))
}

/// The code a rule reports when the template does not name one.
fn default_code(scope: Scope, rounding: crate::number::Rounding, body: &RuleBody) -> &'static str {
    match (scope, body) {
        (Scope::Hierarchy, _) => codes::TOTAL,
        (_, RuleBody::Compare { op, .. }) if *op != Comparison::Eq && *op != Comparison::Ne => {
            codes::PART_EXCEEDS_TOTAL
        }
        _ if rounding != crate::number::Rounding::Exact => codes::RATIO,
        _ => codes::RELATION,
    }
}

/// The rule's own message with its placeholders filled, or a generic one; the values,
/// shown in the sheet's `convention`, written in each message language's.
#[allow(clippy::too_many_arguments)]
fn message_for(
    rule: &RuleSpec,
    body: &RuleBody,
    label: &str,
    expected: Option<&str>,
    actual: Option<&str>,
    difference: Option<&str>,
    target: CellRef,
    convention: Convention,
) -> Message {
    let in_both = |value: Option<&str>| value.map(|v| for_messages(v, convention));
    let (expected, actual, difference) = (in_both(expected), in_both(actual), in_both(difference));
    let pick = |value: &Option<(String, String)>, vi: bool| -> String {
        match value {
            Some((v, e)) => {
                if vi {
                    v.clone()
                } else {
                    e.clone()
                }
            }
            None => "?".to_string(),
        }
    };
    let fill = |text: &str, vi: bool| {
        text.replace("{expected}", &pick(&expected, vi))
            .replace("{actual}", &pick(&actual, vi))
            .replace("{difference}", &pick(&difference, vi))
            .replace("{label}", label)
    };
    if let Some(message) = &rule.message {
        return Message::new(fill(&message.vi, true), fill(&message.en, false));
    }
    let expr = rule
        .expr
        .as_ref()
        .map(|e| e.get_ref().clone())
        .unwrap_or_default();
    let at = if label.is_empty() {
        target.to_string()
    } else {
        format!("{target} ({label})")
    };
    let both_known = expected.is_some() && actual.is_some();
    let (e_vi, e_en) = (pick(&expected, true), pick(&expected, false));
    let (a_vi, a_en) = (pick(&actual, true), pick(&actual, false));
    let (d_vi, d_en) = (pick(&difference, true), pick(&difference, false));
    match body {
        RuleBody::Sum if both_known => Message::new(
            format!("{at}: dòng tổng ghi {a_vi} nhưng tổng các dòng con là {e_vi} (chênh {d_vi})"),
            format!(
                "{at}: the total row says {a_en} but its rows add up to {e_en} (off by {d_en})"
            ),
        ),
        _ if both_known => Message::new(
            format!("{at}: {expr} không thỏa: ghi {a_vi}, tính được {e_vi}"),
            format!("{at}: {expr} does not hold: reported {a_en}, computed {e_en}"),
        ),
        _ => Message::new(
            format!("{at}: {expr} không thỏa"),
            format!("{at}: {expr} does not hold"),
        ),
    }
}

/// A fix the rule alone determines: the reported cell set to the computed value, proposed
/// as safe when that change makes every relation reading the cell hold.
#[allow(clippy::too_many_arguments)]
fn propose_fix(
    evaluator: &Evaluator<'_>,
    relations: &Relations,
    evaluations: &Evaluations,
    readers: &Readers<'_>,
    target: CellRef,
    rhs: Option<&crate::interval::Interval>,
    parsed: &ParsedRule,
    scope: Scope,
    like: Option<crate::number::Quantity>,
    convention: Convention,
) -> Option<Fix> {
    let is_equation = matches!(
        parsed.body,
        RuleBody::Sum
            | RuleBody::Compare {
                op: Comparison::Eq,
                ..
            }
    );
    let rhs = rhs?;
    if !is_equation || rhs.lo != rhs.hi || (parsed.lhs_name.is_none() && scope != Scope::Hierarchy)
    {
        return None;
    }
    // The value as it would be written: at the cell's shown precision.
    let decimals = like.map_or(rhs.lo.scale(), |q| q.decimals);
    let value = rhs.lo.round_dp_with_strategy(
        decimals,
        rust_decimal::RoundingStrategy::MidpointAwayFromZero,
    );
    let overrides: HashMap<CellRef, Decimal> = HashMap::from([(target, value)]);
    let mut affected = readers.of(target).peekable();
    affected.peek()?;
    let all_hold = affected.all(|i| {
        let (Some(relation), Some(before)) = (relations.get(i), evaluations.get(i)) else {
            return false;
        };
        let after = evaluator.evaluate(&relation, &overrides);
        matches!(
            after.outcome,
            Outcome::Holds | Outcome::HoldsTruncated(_) | Outcome::HoldsRounded
        ) || (matches!(after.outcome, Outcome::Skipped)
            && matches!(before.outcome, Outcome::Skipped))
            || (evaluator
                .spec
                .rules
                .get(relation.rule())
                .is_some_and(|r| r.severity != Severity::Error)
                && matches!(before.outcome, Outcome::Fails(_)))
    });
    if !all_hold {
        // Another relation disagrees: the wrong cell may be a part, not this one.
        return None;
    }
    let shown = show_number(value, like, convention);
    let (shown_vi, shown_en) = for_messages(&shown, convention);
    Some(Fix {
        edits: vec![Edit {
            cell: target,
            value,
            shown: shown.clone(),
        }],
        reason: Message::new(
            format!("đặt {target} = {shown_vi} làm mọi quan hệ đọc ô này đều thỏa"),
            format!("setting {target} to {shown_en} makes every relation that reads it hold"),
        ),
        applicability: Applicability::Safe,
    })
}
