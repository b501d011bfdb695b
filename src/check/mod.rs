//! The check engine: applies a template's rules and the checks every file gets to a
//! workbook, and returns the findings in a deterministic order.

mod basics;
mod codes;
mod evaluations;
mod graph;
mod live;
mod localize;
mod relations;
mod rounding;
mod shown;
mod textnum;
mod typo;

use std::collections::HashMap;

use rust_decimal::Decimal;

pub use codes::*;
pub use live::live_formulas;
pub(crate) use live::{names_of, parse_rules, rule_formulas, substitute};

use crate::finding::{Applicability, Edit, Finding, Fix, Message, Severity};
use crate::layout::Layout;
use crate::model::{CellRef, Sheet, Workbook};
use crate::number::Convention;
use crate::recalc::FormulaReads;
use crate::template::{bind, recognizes, Bound, Scope, Template};
use evaluations::{Evaluations, Readers};
pub(crate) use relations::{Comparison, ParsedRule, RuleBody};
use relations::{Evaluator, Outcome};
pub(crate) use shown::{for_messages, in_convention, plain_value, show_value};
use shown::{show_interval, show_number};

/// Which template to check with.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum TemplateChoice {
    /// Recognise a built-in template from the sheet's labels.
    #[default]
    Auto,
    /// No template: only the checks every file gets.
    None,
    /// This template.
    Given(Box<Template>),
}

impl TemplateChoice {
    /// Reads a template argument, as the command line's `--template` and the web page give
    /// it: `auto` recognises a built-in template, `none` checks with none, text holding a
    /// newline or `=` is a template's TOML (no built-in id holds either), and anything else
    /// is a built-in template's id. The argument is text, never a path: a shell that takes
    /// a file reads it and hands its text to [`TemplateChoice::from_toml`].
    ///
    /// # Errors
    /// A [`crate::TemplateError`] when the TOML does not parse (with its line and column) or no
    /// built-in template has the id.
    ///
    /// # Examples
    /// ```
    /// use crossfoot::TemplateChoice;
    /// assert_eq!(TemplateChoice::parse("auto"), Ok(TemplateChoice::Auto));
    /// assert_eq!(TemplateChoice::parse("none"), Ok(TemplateChoice::None));
    /// let TemplateChoice::Given(form) = TemplateChoice::parse("tthc-06").unwrap() else { panic!() };
    /// assert_eq!(form.id, "tthc-06");
    /// assert!(TemplateChoice::parse("no-such-form").is_err());
    /// let broken = TemplateChoice::parse("id = \"x\"\ntitle = \n").unwrap_err();
    /// assert_eq!(broken.line, Some(2));
    /// ```
    pub fn parse(argument: &str) -> Result<TemplateChoice, crate::error::TemplateError> {
        match argument {
            "auto" => Ok(TemplateChoice::Auto),
            "none" => Ok(TemplateChoice::None),
            _ if argument.contains(['\n', '=']) => TemplateChoice::from_toml(argument),
            id => Template::builtin(id).map(|template| TemplateChoice::Given(Box::new(template))),
        }
    }

    /// The template a TOML text defines (a user's own template, read by the shell).
    ///
    /// # Errors
    /// A [`crate::TemplateError`] when the text is not a valid template, with its line and column
    /// where the TOML parser knows them.
    pub fn from_toml(text: &str) -> Result<TemplateChoice, crate::error::TemplateError> {
        Template::from_toml(text).map(|template| TemplateChoice::Given(Box::new(template)))
    }
}

/// The outcome of checking one workbook.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckReport {
    /// The id of the template used, if any.
    pub template: Option<String>,
    /// The findings, sorted by sheet order, row, column, then code.
    pub findings: Vec<Finding>,
    /// The workbook's number convention, in which the findings' `expected` and `actual`
    /// values and fixes are shown (as the sheet shows its numbers).
    pub convention: Convention,
}

impl CheckReport {
    /// Counts of findings by severity.
    pub fn summary(&self) -> crate::finding::Summary {
        crate::finding::Summary::of(&self.findings)
    }
}

/// Checks a workbook.
///
/// # Examples
/// ```
/// use crossfoot::{check, read_workbook, TemplateChoice};
/// let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").unwrap();
/// let book = read_workbook(&bytes, "tthc-06-q3-2022.xlsx").unwrap();
/// let report = check(&book, &TemplateChoice::Auto);
/// assert_eq!(report.template.as_deref(), Some("tthc-06"));
/// assert_eq!(report.summary().errors, 0);
/// ```
pub fn check(workbook: &Workbook, choice: &TemplateChoice) -> CheckReport {
    // Formulas first, as Excel recalculates them: the rest of the check reads the values
    // Excel shows, placeholders and stale values replaced by what their formulas compute.
    let recalculation = crate::recalc::recalculate(workbook);
    let saved = workbook;
    // Placeholders are replaced in a copy of the workbook (generated files, where they are
    // every formula); a few stale numbers are read in their place by the relations, so a
    // big sheet with one stale cell is not copied.
    let (copy, stale_numbers) = stale_numbers(&recalculation);
    let recalculated_book;
    let workbook = if copy {
        recalculated_book = crate::recalc::as_recalculated(workbook, &recalculation.recalculated);
        &recalculated_book
    } else {
        workbook
    };
    let chosen = choose_template(workbook, choice);
    let is_inferred = chosen.as_ref().is_some_and(|(t, _)| t.id == "inferred")
        && !matches!(choice, TemplateChoice::Given(_));

    let recomputed = &recalculation.results;
    let formula_reads = &recalculation.reads;
    let mut findings = Vec::new();
    let checks = chosen
        .as_ref()
        .map(|(t, _)| t.spec.checks)
        .unwrap_or_default();
    for (index, sheet) in workbook.sheets.iter().enumerate() {
        let bound = chosen
            .as_ref()
            .and_then(|(_, b)| b.iter().find(|(i, _)| *i == index).map(|(_, b)| b));
        let found_layout;
        let layout = match bound {
            Some(bound) => Some(&bound.layout),
            None => {
                found_layout = Layout::find(sheet);
                found_layout.as_ref()
            }
        };
        let sheet_first = findings.len();
        let reads_here = formula_reads.get(index);
        let figures = textnum::TextFigures::of(sheet, layout, reads_here);
        if checks.text_numbers {
            findings.extend(basics::text_numbers(sheet, &figures, workbook.convention));
        }
        if checks.ambiguous_numbers {
            findings.extend(basics::ambiguous_numbers(
                sheet,
                layout,
                workbook.convention,
            ));
        }
        if checks.dates {
            findings.extend(basics::dates_outside_period(sheet, layout));
        }
        // Stale values on this sheet, with the number each one saved.
        let stale: Vec<(CellRef, Decimal)> = recomputed
            .iter()
            .filter(|r| r.sheet == index)
            .filter_map(|r| match &r.outcome {
                crate::recalc::RecalcOutcome::Stale {
                    cached: crate::model::Value::Number(n),
                    ..
                } => Some((r.cell, *n)),
                _ => None,
            })
            .collect();
        let mut folded = HashMap::new();
        let no_numbers = HashMap::new();
        if let (Some((template, _)), Some(bound)) = (&chosen, bound) {
            let no_reads = FormulaReads::default();
            let reads = formula_reads.get(index).unwrap_or(&no_reads);
            let (rule_found, broken_by_stale) = rule_findings(
                template,
                sheet,
                bound,
                reads,
                workbook.convention,
                &stale,
                stale_numbers.get(&index).unwrap_or(&no_numbers),
            );
            findings.extend(rule_found);
            folded = broken_by_stale;
        }
        if checks.stale_formulas {
            findings.extend(basics::stale_formulas(saved, index, recomputed, &folded));
        }
        textnum::sums_skipping_text(
            sheet,
            &figures,
            reads_here,
            workbook.convention,
            checks.text_numbers,
            &mut findings,
            sheet_first,
        );
    }
    if checks.stale_formulas {
        findings.extend(basics::recalculation_notes(saved, recomputed));
    }
    if let Some((template, bound)) = &chosen {
        if bound.is_empty() {
            if let Some(sheet) = workbook.sheets.first() {
                findings.push(Finding {
                    code: codes::TEMPLATE_NOT_FOUND,
                    severity: Severity::Warning,
                    sheet: sheet.name.clone(),
                    cell: CellRef::new(0, 0),
                    cells: Vec::new(),
                    message: Message::new(
                        format!(
                            "Mẫu biểu '{}' không khớp trang nào: thiếu cột hoặc dòng mà mẫu cần",
                            template.id
                        ),
                        format!(
                            "Template '{}' matches no sheet: a column or row it needs is missing",
                            template.id
                        ),
                    ),
                    expected: None,
                    actual: None,
                    fix: None,
                });
            }
        }
    }

    // Formula regions (a constant among formulas, a short SUM) are read from the data too.
    if is_inferred {
        findings.extend(crate::infer::formula_region_findings(workbook));
    }

    let order: HashMap<&str, usize> = workbook
        .sheets
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    findings.sort_by(|a, b| {
        let sa = order.get(a.sheet.as_str()).copied().unwrap_or(usize::MAX);
        let sb = order.get(b.sheet.as_str()).copied().unwrap_or(usize::MAX);
        (sa, a.cell.row, a.cell.col, a.code, &a.message.en).cmp(&(
            sb,
            b.cell.row,
            b.cell.col,
            b.code,
            &b.message.en,
        ))
    });
    findings.dedup();
    CheckReport {
        template: chosen.map(|(t, _)| t.id),
        findings,
        convention: workbook.convention,
    }
}

/// The template a check uses and the sheets it binds to. With no template, or no built-in
/// one that matches, the template inferred from the data.
fn choose_template(
    workbook: &Workbook,
    choice: &TemplateChoice,
) -> Option<(Template, Vec<(usize, Bound)>)> {
    let inferred = || {
        crate::infer::infer_template(workbook)
            .map(|inferred| {
                let bound = bindings(&inferred.template, workbook, false);
                (inferred.template, bound)
            })
            .filter(|(_, bound)| !bound.is_empty())
    };
    match choice {
        TemplateChoice::None => inferred(),
        TemplateChoice::Given(template) => {
            Some(((**template).clone(), bindings(template, workbook, false)))
        }
        TemplateChoice::Auto => Template::all_builtins()
            .iter()
            .find_map(|template| {
                let bound = bindings(template, workbook, true);
                (!bound.is_empty()).then(|| (template.clone(), bound))
            })
            .or_else(inferred),
    }
}

/// The sheets a template binds to. When recognising automatically, only sheets whose
/// labels the template recognises; when the template was chosen, any sheet it binds to.
fn bindings(template: &Template, workbook: &Workbook, auto: bool) -> Vec<(usize, Bound)> {
    let recognised: Vec<(usize, Bound)> = workbook
        .sheets
        .iter()
        .enumerate()
        .filter(|(_, sheet)| recognizes(template, sheet))
        .filter_map(|(i, sheet)| bind(template, sheet).ok().map(|b| (i, b)))
        .collect();
    if auto || !recognised.is_empty() {
        return recognised;
    }
    workbook
        .sheets
        .iter()
        .enumerate()
        .filter_map(|(i, sheet)| bind(template, sheet).ok().map(|b| (i, b)))
        .take(1)
        .collect()
}

/// Checks a rule formula for a template: it parses, and names only `allowed` names.
/// Returns the byte offset and message of the first problem.
pub(crate) fn validate_rule_formula(text: &str, allowed: &[&str]) -> Result<(), (usize, String)> {
    let parts: Vec<&str> = match relations::split_comparison(text) {
        Some((lhs, _, rhs)) => vec![lhs, rhs],
        None => vec![text],
    };
    for part in parts {
        let expr =
            crate::formula::parse_formula(part).map_err(|e| (e.offset, e.message.clone()))?;
        for reference in crate::formula::references(&expr) {
            if let crate::formula::Reference::Name(name) = reference {
                if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&name)) {
                    return Err((
                        0,
                        format!("tên '{name}' chưa khai báo trong [columns], [rows] hoặc [cells] / name '{name}' is not defined in [columns], [rows] or [cells]"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whether the workbook must be copied with the values Excel computes (placeholders, or a
/// stale value that is not a number), and otherwise each sheet's stale formula cells with
/// the numbers Excel computes for them.
fn stale_numbers(
    recalculation: &crate::recalc::Recalculation,
) -> (bool, HashMap<usize, HashMap<CellRef, Decimal>>) {
    let placeholders = recalculation
        .results
        .iter()
        .any(|r| matches!(r.outcome, crate::recalc::RecalcOutcome::Placeholder { .. }));
    if placeholders {
        return (true, HashMap::new());
    }
    let mut numbers: HashMap<usize, HashMap<CellRef, Decimal>> = HashMap::new();
    for ((sheet, at), value) in &recalculation.recalculated {
        match value {
            crate::formula::EvalValue::Number(n) if n.is_point() => {
                numbers.entry(*sheet).or_default().insert(*at, n.lo);
            }
            _ => return (true, HashMap::new()),
        }
    }
    (false, numbers)
}

/// The relations a stale value breaks, by the stale cell: each as its description (in
/// both languages) and the cells it reads. They hold with the value Excel computes, so
/// they are folded into the stale cell's one finding rather than reported apart.
pub(crate) type BrokenByStale = HashMap<CellRef, Vec<(Message, Vec<CellRef>)>>;

/// The findings of a template's rules on one bound sheet (which reads the values Excel
/// computes), and the relations each of the sheet's `stale` cells breaks with the value it
/// saved.
fn rule_findings(
    template: &Template,
    sheet: &Sheet,
    bound: &Bound,
    formula_reads: &FormulaReads,
    convention: Convention,
    stale: &[(CellRef, Decimal)],
    recalculated: &HashMap<CellRef, Decimal>,
) -> (Vec<Finding>, BrokenByStale) {
    let parsed: Vec<ParsedRule> = template
        .spec
        .rules
        .iter()
        .filter_map(|rule| ParsedRule::parse(rule).ok())
        .collect();
    if parsed.len() != template.spec.rules.len() {
        return (Vec::new(), BrokenByStale::new());
    }
    let evaluator =
        Evaluator::new(sheet, bound, &template.spec, &parsed).with_recalculated(recalculated);
    let relations = evaluator.relations();
    let evaluations = Evaluations::of(&evaluator, &relations);
    // The readers index and the formula graph serve only failing relations (localization
    // and fixes): a clean sheet, the common case in a batch, skips building them.
    let failing = evaluations.whole().any(|(_, evaluation)| {
        matches!(
            evaluation.outcome,
            Outcome::Fails(_) | Outcome::ErrorValue(_)
        )
    });
    let (readers, explanations) = if failing {
        let readers = Readers::new(&evaluations);
        let graph = graph::FormulaGraph::build(sheet, formula_reads);
        let explanations =
            localize::Localizer::new(&evaluator, &relations, &evaluations, &graph, &readers)
                .explain();
        (readers, explanations)
    } else if !stale.is_empty() {
        (Readers::new(&evaluations), Vec::new())
    } else {
        (Readers::default(), Vec::new())
    };
    let mut broken_by_stale = BrokenByStale::new();
    for &(at, saved) in stale {
        let overrides = HashMap::from([(at, saved)]);
        for i in readers.of(at) {
            let (Some(relation), Some(before)) = (relations.get(i), evaluations.get(i)) else {
                continue;
            };
            if matches!(before.outcome, Outcome::Fails(_)) {
                continue;
            }
            let after = evaluator.evaluate(&relation, &overrides);
            if matches!(after.outcome, Outcome::Fails(_)) {
                let (vi, en) = describe(template, bound, &relation);
                broken_by_stale
                    .entry(at)
                    .or_default()
                    .push((Message::new(vi, en), others(after.cells.iter(), at)));
            }
        }
    }
    let explained: std::collections::HashSet<usize> = explanations
        .iter()
        .flat_map(|e| match e {
            localize::Explanation::Confident { repaired, .. }
            | localize::Explanation::Ambiguous { repaired, .. } => repaired.iter().copied(),
        })
        .collect();

    let mut findings = Vec::new();
    for explanation in &explanations {
        findings.extend(explanation_findings(
            explanation,
            template,
            &parsed,
            sheet,
            bound,
            &relations,
            &evaluations,
            convention,
        ));
    }
    let mut error_cells = Vec::new();
    let mut within_rounding = Vec::new();
    // Nearly every relation holds or is skipped: only those kept whole can say more.
    for (index, evaluation) in evaluations.whole() {
        if matches!(evaluation.outcome, Outcome::Holds | Outcome::Skipped)
            || explained.contains(&index)
        {
            continue;
        }
        let Some(relation) = relations.get(index) else {
            continue;
        };
        let Some(rule) = template.spec.rules.get(relation.rule()) else {
            continue;
        };
        let Some(parsed_rule) = parsed.get(relation.rule()) else {
            continue;
        };
        match &evaluation.outcome {
            Outcome::Holds | Outcome::Skipped => {}
            Outcome::ErrorValue(cells) => error_cells.extend(cells.iter().copied()),
            Outcome::HoldsRounded => within_rounding.push((relation, evaluation.target)),
            Outcome::HoldsTruncated(sides) => {
                let Some(target) = evaluation.target else {
                    continue;
                };
                let (lhs, rhs) = (sides.0, &sides.1);
                let rounded = show_interval(rhs, Some(lhs), convention);
                let actual = show_number(lhs.value, Some(lhs), convention);
                findings.push(Finding {
                    code: codes::TRUNCATED,
                    severity: Severity::Info,
                    sheet: sheet.name.clone(),
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
                });
            }
            Outcome::Fails(sides) => {
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
                    .and_then(|row| bound.layout.body_row(row))
                    .map(|r| r.label.clone())
                    .unwrap_or_default();
                let fix = propose_fix(
                    &evaluator,
                    &relations,
                    &evaluations,
                    &readers,
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
                findings.push(Finding {
                    code,
                    severity: rule.severity,
                    sheet: sheet.name.clone(),
                    cell: target,
                    cells: others(evaluation.cells.iter(), target),
                    message,
                    expected,
                    actual,
                    fix,
                });
            }
        }
    }
    findings.extend(rounding::within_rounding(
        &evaluator,
        &within_rounding,
        sheet,
        convention,
    ));
    error_cells.sort();
    error_cells.dedup();
    for at in error_cells {
        let shown = sheet
            .cell(at)
            .map(|c| shown::show_value(&c.value, Some(c), convention))
            .unwrap_or_default();
        findings.push(Finding {
            code: codes::FORMULA_ERROR,
            severity: Severity::Error,
            sheet: sheet.name.clone(),
            cell: at,
            cells: Vec::new(),
            message: Message::new(
                format!("Ô {at} chứa lỗi {shown}; các quy tắc đọc ô này không kiểm tra được"),
                format!("{at} holds the error {shown}; the rules that read it cannot be checked"),
            ),
            expected: None,
            actual: Some(shown),
            fix: None,
        });
    }
    (findings, broken_by_stale)
}

/// What a relation says, for a message: the rule's id or formula and the row it is on.
fn describe(
    template: &Template,
    bound: &Bound,
    relation: &relations::Relation,
) -> (String, String) {
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

/// One root finding per proposed change (or one for an ambiguity), in place of the findings
/// of the relations it repairs.
#[allow(clippy::too_many_arguments)]
fn explanation_findings(
    explanation: &localize::Explanation,
    template: &Template,
    parsed: &[ParsedRule],
    sheet: &Sheet,
    bound: &Bound,
    relations: &relations::Relations,
    evaluations: &Evaluations,
    convention: Convention,
) -> Vec<Finding> {
    let (repaired, changes, confident) = match explanation {
        localize::Explanation::Confident { changes, repaired } => (repaired, changes, true),
        localize::Explanation::Ambiguous {
            candidates,
            repaired,
        } => (repaired, candidates, false),
    };
    let mut related: Vec<CellRef> = repaired
        .iter()
        .flat_map(|&i| evaluations.cells(i))
        .collect();
    related.sort();
    related.dedup();
    let (vi_list, en_list): (Vec<String>, Vec<String>) = repaired
        .iter()
        .filter_map(|&i| relations.get(i))
        .map(|r| describe(template, bound, &r))
        .unzip();
    let single_relation_code = match repaired.as_slice() {
        [only] => relations.get(*only).and_then(|relation| {
            Some(code_of(
                template.spec.rules.get(relation.rule())?,
                parsed.get(relation.rule())?,
            ))
        }),
        _ => None,
    };
    let shown = |change: &localize::Change| {
        let like = sheet.cell(change.cell).and_then(shown::quantity_of);
        let actual = sheet
            .cell(change.cell)
            .map(|c| shown::show_value(&c.value, Some(c), convention))
            .unwrap_or_default();
        (actual, show_number(change.value, like, convention))
    };
    let is_rate = |at: CellRef| {
        repaired
            .iter()
            .filter_map(|&i| relations.get(i))
            .any(|relation| {
                template
                    .spec
                    .rules
                    .get(relation.rule())
                    .is_some_and(|rule| {
                        rule.rounding != crate::number::Rounding::Exact
                            && repaired
                                .first()
                                .and_then(|&first| evaluations.get(first))
                                .is_some_and(|e| e.target == Some(at))
                    })
            })
    };
    // Findings from rules the engine inferred say so, as their own messages do.
    let (vi_from, en_from) = if template.id == "inferred" {
        ("Suy ra từ dữ liệu: ", "Inferred from the data: ")
    } else {
        ("", "")
    };
    if confident {
        changes
            .iter()
            .map(|change| {
                let (actual, expected) = shown(change);
                let (actual_vi, actual_en) = for_messages(&actual, convention);
                let (expected_vi, expected_en) = for_messages(&expected, convention);
                let reason = match change.typo {
                    Some(typo) => typo.reason(),
                    None if is_rate(change.cell) => Message::new(
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
                    code: single_relation_code.unwrap_or(codes::WRONG_CELL),
                    severity: Severity::Error,
                    sheet: sheet.name.clone(),
                    cell,
                    cells: others(related.iter().copied(), cell),
                    message: Message::new(
                        format!(
                            "{vi_from}{cell} có lẽ sai: ghi {actual_vi}, đúng ra là {expected_vi} ({}); sửa ô này thì các quan hệ sau đều thỏa: {}",
                            reason.vi,
                            vi_list.join("; ")
                        ),
                        format!(
                            "{en_from}{cell} is probably wrong: it says {actual_en}, it should be {expected_en} ({}); with it corrected these relations hold: {}",
                            reason.en,
                            en_list.join("; ")
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
                }
            })
            .collect()
    } else {
        let Some(first) = changes.first() else {
            return Vec::new();
        };
        let (names_vi, names_en): (Vec<String>, Vec<String>) = changes
            .iter()
            .map(|c| {
                let (vi, en) = for_messages(&shown(c).1, convention);
                (format!("{} = {vi}", c.cell), format!("{} = {en}", c.cell))
            })
            .unzip();
        let (actual, expected) = shown(first);
        vec![Finding {
            code: codes::AMBIGUOUS_CELL,
            severity: Severity::Error,
            sheet: sheet.name.clone(),
            cell: first.cell,
            cells: others(related.iter().copied(), first.cell),
            message: Message::new(
                format!(
                    "{vi_from}Các quan hệ sau không thỏa: {}; sửa một trong các ô sau đều làm chúng thỏa, cần người kiểm tra: {}",
                    vi_list.join("; "),
                    names_vi.join(", ")
                ),
                format!(
                    "{en_from}These relations do not hold: {}; changing any one of these cells would make them hold, a person must decide: {}",
                    en_list.join("; "),
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
        }]
    }
}

/// Every cell of a relation but the primary one.
fn others(cells: impl IntoIterator<Item = CellRef>, primary: CellRef) -> Vec<CellRef> {
    cells.into_iter().filter(|c| *c != primary).collect()
}

/// The code a rule reports: the one the template names, or one chosen from its shape.
fn code_of(rule: &crate::template::RuleSpec, parsed: &ParsedRule) -> &'static str {
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
    rule: &crate::template::RuleSpec,
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
    relations: &relations::Relations,
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
