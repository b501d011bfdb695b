//! Formula regions: what Excel's own error checking flags in a table of formulas. A typed
//! constant in a column whose other rows of the same kind hold the same formula (the
//! "inconsistent formula" a pasted value leaves; an info when a note on the cell explains
//! it), a total of the column above put in an item's row of such a column, and a `SUM`
//! whose range stops short of the adjacent rows it should cover.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use crate::codes;
use crate::finding::{Finding, Message, Severity};
use crate::formula::binary::{shown_alike, to_f64};
use crate::formula::{
    evaluate, parse_formula, references, EvalValue, Expr, Operand, Reference, Resolver,
};
use crate::layout::{Layout, RowKind};
use crate::model::{column_letters, CellRange, CellRef, Sheet, Value, Workbook};
use crate::number::Reading;
use crate::recalc::eval_value;
use crate::text::normalize_label;

use super::shown::{for_messages, quantity_of, show_interval, show_value};

/// Most formula cells per sheet looked at.
const MAX_FORMULAS: usize = 200_000;

/// Most totals of the column above in items' rows one column reports: more are the way the
/// column is filled, not slips.
const MAX_TOTALS_IN_ITEM_ROWS: usize = 4;

/// The formula-region findings of every sheet with a table.
///
/// # Examples
/// ```
/// let bytes = std::fs::read("tests/fixtures/tthc-06-q3-2022.xlsx").unwrap();
/// let book = crossfoot::read_workbook(&bytes, "tthc-06-q3-2022.xlsx").unwrap();
/// assert!(crossfoot::formula_region_findings(&book).is_empty());
/// ```
pub fn formula_region_findings(workbook: &Workbook) -> Vec<Finding> {
    let mut findings = Vec::new();
    for sheet in &workbook.sheets {
        let Some(layout) = Layout::find(sheet) else {
            continue;
        };
        let inconsistent = inconsistent_formulas(sheet, &layout, workbook.convention);
        // One finding a cell: a total in an item's row says more than its short range.
        let short: Vec<Finding> = short_sums(sheet, &layout)
            .into_iter()
            .filter(|short| !inconsistent.iter().any(|f| f.cell == short.cell))
            .collect();
        findings.extend(inconsistent);
        findings.extend(short);
    }
    findings
}

/// A formula's shape: its references relative to the cell, R1C1 style.
fn shape(formula: &str, at: CellRef) -> Option<String> {
    let expr = parse_formula(formula).ok()?;
    // The difference of two u32 always fits in an i64.
    #[allow(clippy::arithmetic_side_effects)]
    let rel = |c: CellRef| {
        format!(
            "R[{}]C[{}]",
            i64::from(c.row) - i64::from(at.row),
            i64::from(c.col) - i64::from(at.col)
        )
    };
    let mut out = String::new();
    for reference in references(&expr) {
        match reference {
            Reference::Cell { sheet, at: c } => {
                out.push_str(&format!("{}{};", sheet.unwrap_or_default(), rel(c)));
            }
            Reference::Range { sheet, range } => out.push_str(&format!(
                "{}{}:{};",
                sheet.unwrap_or_default(),
                rel(range.first),
                rel(range.last)
            )),
            Reference::Name(n) => out.push_str(&format!("{n};")),
        }
    }
    let calls = calls(&expr);
    out.push_str(&calls.join(","));
    Some(out)
}

/// Function names a formula calls, in order.
fn calls(expr: &Expr) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        match e {
            Expr::Call { name, args } => {
                names.push(name.clone());
                stack.extend(args.iter());
            }
            Expr::Unary { operand, .. } => stack.push(operand),
            Expr::Binary { left, right, .. } => {
                stack.push(left);
                stack.push(right);
            }
            _ => {}
        }
    }
    names
}

/// Unit rows of a column where most hold one formula shape and a few hold a typed number.
fn inconsistent_formulas(
    sheet: &Sheet,
    layout: &Layout,
    convention: crate::number::Convention,
) -> Vec<Finding> {
    // Each unit row with the block it is in: blocks are parted by a total, a section or
    // a heading line (`Travel/Training` under the personnel rows' subtotal).
    let mut block = 0usize;
    let units: Vec<(u32, usize)> = layout
        .body
        .iter()
        .filter_map(|b| {
            if b.kind == RowKind::Unit && b.has_numbers {
                Some((b.row, block))
            } else {
                block = block.saturating_add(1);
                None
            }
        })
        .collect();
    let note_columns = note_columns(layout);
    let mut findings = Vec::new();
    let mut budget = MAX_FORMULAS;
    let number_columns = layout.number_columns(sheet);
    for &col in &number_columns {
        let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
        let mut constants: Vec<(CellRef, usize)> = Vec::new();
        let mut formula_blocks: BTreeSet<usize> = BTreeSet::new();
        let mut formulas = 0usize;
        // Formula cells with their shapes, to find the odd one after the count.
        let mut shaped: Vec<(CellRef, usize, Option<String>)> = Vec::new();
        for &(row, block) in &units {
            let at = CellRef::new(row, col);
            let Some(cell) = sheet.cell(at) else {
                continue;
            };
            match &cell.formula {
                Some(formula) => {
                    let Some(left) = budget.checked_sub(1) else {
                        return findings;
                    };
                    budget = left;
                    formulas = formulas.saturating_add(1);
                    formula_blocks.insert(block);
                    let cell_shape = shape(formula, at);
                    if let Some(s) = &cell_shape {
                        shapes
                            .entry(s.clone())
                            .and_modify(|n| *n = n.saturating_add(1))
                            .or_insert(1);
                    }
                    shaped.push((at, block, cell_shape));
                }
                None => {
                    if matches!(cell.value, Value::Number(_))
                        || matches!(cell.reading, Reading::Number(_))
                    {
                        constants.push((at, block));
                    }
                }
            }
        }
        let common = shapes.values().copied().max().unwrap_or(0);
        let cells = formulas.saturating_add(constants.len());
        // An example of the column's most common formula.
        let most = shapes
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(s, _)| s.clone());
        let example = units.iter().find_map(|&(row, _)| {
            let at = CellRef::new(row, col);
            sheet
                .cell(at)
                .and_then(|c| c.formula.as_ref())
                .filter(|f| most.is_some() && shape(f, at) == most)
                .map(|f| (at, f.clone()))
        });
        // A formula of another shape in a block that is mostly the common one.
        if let Some((where_, formula)) = &example {
            // Per block: its cells of the common shape, and all its formulas and constants.
            let mut per_block: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
            for (_, block, s) in &shaped {
                let (common, cells) = per_block.entry(*block).or_default();
                *cells = cells.saturating_add(1);
                if *s == most {
                    *common = common.saturating_add(1);
                }
            }
            for (_, block) in &constants {
                let (_, cells) = per_block.entry(*block).or_default();
                *cells = cells.saturating_add(1);
            }
            let mostly_common = |block: usize| {
                per_block.get(&block).is_some_and(|&(common, cells)| {
                    common >= 3 && common.saturating_mul(4) >= cells.saturating_mul(3)
                })
            };
            let totals: Vec<(CellRef, (u32, u32))> = shaped
                .iter()
                .filter(|(_, block, s)| *s != most && mostly_common(*block))
                .filter_map(|&(at, _, _)| {
                    let formula = sheet.cell(at)?.formula.as_deref()?;
                    Some((at, sums_own_column_above(formula, at)?))
                })
                .collect();
            // A few slips, not a way of filling the column.
            if totals.len() <= MAX_TOTALS_IN_ITEM_ROWS {
                findings.extend(totals.into_iter().filter_map(|(at, rows)| {
                    total_in_a_unit_row(
                        sheet,
                        &number_columns,
                        (at, rows),
                        (*where_, formula),
                        convention,
                    )
                }));
            }
        }
        // Most of the column is one formula, and the constants are a few exceptions.
        if constants.is_empty() || common < 3 || common.saturating_mul(4) < cells.saturating_mul(3)
        {
            continue;
        }
        // A typed block among blocks of formulas is the office's own way of filling it
        // (travel typed under salaries computed from another sheet).
        for at in constants
            .into_iter()
            .filter(|(_, block)| formula_blocks.contains(block))
            .map(|(at, _)| at)
        {
            // The typed number as the sheet shows it, and as each message language writes it.
            let shown = sheet
                .cell(at)
                .map(|c| show_value(&c.value, Some(c), convention))
                .unwrap_or_else(|| sheet.label(at));
            let (shown_vi, shown_en) = for_messages(&shown, convention);
            let (vi_example, en_example) = match &example {
                Some((where_, f)) => (
                    format!(" (ví dụ {where_}: ={f})"),
                    format!(" (e.g. {where_}: ={f})"),
                ),
                None => (String::new(), String::new()),
            };
            let letters = column_letters(col);
            // Typed where the formula would give the same today: nothing is wrong yet.
            let latent = example.as_ref().is_some_and(|(where_, formula)| {
                let typed = sheet.cell(at).and_then(|c| match &c.reading {
                    Reading::Number(q) => Some(q),
                    _ => None,
                });
                // Equal as Excel shows a number (to its last binary digits): a ratio
                // pasted as a value (1.5416666666666665 for 74/48) is the formula's.
                typed.is_some_and(|typed| {
                    copied_down_value(sheet, *where_, formula, at.row).is_some_and(|value| {
                        value.contains(typed.value)
                            || [value.lo, value.hi].into_iter().any(|bound| {
                                let (Some(computed), Some(saved)) =
                                    (to_f64(bound), to_f64(typed.value))
                                else {
                                    return false;
                                };
                                shown_alike(computed, saved, computed.abs().max(saved.abs()))
                            })
                    })
                })
            });
            // A note on the cell, or in the row's comment column, explains the typed
            // number: an override made on purpose.
            let (severity, message) = match row_note(sheet, at, &note_columns) {
                Some(note) => {
                    (
                        Severity::Info,
                        Message::new(
                            format!(
                                "Cột {letters} tính bằng công thức ở {common} dòng{vi_example}, nhưng {at} là số gõ tay {shown_vi} kèm ghi chú «{note}»: coi là chủ ý, không phải lỗi"
                            ),
                            format!(
                                "Column {letters} is a formula on {common} rows{en_example}, but {at} is the typed number {shown_en} with the note «{note}»: taken as deliberate, not an error"
                            ),
                        ),
                    )
                }
                None if latent => (
                    Severity::Info,
                    Message::new(
                        format!(
                            "Cột {letters} tính bằng công thức ở {common} dòng{vi_example}, nhưng {at} là số gõ tay {shown_vi}, bằng đúng giá trị công thức cho lúc này: chưa sai, nhưng sẽ không tự cập nhật khi số liệu thay đổi"
                        ),
                        format!(
                            "Column {letters} is a formula on {common} rows{en_example}, but {at} is the typed number {shown_en}, what the formula gives today: not wrong yet, but it will not follow when the figures change"
                        ),
                    ),
                ),
                None => (
                    Severity::Warning,
                    Message::new(
                        format!(
                            "Cột {letters} tính bằng công thức ở {common} dòng{vi_example}, nhưng {at} là số gõ tay {shown_vi}: số này không tự cập nhật khi số liệu thay đổi"
                        ),
                        format!(
                            "Column {letters} is a formula on {common} rows{en_example}, but {at} is the typed number {shown_en}: it will not follow when the figures change"
                        ),
                    ),
                ),
            };
            findings.push(Finding {
                code: codes::INCONSISTENT_FORMULA,
                severity,
                sheet: sheet.name.clone(),
                cell: at,
                cells: Vec::new(),
                message,
                expected: None,
                actual: Some(shown),
                fix: None,
                related: Vec::new(),
            });
        }
    }
    findings
}

/// CF107 for a unit row's cell `at` in a column of row formulas (`=SUM(J2:K2)` copied
/// down) that instead adds up its own column above it over `rows` (`=SUM(L3:L19)`): a
/// total put in a row of the table's items, whose figure the column's formula gives
/// otherwise. Only when the row is an item's: none of its other cells adds up its own
/// column (a subtotal row the layout did not name would), and the column's formula gives
/// another figure there from the item's own figures.
fn total_in_a_unit_row(
    sheet: &Sheet,
    number_columns: &[u32],
    (at, rows): (CellRef, (u32, u32)),
    (example_at, example): (CellRef, &str),
    convention: crate::number::Convention,
) -> Option<Finding> {
    let cell = sheet.cell(at)?;
    let formula = cell.formula.as_deref()?;
    let above = rows.1.saturating_sub(rows.0).saturating_add(1);
    // A subtotal row the layout did not name adds up its other columns too, by formula or
    // typed.
    let row_has_another_total = number_columns.iter().any(|&col| {
        let other = CellRef::new(at.row, col);
        col != at.col
            && match sheet.cell(other).and_then(|c| c.formula.as_deref()) {
                Some(f) => sums_own_column_above(f, other).is_some(),
                None => is_typed_sum(sheet, other, rows),
            }
    });
    if row_has_another_total {
        return None;
    }
    // The column's formula moved to this row (it reads only its own row: no `$`).
    let moved = Some(example)
        .filter(|example| !example.contains('$'))
        .and_then(|example| parse_formula(example).ok())
        .and_then(|expr| moved_to_row(&expr, example_at.row, at.row))?;
    // The item's own figures are there: the cells it reads hold a number (a subtotal row
    // that totals only this column leaves them blank).
    let reads_a_figure = references(&moved).iter().any(|reference| match reference {
        Reference::Cell { at: read, .. } => holds_number(sheet, *read),
        Reference::Range { range, .. } => (range.first.col..=range.last.col)
            .any(|col| holds_number(sheet, CellRef::new(at.row, col))),
        Reference::Name(_) => false,
    });
    if !reads_a_figure {
        return None;
    }
    let expected = copied_down_value(sheet, example_at, example, at.row)?;
    let actual = match &cell.reading {
        Reading::Number(q) => q.value,
        _ => return None,
    };
    if expected.contains(actual) {
        return None;
    }
    let shown_expected = show_interval(&expected, quantity_of(cell), convention);
    let shown_actual = show_value(&cell.value, Some(cell), convention);
    let (expected_vi, expected_en) = for_messages(&shown_expected, convention);
    let (actual_vi, actual_en) = for_messages(&shown_actual, convention);
    let letters = column_letters(at.col);
    Some(Finding {
        code: codes::INCONSISTENT_FORMULA,
        severity: Severity::Warning,
        sheet: sheet.name.clone(),
        cell: at,
        cells: vec![example_at],
        message: Message::new(
            format!(
                "Cột {letters} tính theo từng dòng (ví dụ {example_at}: ={example}), nhưng {at} ở dòng của một mục lại là ={formula}, cộng {above} dòng phía trên của cột: ô ghi {actual_vi}, công thức của cột cho {expected_vi} (={moved})"
            ),
            format!(
                "Column {letters} is computed row by row (e.g. {example_at}: ={example}), but {at}, in an item's row, is ={formula}, adding up {above} rows of the column above it: it shows {actual_en}, where the column's formula gives {expected_en} (={moved})"
            ),
        ),
        expected: Some(shown_expected),
        actual: Some(shown_actual),
        fix: None,
        related: Vec::new(),
    })
}

/// The rows (first, last) `formula` (at `at`) adds up of its own column above it, when it
/// is a `SUM` of one range there and nothing else (`=SUM(L3:L19)` in L20): a total's.
fn sums_own_column_above(formula: &str, at: CellRef) -> Option<(u32, u32)> {
    let expr = parse_formula(formula).ok()?;
    let Expr::Call { name, args } = &expr else {
        return None;
    };
    if !name.eq_ignore_ascii_case("SUM") {
        return None;
    }
    let [Expr::Reference(Reference::Range { sheet: None, range })] = args.as_slice() else {
        return None;
    };
    let own_column = range.first.col == at.col && range.last.col == at.col;
    let above = range.last.row < at.row;
    let two_rows = range.last.row > range.first.row;
    (own_column && above && two_rows).then_some((range.first.row, range.last.row))
}

/// The number the cell `at` holds, if it holds one.
fn number_at(sheet: &Sheet, at: CellRef) -> Option<Decimal> {
    match sheet.cell(at).map(|c| &c.reading) {
        Some(Reading::Number(q)) => Some(q.value),
        _ => None,
    }
}

/// Whether the cell `at` holds a number.
fn holds_number(sheet: &Sheet, at: CellRef) -> bool {
    number_at(sheet, at).is_some()
}

/// Whether the number in `at` is the sum of its column's numbers over `rows`, and not 0:
/// a subtotal typed as a figure.
fn is_typed_sum(sheet: &Sheet, at: CellRef, (first, last): (u32, u32)) -> bool {
    let number = |at: CellRef| number_at(sheet, at);
    let Some(typed) = number(at).filter(|n| !n.is_zero()) else {
        return false;
    };
    let mut sum = Decimal::ZERO;
    for row in first..=last {
        if let Some(n) = number(CellRef::new(row, at.col)) {
            match sum.checked_add(n) {
                Some(next) => sum = next,
                None => return false,
            }
        }
    }
    sum == typed
}

/// `expr` with every reference to row `from` moved to row `to`; `None` when it reads
/// anything else (another row, another sheet, a name).
fn moved_to_row(expr: &Expr, from: u32, to: u32) -> Option<Expr> {
    let moved = |e: &Expr| moved_to_row(e, from, to).map(Box::new);
    Some(match expr {
        Expr::Reference(Reference::Cell { sheet: None, at }) if at.row == from => {
            Expr::Reference(Reference::Cell {
                sheet: None,
                at: CellRef::new(to, at.col),
            })
        }
        Expr::Reference(Reference::Range { sheet: None, range })
            if range.first.row == from && range.last.row == from =>
        {
            Expr::Reference(Reference::Range {
                sheet: None,
                range: CellRange {
                    first: CellRef::new(to, range.first.col),
                    last: CellRef::new(to, range.last.col),
                },
            })
        }
        Expr::Reference(_) => return None,
        Expr::Unary { op, operand } => Expr::Unary {
            op: *op,
            operand: moved(operand)?,
        },
        Expr::Binary { op, left, right } => Expr::Binary {
            op: *op,
            left: moved(left)?,
            right: moved(right)?,
        },
        Expr::Call { name, args } => Expr::Call {
            name: name.clone(),
            args: args
                .iter()
                .map(|arg| moved_to_row(arg, from, to))
                .collect::<Option<Vec<_>>>()?,
        },
        other => other.clone(),
    })
}

/// What `formula` (at `from`) gives copied down to `row`, when it reads only cells of its
/// own row by relative references (a `$` may pin a row, so such a formula is not moved).
fn copied_down_value(
    sheet: &Sheet,
    from: CellRef,
    formula: &str,
    row: u32,
) -> Option<crate::interval::Interval> {
    if formula.contains('$') {
        return None;
    }
    let expr = parse_formula(formula).ok()?;
    let own_row = references(&expr).iter().all(|reference| match reference {
        Reference::Cell { sheet: None, at } => at.row == from.row,
        Reference::Range { sheet: None, range } => {
            range.first.row == from.row && range.last.row == from.row
        }
        _ => false,
    });
    if !own_row {
        return None;
    }
    match evaluate(&expr, &RowMoved { sheet, row }) {
        EvalValue::Number(value) => Some(value),
        _ => None,
    }
}

/// The sheet's stored values, every reference read on `row` (the formula's own row moved).
struct RowMoved<'s> {
    sheet: &'s Sheet,
    row: u32,
}

impl Resolver for RowMoved<'_> {
    fn cell(&self, _: Option<&str>, at: CellRef) -> EvalValue {
        self.sheet
            .cell(CellRef::new(self.row, at.col))
            .map_or(EvalValue::Blank, |cell| eval_value(&cell.value))
    }

    fn range(&self, _: Option<&str>, range: CellRange) -> Vec<EvalValue> {
        (range.first.col..=range.last.col.min(range.first.col.saturating_add(1_000)))
            .map(|col| self.cell(None, CellRef::new(self.row, col)))
            .collect()
    }

    fn name(&self, _: &str) -> Option<Operand> {
        None
    }
}

/// Words of a header over a column of remarks on each row (`Ghi chú`, `Comment /
/// Decision`), folded.
const NOTE_HEADER_WORDS: &[&str] = &[
    "ghi chu",
    "giai trinh",
    "ly do",
    "comment",
    "comments",
    "note",
    "notes",
    "remark",
    "remarks",
    "explanation",
];

/// The columns whose header says they hold remarks on each row.
fn note_columns(layout: &Layout) -> Vec<u32> {
    layout
        .headers
        .iter()
        .filter(|(_, chain)| {
            chain.iter().any(|label| {
                let folded = format!(" {} ", normalize_label(label));
                NOTE_HEADER_WORDS
                    .iter()
                    .any(|word| folded.contains(&format!(" {word} ")))
            })
        })
        .map(|(col, _)| *col)
        .collect()
}

/// The note that explains the cell at `at`, quoted: its own, or the remark its row holds
/// in a comment column (`funded to 120K only` beside the figures it explains).
fn row_note(sheet: &Sheet, at: CellRef, note_columns: &[u32]) -> Option<String> {
    if let Some(note) = sheet.note(at) {
        return Some(quoted(note));
    }
    note_columns.iter().find_map(|&col| {
        let remark = sheet.label(CellRef::new(at.row, col));
        (remark.chars().filter(|c| c.is_alphabetic()).count() >= 3)
            .then(|| format!("{} ({})", quoted(&remark), CellRef::new(at.row, col)))
    })
}

/// Most characters of a note quoted in a message.
const MAX_QUOTED_NOTE: usize = 120;

/// A note as a message quotes it: on one line, at most [`MAX_QUOTED_NOTE`] characters
/// (cut with an ellipsis).
fn quoted(note: &str) -> String {
    let line = note.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_QUOTED_NOTE {
        return line;
    }
    let cut: String = line
        .chars()
        .take(MAX_QUOTED_NOTE.saturating_sub(1))
        .collect();
    format!("{}…", cut.trim_end())
}

/// Most rows of a range whose formulas and keys are read to decide what its group is.
const MAX_GROUP_ROWS: u32 = 2_000;
/// Most formulas of those rows read for the rows they take as inputs.
const MAX_GROUP_FORMULAS: usize = 20_000;

/// What the rows a `SUM` adds have in common, so that a row beside them is taken for one
/// they leave out only when a person would: it is no input to them, no subtotal of them,
/// no header of years, and shares a key with them where they share keys.
struct Group {
    sum_at: CellRef,
    /// Cells the added rows' formulas read in the SUM's column (a multiplier row).
    read: BTreeSet<u32>,
    /// Key columns (left of the SUM, blank on its row) whose values repeat among the added
    /// rows, and those values: a programme code, a school.
    keys: Vec<(u32, BTreeSet<String>)>,
}

impl Group {
    fn of(sheet: &Sheet, at: CellRef, covered: &BTreeSet<u32>) -> Group {
        let (first, last) = (
            covered.first().copied().unwrap_or(at.row),
            covered.last().copied().unwrap_or(at.row),
        );
        let small = last.saturating_sub(first) < MAX_GROUP_ROWS;
        let mut read = BTreeSet::new();
        let mut keys = Vec::new();
        if small {
            // In any column: a multiplier row the other columns read (`=B$7*…`) is an
            // input of the added rows even where the SUM's own column adds across.
            let formulas = covered
                .iter()
                .flat_map(|&row| sheet.row(row))
                .filter_map(|c| c.formula.as_deref())
                .take(MAX_GROUP_FORMULAS);
            for formula in formulas {
                let Ok(expr) = parse_formula(formula) else {
                    continue;
                };
                for reference in references(&expr) {
                    if let Reference::Cell {
                        sheet: None,
                        at: read_at,
                    } = reference
                    {
                        read.insert(read_at.row);
                    }
                }
            }
            for col in 0..at.col {
                if sheet
                    .cell(CellRef::new(at.row, col))
                    .is_some_and(|c| !c.value.is_blank())
                {
                    continue;
                }
                let values: Vec<String> = covered
                    .iter()
                    .map(|&row| sheet.label(CellRef::new(row, col)))
                    .filter(|v| !v.is_empty())
                    .collect();
                let distinct: BTreeSet<String> = values.iter().cloned().collect();
                if values.len() >= 2 && distinct.len() < values.len() {
                    keys.push((col, distinct));
                }
            }
        }
        Group {
            sum_at: at,
            read,
            keys,
        }
    }

    /// Whether a row beside the added ones may be one of them.
    fn may_hold(&self, sheet: &Sheet, row: u32) -> bool {
        if self.read.contains(&row)
            || is_year_header(sheet, row)
            || self.sums_rows(sheet, row)
            || self.repeats_sum_row(sheet, row)
        {
            return false;
        }
        self.keys.is_empty()
            || self
                .keys
                .iter()
                .any(|(col, values)| values.contains(&sheet.label(CellRef::new(row, *col))))
    }

    /// The row holds what the SUM's row holds in most columns: the total that the SUM
    /// (a check row under it) checks, whatever its label (`All Subjects`).
    fn repeats_sum_row(&self, sheet: &Sheet, row: u32) -> bool {
        let (mut numbers, mut same) = (0usize, 0usize);
        for cell in sheet.row(row) {
            let Value::Number(value) = &cell.value else {
                continue;
            };
            let at = CellRef::new(self.sum_at.row, cell.at.col);
            if let Some(Value::Number(sum)) = sheet.cell(at).map(|c| &c.value) {
                numbers = numbers.saturating_add(1);
                if value == sum {
                    same = same.saturating_add(1);
                }
            }
        }
        numbers >= 2 && same.saturating_mul(2) > numbers
    }

    /// The row's cell in the SUM's column adds a range of rows down it: a subtotal, of the
    /// added rows or of a block of its own (a sector's total just above the next sector's
    /// rows); either way it ends the block.
    fn sums_rows(&self, sheet: &Sheet, row: u32) -> bool {
        let col = self.sum_at.col;
        let Some(expr) = sheet
            .cell(CellRef::new(row, col))
            .and_then(|c| c.formula.as_deref())
            .and_then(|f| parse_formula(f).ok())
        else {
            return false;
        };
        references(&expr).into_iter().any(|reference| {
            matches!(reference, Reference::Range { sheet: None, range }
                if range.first.col == col && range.last.col == col
                    && !(range.first.row..=range.last.row).contains(&row))
        })
    }
}

/// A row whose numbers are years over the columns (`2000 2001 2001 2002`, a year over
/// each of its columns, perhaps beside a `% change`): a header, whatever its place.
fn is_year_header(sheet: &Sheet, row: u32) -> bool {
    let year = |value: &Decimal| {
        value
            .fract()
            .is_zero()
            .then(|| value.normalize().to_string().parse::<i64>().ok())
            .flatten()
            .filter(|y| (1800..=2100).contains(y))
    };
    let mut previous = i64::MIN;
    let mut count = 0usize;
    for cell in sheet.row(row) {
        let Value::Number(value) = &cell.value else {
            continue;
        };
        match year(value) {
            Some(next) if next >= previous => {
                previous = next;
                count = count.saturating_add(1);
            }
            _ => return false,
        }
    }
    count >= 2
}

/// `SUM` ranges down a column that leave out an adjacent unit row of their block.
fn short_sums(sheet: &Sheet, layout: &Layout) -> Vec<Finding> {
    let kinds: BTreeMap<u32, (RowKind, bool)> = layout
        .body
        .iter()
        .map(|b| (b.row, (b.kind, b.has_numbers)))
        .collect();
    let body_first = layout.body.first().map_or(0, |b| b.row);
    let body_last = layout.body.last().map_or(0, |b| b.row);
    let mut findings = Vec::new();
    let mut budget = MAX_FORMULAS;
    for cell in &sheet.cells {
        let Some(formula) = &cell.formula else {
            continue;
        };
        let at = cell.at;
        if at.row < body_first || at.row > body_last {
            continue;
        }
        let Some(left) = budget.checked_sub(1) else {
            break;
        };
        budget = left;
        let Ok(expr) = parse_formula(formula) else {
            continue;
        };
        // Rows covered by the SUM ranges down this cell's own column.
        let mut covered: BTreeSet<u32> = BTreeSet::new();
        let mut ranges = Vec::new();
        let mut stack = vec![&expr];
        while let Some(e) = stack.pop() {
            match e {
                Expr::Call { name, args } => {
                    for arg in args {
                        if name == "SUM" {
                            if let Expr::Reference(Reference::Range { sheet: None, range }) = arg {
                                if range.first.col == at.col
                                    && range.last.col == at.col
                                    && !(range.first.row..=range.last.row).contains(&at.row)
                                    && range.last.row.saturating_sub(range.first.row) < 100_000
                                {
                                    covered.extend(range.first.row..=range.last.row);
                                    ranges.push(*range);
                                }
                            }
                        }
                        stack.push(arg);
                    }
                }
                Expr::Unary { operand, .. } => stack.push(operand),
                Expr::Binary { left, right, .. } => {
                    stack.push(left);
                    stack.push(right);
                }
                _ => {}
            }
        }
        let (Some(&first), Some(&last)) = (covered.first(), covered.last()) else {
            continue;
        };
        // A SUM of several ranges picks its rows (one département's schools): what lies
        // between them is left out on purpose.
        if ranges.len() > 1 {
            continue;
        }
        // Worked out only when a unit row lies beside the range: most SUMs have none.
        let group = std::cell::OnceCell::new();
        // A unit row of the SUM's block beside its range; its cell here may be blank (a
        // school without that class) and the block go on past it.
        let is_block_row = |row: u32| {
            row != at.row
                && kinds.get(&row) == Some(&(RowKind::Unit, true))
                && group
                    .get_or_init(|| Group::of(sheet, at, &covered))
                    .may_hold(sheet, row)
        };
        let holds_number = |row: u32| {
            sheet
                .cell(CellRef::new(row, at.col))
                .is_some_and(|c| matches!(c.reading, Reading::Number(_)))
        };
        let holds_blank = |row: u32| {
            sheet
                .cell(CellRef::new(row, at.col))
                .is_none_or(|c| c.value.is_blank())
        };
        // Only blocks of unit rows: a range over totals or sections is another matter.
        if !covered
            .iter()
            .all(|&r| kinds.get(&r).is_none_or(|(k, _)| *k == RowKind::Unit))
        {
            continue;
        }
        let mut missing = Vec::new();
        let mut row = last.saturating_add(1);
        while row <= body_last
            && is_block_row(row)
            && (holds_number(row) || holds_blank(row))
            && missing.len() < 10_000
        {
            if holds_number(row) {
                missing.push(row);
            }
            let Some(next) = row.checked_add(1) else {
                break;
            };
            row = next;
        }
        let mut row = first;
        while row > body_first && missing.len() < 20_000 {
            row = row.saturating_sub(1);
            if !is_block_row(row) || !(holds_number(row) || holds_blank(row)) {
                break;
            }
            if holds_number(row) {
                missing.push(row);
            }
        }
        if missing.is_empty() {
            continue;
        }
        missing.sort_unstable();
        let missing_cells: Vec<CellRef> =
            missing.iter().map(|&r| CellRef::new(r, at.col)).collect();
        let list: Vec<String> = missing_cells.iter().map(ToString::to_string).collect();
        let shown_ranges: Vec<String> = ranges
            .iter()
            .map(|r| format!("{}:{}", r.first, r.last))
            .collect();
        // Leaving out rows that hold 0 today changes no number yet: latent, an info.
        let latent = missing_cells.iter().all(|&c| {
            sheet.cell(c).is_some_and(
                |cell| matches!(&cell.reading, Reading::Number(q) if q.value.is_zero()),
            )
        });
        let (severity, latent_vi, latent_en) = if latent {
            (
                Severity::Info,
                " (chưa sai số nào: các ô đó đang là 0)",
                " (no number is wrong yet: those cells are 0 today)",
            )
        } else {
            (Severity::Warning, "", "")
        };
        findings.push(Finding {
            code: codes::SUM_RANGE_SHORT,
            severity,
            sheet: sheet.name.clone(),
            cell: at,
            cells: missing_cells,
            message: Message::new(
                format!(
                    "{at}: SUM({}) bỏ sót ô liền kề {} cùng khối{latent_vi}",
                    shown_ranges.join(", "),
                    list.join(", ")
                ),
                format!(
                    "{at}: SUM({}) leaves out the adjacent {} of the same block{latent_en}",
                    shown_ranges.join(", "),
                    list.join(", ")
                ),
            ),
            expected: None,
            actual: None,
            fix: None,
            related: Vec::new(),
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_quoted_on_one_line_and_cut_with_an_ellipsis() {
        assert_eq!(
            quoted("funded to\n120K  only "),
            "funded to 120K only".to_string()
        );
        let long = "ắ ".repeat(100);
        let cut = quoted(&long);
        assert_eq!(cut.chars().count(), MAX_QUOTED_NOTE);
        assert!(cut.ends_with("ắ…"), "{cut}");
    }
}
