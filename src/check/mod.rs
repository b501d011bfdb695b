//! The check engine: applies a template's rules and the checks every file gets to a
//! workbook, and returns the findings in a deterministic order.

mod basics;
mod evaluations;
mod graph;
mod live;
mod localize;
mod regions;
mod relations;
mod rounding;
mod rules;
mod shown;
mod textnum;
mod typo;

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;

pub use live::live_formulas;
pub use regions::formula_region_findings;
// Live formulas for the form writer, values as shown for the renderer.
pub(crate) use live::{names_of, rule_formulas, substitute};
pub(crate) use shown::{in_convention, plain_value};
// The period a sheet states, for the check across two periods' files.
pub(crate) use basics::stated_period_at;

use crate::codes;
use crate::finding::{Finding, Message, Severity};
use crate::layout::Layout;
use crate::model::{CellRef, Workbook};
use crate::number::Convention;
use crate::recalc::FormulaReads;
use crate::template::{bind, recognizes, Bound, Missing, Needed, Template, Unbound};
pub(crate) use rules::failing_relations;
use rules::{rule_findings, BrokenByStale};

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
    /// The template the check used, bound to the workbook's sheets: what
    /// [`live_formulas`] writes its formulas from, so that it does not choose (or infer)
    /// the template again.
    pub(crate) bound: Option<Arc<BoundTemplate>>,
}

/// A template bound to the sheets of one workbook: the sheets' indices and bindings.
#[derive(Clone, PartialEq)]
pub(crate) struct BoundTemplate {
    /// The template.
    pub template: Template,
    /// Each sheet it binds to, by its index in the workbook.
    pub sheets: Vec<(usize, Bound)>,
    /// When it binds to none, the sheet it came closest to binding (by index) and what it
    /// lacks there: what CF002 says. Taken when the finding is made.
    pub closest: Option<(usize, Unbound)>,
}

impl BoundTemplate {
    /// The binding of the sheet at `index`, if the template binds to it.
    fn sheet(&self, index: usize) -> Option<&Bound> {
        self.sheets
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, bound)| bound)
    }
}

// A report's debug output names the template and its sheets, not every bound row.
impl std::fmt::Debug for BoundTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sheets: Vec<usize> = self.sheets.iter().map(|(index, _)| *index).collect();
        f.debug_struct("BoundTemplate")
            .field("template", &self.template.id)
            .field("sheets", &sheets)
            .finish()
    }
}

impl CheckReport {
    /// Counts of findings by severity.
    pub fn summary(&self) -> crate::finding::Summary {
        crate::finding::Summary::of(&self.findings)
    }

    /// The template the check used (a built-in one it recognised, the one given, or the
    /// one it inferred), if any: what a check across files binds the other file with.
    ///
    /// # Examples
    /// ```
    /// use crossfoot::{check, read_workbook, TemplateChoice};
    /// let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").unwrap();
    /// let book = read_workbook(&bytes, "tthc-06-q3-2022.xlsx").unwrap();
    /// let report = check(&book, &TemplateChoice::Auto);
    /// assert_eq!(report.template_used().map(|t| t.id.as_str()), Some("tthc-06"));
    /// ```
    pub fn template_used(&self) -> Option<&Template> {
        self.bound.as_ref().map(|bound| &bound.template)
    }

    /// Adds findings made outside the check (across files) to the report, in the report's
    /// order: by `workbook`'s sheet order, row, column, then code.
    pub fn add_findings(&mut self, workbook: &Workbook, findings: Vec<Finding>) {
        self.findings.extend(findings);
        sort_findings(workbook, &mut self.findings);
    }
}

/// Sorts findings by the workbook's sheet order, then row, column, code and message, and
/// drops repeats.
fn sort_findings(workbook: &Workbook, findings: &mut Vec<Finding>) {
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
    let mut chosen = choose_template(workbook, choice);
    let is_inferred = chosen.as_ref().is_some_and(|c| c.template.id == "inferred")
        && !matches!(choice, TemplateChoice::Given(_));

    let recomputed = &recalculation.results;
    let formula_reads = &recalculation.reads;
    let mut findings = Vec::new();
    let checks = chosen
        .as_ref()
        .map(|c| c.template.spec.checks)
        .unwrap_or_default();
    for (index, sheet) in workbook.sheets.iter().enumerate() {
        let bound = chosen.as_ref().and_then(|c| c.sheet(index));
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
        if let (Some(BoundTemplate { template, .. }), Some(bound)) = (&chosen, bound) {
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
    if let Some(chosen) = chosen.as_mut().filter(|chosen| chosen.sheets.is_empty()) {
        findings.extend(template_not_found(
            &chosen.template,
            workbook,
            chosen.closest.take(),
        ));
    }

    // Formula regions (a constant among formulas, a short SUM) are read from the data too.
    if is_inferred {
        findings.extend(formula_region_findings(workbook));
    }

    sort_findings(workbook, &mut findings);
    CheckReport {
        template: chosen.as_ref().map(|c| c.template.id.clone()),
        findings,
        convention: workbook.convention,
        bound: chosen.map(Arc::new),
    }
}

/// How many missing columns and rows CF002 names; the rest are counted.
const MISSING_NAMED: usize = 5;

/// The warning that the chosen `template` binds to no sheet: on the sheet it came closest
/// to binding (`closest`), each column or row it lacks there with the labels it looks for
/// and the nearest label the sheet shows, at the first such label's cell.
fn template_not_found(
    template: &Template,
    workbook: &Workbook,
    closest: Option<(usize, Unbound)>,
) -> Option<Finding> {
    let generic = || {
        Message::new(
            format!(
                "Mẫu biểu '{}' không khớp trang nào: thiếu cột hoặc dòng mà mẫu cần",
                template.id
            ),
            format!(
                "Template '{}' matches no sheet: a column or row it needs is missing",
                template.id
            ),
        )
    };
    let (sheet, cell, message) = match closest {
        Some((index, mut unbound)) => {
            let sheet = workbook.sheets.get(index)?;
            unbound.explain(sheet, MISSING_NAMED);
            let cell = unbound
                .missing
                .iter()
                .take(MISSING_NAMED)
                .find_map(|missing| missing.nearest.as_ref().map(|seen| seen.at))
                .unwrap_or(CellRef::new(0, 0));
            let message = if unbound.missing.is_empty() {
                generic()
            } else {
                not_found_message(&template.id, &sheet.name, &unbound.missing)
            };
            (sheet, cell, message)
        }
        None => (workbook.sheets.first()?, CellRef::new(0, 0), generic()),
    };
    Some(Finding {
        code: codes::TEMPLATE_NOT_FOUND,
        severity: Severity::Warning,
        sheet: sheet.name.clone(),
        cell,
        cells: Vec::new(),
        message,
        expected: None,
        actual: None,
        fix: None,
        related: Vec::new(),
    })
}

/// CF002's message: `Mẫu biểu 'x' không khớp trang nào: trang 'Sheet1' thiếu cột 'a' (nhãn
/// «…»); nhãn gần nhất: «…» (C5)`, each missing column or row in turn.
fn not_found_message(id: &str, sheet: &str, missing: &[Missing]) -> Message {
    let quoted = |labels: &[String], or: &str| {
        labels
            .iter()
            .map(|label| format!("«{label}»"))
            .collect::<Vec<_>>()
            .join(or)
    };
    let named = missing.get(..MISSING_NAMED).unwrap_or(missing);
    // A sheet of another form is near none of them: said once, not of each.
    let any_near = named.iter().any(|missing| missing.nearest.is_some());
    let mut vi = Vec::new();
    let mut en = Vec::new();
    for missing in named {
        let (what_vi, what_en) = match missing.needed {
            Needed::Table => {
                vi.push("không có bảng số liệu nào".to_string());
                en.push("holds no table of figures".to_string());
                continue;
            }
            Needed::Column => ("cột", "column"),
            Needed::Row => ("dòng", "row"),
        };
        let mut looked_vi = Vec::new();
        let mut looked_en = Vec::new();
        if !missing.labels.is_empty() {
            looked_vi.push(format!("nhãn {}", quoted(&missing.labels, " hoặc ")));
            looked_en.push(format!("label {}", quoted(&missing.labels, " or ")));
        }
        if let Some(after) = &missing.after_missing {
            looked_vi.push(format!("tìm dưới dòng '{after}', dòng này cũng thiếu"));
            looked_en.push(format!("looked for below row '{after}', missing too"));
        }
        let looked = |parts: &[String]| {
            if parts.is_empty() {
                String::new()
            } else {
                format!(" ({})", parts.join(", "))
            }
        };
        let (near_vi, near_en) = match &missing.nearest {
            Some(seen) => (
                format!("; nhãn gần nhất: «{}» ({})", seen.label, seen.at),
                format!("; nearest label seen: «{}» ({})", seen.label, seen.at),
            ),
            None if any_near => (
                "; không thấy nhãn nào gần giống".to_string(),
                "; no label seen comes near it".to_string(),
            ),
            None => (String::new(), String::new()),
        };
        vi.push(format!(
            "thiếu {what_vi} '{}'{}{near_vi}",
            missing.name,
            looked(&looked_vi)
        ));
        en.push(format!(
            "lacks {what_en} '{}'{}{near_en}",
            missing.name,
            looked(&looked_en)
        ));
    }
    let table_only = named.iter().all(|missing| missing.needed == Needed::Table);
    if !any_near && !table_only {
        vi.push("không thấy nhãn nào gần giống trên trang".to_string());
        en.push("no label on the sheet comes near any of them".to_string());
    }
    let more = missing.len().saturating_sub(MISSING_NAMED);
    if more > 0 {
        vi.push(format!("và {more} cột hoặc dòng khác"));
        en.push(format!("and {more} more columns or rows"));
    }
    Message::new(
        format!(
            "Mẫu biểu '{id}' không khớp trang nào: trang '{sheet}' {}",
            vi.join("; ")
        ),
        format!(
            "Template '{id}' matches no sheet: sheet '{sheet}' {}",
            en.join("; ")
        ),
    )
}

/// The template a check uses and the sheets it binds to. With no template, or no built-in
/// one that matches, the template inferred from the data.
fn choose_template(workbook: &Workbook, choice: &TemplateChoice) -> Option<BoundTemplate> {
    let inferred = || {
        crate::infer::infer_template(workbook)
            .map(|inferred| {
                let (sheets, _) = bindings(&inferred.template, workbook, false);
                BoundTemplate {
                    template: inferred.template,
                    sheets,
                    closest: None,
                }
            })
            .filter(|chosen| !chosen.sheets.is_empty())
    };
    match choice {
        TemplateChoice::None => inferred(),
        TemplateChoice::Given(template) => {
            let (sheets, closest) = bindings(template, workbook, false);
            Some(BoundTemplate {
                template: (**template).clone(),
                sheets,
                closest,
            })
        }
        TemplateChoice::Auto => Template::all_builtins()
            .iter()
            .find_map(|template| {
                let (sheets, _) = bindings(template, workbook, true);
                (!sheets.is_empty()).then(|| BoundTemplate {
                    template: template.clone(),
                    sheets,
                    closest: None,
                })
            })
            .or_else(inferred),
    }
}

/// The sheets a template binds to (by index), and when it binds to none, the sheet it came
/// closest to binding and what it lacks there.
pub(crate) type Bindings = (Vec<(usize, Bound)>, Option<(usize, Unbound)>);

/// The sheets a template binds to. When recognising automatically, only sheets whose
/// labels the template recognises; when the template was chosen, any sheet it binds to.
/// With none, the sheet it came closest to binding and what it lacks there.
pub(crate) fn bindings(template: &Template, workbook: &Workbook, auto: bool) -> Bindings {
    let mut closest: Option<(usize, Unbound)> = None;
    let mut keep_closest = |index: usize, unbound: Unbound| {
        if closest
            .as_ref()
            .is_none_or(|(_, nearer)| unbound.closer_than(nearer))
        {
            closest = Some((index, unbound));
        }
    };
    let mut recognised = Vec::new();
    let mut tried = Vec::new();
    for (i, sheet) in workbook.sheets.iter().enumerate() {
        if !recognizes(template, sheet) {
            continue;
        }
        tried.push(i);
        match bind(template, sheet) {
            Ok(bound) => recognised.push((i, bound)),
            Err(unbound) => keep_closest(i, unbound),
        }
    }
    if auto || !recognised.is_empty() {
        return (recognised, None);
    }
    for (i, sheet) in workbook.sheets.iter().enumerate() {
        if tried.contains(&i) {
            continue;
        }
        match bind(template, sheet) {
            Ok(bound) => return (vec![(i, bound)], None),
            Err(unbound) => keep_closest(i, unbound),
        }
    }
    (Vec::new(), closest)
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
