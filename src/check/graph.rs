//! The sheet's formulas and who depends on whom, so that a change localization tries flows
//! into the totals the sheet's own formulas compute from it.
//!
//! Built once per sheet with a failing relation, and sized for big sheets: a section total
//! `=SUM(C11:C166000)` is kept as one range, not as a dependent of each of its 166k cells,
//! and formulas are parsed again only when a change reaches them (a 500k-row form has a
//! formula on every row; holding all their trees was hundreds of megabytes).

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use rust_decimal::Decimal;

use crate::formula::{parse_formula, references, EvalValue, Expr, Reference};
use crate::model::{visit_range_within, CellRange, CellRef, RangeVisit, Sheet};

use super::relations::Evaluator;

/// Ranges of at most this many cells are kept as a dependent of each of their cells.
const SMALL_RANGE_CELLS: u64 = 64;
/// Most single-cell dependencies kept for one sheet.
const MAX_POINT_EDGES: usize = 4_000_000;
/// Most (column, large range) entries kept for one sheet.
const MAX_RANGE_ENTRIES: usize = 200_000;
/// Most times one formula is recomputed while one change propagates (a cycle stops there).
const MAX_RECOMPUTES: u8 = 8;

/// A large range one formula reads, within one column.
struct RangeDependency {
    first_row: u32,
    last_row: u32,
    formula: CellRef,
}

/// The formula cells of a sheet and their dependencies.
pub(crate) struct FormulaGraph<'s> {
    sheet: &'s Sheet,
    /// Every formula cell that parses, sorted.
    formula_cells: Vec<CellRef>,
    /// For each cell read on its own (or in a small range), the formulas that read it.
    points: HashMap<CellRef, Vec<CellRef>>,
    /// For each column, the large ranges that formulas read in it.
    ranges: HashMap<u32, Vec<RangeDependency>>,
    /// Formulas parsed so far (a change reaches few of them).
    parsed: RefCell<HashMap<CellRef, Option<Rc<Expr>>>>,
}

impl<'s> FormulaGraph<'s> {
    pub(crate) fn build(sheet: &'s Sheet) -> FormulaGraph<'s> {
        let mut formula_cells = Vec::new();
        let mut points: HashMap<CellRef, Vec<CellRef>> = HashMap::new();
        let mut ranges: HashMap<u32, Vec<RangeDependency>> = HashMap::new();
        let (mut point_edges, mut range_entries) = (0usize, 0usize);
        let extent = std::cell::OnceCell::new();
        for cell in &sheet.cells {
            let Some(text) = &cell.formula else { continue };
            let Ok(expr) = parse_formula(text) else {
                continue;
            };
            formula_cells.push(cell.at);
            for reference in references(&expr) {
                let range = match reference {
                    Reference::Cell { sheet: None, at } => CellRange {
                        first: at,
                        last: at,
                    },
                    Reference::Range { sheet: None, range } => range,
                    _ => continue,
                };
                // Cells beyond the used area are empty and never edited.
                let RangeVisit::Cells { range, .. } =
                    visit_range_within(range, || *extent.get_or_init(|| sheet.extent()))
                else {
                    continue;
                };
                if range.area() <= SMALL_RANGE_CELLS {
                    for at in cells_of(range) {
                        if point_edges < MAX_POINT_EDGES {
                            points.entry(at).or_default().push(cell.at);
                            point_edges = point_edges.saturating_add(1);
                        }
                    }
                } else {
                    for col in range.first.col..=range.last.col {
                        if range_entries < MAX_RANGE_ENTRIES {
                            ranges.entry(col).or_default().push(RangeDependency {
                                first_row: range.first.row,
                                last_row: range.last.row,
                                formula: cell.at,
                            });
                            range_entries = range_entries.saturating_add(1);
                        }
                    }
                }
            }
        }
        FormulaGraph {
            sheet,
            formula_cells,
            points,
            ranges,
            parsed: RefCell::new(HashMap::new()),
        }
    }

    pub(crate) fn is_formula(&self, at: CellRef) -> bool {
        self.formula_cells.binary_search(&at).is_ok()
    }

    /// The formula of `at`, parsed (once), if it is a formula cell.
    pub(crate) fn formula(&self, at: CellRef) -> Option<Rc<Expr>> {
        if !self.is_formula(at) {
            return None;
        }
        self.parsed
            .borrow_mut()
            .entry(at)
            .or_insert_with(|| {
                let text = self.sheet.cell(at)?.formula.as_deref()?;
                parse_formula(text).ok().map(Rc::new)
            })
            .clone()
    }

    /// The formula cells that read `at`, directly or through a range.
    pub(crate) fn dependents(&self, at: CellRef) -> Vec<CellRef> {
        let mut found: Vec<CellRef> = self.points.get(&at).cloned().unwrap_or_default();
        if let Some(ranges) = self.ranges.get(&at.col) {
            found.extend(
                ranges
                    .iter()
                    .filter(|range| range.first_row <= at.row && at.row <= range.last_row)
                    .map(|range| range.formula),
            );
        }
        found
    }

    /// The edits plus every formula cell recomputed from them.
    pub(crate) fn propagate(
        &self,
        evaluator: &Evaluator<'_>,
        edits: &HashMap<CellRef, Decimal>,
    ) -> HashMap<CellRef, Decimal> {
        let mut values = edits.clone();
        let mut queue: VecDeque<CellRef> = edits.keys().copied().collect();
        let mut recomputed: HashMap<CellRef, u8> = HashMap::new();
        while let Some(changed) = queue.pop_front() {
            for dependent in self.dependents(changed) {
                if edits.contains_key(&dependent) {
                    continue;
                }
                let count = recomputed.entry(dependent).or_default();
                if *count >= MAX_RECOMPUTES {
                    continue;
                }
                *count = count.saturating_add(1);
                let Some(expr) = self.formula(dependent) else {
                    continue;
                };
                if let EvalValue::Number(n) = evaluator.formula_value(&expr, &values) {
                    if n.lo == n.hi && values.get(&dependent) != Some(&n.lo) {
                        values.insert(dependent, n.lo);
                        queue.push_back(dependent);
                    }
                }
            }
        }
        values
    }
}

/// Every cell of a (small) range, row by row.
fn cells_of(range: CellRange) -> impl Iterator<Item = CellRef> {
    (range.first.row..=range.last.row).flat_map(move |row| {
        (range.first.col..=range.last.col).map(move |col| CellRef::new(row, col))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cell, Value};
    use crate::number::Reading;

    fn formula_cell(at: &str, formula: &str) -> Cell {
        Cell {
            at: CellRef::parse(at).unwrap(),
            value: Value::Empty,
            formula: Some(formula.to_string()),
            number_format: None,
            reading: Reading::NotNumber,
        }
    }

    fn number_cell(at: &str) -> Cell {
        Cell {
            at: CellRef::parse(at).unwrap(),
            value: Value::Number(Decimal::ONE),
            formula: None,
            number_format: None,
            reading: Reading::NotNumber,
        }
    }

    #[test]
    fn small_ranges_are_points_large_ones_ranges_and_both_are_found() {
        let mut cells: Vec<Cell> = (1..=200)
            .map(|row| number_cell(&format!("C{row}")))
            .collect();
        cells.push(formula_cell("D1", "SUM(C1:C200)"));
        cells.push(formula_cell("D2", "C2+C3"));
        cells.push(formula_cell("E1", "SUM(C1:C10)"));
        cells.push(formula_cell("E2", "not a formula ("));
        cells.sort_by_key(|c| c.at);
        let sheet = Sheet {
            name: "s".into(),
            cells,
            ..Sheet::default()
        };
        let graph = FormulaGraph::build(&sheet);
        let of = |at: &str| {
            let mut found: Vec<String> = graph
                .dependents(CellRef::parse(at).unwrap())
                .iter()
                .map(ToString::to_string)
                .collect();
            found.sort();
            found
        };
        assert_eq!(of("C2"), ["D1", "D2", "E1"]);
        assert_eq!(of("C150"), ["D1"]);
        assert_eq!(of("C201"), Vec::<String>::new());
        assert!(graph.points.len() <= 12, "the large range is not expanded");
        assert!(graph.is_formula(CellRef::parse("D2").unwrap()));
        assert!(!graph.is_formula(CellRef::parse("E2").unwrap()));
        assert!(graph.formula(CellRef::parse("D1").unwrap()).is_some());
        assert!(graph.formula(CellRef::parse("C1").unwrap()).is_none());
    }
}
