//! Finds the table in a sheet the way a person reads a form: the title and period lines
//! above, the header block (multi-row, merged), the `(1) (2) (3)` column-number row, the
//! body rows and what each is (grand total, subtotal, section, unit), and the notes and
//! signature block below, which are not data.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::formula::{added_references, parse_formula, Reference};
use crate::model::{column_letters, Cell, CellRange, CellRef, Sheet, Value};
use crate::number::Reading;
use crate::text::{is_roman_numeral, normalize_label, Phrases};

/// What a body row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowKind {
    /// A grand total (`TỔNG CỘNG`, `Tổng cộng`, `Total`).
    Total,
    /// A subtotal (`Cộng`, `Subtotal`) over the units since the previous boundary.
    Subtotal,
    /// A section row (roman numeral or capital letter in the STT column).
    Section,
    /// A unit (detail) row.
    Unit,
}

/// One body row and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyRow {
    /// Zero-based row.
    pub row: u32,
    /// What it is.
    pub kind: RowKind,
    /// Its label (the label column's text), trimmed.
    pub label: String,
    /// Whether it holds at least one number.
    pub has_numbers: bool,
    /// The unit row whose formulas add this one up (`Combined = 2*Double + Single` over
    /// its two awards, a `Top 6` row summing the six above it): this row is a breakdown
    /// of that one and counted through it, not again in a total.
    pub counted_in: Option<u32>,
}

/// The table found in a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// First header row (zero-based).
    pub header_first: u32,
    /// Last header row.
    pub header_last: u32,
    /// The `(1) (2) (3)` row, if the form has one.
    pub number_row: Option<u32>,
    /// Each column's header labels from top to bottom (merged cells seen from every column
    /// they cover), repeated labels dropped.
    pub headers: BTreeMap<u32, Vec<String>>,
    /// The column holding row labels.
    pub label_col: u32,
    /// The STT (ordinal) column, if any.
    pub stt_col: Option<u32>,
    /// Body rows in order, blank rows left out.
    pub body: Vec<BodyRow>,
    /// The first row after the table, if any: the first note under its last figure, else
    /// the signature block (a note between figures is inside the table).
    pub footer_first: Option<u32>,
    /// The header row of a second table inside the body, if any: a row of labels across
    /// the columns that is not the table's own header repeated (a count table under a
    /// money table). The columns mean other things below it, so a relation between the
    /// columns holds above it only; its totals still add up its own rows.
    pub second_table: Option<u32>,
}

/// Labels that mark a grand total row (with their marks: a label typed with marks must have
/// these; one typed without any is compared folded).
pub const TOTAL_LABELS: &[&str] = &[
    "tổng cộng",
    "tổng số",
    "tổng",
    "total",
    "grand total",
    "sum",
    "toàn tỉnh",
    "cộng chung",
];

/// Labels that mark a subtotal row.
pub const SUBTOTAL_LABELS: &[&str] = &["cộng", "subtotal", "sub total", "cộng khối"];

/// Words that open the signature block under a table (or the office's seal lines over it):
/// the table ends there.
const SIGNATURE_STARTS: &[&str] = &[
    "nguoi lap",
    "nguoi ky",
    "thu truong",
    "ke toan truong",
    "noi nhan",
    "prepared by",
    "approved by",
    "giam doc",
    "chu tich",
    "tm",
    "kt",
];

/// Words that open a note. A note does not end a table: one between two figures is read
/// past (`Ghi chú: số liệu không bao gồm …` inside an indicator list), and one under the
/// table is no body because no figure follows it.
const NOTE_STARTS: &[&str] = &["ghi chu", "luu y", "note", "notes"];

impl Layout {
    /// Finds the table of a sheet, or `None` when the sheet holds no table with numbers.
    pub fn find(sheet: &Sheet) -> Option<Layout> {
        let last_row = sheet.cells.last()?.at.row;
        let header_first = header_start(sheet, last_row)?;
        let width = covered_columns(sheet, header_first).len().max(1);

        // The header block: rows from the first that cover at least half the table's width
        // with text (or merges reaching down), up to the column-number row or the first row
        // with numbers.
        let mut header_last = header_first;
        let mut number_row = None;
        for row in (header_first..=last_row).skip(1) {
            if is_column_number_row(sheet, row) {
                number_row = Some(row);
                break;
            }
            if numbers_in(sheet.row(row), None) > 0 {
                break;
            }
            let covered = covered_columns(sheet, row).len();
            if covered.saturating_mul(2) < width {
                break;
            }
            header_last = row;
        }
        // A header on the last row a u32 can name leaves no room for a body.
        let body_first = number_row.unwrap_or(header_last).checked_add(1)?;

        let mut headers = BTreeMap::new();
        for row in header_first..=header_last {
            for col in covered_columns(sheet, row) {
                let label = sheet.label(CellRef::new(row, col));
                if label.is_empty() {
                    continue;
                }
                let chain: &mut Vec<String> = headers.entry(col).or_default();
                if chain.last() != Some(&label) {
                    chain.push(label);
                }
            }
        }

        let stt_col = headers.iter().find_map(|(col, chain)| {
            let leaf = normalize_label(chain.last()?);
            matches!(leaf.as_str(), "stt" | "tt" | "so tt" | "no" | "#" | "ma so").then_some(*col)
        });

        // Only the signature block ends the table (a row with no cells is none of it).
        let signature = sheet
            .rows_from(body_first)
            .find(|(_, cells)| is_signature_row(cells))
            .map(|(row, _)| row);
        // Exclusive end; at u32::MAX (beyond any real grid) the last row is left out.
        let body_end = signature.unwrap_or(last_row.saturating_add(1));
        let label_col = find_label_column(sheet, &headers, stt_col, body_first, body_end)?;

        let mut body = Vec::new();
        let mut adders: Vec<(u32, u32, &str)> = Vec::new();
        let mut second_table = None;
        // A row with no cells is blank: only those with cells are visited.
        for (row, cells) in sheet
            .rows_from(body_first)
            .take_while(|(row, _)| *row < body_end)
        {
            if cells.iter().all(|c| c.value.is_blank()) {
                continue;
            }
            // The row's cells, found once: a 500k-row sheet's rows were each searched for
            // five times.
            let label = row_label(sheet, cells, CellRef::new(row, label_col));
            let stt = stt_col
                .map(|c| row_label(sheet, cells, CellRef::new(row, c)))
                .unwrap_or_default();
            let has_numbers = numbers_in(cells, Some((label_col, stt_col))) > 0;
            if !has_numbers
                && second_table.is_none()
                && body.iter().any(|r: &BodyRow| r.has_numbers)
                && is_new_header(sheet, cells, &headers, width)
            {
                second_table = Some(row);
            }
            let kind = classify_row(&label, &stt);
            if kind == RowKind::Unit {
                adders.extend(cells.iter().filter_map(|cell| {
                    let formula = cell.formula.as_deref()?;
                    reads_own_column(formula, cell.at.col).then_some((row, cell.at.col, formula))
                }));
            }
            body.push(BodyRow {
                row,
                kind,
                label,
                has_numbers,
                counted_in: None,
            });
        }
        mark_breakdowns(&mut body, &adders);
        // Trailing rows without numbers (notes typed right under the table) are not body.
        while body.last().is_some_and(|r| !r.has_numbers) {
            body.pop();
        }
        let last_body = body.last()?.row;
        // The footer opens at the first note under the last figure, else at the signature.
        let footer_first = sheet
            .rows_from(last_body.saturating_add(1))
            .take_while(|(row, _)| *row < body_end)
            .find(|(_, cells)| is_note_row(cells))
            .map(|(row, _)| row)
            .or(signature);
        Some(Layout {
            header_first,
            header_last,
            number_row,
            headers,
            label_col,
            stt_col,
            body,
            footer_first,
            second_table,
        })
    }

    /// Each body row with its cells, in order: the sheet's rows walked once alongside the
    /// body rather than searched for each (a big sheet has hundreds of thousands).
    pub(crate) fn body_cells<'s>(
        &'s self,
        sheet: &'s Sheet,
    ) -> impl Iterator<Item = (&'s BodyRow, &'s [Cell])> + 's {
        let first = self.body.first().map_or(u32::MAX, |body_row| body_row.row);
        let mut body = self.body.iter().peekable();
        sheet.rows_from(first).filter_map(move |(row, cells)| {
            // Body rows are in order; one without cells is passed over.
            while body.next_if(|body_row| body_row.row < row).is_some() {}
            body.next_if(|body_row| body_row.row == row)
                .map(|body_row| (body_row, cells))
        })
    }

    /// The columns that hold numbers in the body, left to right.
    pub fn number_columns(&self, sheet: &Sheet) -> Vec<u32> {
        let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
        for (_, cells) in self.body_cells(sheet) {
            for cell in cells {
                if Some(cell.at.col) == self.stt_col || cell.at.col == self.label_col {
                    continue;
                }
                if matches!(cell.reading, Reading::Number(_) | Reading::Ambiguous { .. }) {
                    counts
                        .entry(cell.at.col)
                        .and_modify(|n| *n = n.saturating_add(1))
                        .or_insert(1);
                }
            }
        }
        counts.into_keys().collect()
    }

    /// The rows each parent row sums, for cross-footing columns: sections over their units,
    /// subtotals over the units since the previous boundary, grand totals over subtotals,
    /// else over sections with numbers, else over all units: those since the total before
    /// it, or, for a total put first, those down to the next total.
    pub fn hierarchy(&self) -> Vec<(u32, Vec<u32>)> {
        let mut relations = Vec::new();
        let mut subtotals = Vec::new();
        let mut sections_with_numbers = Vec::new();
        let mut all_units = Vec::new();
        let mut current_section: Option<(u32, Vec<u32>)> = None;
        let mut since_boundary: Vec<u32> = Vec::new();

        let close_section = |section: &mut Option<(u32, Vec<u32>)>,
                             relations: &mut Vec<(u32, Vec<u32>)>| {
            if let Some((row, units)) = section.take() {
                if !units.is_empty() {
                    relations.push((row, units));
                }
            }
        };

        for body_row in &self.body {
            match body_row.kind {
                RowKind::Unit => {
                    if body_row.has_numbers && body_row.counted_in.is_none() {
                        all_units.push(body_row.row);
                        since_boundary.push(body_row.row);
                        if let Some((_, units)) = current_section.as_mut() {
                            units.push(body_row.row);
                        }
                    }
                }
                RowKind::Section => {
                    close_section(&mut current_section, &mut relations);
                    since_boundary.clear();
                    if body_row.has_numbers {
                        sections_with_numbers.push(body_row.row);
                        current_section = Some((body_row.row, Vec::new()));
                    }
                }
                RowKind::Subtotal => {
                    close_section(&mut current_section, &mut relations);
                    if body_row.has_numbers && !since_boundary.is_empty() {
                        relations.push((body_row.row, std::mem::take(&mut since_boundary)));
                        subtotals.push(body_row.row);
                    }
                    since_boundary.clear();
                }
                RowKind::Total => {
                    close_section(&mut current_section, &mut relations);
                    since_boundary.clear();
                }
            }
        }
        close_section(&mut current_section, &mut relations);

        let total_children = if !subtotals.is_empty() {
            subtotals
        } else if !sections_with_numbers.is_empty() {
            sections_with_numbers
        } else {
            all_units
        };
        // A total adds the rows between it and the total before it (several tables on one
        // sheet, each with its total); one put first (`Toàn tỉnh` over its units) adds the
        // rows down to the next total. Rows under the last total (a check row repeating it)
        // are no parts of it.
        let totals: Vec<u32> = self
            .body
            .iter()
            .filter(|b| b.kind == RowKind::Total && b.has_numbers)
            .map(|b| b.row)
            .collect();
        let between = |from: Option<u32>, to: Option<u32>| -> Vec<u32> {
            total_children
                .iter()
                .copied()
                .filter(|&row| from.is_none_or(|from| row > from) && to.is_none_or(|to| row < to))
                .collect()
        };
        for (i, &total) in totals.iter().enumerate() {
            let previous = i.checked_sub(1).and_then(|p| totals.get(p)).copied();
            let next = totals.get(i.saturating_add(1)).copied();
            let above = between(previous, Some(total));
            let children = if above.is_empty() {
                between(Some(total), next)
            } else {
                above
            };
            if !children.is_empty() {
                relations.push((total, children));
            }
        }
        relations.sort_by_key(|(row, _)| *row);
        relations
    }

    /// The body row record for a row (a binary search: `body` is in row order, and the
    /// engine asks once per relation, so a linear search made big sheets quadratic).
    pub fn body_row(&self, row: u32) -> Option<&BodyRow> {
        let index = self.body.binary_search_by_key(&row, |r| r.row).ok()?;
        self.body.get(index)
    }
}

/// Whether a row without numbers heads another table: labels (words, not `-` or `x`) in at
/// least half the header's width, most of them not the header's own labels repeated (a
/// header repeated over a page break continues the table).
fn is_new_header(
    sheet: &Sheet,
    cells: &[Cell],
    headers: &BTreeMap<u32, Vec<String>>,
    width: usize,
) -> bool {
    let labels: Vec<(u32, String)> = cells
        .iter()
        .filter(|cell| matches!(cell.value, Value::Text(_)))
        .map(|cell| (cell.at.col, sheet.label(cell.at)))
        .filter(|(_, label)| label.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .collect();
    if labels.len() < 2 || labels.len().saturating_mul(2) < width {
        return false;
    }
    let repeated = labels
        .iter()
        .filter(|(col, label)| {
            headers.get(col).is_some_and(|chain| {
                chain
                    .iter()
                    .any(|h| normalize_label(h) == normalize_label(label))
            })
        })
        .count();
    repeated.saturating_mul(2) < labels.len()
}

/// Whether a formula in column `col` may read that column: its letters stand in it as a
/// reference (followed by a row number or `$`). A quick test before parsing: most formulas
/// of a unit row read the other columns of their own row.
fn reads_own_column(formula: &str, col: u32) -> bool {
    let letters = column_letters(col);
    let bytes = formula.as_bytes();
    formula.match_indices(letters.as_str()).any(|(at, _)| {
        let before = at.checked_sub(1).and_then(|i| bytes.get(i));
        let after = bytes.get(at.saturating_add(letters.len()));
        !before.is_some_and(|b| b.is_ascii_alphabetic())
            && after.is_some_and(|b| b.is_ascii_digit() || *b == b'$')
    })
}

/// Marks each unit row that another unit row's formula in the same column only adds up
/// ([`added_references`]), within one stretch of units (no total, subtotal or section
/// between them): a breakdown of that row. A ratio or a lookup marks nothing.
fn mark_breakdowns(body: &mut [BodyRow], adders: &[(u32, u32, &str)]) {
    // Boundaries before each body row, to tell whether two rows share a stretch.
    let mut stretch = Vec::with_capacity(body.len());
    let mut boundaries = 0usize;
    for body_row in body.iter() {
        if body_row.kind != RowKind::Unit {
            boundaries = boundaries.saturating_add(1);
        }
        stretch.push(boundaries);
    }
    let index_of = |body: &[BodyRow], row: u32| body.binary_search_by_key(&row, |r| r.row).ok();
    for &(row, col, formula) in adders {
        let Some(reader) = index_of(body, row) else {
            continue;
        };
        let Some(terms) = parse_formula(formula)
            .ok()
            .and_then(|expr| added_references(&expr))
        else {
            continue;
        };
        for term in terms {
            let (first, last) = match term {
                Reference::Cell { sheet: None, at } if at.col == col => (at.row, at.row),
                Reference::Range { sheet: None, range }
                    if range.first.col <= col && col <= range.last.col =>
                {
                    (range.first.row, range.last.row)
                }
                _ => continue,
            };
            let from = body.partition_point(|r| r.row < first);
            let to = body.partition_point(|r| r.row <= last);
            for i in from..to {
                let same_stretch = stretch.get(i) == stretch.get(reader);
                let Some(read) = body.get(i) else {
                    continue;
                };
                if i == reader || !same_stretch || read.kind != RowKind::Unit {
                    continue;
                }
                // Two rows adding each other (a circle) are nobody's breakdown.
                if body.get(reader).and_then(|r| r.counted_in) == Some(read.row) {
                    continue;
                }
                if let Some(read) = body.get_mut(i) {
                    read.counted_in.get_or_insert(row);
                }
            }
        }
    }
}

/// What a row is from its label and STT.
pub(crate) fn classify_row(label: &str, stt: &str) -> RowKind {
    static TOTALS: OnceLock<Phrases> = OnceLock::new();
    static SUBTOTALS: OnceLock<Phrases> = OnceLock::new();
    let folded = normalize_label(label);
    let totals = TOTALS.get_or_init(|| Phrases::new(TOTAL_LABELS));
    if totals.named_by(label, &folded) {
        return RowKind::Total;
    }
    let subtotals = SUBTOTALS.get_or_init(|| Phrases::new(SUBTOTAL_LABELS));
    if subtotals.named_by(label, &folded) {
        return RowKind::Subtotal;
    }
    let stt = stt.trim().trim_end_matches('.');
    let capital_letter = stt.len() == 1 && stt.chars().all(|c| c.is_ascii_uppercase());
    if is_roman_numeral(stt) || capital_letter {
        return RowKind::Section;
    }
    RowKind::Unit
}

/// How many separate entries a row has: cells not covered by the same merge counted once.
fn distinct_entries(sheet: &Sheet, row: u32) -> usize {
    let mut seen: Vec<CellRange> = Vec::new();
    let mut count: usize = 0;
    for cell in sheet.row(row) {
        if cell.value.is_blank() {
            continue;
        }
        match sheet.merge_at(cell.at) {
            Some(range) if seen.contains(range) => {}
            Some(range) => {
                seen.push(*range);
                count = count.saturating_add(1);
            }
            None => count = count.saturating_add(1),
        }
    }
    count
}

/// Header words that mark a column of identifiers (folded: `mã` is `ma`).
const CODE_WORDS: &[&str] = &[
    "ma", "code", "codes", "id", "zip", "zipcode", "postcode", "postal", "stt", "sku",
];
/// Two-word headers that mark a column of identifiers.
const CODE_PHRASES: &[&str] = &["so hieu", "ky hieu", "ma so", "so tt"];
/// Whole headers that mark a column of row keys (years, fiscal years).
const KEY_HEADERS: &[&str] = &["year", "fy", "fiscal year", "period"];

/// Whether a folded header names codes or row keys (`Mã số`, `ma_cskcb`, `Zip code`,
/// `ID`, `STT`, `Year`).
pub(crate) fn header_names_keys(header: &str) -> bool {
    let words: Vec<&str> = header.split_whitespace().collect();
    words.iter().any(|word| CODE_WORDS.contains(word))
        || words
            .windows(2)
            .any(|pair| CODE_PHRASES.contains(&pair.join(" ").as_str()))
        || KEY_HEADERS.contains(&header)
}

/// Rows at most that an export's filter or parameter block holds above its table.
const MAX_PARAMETER_ROWS: u32 = 3;

/// The first row of the table's header: the first row with three entries or more, unless
/// it opens a short block that a blank row parts from a wider header below (an export's
/// filter or parameter rows, `ma_tinh loai_kcb thoi_gian …` over their values, above its
/// table), which is then the header.
fn header_start(sheet: &Sheet, last_row: u32) -> Option<u32> {
    let mut first = (0..=last_row).find(|&row| distinct_entries(sheet, row) >= 3)?;
    while let Some(next) = block_after(sheet, first) {
        let is_wider_header = distinct_entries(sheet, next) >= 3
            && numbers_in(sheet.row(next), None) == 0
            && covered_columns(sheet, next).len() > covered_columns(sheet, first).len();
        if !is_wider_header {
            break;
        }
        first = next;
    }
    Some(first)
}

/// The first row with entries after the blank row that ends the block opening at `first`,
/// when that block is at most [`MAX_PARAMETER_ROWS`] rows.
fn block_after(sheet: &Sheet, first: u32) -> Option<u32> {
    let has_entries = |cells: &[Cell]| cells.iter().any(|c| !c.value.is_blank());
    let mut expected = first;
    for (row, cells) in sheet.rows_from(first) {
        if row > expected || !has_entries(cells) {
            return sheet
                .rows_from(row)
                .find(|(_, cells)| has_entries(cells))
                .map(|(row, _)| row);
        }
        expected = row.checked_add(1)?;
        if expected.saturating_sub(first) > MAX_PARAMETER_ROWS {
            return None;
        }
    }
    None
}

/// Columns a header row speaks for: its non-blank cells, and every column of a merged range
/// that reaches this row from a cell with text.
fn covered_columns(sheet: &Sheet, row: u32) -> Vec<u32> {
    let mut cols: Vec<u32> = sheet
        .row(row)
        .iter()
        .filter(|c| !c.value.is_blank())
        .map(|c| c.at.col)
        .collect();
    for range in &sheet.merges {
        if (range.first.row..=range.last.row).contains(&row) && !sheet.label(range.first).is_empty()
        {
            cols.extend(range.first.col..=range.last.col);
        }
    }
    cols.sort_unstable();
    cols.dedup();
    cols
}

/// A row that numbers the columns: `(1) (2) (3) …`, or letters then numbers in order
/// (`A B C 1 2 … 8`, as Vietnamese forms number theirs).
fn is_column_number_row(sheet: &Sheet, row: u32) -> bool {
    let cells: Vec<_> = sheet
        .row(row)
        .iter()
        .filter(|c| !c.value.is_blank())
        .collect();
    if cells.len() < 3 {
        return false;
    }
    if cells
        .iter()
        .all(|c| matches!(&c.value, Value::Text(t) if is_parenthesized_number(t)))
    {
        return true;
    }
    // Letters from A, then numbers from 1, each the next of its kind.
    let (mut next_letter, mut next_number) = (b'A', 1u32);
    cells.iter().all(|c| {
        let number = match &c.value {
            Value::Number(n) if n.fract().is_zero() => {
                n.normalize().to_string().parse::<u32>().ok()
            }
            Value::Text(t) => t.trim().parse::<u32>().ok(),
            _ => None,
        };
        if let Some(number) = number {
            let next = number == next_number;
            next_number = next_number.saturating_add(1);
            return next;
        }
        let letter = match &c.value {
            Value::Text(t) => t.trim().as_bytes().to_vec(),
            _ => return false,
        };
        // Letters come before the numbers.
        let next = next_number == 1 && letter == [next_letter];
        next_letter = next_letter.saturating_add(1);
        next
    })
}

/// `(1)`, `(3=1+2)`: a column number in parentheses.
fn is_parenthesized_number(text: &str) -> bool {
    let t = text.trim();
    t.starts_with('(')
        && t.ends_with(')')
        && t.len() > 2
        && t.get(1..t.len().saturating_sub(1)).is_some_and(|inner| {
            inner
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "=+-*/ ".contains(ch))
        })
}

/// [`Sheet::label`] of a cell in the row `cells`, found among them unless a merged range
/// covers it.
fn row_label(sheet: &Sheet, cells: &[Cell], at: CellRef) -> String {
    if sheet.merge_at(at).is_some() {
        return sheet.label(at);
    }
    cells
        .iter()
        .find(|cell| cell.at == at)
        .map_or_else(String::new, |cell| cell.value.label())
}

/// How many numbers a row holds, leaving out the label and STT columns when given.
fn numbers_in(cells: &[Cell], skip: Option<(u32, Option<u32>)>) -> usize {
    cells
        .iter()
        .filter(|c| match skip {
            Some((label, stt)) => c.at.col != label && Some(c.at.col) != stt,
            None => true,
        })
        .filter(|c| matches!(c.reading, Reading::Number(_) | Reading::Ambiguous { .. }))
        .count()
        .saturating_sub(usize::from(skip.is_none() && first_is_ordinal(cells)))
}

/// Whether the row starts with a small ordinal (`1`, `2`), which alone is not data.
fn first_is_ordinal(cells: &[Cell]) -> bool {
    cells.iter().find(|c| !c.value.is_blank()).is_some_and(|c| {
        matches!(&c.reading, Reading::Number(q) if q.value.is_integer() && q.value < rust_decimal::Decimal::from(1000) && q.value > rust_decimal::Decimal::ZERO)
    })
}

/// A line of the signature block: no numbers, and a line that opens one (`Người lập
/// biểu`, `THỦ TRƯỞNG ĐƠN VỊ`) or a dated place line.
fn is_signature_row(cells: &[Cell]) -> bool {
    text_line_where(cells, |folded| {
        starts_with_phrase(folded, SIGNATURE_STARTS) || is_place_and_date_line(folded)
    })
}

/// A note line: no numbers, and a text that opens a note (`Ghi chú: …`, `Note: …`).
fn is_note_row(cells: &[Cell]) -> bool {
    text_line_where(cells, |folded| starts_with_phrase(folded, NOTE_STARTS))
}

/// Whether a body row's label is a note rather than an indicator: no figure, and a text
/// that opens a note (`Ghi chú: …`) or a footnote mark (`(*) không bao gồm …`).
pub(crate) fn is_note_label(row: &BodyRow) -> bool {
    let label = row.label.trim_start();
    !row.has_numbers
        && (label.starts_with('*')
            || label.starts_with("(*")
            || starts_with_phrase(&normalize_label(label), NOTE_STARTS))
}

/// Whether a folded text is one of `phrases` or starts with one followed by a space.
fn starts_with_phrase(folded: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|phrase| {
        folded
            .strip_prefix(phrase)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    })
}

/// A row with no numbers and a text cell whose fold passes `test`.
fn text_line_where(cells: &[Cell], test: impl Fn(&str) -> bool) -> bool {
    if cells
        .iter()
        .any(|c| matches!(c.reading, Reading::Number(_)))
    {
        return false;
    }
    cells.iter().any(|cell| {
        cell.value
            .as_text()
            .is_some_and(|text| test(&normalize_label(text)))
    })
}

/// `Đồng Tháp, ngày 15 tháng 9 năm 2022`: the dated place line of a signature block.
fn is_place_and_date_line(folded: &str) -> bool {
    folded.contains("ngay ")
        && folded.contains(" thang ")
        && folded.contains(" nam ")
        && !folded.starts_with("so ")
        && folded.split_whitespace().count() <= 12
}

/// The label column: the column whose header says so, else the leftmost column (not STT)
/// whose body is mostly text.
fn find_label_column(
    sheet: &Sheet,
    headers: &BTreeMap<u32, Vec<String>>,
    stt_col: Option<u32>,
    body_first: u32,
    body_end: u32,
) -> Option<u32> {
    const LABEL_HEADERS: &[&str] = &[
        "noi dung",
        "don vi",
        "ten don vi",
        "chi tieu",
        "linh vuc",
        "item",
        "unit",
        "description",
        "dien giai",
    ];
    let by_header = headers.iter().find_map(|(col, chain)| {
        let folded = normalize_label(chain.first()?);
        (Some(*col) != stt_col && LABEL_HEADERS.iter().any(|h| folded.starts_with(h)))
            .then_some(*col)
    });
    if by_header.is_some() {
        return by_header;
    }
    let mut text_counts: BTreeMap<u32, usize> = BTreeMap::new();
    for (_, cells) in sheet
        .rows_from(body_first)
        .take_while(|(row, _)| *row < body_end)
    {
        for cell in cells {
            if Some(cell.at.col) != stt_col
                && matches!(cell.reading, Reading::NotNumber)
                && matches!(cell.value, Value::Text(_))
            {
                text_counts
                    .entry(cell.at.col)
                    .and_modify(|n| *n = n.saturating_add(1))
                    .or_insert(1);
            }
        }
    }
    let best = text_counts.values().copied().max()?;
    text_counts
        .into_iter()
        .find(|(_, n)| n.saturating_mul(2) >= best)
        .map(|(col, _)| col)
}

/// Cells that are data: in the table body outside the label and STT columns, or every cell
/// when no table was found.
pub(crate) fn data_cells<'s>(
    sheet: &'s Sheet,
    layout: Option<&'s Layout>,
) -> impl Iterator<Item = &'s Cell> + 's {
    // One of the two is empty; statically dispatched, as a big sheet has millions of cells.
    let body = layout.map(|layout| {
        layout.body_cells(sheet).flat_map(move |(_, cells)| {
            cells.iter().filter(move |cell| {
                cell.at.col != layout.label_col && Some(cell.at.col) != layout.stt_col
            })
        })
    });
    let all = layout.is_none().then(|| sheet.cells.iter());
    body.into_iter().flatten().chain(all.into_iter().flatten())
}
