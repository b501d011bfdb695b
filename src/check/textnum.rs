//! Numbers typed as text, and what they do to totals.
//!
//! [`TextFigures`] decides which text numbers of a sheet are *figures*: numbers a total
//! would add, as offices type them (`203.566`, `96,1%`, `'48194460532`), not the codes,
//! years, ordinals and column numbers that also read as digits (`10003` under a `Mã`
//! header, `1901` down a Year column, the `1 2 3 … 19` row under the header). Those are
//! what "number stored as text" (CF101) names and what the corrected workbook turns into
//! numbers.
//!
//! [`sums_skipping_text`] finds the SUMs that skip them: Excel's SUM ignores text, so a
//! total over such cells shows less than its rows hold (CF111, at the total, with the
//! amount). A relation that breaks only because of such a total says so and loses its
//! fix: the cure is the conversion, not a new value typed over the formula.

use std::collections::{BTreeMap, HashMap, HashSet};

use rust_decimal::Decimal;

use crate::codes;
use crate::finding::{Applicability, Edit, Finding, Fix, Message, Severity};
use crate::formula::{parse_formula, BinaryOp, Expr, Reference, UnaryOp};
use crate::layout::{data_cells, header_names_keys, Layout};
use crate::model::{Cell, CellRange, CellRef, Sheet, Value};
use crate::number::{is_code_text, Convention, Reading};
use crate::recalc::FormulaReads;
use crate::text::normalize_label;

use super::shown::{for_messages, quantity_of, show_number};

/// Rows above a column's first text number searched for its header when no table was found.
const HEADER_ROWS_ABOVE: u32 = 6;
/// Years as row keys: whole numbers in this range, strictly in order down the column.
const YEARS: std::ops::RangeInclusive<i64> = 1800..=2100;
/// Cells a message names before "…".
const CELLS_NAMED: usize = 5;
/// How many formula levels a skipped amount is followed through to the totals that read
/// it (a grand total over section totals over a skipping SUM).
const DEPENDENT_LEVELS: usize = 32;

/// The text numbers of a sheet that are figures.
#[derive(Debug, Default)]
pub(crate) struct TextFigures<'s> {
    /// Every text figure, in sheet order (row, then column).
    pub(crate) cells: Vec<&'s Cell>,
    /// Index in `cells` of the example to show: one a total reads (a formula's range
    /// holds it, or the table's total row adds its column), else the first.
    pub(crate) example: usize,
    /// Rows of the figures by column, each with its index in `cells`.
    by_column: BTreeMap<u32, Vec<(u32, usize)>>,
    /// The formula cells whose ranges hold a figure.
    readers: Vec<CellRef>,
}

/// What a column of text numbers holds, from its body cells.
#[derive(Debug, Default)]
struct ColumnFacts {
    /// Its numbers (typed or text), by row.
    values: Vec<(u32, Decimal)>,
    /// A digit string with a leading zero (`01`, `0001`): a code.
    code_text: bool,
}

impl<'s> TextFigures<'s> {
    /// The text figures of `sheet`, whose table is `layout` (every cell is looked at when
    /// no table was found), with `reads` the cells its formulas read.
    pub(crate) fn of(
        sheet: &'s Sheet,
        layout: Option<&'s Layout>,
        reads: Option<&FormulaReads>,
    ) -> TextFigures<'s> {
        let candidates: Vec<&Cell> = data_cells(sheet, layout)
            .filter(|cell| is_text_number(cell))
            .collect();
        if candidates.is_empty() {
            return TextFigures::default();
        }
        let columns: HashSet<u32> = candidates.iter().map(|cell| cell.at.col).collect();
        let mut facts: BTreeMap<u32, ColumnFacts> = BTreeMap::new();
        for cell in data_cells(sheet, layout).filter(|cell| columns.contains(&cell.at.col)) {
            let column = facts.entry(cell.at.col).or_default();
            if let Value::Text(text) = &cell.value {
                column.code_text |= is_code_text(text);
            }
            if let Reading::Number(quantity) = &cell.reading {
                column.values.push((cell.at.row, quantity.value));
            }
        }
        let first_rows: BTreeMap<u32, u32> =
            candidates.iter().fold(BTreeMap::new(), |mut first, cell| {
                first.entry(cell.at.col).or_insert(cell.at.row);
                first
            });
        let identifiers: HashSet<u32> = facts
            .iter()
            .filter(|(col, column)| {
                let header = header_of(sheet, layout, **col, first_rows.get(col).copied());
                column.code_text
                    || header_names_keys(&header)
                    || are_years(&column.values)
                    || are_ordinals(&column.values)
                    || layout.is_some_and(|layout| {
                        **col < layout.label_col && are_distinct_whole(&column.values)
                    })
            })
            .map(|(col, _)| *col)
            .collect();
        let number_rows = column_number_rows(&candidates);
        let cells: Vec<&Cell> = candidates
            .into_iter()
            .filter(|cell| {
                !identifiers.contains(&cell.at.col) && !number_rows.contains(&cell.at.row)
            })
            .collect();
        let mut by_column: BTreeMap<u32, Vec<(u32, usize)>> = BTreeMap::new();
        for (index, cell) in cells.iter().enumerate() {
            by_column
                .entry(cell.at.col)
                .or_default()
                .push((cell.at.row, index));
        }
        let mut figures = TextFigures {
            cells,
            example: 0,
            by_column,
            readers: Vec::new(),
        };
        if figures.cells.is_empty() {
            return figures;
        }
        let mut read = vec![false; figures.cells.len()];
        for (at, ranges) in reads.map(|reads| reads.0.as_slice()).unwrap_or_default() {
            let mut reads_one = false;
            for range in ranges {
                for index in figures.indices_within(*range) {
                    if let Some(flag) = read.get_mut(index) {
                        *flag = true;
                    }
                    reads_one = true;
                }
            }
            if reads_one {
                figures.readers.push(*at);
            }
        }
        let totalled = layout.map(|layout| totalled_cells(sheet, layout, &figures.cells));
        figures.example = (0..figures.cells.len())
            .find(|&index| {
                read.get(index).copied().unwrap_or(false)
                    || totalled.as_ref().is_some_and(|set| set.contains(&index))
            })
            .unwrap_or(0);
        figures
    }

    /// Whether there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The indices (in `cells`) of the figures inside `range`.
    fn indices_within(&self, range: CellRange) -> impl Iterator<Item = usize> + '_ {
        let columns = (range.first.col <= range.last.col)
            .then(|| self.by_column.range(range.first.col..=range.last.col))
            .into_iter()
            .flatten();
        columns.flat_map(move |(_, rows)| {
            let start = rows.partition_point(|(row, _)| *row < range.first.row);
            rows.get(start..)
                .unwrap_or_default()
                .iter()
                .take_while(move |(row, _)| *row <= range.last.row)
                .map(|(_, index)| *index)
        })
    }

    /// The figures inside `range`.
    fn within(&self, range: CellRange) -> impl Iterator<Item = &'s Cell> + '_ {
        self.indices_within(range)
            .filter_map(|index| self.cells.get(index).copied())
    }
}

/// A text cell that reads as one number, typed as text (not an HTML export's text).
fn is_text_number(cell: &Cell) -> bool {
    matches!(cell.value, Value::Text(_))
        && matches!(&cell.reading, Reading::Number(quantity) if quantity.from_text)
}

/// A column's header, folded: the table's header chain, and the texts just above its
/// first text number (the header a misread table may have left in its body).
fn header_of(sheet: &Sheet, layout: Option<&Layout>, col: u32, first_row: Option<u32>) -> String {
    let chain = layout
        .and_then(|layout| layout.headers.get(&col))
        .map(|chain| chain.join(" "))
        .unwrap_or_default();
    let above: Vec<String> = first_row
        .map(|first_row| {
            (first_row.saturating_sub(HEADER_ROWS_ABOVE)..first_row)
                .filter_map(|row| sheet.cell(CellRef::new(row, col)))
                .filter(|cell| matches!(cell.reading, Reading::NotNumber))
                .filter_map(|cell| cell.value.as_text().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    normalize_label(&format!("{chain} {}", above.join(" ")))
}

/// Years as row keys: three or more whole numbers between 1800 and 2100, strictly
/// increasing or strictly decreasing down the column.
fn are_years(values: &[(u32, Decimal)]) -> bool {
    let years: Vec<i64> = values
        .iter()
        .filter_map(|(_, value)| {
            (value.fract().is_zero())
                .then(|| i64::try_from(*value).ok())
                .flatten()
        })
        .filter(|year| YEARS.contains(year))
        .collect();
    years.len() >= 3
        && years.len() == values.len()
        && (years.windows(2).all(|pair| matches!(pair, [a, b] if a < b))
            || years.windows(2).all(|pair| matches!(pair, [a, b] if a > b)))
}

/// Ordinals down the column (`1 2 3 …`, as in an STT column whatever its header says):
/// four or more whole numbers, nearly all (four steps in five) one more than the row
/// above.
fn are_ordinals(values: &[(u32, Decimal)]) -> bool {
    if values.len() < 4 || values.iter().any(|(_, value)| !value.fract().is_zero()) {
        return false;
    }
    let steps = values.len().saturating_sub(1);
    let by_one = values
        .windows(2)
        .filter(|pair| matches!(pair, [(_, a), (_, b)] if a.checked_add(Decimal::ONE) == Some(*b)))
        .count();
    by_one.saturating_mul(5) >= steps.saturating_mul(4)
}

/// Two or more whole numbers, no two alike: keys (codes, ordinals) rather than figures.
fn are_distinct_whole(values: &[(u32, Decimal)]) -> bool {
    let mut seen = HashSet::new();
    values.len() >= 2
        && values
            .iter()
            .all(|(_, value)| value.fract().is_zero() && seen.insert(value.normalize()))
}

/// Rows whose text numbers count across the columns (`1 2 3 …`, `2 3 … 19`): the
/// column-number row under a header, not figures. Three or more whole numbers of which
/// nearly all (four in five) step by one as the column does.
fn column_number_rows(candidates: &[&Cell]) -> HashSet<u32> {
    let mut by_row: BTreeMap<u32, Vec<(u32, Decimal)>> = BTreeMap::new();
    for cell in candidates {
        if let Reading::Number(quantity) = &cell.reading {
            by_row
                .entry(cell.at.row)
                .or_default()
                .push((cell.at.col, quantity.value));
        }
    }
    by_row
        .into_iter()
        .filter(|(_, cells)| {
            if cells.len() < 3 || cells.iter().any(|(_, value)| !value.fract().is_zero()) {
                return false;
            }
            let mut offsets: BTreeMap<Decimal, usize> = BTreeMap::new();
            for (col, value) in cells {
                let offset = value.checked_sub(Decimal::from(*col)).unwrap_or(*value);
                let count = offsets.entry(offset).or_default();
                *count = count.saturating_add(1);
            }
            let most = offsets.values().copied().max().unwrap_or(0);
            most >= 3 && most.saturating_mul(5) >= cells.len().saturating_mul(4)
        })
        .map(|(row, _)| row)
        .collect()
}

/// The figures (by index) in a row the table's hierarchy adds into a total, section or
/// subtotal row that holds a number in the figure's column.
fn totalled_cells(sheet: &Sheet, layout: &Layout, cells: &[&Cell]) -> HashSet<usize> {
    let mut parents_of: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (parent, children) in layout.hierarchy() {
        for child in children {
            parents_of.entry(child).or_default().push(parent);
        }
    }
    cells
        .iter()
        .enumerate()
        .filter(|(_, cell)| {
            parents_of.get(&cell.at.row).is_some_and(|parents| {
                parents.iter().any(|parent| {
                    sheet
                        .cell(CellRef::new(*parent, cell.at.col))
                        .is_some_and(|total| matches!(total.reading, Reading::Number(_)))
                })
            })
        })
        .map(|(index, _)| index)
        .collect()
}

/// What a formula's SUMs leave out: the text figures they skip and their sum.
#[derive(Debug, Default)]
struct Skipped<'s> {
    /// The skipped figures' sum, with the sign the formula gives them.
    amount: Decimal,
    /// The skipped figures (a figure twice when two ranges hold it).
    cells: Vec<&'s Cell>,
}

/// How a formula's value moves once the text figures are numbers.
enum Reach<'s> {
    /// Linearly (`SUM(…)`, `SUM(…) + B7 - SUM(…)`, `A1 + A2`): its SUMs skip `skipped`,
    /// and its value grows by `shift` (the skipped figures, and what the formulas it
    /// reads grow by).
    Linear {
        /// The figures its own SUMs skip.
        skipped: Skipped<'s>,
        /// How much its value grows.
        shift: Decimal,
    },
    /// Some other way (`ROUND(SUM(…), 0)`, `SUM(…) / B7`): not said here.
    Opaque,
}

impl<'s> Reach<'s> {
    fn nothing() -> Reach<'s> {
        Reach::Linear {
            skipped: Skipped::default(),
            shift: Decimal::ZERO,
        }
    }

    /// A change of `shift` in a cell a formula reads.
    fn shifted(shift: Decimal) -> Reach<'s> {
        Reach::Linear {
            skipped: Skipped::default(),
            shift,
        }
    }

    /// `self + sign × other`.
    fn plus(self, other: Reach<'s>, sign: Decimal) -> Reach<'s> {
        let (
            Reach::Linear {
                skipped: mut a,
                shift: a_shift,
            },
            Reach::Linear {
                skipped: b,
                shift: b_shift,
            },
        ) = (self, other)
        else {
            return Reach::Opaque;
        };
        let amount = b
            .amount
            .checked_mul(sign)
            .and_then(|b| a.amount.checked_add(b));
        let shift = b_shift
            .checked_mul(sign)
            .and_then(|b| a_shift.checked_add(b));
        let (Some(amount), Some(shift)) = (amount, shift) else {
            return Reach::Opaque;
        };
        a.amount = amount;
        a.cells.extend(b.cells);
        Reach::Linear { skipped: a, shift }
    }

    /// Whether the value moves at all.
    fn moves(&self) -> bool {
        match self {
            Reach::Linear { skipped, shift } => !skipped.cells.is_empty() || !shift.is_zero(),
            Reach::Opaque => true,
        }
    }
}

/// What a formula's value does once the text figures are numbers, given how much the
/// formula cells it reads grow (`shifts`; references on the formula's own sheet only).
/// Excel's SUM skips a text figure in a range or reference it is given; `+` and `-`
/// already read text as a number, so a figure they read moves nothing.
fn reach<'s>(
    expr: &Expr,
    sheet: &Sheet,
    figures: &TextFigures<'s>,
    shifts: &BTreeMap<CellRef, Decimal>,
    depth: usize,
) -> Reach<'s> {
    if depth > MAX_FORMULA_DEPTH {
        return Reach::Opaque;
    }
    let deeper = depth.saturating_add(1);
    let own = |name: &Option<String>| {
        name.as_deref()
            .is_none_or(|name| name.eq_ignore_ascii_case(&sheet.name))
    };
    let sign_of = |negative: bool| {
        if negative {
            Decimal::NEGATIVE_ONE
        } else {
            Decimal::ONE
        }
    };
    match expr {
        Expr::Call { name, args } if name == "SUM" => {
            args.iter().fold(Reach::nothing(), |total, arg| {
                let part = match arg {
                    Expr::Reference(Reference::Cell { sheet: name, at }) if own(name) => summed(
                        figures,
                        shifts,
                        CellRange {
                            first: *at,
                            last: *at,
                        },
                    ),
                    Expr::Reference(Reference::Range { sheet: name, range }) if own(name) => {
                        summed(figures, shifts, *range)
                    }
                    other => reach(other, sheet, figures, shifts, deeper),
                };
                total.plus(part, Decimal::ONE)
            })
        }
        Expr::Binary {
            op: op @ (BinaryOp::Add | BinaryOp::Sub),
            left,
            right,
        } => reach(left, sheet, figures, shifts, deeper).plus(
            reach(right, sheet, figures, shifts, deeper),
            sign_of(*op == BinaryOp::Sub),
        ),
        Expr::Unary {
            op: op @ (UnaryOp::Neg | UnaryOp::Plus),
            operand,
        } => Reach::nothing().plus(
            reach(operand, sheet, figures, shifts, deeper),
            sign_of(*op == UnaryOp::Neg),
        ),
        Expr::Reference(Reference::Cell { sheet: name, at }) if own(name) => shifts
            .get(at)
            .map_or_else(Reach::nothing, |shift| Reach::shifted(*shift)),
        Expr::Reference(Reference::Range { sheet: name, range }) if own(name) => {
            // A range outside SUM (`INDEX`, `AVERAGE`…): whatever moves inside it is not
            // a plain shift.
            if shifts
                .range(range.first..=range.last)
                .any(|(at, _)| range.contains(*at))
                || figures.within(*range).next().is_some()
            {
                Reach::Opaque
            } else {
                Reach::nothing()
            }
        }
        Expr::Unary { operand, .. } => still(reach(operand, sheet, figures, shifts, deeper)),
        Expr::Binary { left, right, .. } => still(
            reach(left, sheet, figures, shifts, deeper)
                .plus(reach(right, sheet, figures, shifts, deeper), Decimal::ONE),
        ),
        Expr::Call { args, .. } => still(args.iter().fold(Reach::nothing(), |total, arg| {
            total.plus(reach(arg, sheet, figures, shifts, deeper), Decimal::ONE)
        })),
        Expr::Reference(_)
        | Expr::Number(_)
        | Expr::Text(_)
        | Expr::Bool(_)
        | Expr::Error(_)
        | Expr::Missing => Reach::nothing(),
    }
}

/// Deepest formula nesting followed (the reader's formula depth limit is far below).
const MAX_FORMULA_DEPTH: usize = 256;

/// What does not move stays put; anything that moves inside something other than a sum
/// moves it in a way not worked out here.
fn still(inner: Reach<'_>) -> Reach<'_> {
    if inner.moves() {
        Reach::Opaque
    } else {
        Reach::nothing()
    }
}

/// What a SUM argument's range adds once the text figures are numbers: the figures it
/// skips, and the shifts of the formula cells in it.
fn summed<'s>(
    figures: &TextFigures<'s>,
    shifts: &BTreeMap<CellRef, Decimal>,
    range: CellRange,
) -> Reach<'s> {
    let mut skipped = Skipped::default();
    for cell in figures.within(range) {
        if let Reading::Number(quantity) = &cell.reading {
            match skipped.amount.checked_add(quantity.value) {
                Some(amount) => skipped.amount = amount,
                None => return Reach::Opaque,
            }
            skipped.cells.push(cell);
        }
    }
    let mut shift = skipped.amount;
    for (_, moved) in entries_within(shifts, range) {
        match shift.checked_add(*moved) {
            Some(sum) => shift = sum,
            None => return Reach::Opaque,
        }
    }
    Reach::Linear { skipped, shift }
}

/// The entries of `map` inside `range` (none when its corners are not in order).
fn entries_within<V>(
    map: &BTreeMap<CellRef, V>,
    range: CellRange,
) -> impl Iterator<Item = (&CellRef, &V)> {
    let ordered = range.first <= range.last;
    ordered
        .then(|| map.range(range.first..=range.last))
        .into_iter()
        .flatten()
        .filter(move |(at, _)| range.contains(**at))
}

/// A formula cell whose value moves once the text figures are numbers.
struct Moved<'s> {
    /// What its own SUMs skip.
    skipped: Skipped<'s>,
    /// How much it grows.
    shift: Decimal,
    /// The total whose skipped figures it goes back to (itself, for a SUM that skips).
    source: CellRef,
}

/// The SUMs of a sheet that skip text figures, each an error at its total with the
/// amount left out and the total with it (CF111), appended to `findings`; the totals
/// that read them (`=SUM(F146, F119)`, `=F146 + G146`) move with them, and their new
/// values join the fix of the total they go back to. Then the findings of this sheet
/// from `first` on whose relation reads such a total or a formula over one name it as
/// the likely cause, and lose a fix that would type a new value over the formula:
/// making the text numbers numbers is the cure.
///
/// `converting`: whether the text figures are made numbers by the CF101 fix (the check
/// of numbers stored as text is on); only then do the totals get their new cached
/// values as a fix.
pub(crate) fn sums_skipping_text(
    sheet: &Sheet,
    figures: &TextFigures<'_>,
    reads: Option<&FormulaReads>,
    convention: Convention,
    converting: bool,
    findings: &mut Vec<Finding>,
    first: usize,
) {
    if figures.is_empty() || figures.readers.is_empty() {
        return;
    }
    let Some(reads) = reads else {
        return;
    };
    let moved = moved_formulas(sheet, figures, reads);
    if moved.is_empty() {
        return;
    }
    let mut affected: BTreeMap<CellRef, CellRef> = BTreeMap::new();
    let mut totals: Vec<Finding> = Vec::new();
    for (at, moved_by) in &moved {
        affected.insert(*at, moved_by.source);
        if *at != moved_by.source || moved_by.skipped.amount.is_zero() {
            continue;
        }
        let Some(cell) = sheet.cell(*at) else {
            continue;
        };
        let (Some(formula), Value::Number(shown)) = (cell.formula.as_deref(), &cell.value) else {
            continue;
        };
        let Some(with) = shown.checked_add(moved_by.shift) else {
            continue;
        };
        // The totals above it move with it, each once, with the total it goes back to.
        let above: Vec<(CellRef, Decimal)> = moved
            .iter()
            .filter(|(other, by)| **other != *at && by.source == *at)
            .filter_map(|(other, by)| {
                let cached = match &sheet.cell(*other)?.value {
                    Value::Number(cached) => *cached,
                    _ => return None,
                };
                Some((*other, cached.checked_add(by.shift)?))
            })
            .collect();
        totals.push(skipping_finding(
            sheet,
            cell,
            formula,
            (*shown, with),
            &moved_by.skipped,
            &above,
            convention,
            converting,
        ));
    }
    if totals.is_empty() {
        return;
    }
    for finding in findings.iter_mut().skip(first) {
        if finding.severity == Severity::Info {
            continue;
        }
        let edited = finding
            .fix
            .iter()
            .flat_map(|fix| fix.edits.iter().map(|edit| edit.cell));
        let mut causes: Vec<CellRef> = std::iter::once(finding.cell)
            .chain(finding.cells.iter().copied())
            .chain(edited)
            .filter_map(|at| affected.get(&at).copied())
            .collect();
        if causes.is_empty() {
            continue;
        }
        causes.sort();
        causes.dedup();
        let causes = causes
            .iter()
            .map(CellRef::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        finding.fix = None;
        finding.message.vi.push_str(&format!(
            " (nguyên nhân có thể: tổng SUM ở {causes} bỏ qua các số dạng văn bản, xem {})",
            codes::SUM_SKIPS_TEXT
        ));
        finding.message.en.push_str(&format!(
            " (likely cause: the SUM at {causes} skips numbers stored as text; see {})",
            codes::SUM_SKIPS_TEXT
        ));
    }
    findings.extend(totals);
}

/// Every formula cell whose value moves once the text figures are numbers: the SUMs that
/// skip them, then the formulas over those, level by level (up to [`DEPENDENT_LEVELS`]),
/// each with how much it moves and the skipping total it goes back to. A formula over
/// one in a way that is not a plain sum (`ROUND`, a ratio) is left out: Excel works it
/// out when it recalculates.
fn moved_formulas<'s>(
    sheet: &Sheet,
    figures: &TextFigures<'s>,
    reads: &FormulaReads,
) -> BTreeMap<CellRef, Moved<'s>> {
    let mut moved: BTreeMap<CellRef, Moved<'s>> = BTreeMap::new();
    let mut shifts: BTreeMap<CellRef, Decimal> = BTreeMap::new();
    let ranges_of: HashMap<CellRef, &[CellRange]> = reads
        .0
        .iter()
        .map(|(at, ranges)| (*at, ranges.as_slice()))
        .collect();
    let mut parsed: BTreeMap<CellRef, Option<Expr>> = BTreeMap::new();
    let mut candidates: Vec<CellRef> = figures.readers.clone();
    for _ in 0..DEPENDENT_LEVELS {
        let mut changed = false;
        for &at in &candidates {
            let expr = parsed.entry(at).or_insert_with(|| {
                sheet
                    .cell(at)
                    .and_then(|cell| cell.formula.as_deref())
                    .and_then(|formula| parse_formula(formula).ok())
            });
            let Some(expr) = expr.as_ref() else {
                continue;
            };
            let Reach::Linear { skipped, shift } = reach(expr, sheet, figures, &shifts, 0) else {
                continue;
            };
            if shift.is_zero() && skipped.cells.is_empty() {
                continue;
            }
            if shifts.get(&at) == Some(&shift) {
                continue;
            }
            let source = if skipped.amount.is_zero() {
                ranges_of
                    .get(&at)
                    .and_then(|ranges| {
                        ranges.iter().find_map(|range| {
                            entries_within(&shifts, *range)
                                .find(|(cell, _)| **cell != at)
                                .and_then(|(cell, _)| moved.get(cell).map(|m| m.source))
                        })
                    })
                    .unwrap_or(at)
            } else {
                at
            };
            shifts.insert(at, shift);
            moved.insert(
                at,
                Moved {
                    skipped,
                    shift,
                    source,
                },
            );
            changed = true;
        }
        if !changed {
            break;
        }
        // Next, the formulas that read a cell that moved.
        candidates = reads
            .0
            .iter()
            .filter(|(_, ranges)| {
                ranges
                    .iter()
                    .any(|range| entries_within(&shifts, *range).next().is_some())
            })
            .map(|(at, _)| *at)
            .chain(figures.readers.iter().copied())
            .collect();
        candidates.sort();
        candidates.dedup();
    }
    moved
}

/// The CF111 finding at a total, its fix its value once the figures are numbers and the
/// values of the totals `above` it that move with it.
#[allow(clippy::too_many_arguments)]
fn skipping_finding(
    sheet: &Sheet,
    total: &Cell,
    formula: &str,
    (shown, with): (Decimal, Decimal),
    skipped: &Skipped<'_>,
    above: &[(CellRef, Decimal)],
    convention: Convention,
    converting: bool,
) -> Finding {
    let like = quantity_of(total);
    let at = total.at;
    let actual = show_number(shown, like, convention);
    let expected = show_number(with, like, convention);
    let amount = show_number(skipped.amount, like, convention);
    let (actual_vi, actual_en) = for_messages(&actual, convention);
    let (expected_vi, expected_en) = for_messages(&expected, convention);
    let (amount_vi, amount_en) = for_messages(&amount, convention);
    let mut cells: Vec<CellRef> = skipped.cells.iter().map(|cell| cell.at).collect();
    cells.sort();
    cells.dedup();
    let count = cells.len();
    let mut named: Vec<String> = cells
        .iter()
        .take(CELLS_NAMED)
        .map(CellRef::to_string)
        .collect();
    if count > CELLS_NAMED {
        named.push("…".to_string());
    }
    let named = named.join(", ");
    let fix = converting.then(|| {
        let edits = std::iter::once(Edit {
            cell: at,
            value: with,
            shown: expected.clone(),
        })
        .chain(above.iter().map(|(cell, value)| Edit {
            cell: *cell,
            value: *value,
            shown: show_number(
                *value,
                sheet.cell(*cell).and_then(quantity_of),
                convention,
            ),
        }))
        .collect();
        Fix {
            edits,
            reason: Message::new(
                format!(
                    "giá trị khi các số dạng văn bản mà tổng {at} bỏ qua được chuyển thành số ({}); công thức giữ nguyên",
                    codes::TEXT_NUMBER
                ),
                format!(
                    "the value once the numbers stored as text that {at} skips are made numbers ({}); the formula stays",
                    codes::TEXT_NUMBER
                ),
            ),
            applicability: Applicability::Safe,
        }
    });
    let (what_vi, what_en) = if count == 1 {
        (
            format!("1 ô chứa số dạng văn bản, {named} = {amount_vi}; tính cả ô này"),
            format!("1 cell holding a number as text, {named} = {amount_en}; counting it"),
        )
    } else {
        (
            format!("{count} ô chứa số dạng văn bản ({named}) cộng lại {amount_vi}; tính cả các ô này"),
            format!("{count} cells holding numbers as text ({named}) that add up to {amount_en}; counting them"),
        )
    };
    Finding {
        code: codes::SUM_SKIPS_TEXT,
        severity: Severity::Error,
        sheet: sheet.name.clone(),
        cell: at,
        cells,
        message: Message::new(
            format!(
                "{at} = {formula} hiển thị {actual_vi}, nhưng SUM bỏ qua {what_vi} thì tổng là {expected_vi}"
            ),
            format!(
                "{at} = {formula} shows {actual_en}, but SUM skips {what_en} the total is {expected_en}"
            ),
        ),
        expected: Some(expected),
        actual: Some(actual),
        fix,
        related: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Cell;
    use crate::number::{classify_text, numeric_reading, resolve_text};

    fn at(a1: &str) -> CellRef {
        CellRef::parse(a1).unwrap_or_else(|| panic!("{a1}"))
    }

    fn text(a1: &str, text: &str) -> Cell {
        Cell {
            at: at(a1),
            value: Value::Text(text.into()),
            formula: None,
            number_format: None,
            reading: resolve_text(&classify_text(text), Convention::Vietnamese),
        }
    }

    fn number(a1: &str, value: i64) -> Cell {
        Cell {
            at: at(a1),
            value: Value::Number(Decimal::from(value)),
            formula: None,
            number_format: None,
            reading: Reading::Number(numeric_reading(Decimal::from(value), None)),
        }
    }

    fn formula(a1: &str, text: &str, cached: i64) -> Cell {
        Cell {
            formula: Some(text.into()),
            ..number(a1, cached)
        }
    }

    fn sheet(mut cells: Vec<Cell>) -> Sheet {
        cells.sort_by_key(|cell| cell.at);
        Sheet {
            name: "S".into(),
            cells,
            ..Sheet::default()
        }
    }

    /// What each formula of `sheet` reads on it, as the recalculation notes it.
    fn reads_of(sheet: &Sheet) -> FormulaReads {
        let workbook = crate::model::Workbook {
            format: crate::model::SourceFormat::Xlsx,
            sheets: vec![sheet.clone()],
            defined_names: Vec::new(),
            convention: Convention::Vietnamese,
            full_calc_on_load: false,
        };
        crate::recalc::recalculate(&workbook)
            .reads
            .pop()
            .unwrap_or_default()
    }

    fn figures_of(sheet: &Sheet) -> Vec<String> {
        let layout = Layout::find(sheet);
        let reads = reads_of(sheet);
        TextFigures::of(sheet, layout.as_ref(), Some(&reads))
            .cells
            .iter()
            .map(|cell| cell.at.to_string())
            .collect()
    }

    #[test]
    fn headers_that_name_keys() {
        for header in [
            "ma cskcb",
            "ma so",
            "ma tinh",
            "zip",
            "postal code",
            "stt",
            "id",
            "year",
            "so hieu",
        ] {
            assert!(header_names_keys(header), "{header}");
        }
        // `nam` is also "male": a Nam/Nữ column holds figures.
        for header in [
            "nam", "so tien", "tong so", "so ho so", "amount", "nam 2022",
        ] {
            assert!(!header_names_keys(header), "{header}");
        }
    }

    #[test]
    fn years_ordinals_and_keys_down_a_column() {
        let values = |list: &[i64]| -> Vec<(u32, Decimal)> {
            list.iter()
                .zip(0u32..)
                .map(|(value, row)| (row, Decimal::from(*value)))
                .collect()
        };
        assert!(are_years(&values(&[1901, 1902, 1903, 1905])));
        assert!(are_years(&values(&[2024, 2023, 2022])));
        assert!(!are_years(&values(&[1901, 1950])), "two are not enough");
        assert!(
            !are_years(&values(&[1845, 2010, 1990])),
            "not in order: figures"
        );
        assert!(are_ordinals(&values(&[1, 2, 3, 4, 5])));
        assert!(are_ordinals(&values(&[7, 8, 9, 10, 12, 13])));
        assert!(!are_ordinals(&values(&[120, 95, 310, 42])));
        assert!(are_distinct_whole(&values(&[10003, 10004, 10098])));
        assert!(!are_distinct_whole(&values(&[5, 5, 7])));
    }

    #[test]
    fn column_numbers_under_a_header_are_no_figures() {
        let row = |first_col: u32, values: &[i64]| -> Vec<Cell> {
            values
                .iter()
                .zip(first_col..)
                .map(|(value, col)| Cell {
                    at: CellRef::new(17, col),
                    ..text("A1", &value.to_string())
                })
                .collect()
        };
        let cells = row(4, &[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14]);
        let refs: Vec<&Cell> = cells.iter().collect();
        assert_eq!(column_number_rows(&refs), HashSet::from([17]));
        let figures = row(2, &[120, 35, 4088]);
        let refs: Vec<&Cell> = figures.iter().collect();
        assert!(column_number_rows(&refs).is_empty());
    }

    #[test]
    fn figures_are_told_from_codes_in_a_table() {
        let cells = vec![
            text("A1", "Mã"),
            text("B1", "Đơn vị"),
            text("C1", "Số hồ sơ"),
            text("D1", "Kinh phí"),
            text("A2", "10003"),
            text("B2", "Xã A"),
            text("C2", "1.845"),
            number("D2", 500),
            text("A3", "10004"),
            text("B3", "Xã B"),
            number("C3", 120),
            text("D3", "19.961.000.000 đồng"),
            text("B4", "Tổng cộng"),
            formula("C4", "SUM(C2:C3)", 120),
            formula("D4", "SUM(D2:D3)", 500),
        ];
        assert_eq!(figures_of(&sheet(cells)), ["C2", "D3"]);
    }

    #[test]
    fn sums_skip_text_plus_reads_it_and_totals_above_move_with_them() {
        let cells = vec![
            text("A1", "Đơn vị"),
            text("B1", "Nam"),
            text("C1", "Nữ"),
            text("D1", "Cộng"),
            text("A2", "Trường A"),
            text("B2", "14"),
            number("C2", 10),
            formula("D2", "B2+C2", 24),
            text("A3", "Trường B"),
            number("B3", 11),
            number("C3", 23),
            formula("D3", "B3+C3", 34),
            text("A4", "Cộng"),
            formula("B4", "SUM(B2:B3)", 11),
            formula("C4", "SUM(C2:C3)", 33),
            formula("D4", "SUM(D2:D3)", 58),
            text("A5", "Tổng cộng"),
            formula("B5", "SUM(B4)+B6", 11),
            formula("C5", "ROUND(SUM(B4), 0)", 11),
            number("B6", 0),
        ];
        let sheet = sheet(cells);
        let layout = Layout::find(&sheet);
        let reads = reads_of(&sheet);
        let figures = TextFigures::of(&sheet, layout.as_ref(), Some(&reads));
        assert_eq!(figures.cells.len(), 1);
        let moved = moved_formulas(&sheet, &figures, &reads);
        let shifts: Vec<(String, Decimal, String)> = moved
            .iter()
            .map(|(at, m)| (at.to_string(), m.shift, m.source.to_string()))
            .collect();
        // B4's SUM skips "14"; B5 adds B4 and moves with it; D2 reads it with `+` and
        // Excel already counts it; C5 rounds: left to the recalculation.
        assert_eq!(
            shifts,
            [
                ("B4".to_string(), Decimal::from(14), "B4".to_string()),
                ("B5".to_string(), Decimal::from(14), "B4".to_string()),
            ]
        );

        let mut findings = Vec::new();
        sums_skipping_text(
            &sheet,
            &figures,
            Some(&reads),
            Convention::Vietnamese,
            true,
            &mut findings,
            0,
        );
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let total = &findings[0];
        assert_eq!((total.code, total.cell), (codes::SUM_SKIPS_TEXT, at("B4")));
        assert_eq!(total.expected.as_deref(), Some("25"));
        let edits: Vec<(String, Decimal)> = total
            .fix
            .iter()
            .flat_map(|fix| fix.edits.iter().map(|e| (e.cell.to_string(), e.value)))
            .collect();
        assert_eq!(
            edits,
            [
                ("B4".to_string(), Decimal::from(25)),
                ("B5".to_string(), Decimal::from(25)),
            ]
        );
        // Without the conversion there is nothing to apply.
        let mut findings = Vec::new();
        sums_skipping_text(
            &sheet,
            &figures,
            Some(&reads),
            Convention::Vietnamese,
            false,
            &mut findings,
            0,
        );
        assert!(findings.iter().all(|f| f.fix.is_none()));
    }
}
