//! Recomputes every formula of a workbook whose functions are supported, as Excel would,
//! and compares the result with the saved value: a difference Excel would show means the
//! file was saved without recalculating (a stale value); in a workbook that asks to be
//! recalculated when it is opened, the saved values are placeholders instead, and the
//! recomputed ones are what Excel will show.
//!
//! A formula is first computed exactly from the saved values of the cells it reads (fast,
//! and the same to 15 significant digits as Excel's result nearly always); only a formula
//! that disagrees with its saved value is computed again in Excel's binary arithmetic
//! ([`crate::formula::binary`]) and is stale only when Excel would show a different number.
//! Then, when some saved values are not what Excel computes, the formulas that read them
//! are recomputed in dependency order from the recomputed values, as Excel recalculates: a
//! grand total that adds a stale section is judged on the section's recomputed value, so
//! one stale cell is one finding, not a cascade.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use rust_decimal::Decimal;

use smallvec::SmallVec;

use crate::formula::binary;
use crate::formula::plain::{evaluate_plain, Plain, PlainCells, Reads};
use crate::formula::{
    evaluate, evaluate_binary, parse_formula, references, EvalValue, ExcelError, Expr,
    FormulaError, Operand, Reference, Resolver, RoundingInput,
};
use crate::interval::{round_decimal, Interval, RoundMode};
use crate::model::{
    Cell, CellRange, CellRef, Date, RangeVisit, RowIndex, Sheet, Value, Workbook, MAX_RANGE_CELLS,
};

/// The outcome of recomputing one formula cell.
#[derive(Debug, Clone, PartialEq)]
pub enum RecalcOutcome {
    /// The recomputed value is the saved one, as Excel would show it.
    Matches,
    /// The saved value differs from what the formula computes today.
    Stale {
        /// The value stored in the file.
        cached: Value,
        /// The value the formula gives from its inputs (recomputed ones where they are
        /// stale themselves).
        computed: EvalValue,
    },
    /// The saved value is a placeholder, not a result: the workbook asks to be recalculated
    /// when it is opened, or the formula has no saved value. Excel will show `computed`;
    /// a program that reads saved values sees `saved`.
    Placeholder {
        /// The value stored in the file.
        saved: Value,
        /// The value Excel will compute and show.
        computed: EvalValue,
    },
    /// The formula could not be recomputed; the text says why (a parse error, an
    /// unsupported function, a link to another workbook). Its saved value stands.
    NotRecomputed(String),
}

/// One recomputed formula cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Recomputed {
    /// Index of the sheet in [`Workbook::sheets`].
    pub sheet: usize,
    /// The formula's cell.
    pub cell: CellRef,
    /// What recomputing it found.
    pub outcome: RecalcOutcome,
}

/// Excel's serial number of a date in the 1900 date system (with its fictitious
/// 29 February 1900, so serials from 1 March 1900 on agree with Excel).
fn date_serial(date: &Date) -> Option<Decimal> {
    let days = crate::period::days_from_civil(date.year, date.month, date.day);
    // 1899-12-30 is day -25569; before 1 March 1900 (day -25508) Excel is one day behind.
    let serial = if days < -25_508 {
        days.checked_add(25_568)?
    } else {
        days.checked_add(25_569)?
    };
    Some(Decimal::from(serial))
}

/// A stored cell value as the evaluator sees it.
pub(crate) fn eval_value(value: &Value) -> EvalValue {
    match value {
        Value::Empty => EvalValue::Blank,
        Value::Number(n) => EvalValue::number(*n),
        Value::Float(_) => EvalValue::Error(ExcelError::Unsupported(
            "a number beyond exact decimal range".to_string(),
        )),
        Value::Text(text) => EvalValue::Text(text.to_string()),
        Value::Bool(b) => EvalValue::Bool(*b),
        Value::Error(code) => EvalValue::Error(
            ExcelError::from_code(code)
                .unwrap_or_else(|| ExcelError::Unsupported(format!("error value {code}"))),
        ),
        Value::Date(date) => {
            date_serial(date).map_or(EvalValue::Error(ExcelError::Num), EvalValue::number)
        }
    }
}

/// The values formulas compute where they differ from the saved ones, by sheet index and
/// cell: what Excel shows once it recalculates.
pub(crate) type Recalculated = BTreeMap<(usize, CellRef), EvalValue>;

/// A reference this workbook cannot follow: a sheet of another workbook (`[2]Segment P&L`)
/// or one it does not hold. Such a formula is not recomputed; its saved value stands.
fn unreadable_sheet(name: &str) -> EvalValue {
    let what = if name.starts_with('[') {
        format!("a link to another workbook ({name})")
    } else {
        format!("the sheet {name}, which this workbook does not hold")
    };
    EvalValue::Error(ExcelError::Unsupported(what))
}

/// Reads the values of a workbook, relative to the sheet holding the formula: the saved
/// values, or the recomputed ones where they differ.
#[derive(Clone, Copy)]
struct StoredValues<'a> {
    workbook: &'a Workbook,
    current: &'a Sheet,
    /// The index of the current sheet.
    index: usize,
    /// The current sheet's cells by row: a total reads a whole column of them.
    current_cells: &'a RowIndex<'a>,
    /// Recomputed values that replace saved ones.
    recalculated: &'a Recalculated,
    /// A text figure referenced directly (`=C3+D3` over `"2.491"`) reads as the workbook's
    /// convention reads it, as Excel converts text in the locale it runs in; otherwise in
    /// the `.`-decimal form the evaluator reads.
    text_in_convention: bool,
}

impl<'a> StoredValues<'a> {
    fn sheet(&self, name: Option<&str>) -> Result<(usize, &'a Sheet), EvalValue> {
        match name {
            None => Ok((self.index, self.current)),
            Some(name) => self
                .workbook
                .sheet_index(name)
                .and_then(|i| Some((i, self.workbook.sheets.get(i)?)))
                .ok_or_else(|| unreadable_sheet(name)),
        }
    }

    fn cell_of(&self, sheet: &'a Sheet, at: CellRef) -> Option<&'a Cell> {
        if std::ptr::eq(sheet, self.current) {
            self.current_cells.cell(at)
        } else {
            sheet.cell(at)
        }
    }

    fn row_of(&self, sheet: &'a Sheet, row: u32) -> &'a [Cell] {
        if std::ptr::eq(sheet, self.current) {
            self.current_cells.row(row)
        } else {
            sheet.row(row)
        }
    }
}

/// The stored numbers of the formula's own sheet. An empty cell is not a plain number
/// here: the general evaluator treats it as nothing (skipped by MIN and AND), not as 0.
impl PlainCells for StoredValues<'_> {
    fn number(&self, at: CellRef) -> Option<Interval> {
        if let Some(value) = self.recalculated.get(&(self.index, at)) {
            return match value {
                EvalValue::Number(n) => Some(*n),
                _ => None,
            };
        }
        match &self.current_cells.cell(at)?.value {
            Value::Number(n) => Some(Interval::point(*n)),
            _ => None,
        }
    }

    fn name(&self, _: &str) -> Option<CellRef> {
        None
    }

    fn is_own_sheet(&self, sheet: &str) -> bool {
        sheet == self.current.name
    }
}

impl Resolver for StoredValues<'_> {
    fn cell(&self, sheet: Option<&str>, at: CellRef) -> EvalValue {
        match self.sheet(sheet) {
            Err(unreadable) => unreadable,
            Ok((index, sheet)) => match self.recalculated.get(&(index, at)) {
                Some(value) => value.clone(),
                None => self.cell_of(sheet, at).map_or(EvalValue::Blank, |cell| {
                    match (&cell.value, &cell.reading, self.text_in_convention) {
                        (Value::Text(_), crate::number::Reading::Number(q), true) => {
                            EvalValue::number(q.value)
                        }
                        (
                            Value::Text(_),
                            crate::number::Reading::Ambiguous { primary, .. },
                            true,
                        ) => EvalValue::number(primary.value),
                        _ => eval_value(&cell.value),
                    }
                }),
            },
        }
    }

    fn range(&self, sheet: Option<&str>, range: CellRange) -> Vec<EvalValue> {
        let (index, sheet) = match self.sheet(sheet) {
            Ok(found) => found,
            Err(unreadable) => return vec![unreadable],
        };
        let visit = if std::ptr::eq(sheet, self.current) {
            self.current_cells.visit_range(range)
        } else {
            sheet.visit_range(range)
        };
        let range = match visit {
            RangeVisit::Cells { range, .. } => range,
            RangeVisit::Empty => return Vec::new(),
            RangeVisit::TooLarge => {
                return vec![EvalValue::Error(ExcelError::Unsupported(format!(
                    "range {range} larger than {MAX_RANGE_CELLS} cells"
                )))]
            }
        };
        let width = u64::from(range.last.col.saturating_sub(range.first.col)) + 1;
        let mut values = vec![EvalValue::Blank; usize::try_from(range.area()).unwrap_or(0)];
        let slot = |at: CellRef| {
            // Callers check `contains` first, which keeps both differences non-negative.
            let index = u64::from(at.row.saturating_sub(range.first.row))
                .saturating_mul(width)
                .saturating_add(u64::from(at.col.saturating_sub(range.first.col)));
            usize::try_from(index).ok()
        };
        for row in range.first.row..=range.last.row {
            for cell in self.row_of(sheet, row) {
                if !range.contains(cell.at) {
                    continue;
                }
                if let Some(value) = slot(cell.at).and_then(|i| values.get_mut(i)) {
                    *value = eval_value(&cell.value);
                }
            }
        }
        for ((_, at), recalculated) in self
            .recalculated
            .range((index, range.first)..=(index, range.last))
        {
            if range.contains(*at) {
                if let Some(value) = slot(*at).and_then(|i| values.get_mut(i)) {
                    *value = recalculated.clone();
                }
            }
        }
        values
    }

    /// A workbook-level defined name that refers directly to a cell or a range.
    fn name(&self, name: &str) -> Option<Operand> {
        let (_, formula) = self
            .workbook
            .defined_names
            .iter()
            .find(|(defined, _)| defined.eq_ignore_ascii_case(name))?;
        match parse_formula(formula).ok()? {
            crate::formula::Expr::Reference(Reference::Cell { sheet, at }) => {
                Some(Operand::Single(self.cell(sheet.as_deref(), at)))
            }
            crate::formula::Expr::Reference(Reference::Range { sheet, range }) => {
                Some(Operand::Many(self.range(sheet.as_deref(), range)))
            }
            _ => None,
        }
    }
}

/// `value` rounded to 15 significant digits, the precision Excel keeps.
fn round_significant(value: Decimal) -> Option<Decimal> {
    if value.is_zero() {
        return Some(value);
    }
    let mantissa_digits = value.mantissa().unsigned_abs().to_string().len();
    let exponent = i64::try_from(mantissa_digits)
        .ok()?
        .checked_sub(1)?
        .checked_sub(i64::from(value.scale()))?;
    round_decimal(
        value,
        14i64.checked_sub(exponent)?,
        RoundMode::HalfAwayFromZero,
    )
}

/// Whether a computed number agrees with a cached one that went through a binary double.
fn numbers_match(computed: &Interval, cached: Decimal) -> bool {
    if computed.contains(cached) {
        return true;
    }
    match (
        round_significant(computed.lo),
        round_significant(computed.hi),
        round_significant(cached),
    ) {
        (Some(lo), Some(hi), Some(cached)) => lo <= cached && cached <= hi,
        _ => false,
    }
}

/// Whether the computed value equals the cached value.
fn value_matches(computed: &EvalValue, cached: &Value) -> bool {
    match (computed, cached) {
        (EvalValue::Number(n), Value::Number(cached)) => numbers_match(n, *cached),
        (EvalValue::Number(n), Value::Date(date)) => {
            date_serial(date).is_some_and(|serial| numbers_match(n, serial))
        }
        (EvalValue::Number(n), Value::Float(cached)) => {
            // Only reachable for results beyond Decimal's range, which overflow to #NUM!
            // first; compare the 15 significant digits Excel shows.
            use rust_decimal::prelude::ToPrimitive;
            n.is_point()
                && n.lo
                    .to_f64()
                    .is_some_and(|x| format!("{x:.14e}") == format!("{cached:.14e}"))
        }
        (EvalValue::Text(text), Value::Text(cached)) => text.as_str() == &**cached,
        (EvalValue::Text(text), Value::Empty) => text.is_empty(),
        (EvalValue::Bool(b), Value::Bool(cached)) => b == cached,
        (EvalValue::Error(error), Value::Error(code)) => {
            ExcelError::from_code(code).as_ref() == Some(error)
        }
        // A formula that only reads an empty cell shows 0 (or nothing).
        (EvalValue::Blank, Value::Empty) => true,
        (EvalValue::Blank, Value::Text(text)) => text.is_empty(),
        (EvalValue::Blank, Value::Number(n)) => n.is_zero(),
        _ => false,
    }
}

/// Whether Excel's own binary computation of `expr` gives the saved number, as Excel
/// would show the two: a formula whose exact result differs from its saved value only by
/// binary arithmetic (`=H8/8760`, a subtraction's residue, a total of `=F24*1.1` cells) is
/// not stale.
fn binary_matches(expr: &Expr, resolver: &StoredValues<'_>, cached: &Value) -> bool {
    let saved = match cached {
        Value::Number(n) => *n,
        Value::Date(date) => match date_serial(date) {
            Some(serial) => serial,
            None => return false,
        },
        _ => return false,
    };
    // Excel rounds a rounding function's argument to 15 digits first, LibreOffice does not:
    // a value either program would save is not stale.
    [RoundingInput::FifteenDigits, RoundingInput::Double]
        .into_iter()
        .any(|rounding| {
            let (computed, magnitude) = evaluate_binary(expr, resolver, rounding);
            match (computed, binary::to_f64(saved)) {
                (EvalValue::Number(n), Some(saved)) if n.is_point() => binary::to_f64(n.lo)
                    .is_some_and(|computed| binary::shown_alike(computed, saved, magnitude)),
                (EvalValue::Blank, Some(saved)) => saved == 0.0,
                _ => false,
            }
        })
}

/// Recomputes one formula against the values `resolver` reads.
fn recompute_with(
    resolver: &StoredValues<'_>,
    parsed: Result<&Expr, &FormulaError>,
    cached: &Value,
) -> RecalcOutcome {
    let expr = match parsed {
        Ok(expr) => expr,
        Err(error) => return RecalcOutcome::NotRecomputed(format!("parse error: {error}")),
    };
    let computed = match evaluate_plain(expr, resolver, &mut Reads::new()) {
        Some(Plain::Number(n)) => EvalValue::Number(n),
        Some(Plain::Bool(b)) => EvalValue::Bool(b),
        None => evaluate(expr, resolver),
    };
    let outcome = outcome_of(computed, cached);
    if !matches!(outcome, RecalcOutcome::Stale { .. }) || binary_matches(expr, resolver, cached) {
        return if matches!(outcome, RecalcOutcome::Stale { .. }) {
            RecalcOutcome::Matches
        } else {
            outcome
        };
    }
    // Text figures the formula adds directly, read as the file's convention reads them
    // (a Vietnamese Excel converts "2.491" to 2491): a value either reading gives is not
    // stale.
    let in_convention = StoredValues {
        text_in_convention: true,
        ..*resolver
    };
    let again = outcome_of(evaluate(expr, &in_convention), cached);
    if matches!(again, RecalcOutcome::Matches) || binary_matches(expr, &in_convention, cached) {
        return RecalcOutcome::Matches;
    }
    outcome
}

/// How a recomputed value compares with the cached one.
fn outcome_of(computed: EvalValue, cached: &Value) -> RecalcOutcome {
    if let EvalValue::Error(ExcelError::Unsupported(what)) = &computed {
        return RecalcOutcome::NotRecomputed(format!("unsupported: {what}"));
    }
    // Exact decimals stop near 7.9e28 where Excel's doubles go on: a #NUM! beside a cached
    // number is that limit, not a stale file.
    if matches!(computed, EvalValue::Error(ExcelError::Num)) && matches!(cached, Value::Number(_)) {
        return RecalcOutcome::NotRecomputed("beyond the range of exact decimals".to_string());
    }
    if value_matches(&computed, cached) {
        RecalcOutcome::Matches
    } else if matches!(cached, Value::Empty) {
        // No saved value at all: a program that writes formulas for Excel to calculate.
        RecalcOutcome::Placeholder {
            saved: cached.clone(),
            computed,
        }
    } else {
        RecalcOutcome::Stale {
            cached: cached.clone(),
            computed,
        }
    }
}

/// Recomputes every formula cell of the workbook, in sheet order then cell order, and says
/// for each whether its saved value is what Excel computes.
///
/// Numbers match when Excel would show them alike (equal at 15 significant digits, or
/// differing only by the binary arithmetic Excel computes in); text, booleans and errors
/// match by kind and value; a formula that gives "" matches an empty cached value. A
/// formula that reads a stale value is judged on that value recomputed. In a workbook
/// that asks to be recalculated on load ([`Workbook::full_calc_on_load`]), a saved value
/// that differs is a [`RecalcOutcome::Placeholder`], not stale.
///
/// # Examples
/// ```
/// use crossfoot::{recompute, Cell, CellRef, Convention, RecalcOutcome, Sheet, SourceFormat, Value, Workbook};
/// use rust_decimal::Decimal;
///
/// let number = |row, value: i64, formula: Option<&str>| Cell {
///     at: CellRef::new(row, 0),
///     value: Value::Number(Decimal::from(value)),
///     formula: formula.map(Box::from),
///     number_format: None,
///     reading: Default::default(),
/// };
/// let sheet = Sheet {
///     name: "06".into(),
///     cells: vec![number(0, 2, None), number(1, 3, None), number(2, 6, Some("SUM(A1:A2)"))],
///     ..Default::default()
/// };
/// let workbook = Workbook {
///     format: SourceFormat::Xlsx,
///     sheets: vec![sheet],
///     defined_names: vec![],
///     convention: Convention::default(),
///     full_calc_on_load: false,
/// };
/// let results = recompute(&workbook);
/// assert!(matches!(results[0].outcome, RecalcOutcome::Stale { .. })); // 2 + 3 is not 6
/// ```
pub fn recompute(workbook: &Workbook) -> Vec<Recomputed> {
    recalculate(workbook).results
}

/// The cells each formula of a sheet reads on its own sheet (references to other sheets
/// left out), noted while recomputing: the formula graph is built from them rather than
/// parsing every formula of the sheet a second time.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FormulaReads(pub(crate) Vec<(CellRef, SmallVec<[CellRange; 4]>)>);

/// What recalculating a workbook found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recalculation {
    /// Each formula's outcome, in sheet order then cell order.
    pub results: Vec<Recomputed>,
    /// Each sheet's [`FormulaReads`], in order.
    pub reads: Vec<FormulaReads>,
    /// The values Excel computes where they differ from the saved ones (stale values and
    /// placeholders): what the sheet shows once recalculated.
    pub recalculated: Recalculated,
}

/// Recalculates a workbook: every formula recomputed from the saved values, then those
/// that read a value Excel would compute differently recomputed in dependency order.
pub(crate) fn recalculate(workbook: &Workbook) -> Recalculation {
    let no_values = Recalculated::new();
    let mut results = Vec::new();
    let mut reads = Vec::with_capacity(workbook.sheets.len());
    for (index, sheet) in workbook.sheets.iter().enumerate() {
        let mut sheet_reads = FormulaReads::default();
        if sheet.cells.iter().any(|cell| cell.formula.is_some()) {
            let cells = RowIndex::new(sheet);
            let each = |part: &[Cell]| recompute_part(workbook, index, &cells, part, &no_values);
            #[cfg(feature = "parallel")]
            let parts: Vec<PartResults> = {
                use rayon::prelude::*;
                sheet.cells.par_chunks(PARALLEL_CELLS).map(each).collect()
            };
            #[cfg(not(feature = "parallel"))]
            let parts = [each(&sheet.cells)];
            for (part_reads, part_results) in parts {
                sheet_reads.0.extend(part_reads);
                results.extend(part_results);
            }
        }
        reads.push(sheet_reads);
    }
    if workbook.full_calc_on_load {
        for result in &mut results {
            if let RecalcOutcome::Stale { cached, computed } = &result.outcome {
                result.outcome = RecalcOutcome::Placeholder {
                    saved: cached.clone(),
                    computed: computed.clone(),
                };
            }
        }
    }
    let recalculated = if results.iter().any(|r| differs(&r.outcome)) {
        in_dependency_order(workbook, &mut results, &reads)
    } else {
        Recalculated::new()
    };
    Recalculation {
        results,
        reads,
        recalculated,
    }
}

/// The workbook as Excel shows it once recalculated: every formula cell whose saved value
/// differs from what Excel computes ([`Recalculation::recalculated`]) holds the computed
/// value instead, read under its number format as the reader reads a saved one. The
/// relations are checked on these values: a placeholder 0 is not a figure, and a stale
/// section total is one finding at itself rather than a broken grand total above it.
pub(crate) fn as_recalculated(workbook: &Workbook, recalculated: &Recalculated) -> Workbook {
    let mut shown = workbook.clone();
    for ((sheet, at), value) in recalculated {
        let Some(sheet) = shown.sheets.get_mut(*sheet) else {
            continue;
        };
        let Ok(place) = sheet.cells.binary_search_by(|cell| cell.at.cmp(at)) else {
            continue;
        };
        let Some(cell) = sheet.cells.get_mut(place) else {
            continue;
        };
        let (new_value, reading) = match value {
            EvalValue::Number(n) if n.is_point() => {
                let format = cell
                    .number_format
                    .as_deref()
                    .map(crate::number::format_info);
                (
                    Value::Number(n.lo),
                    crate::number::Reading::Number(crate::number::numeric_reading(
                        n.lo,
                        format.as_ref(),
                    )),
                )
            }
            EvalValue::Text(text) => (Value::Text(text.as_str().into()), Default::default()),
            EvalValue::Bool(b) => (Value::Bool(*b), Default::default()),
            EvalValue::Blank => (
                Value::Empty,
                crate::number::Reading::Marker(crate::number::Marker::Blank),
            ),
            EvalValue::Error(ExcelError::Unsupported(_)) => continue,
            EvalValue::Error(error) => (Value::Error(error.code().into()), Default::default()),
            EvalValue::Number(_) => continue,
        };
        cell.value = new_value;
        cell.reading = reading;
    }
    shown
}

/// The workbook as a spreadsheet program shows it once it has opened it: the placeholders
/// of a workbook that asks to be recalculated on load (or formulas saved with no value)
/// replaced by what their formulas compute. Stale values stay as saved, as a program in
/// manual calculation shows them. `None` when there is no placeholder.
///
/// # Examples
/// ```
/// use crossfoot::{excel_shows, read_workbook, Value};
/// use rust_xlsxwriter::{Formula, Workbook as Writer};
///
/// let mut writer = Writer::new(); // saves 0 for every formula, for Excel to calculate
/// let sheet = writer.add_worksheet();
/// sheet.write_number(0, 0, 2).unwrap();
/// sheet.write_formula(1, 0, Formula::new("=A1*3")).unwrap();
/// let book = read_workbook(&writer.save_to_buffer().unwrap(), "a.xlsx").unwrap();
/// assert_eq!(book.sheets[0].cells[1].value, Value::Number(0.into()));
/// let shown = excel_shows(&book).unwrap();
/// assert_eq!(shown.sheets[0].cells[1].value, Value::Number(6.into()));
/// ```
pub fn excel_shows(workbook: &Workbook) -> Option<Workbook> {
    let recalculation = recalculate(workbook);
    let placeholders: Recalculated = recalculation
        .results
        .iter()
        .filter_map(|r| match &r.outcome {
            RecalcOutcome::Placeholder { computed, .. } => {
                Some(((r.sheet, r.cell), computed.clone()))
            }
            _ => None,
        })
        .collect();
    (!placeholders.is_empty()).then(|| as_recalculated(workbook, &placeholders))
}

/// Whether an outcome says Excel shows another value than the saved one.
fn differs(outcome: &RecalcOutcome) -> bool {
    matches!(
        outcome,
        RecalcOutcome::Stale { .. } | RecalcOutcome::Placeholder { .. }
    )
}

/// The value Excel shows for a formula whose saved value differs.
fn computed_of(outcome: &RecalcOutcome) -> Option<&EvalValue> {
    match outcome {
        RecalcOutcome::Stale { computed, .. } | RecalcOutcome::Placeholder { computed, .. } => {
            Some(computed)
        }
        _ => None,
    }
}

/// Which formulas read each formula (its dependents), by place in `results`: what each
/// reads on its own sheet as the first pass noted it (`reads`), and a formula that names a
/// sheet (`!`) parsed again for the rest.
fn dependents_of(
    workbook: &Workbook,
    results: &[Recomputed],
    reads: &[FormulaReads],
) -> Vec<Vec<usize>> {
    // Every formula cell, its place in `results`, and what it reads.
    let place: HashMap<(usize, CellRef), usize> = results
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.sheet, r.cell), i))
        .collect();
    let own_reads: HashMap<(usize, CellRef), &[CellRange]> = reads
        .iter()
        .enumerate()
        .flat_map(|(sheet, reads)| {
            reads
                .0
                .iter()
                .map(move |(at, ranges)| ((sheet, *at), ranges.as_slice()))
        })
        .collect();
    let formulas_by_sheet: Vec<Vec<CellRef>> = {
        let mut by_sheet = vec![Vec::new(); workbook.sheets.len()];
        for r in results.iter() {
            if let Some(list) = by_sheet.get_mut(r.sheet) {
                list.push(r.cell);
            }
        }
        for list in &mut by_sheet {
            list.sort();
        }
        by_sheet
    };
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); results.len()];
    for (i, result) in results.iter().enumerate() {
        for (sheet, range) in formula_reads(workbook, result, &own_reads) {
            let Some(list) = formulas_by_sheet.get(sheet) else {
                continue;
            };
            let start = list.partition_point(|at| at.row < range.first.row);
            for at in list.get(start..).unwrap_or_default() {
                if at.row > range.last.row {
                    break;
                }
                if range.contains(*at) {
                    if let Some(&precedent) = place.get(&(sheet, *at)) {
                        if let Some(list) = dependents.get_mut(precedent) {
                            list.push(i);
                        }
                    }
                }
            }
        }
    }
    dependents
}

/// The ranges a formula reads, each with its sheet's index: its own sheet's as the first
/// pass noted them, or, when its text names a sheet, every reference of it parsed again.
fn formula_reads(
    workbook: &Workbook,
    result: &Recomputed,
    own_reads: &HashMap<(usize, CellRef), &[CellRange]>,
) -> Vec<(usize, CellRange)> {
    let formula = workbook
        .sheets
        .get(result.sheet)
        .and_then(|sheet| sheet.cell(result.cell))
        .and_then(|cell| cell.formula.as_deref())
        .unwrap_or_default();
    if !formula.contains('!') {
        return own_reads
            .get(&(result.sheet, result.cell))
            .map(|ranges| ranges.iter().map(|range| (result.sheet, *range)).collect())
            .unwrap_or_default();
    }
    let Ok(expr) = parse_formula(formula) else {
        return Vec::new();
    };
    references(&expr)
        .into_iter()
        .filter_map(|reference| {
            let (sheet_name, range) = match reference {
                Reference::Cell { sheet, at } => (
                    sheet,
                    CellRange {
                        first: at,
                        last: at,
                    },
                ),
                Reference::Range { sheet, range } => (sheet, range),
                Reference::Name(_) => return None,
            };
            let sheet = match &sheet_name {
                None => result.sheet,
                Some(name) => workbook.sheet_index(name)?,
            };
            Some((sheet, range))
        })
        .collect()
}

/// The formulas to recompute: those whose saved value differs, and everything downstream
/// of them.
fn affected_by_differences(results: &[Recomputed], dependents: &[Vec<usize>]) -> Vec<bool> {
    let mut affected = vec![false; results.len()];
    let mut queue: VecDeque<usize> = (0..results.len())
        .filter(|&i| results.get(i).is_some_and(|r| differs(&r.outcome)))
        .collect();
    for &i in &queue {
        if let Some(a) = affected.get_mut(i) {
            *a = true;
        }
    }
    while let Some(i) = queue.pop_front() {
        for &d in dependents.get(i).map(Vec::as_slice).unwrap_or_default() {
            if let Some(a) = affected.get_mut(d) {
                if !*a {
                    *a = true;
                    queue.push_back(d);
                }
            }
        }
    }
    affected
}

/// Recomputes, in dependency order, the formulas whose saved values differ from what Excel
/// computes and every formula that reads them (directly or through others), each from the
/// values recomputed before it; `results` are updated and the values that differ from the
/// saved ones returned. A circle of references keeps the outcomes of the first pass.
fn in_dependency_order(
    workbook: &Workbook,
    results: &mut [Recomputed],
    reads: &[FormulaReads],
) -> Recalculated {
    let dependents = dependents_of(workbook, results, reads);
    let affected = affected_by_differences(results, &dependents);
    // Kahn's order over the affected formulas.
    let mut waiting = vec![0usize; results.len()];
    for (i, list) in dependents.iter().enumerate() {
        if !affected.get(i).copied().unwrap_or(false) {
            continue;
        }
        for &d in list {
            if let Some(w) = waiting.get_mut(d) {
                *w = w.saturating_add(1);
            }
        }
    }
    let mut ready: VecDeque<usize> = (0..results.len())
        .filter(|&i| affected.get(i).copied().unwrap_or(false) && waiting.get(i) == Some(&0))
        .collect();
    let mut recalculated = Recalculated::new();
    for r in results.iter() {
        if let Some(computed) = computed_of(&r.outcome) {
            recalculated.insert((r.sheet, r.cell), computed.clone());
        }
    }
    let mut done: HashSet<usize> = HashSet::new();
    let indexes: Vec<Option<RowIndex<'_>>> = workbook
        .sheets
        .iter()
        .map(|sheet| {
            sheet
                .cells
                .iter()
                .any(|c| c.formula.is_some())
                .then(|| RowIndex::new(sheet))
        })
        .collect();
    while let Some(i) = ready.pop_front() {
        done.insert(i);
        for &d in dependents.get(i).map(Vec::as_slice).unwrap_or_default() {
            if let Some(w) = waiting.get_mut(d) {
                *w = w.saturating_sub(1);
                if *w == 0 && affected.get(d).copied().unwrap_or(false) && !done.contains(&d) {
                    ready.push_back(d);
                }
            }
        }
        let Some(result) = results.get_mut(i) else {
            continue;
        };
        let (Some(sheet), Some(Some(cells))) =
            (workbook.sheets.get(result.sheet), indexes.get(result.sheet))
        else {
            continue;
        };
        let Some(cell) = cells.cell(result.cell) else {
            continue;
        };
        // Parsed again only now: a sheet with one stale cell recomputes a few formulas.
        let Some(Ok(expr)) = cell.formula.as_deref().map(parse_formula) else {
            continue;
        };
        let expr = &expr;
        // Its own saved value is what it is compared with, not a recomputed one.
        let own = recalculated.remove(&(result.sheet, result.cell));
        let resolver = StoredValues {
            workbook,
            current: sheet,
            index: result.sheet,
            current_cells: cells,
            recalculated: &recalculated,
            text_in_convention: false,
        };
        let mut outcome = recompute_with(&resolver, Ok(expr), &cell.value);
        if workbook.full_calc_on_load {
            if let RecalcOutcome::Stale { cached, computed } = outcome {
                outcome = RecalcOutcome::Placeholder {
                    saved: cached,
                    computed,
                };
            }
        }
        if matches!(outcome, RecalcOutcome::NotRecomputed(_)) {
            // Kept as the first pass found it.
            if let Some(own) = own {
                recalculated.insert((result.sheet, result.cell), own);
            }
            continue;
        }
        if let Some(computed) = computed_of(&outcome) {
            recalculated.insert((result.sheet, result.cell), computed.clone());
        }
        result.outcome = outcome;
    }
    recalculated
}

/// How many cells one thread recomputes at a time (the `parallel` feature): a big
/// sheet's formulas are shared among the cores, a form-sized one stays on one.
#[cfg(feature = "parallel")]
const PARALLEL_CELLS: usize = 1 << 16;

/// What recomputing some of a sheet's cells found: what each formula reads, and how it
/// came out.
type PartResults = (Vec<(CellRef, SmallVec<[CellRange; 4]>)>, Vec<Recomputed>);

/// Why a formula that does not parse is not recomputed: a link to another workbook
/// written without quotes (`[2]Segment!G27`) is one, anything else a parse error.
fn unparsed(formula: &str, error: &FormulaError) -> RecalcOutcome {
    let linked = formula.split('[').skip(1).any(|rest| {
        rest.split_once(']')
            .is_some_and(|(book, _)| !book.is_empty() && book.chars().all(|c| c.is_ascii_digit()))
    });
    RecalcOutcome::NotRecomputed(if linked {
        "unsupported: a link to another workbook".to_string()
    } else {
        format!("parse error: {error}")
    })
}

/// Recomputes the formulas among `part`, cells of sheet `index`.
fn recompute_part(
    workbook: &Workbook,
    index: usize,
    cells: &RowIndex<'_>,
    part: &[Cell],
    recalculated: &Recalculated,
) -> PartResults {
    let Some(sheet) = workbook.sheets.get(index) else {
        return (Vec::new(), Vec::new());
    };
    let parsed: Vec<(&Cell, Result<Expr, FormulaError>)> = part
        .iter()
        .filter_map(|cell| Some((cell, parse_formula(cell.formula.as_deref()?))))
        .collect();
    let sums = column_sums(cells, &parsed);
    let resolver = StoredValues {
        workbook,
        current: sheet,
        index,
        current_cells: cells,
        recalculated,
        text_in_convention: false,
    };
    let mut reads = Vec::with_capacity(parsed.len());
    let mut results = Vec::with_capacity(parsed.len());
    for (place, (cell, parsed)) in parsed.iter().enumerate() {
        if let Ok(expr) = parsed {
            reads.push((cell.at, own_sheet_ranges(expr)));
        }
        let outcome = match (sums.get(&place), parsed) {
            (Some(sum), Ok(expr)) => {
                let outcome = outcome_of(EvalValue::number(*sum), &cell.value);
                if matches!(outcome, RecalcOutcome::Stale { .. })
                    && binary_matches(expr, &resolver, &cell.value)
                {
                    RecalcOutcome::Matches
                } else {
                    outcome
                }
            }
            (_, Err(error)) => unparsed(cell.formula.as_deref().unwrap_or_default(), error),
            (None, Ok(expr)) => recompute_with(&resolver, Ok(expr), &cell.value),
        };
        results.push(Recomputed {
            sheet: index,
            cell: cell.at,
            outcome,
        });
    }
    (reads, results)
}

/// The formulas among `parsed` (by place) that are `SUM` of one column of their own sheet
/// whose cells are numbers, blanks, text or booleans, with their sums, added up row by row:
/// a section's totals, one a column, each went down thousands of rows alone, a cache miss a
/// row (17 % of a 500k-row formula form's check). Each sum is what the general evaluator
/// gives (numbers added exactly, the rest of a range skipped); any other cell, or a sum
/// past exact decimals, leaves the formula to it.
fn column_sums(
    cells: &RowIndex<'_>,
    parsed: &[(&Cell, Result<Expr, FormulaError>)],
) -> HashMap<usize, Decimal> {
    // The column sums by the rows they add up.
    let mut by_rows: HashMap<(u32, u32), Vec<(u32, usize)>> = HashMap::new();
    for (place, (_, parsed)) in parsed.iter().enumerate() {
        if let Some((col, first, last)) = parsed.as_ref().ok().and_then(column_sum) {
            by_rows.entry((first, last)).or_default().push((col, place));
        }
    }
    let mut sums = HashMap::new();
    for ((first, last), formulas) in by_rows {
        let mut totals: Vec<Option<Decimal>> = vec![Some(Decimal::ZERO); formulas.len()];
        for row in first..=last.min(cells.last_row().unwrap_or(0)) {
            for ((col, _), total) in formulas.iter().zip(totals.iter_mut()) {
                let Some(sum) = total else { continue };
                *total = match cells.cell(CellRef::new(row, *col)).map(|c| &c.value) {
                    Some(Value::Number(n)) => sum.checked_add(*n),
                    None | Some(Value::Empty | Value::Text(_) | Value::Bool(_)) => Some(*sum),
                    Some(_) => None,
                };
            }
        }
        for ((_, place), total) in formulas.into_iter().zip(totals) {
            if let Some(total) = total {
                sums.insert(place, total);
            }
        }
    }
    sums
}

/// `SUM` of one column of the formula's own sheet: the column and the first and last rows.
fn column_sum(expr: &Expr) -> Option<(u32, u32, u32)> {
    let Expr::Call { name, args } = expr else {
        return None;
    };
    let [Expr::Reference(Reference::Range { sheet: None, range })] = args.as_slice() else {
        return None;
    };
    (name == "SUM" && range.first.col == range.last.col && range.first.row <= range.last.row)
        .then_some((range.first.col, range.first.row, range.last.row))
}

/// The cells and ranges a formula reads on its own sheet.
fn own_sheet_ranges(expr: &Expr) -> SmallVec<[CellRange; 4]> {
    references(expr)
        .into_iter()
        .filter_map(|reference| match reference {
            Reference::Cell { sheet: None, at } => Some(CellRange {
                first: at,
                last: at,
            }),
            Reference::Range { sheet: None, range } => Some(range),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cell, SourceFormat};

    fn d(text: &str) -> Decimal {
        text.parse().unwrap_or_default()
    }

    fn cell(address: &str, value: Value, formula: Option<&str>) -> Cell {
        Cell {
            at: CellRef::parse(address).unwrap_or(CellRef::new(0, 0)),
            value,
            formula: formula.map(Box::from),
            number_format: None,
            reading: Default::default(),
        }
    }

    fn number(address: &str, value: &str) -> Cell {
        cell(address, Value::Number(d(value)), None)
    }

    fn formula(address: &str, cached: Value, text: &str) -> Cell {
        cell(address, cached, Some(text))
    }

    fn sheet(name: &str, mut cells: Vec<Cell>) -> Sheet {
        cells.sort_by_key(|cell| cell.at);
        Sheet {
            name: name.to_string(),
            cells,
            ..Default::default()
        }
    }

    fn workbook(sheets: Vec<Sheet>) -> Workbook {
        Workbook {
            format: SourceFormat::Xlsx,
            sheets,
            defined_names: vec![("Rate".to_string(), "'Biểu 06'!$B$2".to_string())],
            convention: Default::default(),
            full_calc_on_load: false,
        }
    }

    fn outcome_at(results: &[Recomputed], sheet: usize, address: &str) -> Option<RecalcOutcome> {
        let at = CellRef::parse(address)?;
        results
            .iter()
            .find(|r| r.sheet == sheet && r.cell == at)
            .map(|r| r.outcome.clone())
    }

    /// The shape of the TTHC form: parts in C11:C26, sections summed, a percentage.
    fn form(total_cached: &str, grand_cached: &str, percent_cached: &str) -> Workbook {
        let mut cells: Vec<Cell> = (11..=26)
            .map(|row| number(&format!("C{row}"), &row.to_string()))
            .collect();
        cells.push(formula(
            "C10",
            Value::Number(d(total_cached)),
            "SUM(C11:C26)",
        ));
        cells.push(number("C27", "100"));
        cells.push(number("C40", "50"));
        cells.push(formula(
            "C41",
            Value::Number(d(grand_cached)),
            "C10+C27+C40",
        ));
        cells.push(number("G9", "10000000000"));
        cells.push(number("H9", "7000000000"));
        cells.push(number("I9", "219613068"));
        cells.push(formula(
            "J9",
            Value::Number(d(percent_cached)),
            "ROUND((H9+I9)/G9*100,1)",
        ));
        workbook(vec![sheet("Biểu 06", cells)])
    }

    #[test]
    fn current_values_match() {
        // 11 + … + 26 = 296; 296 + 100 + 50 = 446; 72.19613068 → 72.2.
        let results = recompute(&form("296", "446", "72.2"));
        assert_eq!(results.len(), 3);
        for address in ["C10", "C41", "J9"] {
            assert_eq!(
                outcome_at(&results, 0, address),
                Some(RecalcOutcome::Matches),
                "{address}"
            );
        }
    }

    #[test]
    fn a_formula_reading_a_stale_value_is_judged_on_its_recomputation() {
        // C10 was not recalculated (290 saved, 296 computed); the grand total's saved 446
        // is what Excel computes from the recomputed C10, so it is not stale.
        let results = recompute(&form("290", "446", "72.1"));
        assert_eq!(
            outcome_at(&results, 0, "C10"),
            Some(RecalcOutcome::Stale {
                cached: Value::Number(d("290")),
                computed: EvalValue::number(d("296")),
            })
        );
        assert_eq!(outcome_at(&results, 0, "C41"), Some(RecalcOutcome::Matches));
        assert_eq!(
            outcome_at(&results, 0, "J9"),
            Some(RecalcOutcome::Stale {
                cached: Value::Number(d("72.1")),
                computed: EvalValue::number(d("72.2")),
            })
        );
        // A grand total saved from the stale section (440) is stale too: Excel shows 446.
        let results = recompute(&form("290", "440", "72.2"));
        assert_eq!(
            outcome_at(&results, 0, "C41"),
            Some(RecalcOutcome::Stale {
                cached: Value::Number(d("440")),
                computed: EvalValue::number(d("446")),
            })
        );
    }

    #[test]
    fn a_formula_on_another_sheet_reading_a_stale_value_follows_it() {
        // The form's C10 is stale (290 saved, 296 computed); a summary sheet's formula saved
        // from the recomputed 296 matches, one saved from the stale 290 is stale.
        let mut book = form("290", "446", "72.2");
        book.sheets[0].name = "Biểu 06".to_string();
        book.sheets.push(sheet(
            "Tổng hợp",
            vec![
                formula("A1", Value::Number(d("306")), "'Biểu 06'!C10+10"),
                formula("A2", Value::Number(d("300")), "'Biểu 06'!C10+10"),
                formula("A3", Value::Number(d("316")), "A1+10"),
            ],
        ));
        let results = recompute(&book);
        assert_eq!(outcome_at(&results, 1, "A1"), Some(RecalcOutcome::Matches));
        assert_eq!(
            outcome_at(&results, 1, "A2"),
            Some(RecalcOutcome::Stale {
                cached: Value::Number(d("300")),
                computed: EvalValue::number(d("306")),
            })
        );
        assert_eq!(outcome_at(&results, 1, "A3"), Some(RecalcOutcome::Matches));
    }

    #[test]
    fn a_workbook_recalculated_on_load_holds_placeholders() {
        // Saved as openpyxl and xlsxwriter save formulas: 0 everywhere, Excel to compute.
        let mut book = form("0", "0", "0");
        book.full_calc_on_load = true;
        let recalculation = recalculate(&book);
        let placeholder = |address: &str, value: &str| {
            Some(RecalcOutcome::Placeholder {
                saved: Value::Number(Decimal::ZERO),
                computed: EvalValue::number(d(value)),
            })
            .filter(|_| CellRef::parse(address).is_some())
        };
        let results = &recalculation.results;
        assert_eq!(outcome_at(results, 0, "C10"), placeholder("C10", "296"));
        // Computed from the section's computed value, not its placeholder.
        assert_eq!(outcome_at(results, 0, "C41"), placeholder("C41", "446"));
        assert_eq!(outcome_at(results, 0, "J9"), placeholder("J9", "72.2"));
        let at = |a: &str| (0, CellRef::parse(a).unwrap_or(CellRef::new(0, 0)));
        assert_eq!(
            recalculation.recalculated.get(&at("C41")),
            Some(&EvalValue::number(d("446")))
        );
        // A formula saved with no value at all is a placeholder in any workbook.
        let mut book = form("296", "446", "72.2");
        if let Some(cell) = book.sheets[0]
            .cells
            .iter_mut()
            .find(|c| c.at == at("C10").1)
        {
            cell.value = Value::Empty;
        }
        let results = recompute(&book);
        assert!(matches!(
            outcome_at(&results, 0, "C10"),
            Some(RecalcOutcome::Placeholder { .. })
        ));
        assert_eq!(outcome_at(&results, 0, "C41"), Some(RecalcOutcome::Matches));
    }

    #[test]
    fn text_figures_added_directly_read_as_the_files_convention() {
        let mut text = cell("C3", Value::Text("2.491".into()), None);
        text.reading = crate::number::Reading::Number(crate::number::Quantity {
            value: d("2491"),
            decimals: 0,
            percent: false,
            from_text: true,
        });
        let cells = vec![
            text,
            number("D3", "9"),
            // A Vietnamese Excel reads "2.491" as 2491; an English one as 2.491.
            formula("E3", Value::Number(d("2500")), "C3+D3"),
            formula("F3", Value::Number(d("11.491")), "C3+D3"),
            formula("G3", Value::Number(d("2600")), "C3+D3"),
            // SUM skips text whatever the locale.
            formula("H3", Value::Number(d("9")), "SUM(C3:D3)"),
        ];
        let results = recompute(&workbook(vec![sheet("S", cells)]));
        for address in ["E3", "F3", "H3"] {
            assert_eq!(
                outcome_at(&results, 0, address),
                Some(RecalcOutcome::Matches),
                "{address}"
            );
        }
        assert!(matches!(
            outcome_at(&results, 0, "G3"),
            Some(RecalcOutcome::Stale { .. })
        ));
    }

    #[test]
    fn binary_residues_are_not_stale() {
        let cells = vec![
            number("H8", "8493"),
            formula("I8", Value::Number(d("0.9695205479452055")), "(H8/8760)"),
            number("G61", "106516.38"),
            number("I61", "100000"),
            formula("J61", Value::Number(d("6516.380000000005")), "+G61-I61"),
            number("A1", "0.1"),
            number("A2", "0.2"),
            number("A3", "0.3"),
            formula("A4", Value::Number(d("0")), "A1+A2-A3"),
            formula(
                "A5",
                Value::Number(d("-2.7755575615628914E-17")),
                "1*(A1+A2-A3)",
            ),
            formula("A6", Value::Number(d("0.31")), "A1+A2"),
        ];
        let results = recompute(&workbook(vec![sheet("S", cells)]));
        for address in ["I8", "J61", "A4", "A5"] {
            assert_eq!(
                outcome_at(&results, 0, address),
                Some(RecalcOutcome::Matches),
                "{address}"
            );
        }
        assert!(matches!(
            outcome_at(&results, 0, "A6"),
            Some(RecalcOutcome::Stale { .. })
        ));
    }

    #[test]
    fn cached_doubles_match_at_fifteen_digits() {
        let cells = vec![
            number("A1", "0.1"),
            number("A2", "0.2"),
            formula("A3", Value::Number(d("0.30000000000000004")), "A1+A2"),
            number("B1", "1"),
            number("B2", "3"),
            formula("B3", Value::Number(d("0.333333333333333")), "B1/B2"),
            formula("B4", Value::Number(d("0.3333")), "B1/B2"),
        ];
        let results = recompute(&workbook(vec![sheet("S", cells)]));
        assert_eq!(outcome_at(&results, 0, "A3"), Some(RecalcOutcome::Matches));
        assert_eq!(outcome_at(&results, 0, "B3"), Some(RecalcOutcome::Matches));
        assert!(matches!(
            outcome_at(&results, 0, "B4"),
            Some(RecalcOutcome::Stale { .. })
        ));
    }

    #[test]
    fn text_bool_error_and_blank_results() {
        let cells = vec![
            formula("A1", Value::Text("ab".into()), "\"a\"&\"b\""),
            formula("A2", Value::Empty, "\"\""),
            formula("A3", Value::Bool(true), "1<2"),
            formula("A4", Value::Error("#DIV/0!".into()), "1/0"),
            formula("A5", Value::Number(d("0")), "Z99"),
            formula("A6", Value::Text("AB".into()), "\"a\"&\"b\""),
            formula("A7", Value::Error("#N/A".into()), "1/0"),
            formula("A8", Value::Number(d("1")), "1<2"),
        ];
        let results = recompute(&workbook(vec![sheet("S", cells)]));
        for address in ["A1", "A2", "A3", "A4", "A5"] {
            assert_eq!(
                outcome_at(&results, 0, address),
                Some(RecalcOutcome::Matches),
                "{address}"
            );
        }
        for address in ["A6", "A7", "A8"] {
            assert!(
                matches!(
                    outcome_at(&results, 0, address),
                    Some(RecalcOutcome::Stale { .. })
                ),
                "{address}"
            );
        }
    }

    #[test]
    fn other_sheets_and_defined_names() {
        let data = sheet("Biểu 06", vec![number("B2", "5"), number("B3", "7")]);
        let summary = sheet(
            "Tổng hợp",
            vec![
                formula("A1", Value::Number(d("12")), "'Biểu 06'!B2+'biểu 06'!B3"),
                formula("A2", Value::Number(d("3")), "Missing!B2"),
                formula("A3", Value::Number(d("10")), "Rate*2"),
                formula("A4", Value::Number(d("12")), "SUM('Biểu 06'!B2:B3)"),
                formula("A5", Value::Number(d("2.56")), "'[2]Segment P&L'!$G$27/100"),
            ],
        );
        let results = recompute(&workbook(vec![data, summary]));
        // What this workbook cannot read is not recomputed: its saved value stands.
        assert!(matches!(
            outcome_at(&results, 1, "A2"),
            Some(RecalcOutcome::NotRecomputed(why)) if why.contains("Missing")
        ));
        assert!(matches!(
            outcome_at(&results, 1, "A5"),
            Some(RecalcOutcome::NotRecomputed(why)) if why.contains("another workbook")
        ));
        for address in ["A1", "A3", "A4"] {
            assert_eq!(
                outcome_at(&results, 1, address),
                Some(RecalcOutcome::Matches),
                "{address}"
            );
        }
    }

    #[test]
    fn unsupported_and_unparsable_formulas_are_not_recomputed() {
        let cells = vec![
            number("A1", "1"),
            formula("B1", Value::Number(d("1")), "VLOOKUP(A1,A1:A2,1)"),
            formula("B2", Value::Number(d("1")), "SUM(A1"),
            formula("B3", Value::Number(d("1")), "A1"),
            cell("B4", Value::Float(1e300), None),
            formula("B5", Value::Float(1e300), "B4"),
        ];
        let results = recompute(&workbook(vec![sheet("S", cells)]));
        assert!(matches!(
            outcome_at(&results, 0, "B1"),
            Some(RecalcOutcome::NotRecomputed(why)) if why.contains("VLOOKUP")
        ));
        assert!(matches!(
            outcome_at(&results, 0, "B2"),
            Some(RecalcOutcome::NotRecomputed(why)) if why.contains("parse error")
        ));
        assert_eq!(outcome_at(&results, 0, "B3"), Some(RecalcOutcome::Matches));
        assert!(matches!(
            outcome_at(&results, 0, "B5"),
            Some(RecalcOutcome::NotRecomputed(_))
        ));
    }

    #[test]
    fn dates_are_serial_numbers() {
        let date = |year, month, day| Date { year, month, day };
        assert_eq!(date_serial(&date(1900, 1, 1)), Some(Decimal::from(1)));
        assert_eq!(date_serial(&date(1900, 2, 28)), Some(Decimal::from(59)));
        assert_eq!(date_serial(&date(1900, 3, 1)), Some(Decimal::from(61)));
        assert_eq!(date_serial(&date(2022, 9, 15)), Some(Decimal::from(44819)));
        // The inverse of the period module's serial reader.
        for day in [
            date(1900, 3, 1),
            date(1999, 12, 31),
            date(2024, 2, 29),
            date(2022, 9, 15),
        ] {
            let serial = date_serial(&day).unwrap_or_default();
            assert_eq!(crate::period::date_from_serial(serial, false), Some(day));
        }
        let cells = vec![
            cell("A1", Value::Date(date(2022, 9, 15)), None),
            formula("A2", Value::Date(date(2022, 9, 16)), "A1+1"),
        ];
        let results = recompute(&workbook(vec![sheet("S", cells)]));
        assert_eq!(outcome_at(&results, 0, "A2"), Some(RecalcOutcome::Matches));
    }

    #[test]
    fn a_big_sheet_recomputes_as_in_one_pass() {
        // 12,000 rows of five numbers and their SUM: more cells than one thread takes at a
        // time, with a stale total every 997 rows.
        let mut cells = Vec::new();
        for row in 1..=12_000u32 {
            for col in ["A", "B", "C", "D", "E"] {
                cells.push(number(&format!("{col}{row}"), &row.to_string()));
            }
            let total = if row % 997 == 0 { row * 5 + 1 } else { row * 5 };
            cells.push(formula(
                &format!("F{row}"),
                Value::Number(Decimal::from(total)),
                &format!("SUM(A{row}:E{row})"),
            ));
        }
        let book = workbook(vec![sheet("S", cells)]);
        let sheet = book.sheets.first().expect("a sheet");
        let Recalculation { results, reads, .. } = recalculate(&book);
        let (one_reads, one_results) = recompute_part(
            &book,
            0,
            &RowIndex::new(sheet),
            &sheet.cells,
            &Recalculated::new(),
        );
        assert_eq!(results.len(), 12_000);
        assert_eq!(results, one_results);
        assert_eq!(reads.first().map(|r| &r.0), Some(&one_reads));
        let stale = results
            .iter()
            .filter(|r| matches!(r.outcome, RecalcOutcome::Stale { .. }))
            .count();
        assert_eq!(stale, 12);
    }

    /// Column sums added up row by row come out as the general evaluator's, whatever the
    /// column holds: numbers, blanks, text, booleans, errors, dates, huge numbers, a sum
    /// past exact decimals, a range past the sheet's end, and the formula's own cell.
    #[test]
    fn column_sums_row_by_row_are_the_evaluators() {
        let big = Decimal::MAX;
        let mut cells = vec![
            number("A1", "1.5"),
            number("A2", "2"),
            cell("A3", Value::Text("ghi chú".into()), None),
            cell("A4", Value::Bool(true), None),
            number("B1", "3"),
            cell("B2", Value::Error("#DIV/0!".into()), None),
            number("C1", "4"),
            cell(
                "C2",
                Value::Date(Date {
                    year: 2022,
                    month: 9,
                    day: 30,
                }),
                None,
            ),
            number("D1", "5"),
            cell("D2", Value::Float(1e300), None),
            cell("E1", Value::Number(big), None),
            cell("E2", Value::Number(big), None),
            number("G2", "7"),
        ];
        for (at, cached, text) in [
            ("A9", "3.5", "SUM(A1:A8)"),
            ("A10", "3", "SUM(A1:A8)"),
            ("B9", "3", "SUM(B1:B8)"),
            ("C9", "4", "SUM(C1:C8)"),
            ("D9", "5", "SUM(D1:D8)"),
            ("E9", "0", "SUM(E1:E8)"),
            ("F9", "0", "SUM(F1:F1048576)"),
            ("G9", "7", "SUM(G1:G9)"),
            ("H9", "1", "SUM(A2:A1)"),
        ] {
            cells.push(formula(at, Value::Number(d(cached)), text));
        }
        let book = workbook(vec![sheet("S", cells)]);
        let sheet = book.sheets.first().expect("a sheet");
        let index = RowIndex::new(sheet);
        let none = Recalculated::new();
        let (_, results) = recompute_part(&book, 0, &index, &sheet.cells, &none);
        let formulas: Vec<&Cell> = sheet.cells.iter().filter(|c| c.formula.is_some()).collect();
        assert_eq!(results.len(), formulas.len());
        for (result, cell) in results.iter().zip(&formulas) {
            let parsed = parse_formula(cell.formula.as_deref().unwrap_or_default());
            let resolver = StoredValues {
                workbook: &book,
                current: sheet,
                index: 0,
                current_cells: &index,
                recalculated: &none,
                text_in_convention: false,
            };
            let general = recompute_with(&resolver, parsed.as_ref(), &cell.value);
            assert_eq!(result.outcome, general, "{}", cell.at);
        }
        // The row-by-row sums served the plain columns; the others went to the evaluator.
        let parsed: Vec<(&Cell, Result<Expr, FormulaError>)> = formulas
            .iter()
            .map(|c| (*c, parse_formula(c.formula.as_deref().unwrap_or_default())))
            .collect();
        let sums = column_sums(&index, &parsed);
        let mut served: Vec<(usize, Decimal)> = sums.into_iter().collect();
        served.sort();
        // A9, F9, G9 (its own cached 7 read too), H9 (the range read either way up), A10.
        assert_eq!(
            served,
            [
                (0, d("3.5")),
                (5, Decimal::ZERO),
                (6, d("14")),
                (7, d("3.5")),
                (8, d("3.5"))
            ],
            "{served:?}"
        );
    }

    #[test]
    fn huge_ranges_are_cut_to_the_used_area() {
        let cells = vec![
            number("A1", "1"),
            number("A2", "2"),
            formula("B1", Value::Number(d("3")), "SUM(A1:A1048576)"),
        ];
        let results = recompute(&workbook(vec![sheet("S", cells)]));
        assert_eq!(outcome_at(&results, 0, "B1"), Some(RecalcOutcome::Matches));
    }
}
