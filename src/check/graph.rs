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

use crate::formula::{parse_formula, EvalValue, Expr, Reference};
use crate::model::{visit_range_within, CellRange, CellRef, RangeVisit, Sheet};

use super::relations::Evaluator;
use crate::recalc::FormulaReads;

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

/// A formula that is a plain `SUM` of references, with its value on the sheet as it is:
/// a change to one input moves it by the same amount, without adding up its range again
/// (a section total of 166k rows, for each change localization tries).
struct PlainSum {
    base: Decimal,
    inputs: Vec<CellRange>,
}

/// The formula cells of a sheet and their dependencies.
pub(crate) struct FormulaGraph<'s> {
    sheet: &'s Sheet,
    /// Every formula cell that parses, sorted.
    formula_cells: Vec<CellRef>,
    /// `(cell, formula)` for each cell read on its own (or in a small range) and each
    /// formula that reads it, sorted by cell (formulas in the order they were noted): one
    /// flat list, where a vector for each cell allocated a million times on a 500k-row
    /// form whose every row computes a rate.
    points: Vec<(CellRef, CellRef)>,
    /// For each column, the large ranges that formulas read in it.
    ranges: HashMap<u32, Vec<RangeDependency>>,
    /// Formulas parsed so far (a change reaches few of them).
    parsed: RefCell<HashMap<CellRef, Option<Rc<Expr>>>>,
    /// The plain sums among them, with their values, as found so far.
    sums: RefCell<HashMap<CellRef, Option<Rc<PlainSum>>>>,
}

impl<'s> FormulaGraph<'s> {
    /// The graph of `sheet`'s formulas from what each reads (noted by the recalculation,
    /// which parsed them already).
    pub(crate) fn build(sheet: &'s Sheet, reads: &FormulaReads) -> FormulaGraph<'s> {
        let mut formula_cells = Vec::new();
        let mut points: Vec<(CellRef, CellRef)> = Vec::new();
        let mut ranges: HashMap<u32, Vec<RangeDependency>> = HashMap::new();
        let (mut point_edges, mut range_entries) = (0usize, 0usize);
        let extent = std::cell::OnceCell::new();
        for (formula, read) in &reads.0 {
            formula_cells.push(*formula);
            for &range in read {
                // Cells beyond the used area are empty and never edited.
                let RangeVisit::Cells { range, .. } =
                    visit_range_within(range, || *extent.get_or_init(|| sheet.extent()))
                else {
                    continue;
                };
                if range.area() <= SMALL_RANGE_CELLS {
                    for at in cells_of(range) {
                        if point_edges < MAX_POINT_EDGES {
                            points.push((at, *formula));
                            point_edges = point_edges.saturating_add(1);
                        }
                    }
                } else {
                    for col in range.first.col..=range.last.col {
                        if range_entries < MAX_RANGE_ENTRIES {
                            ranges.entry(col).or_default().push(RangeDependency {
                                first_row: range.first.row,
                                last_row: range.last.row,
                                formula: *formula,
                            });
                            range_entries = range_entries.saturating_add(1);
                        }
                    }
                }
            }
        }
        // Stable: each cell's formulas stay in the order they were noted.
        points.sort_by_key(|(at, _)| *at);
        FormulaGraph {
            sheet,
            formula_cells,
            points,
            ranges,
            parsed: RefCell::new(HashMap::new()),
            sums: RefCell::new(HashMap::new()),
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
        let first = self.points.partition_point(|(cell, _)| *cell < at);
        let mut found: Vec<CellRef> = self
            .points
            .get(first..)
            .unwrap_or_default()
            .iter()
            .take_while(|(cell, _)| *cell == at)
            .map(|(_, formula)| *formula)
            .collect();
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
                let value = match self.moved_sum(dependent, evaluator, &values) {
                    Some(value) => Some(value),
                    None => match self.formula(dependent) {
                        Some(expr) => match evaluator.formula_value(&expr, &values) {
                            EvalValue::Number(n) if n.lo == n.hi => Some(n.lo),
                            _ => None,
                        },
                        None => continue,
                    },
                };
                if let Some(value) = value {
                    if values.get(&dependent) != Some(&value) {
                        values.insert(dependent, value);
                        queue.push_back(dependent);
                    }
                }
            }
        }
        values
    }
}

impl FormulaGraph<'_> {
    /// The value of `formula` with `values` in place, when it is a plain sum: its value on
    /// the sheet moved by what each changed input it reads moved. `None` when it is not
    /// one, or an input is not a number this way (then it is evaluated in full).
    fn moved_sum(
        &self,
        formula: CellRef,
        evaluator: &Evaluator<'_>,
        values: &HashMap<CellRef, Decimal>,
    ) -> Option<Decimal> {
        let sum = self.plain_sum(formula, evaluator)?;
        let unchanged = HashMap::new();
        let mut total = sum.base;
        for (cell, new) in values {
            // A cell in two of the ranges is added twice.
            let times = sum
                .inputs
                .iter()
                .filter(|range| range.contains(*cell))
                .count();
            if times == 0 {
                continue;
            }
            let reference = Expr::Reference(Reference::Cell {
                sheet: None,
                at: *cell,
            });
            let old = match evaluator.formula_value(&reference, &unchanged) {
                EvalValue::Number(n) if n.lo == n.hi => n.lo,
                EvalValue::Blank => Decimal::ZERO,
                _ => return None,
            };
            let moved = new.checked_sub(old)?.checked_mul(Decimal::from(times))?;
            total = total.checked_add(moved)?;
        }
        Some(total)
    }

    /// `formula` as a plain sum, worked out once.
    fn plain_sum(&self, formula: CellRef, evaluator: &Evaluator<'_>) -> Option<Rc<PlainSum>> {
        if let Some(known) = self.sums.borrow().get(&formula) {
            return known.clone();
        }
        let found = self.formula(formula).and_then(|expr| {
            let Expr::Call { name, args } = expr.as_ref() else {
                return None;
            };
            if name != "SUM" {
                return None;
            }
            let inputs = args
                .iter()
                .map(|arg| match arg {
                    Expr::Reference(Reference::Cell { sheet: None, at }) => Some(CellRange {
                        first: *at,
                        last: *at,
                    }),
                    Expr::Reference(Reference::Range { sheet: None, range }) => Some(*range),
                    _ => None,
                })
                .collect::<Option<Vec<CellRange>>>()?;
            match evaluator.formula_value(&expr, &HashMap::new()) {
                EvalValue::Number(n) if n.lo == n.hi => {
                    Some(Rc::new(PlainSum { base: n.lo, inputs }))
                }
                _ => None,
            }
        });
        self.sums.borrow_mut().insert(formula, found.clone());
        found
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
            formula: Some(formula.into()),
            number_format: None,
            reading: Reading::NotNumber,
        }
    }

    /// What the sheet's formulas read, as the recalculation notes it for a check.
    fn reads_of(sheet: &Sheet) -> FormulaReads {
        let workbook = crate::model::Workbook {
            format: crate::model::SourceFormat::Xlsx,
            sheets: vec![sheet.clone()],
            defined_names: Vec::new(),
            convention: Default::default(),
            full_calc_on_load: false,
        };
        let mut reads = crate::recalc::recalculate(&workbook).reads;
        reads.pop().unwrap_or_default()
    }

    /// A sheet with the numbers 1 to `rows` in C1:C{rows} and the given formulas.
    fn sheet_with(rows: u32, formulas: &[(&str, &str)]) -> Sheet {
        let mut cells: Vec<Cell> = (1..=rows)
            .map(|row| Cell {
                at: CellRef::new(row - 1, 2),
                value: Value::Number(Decimal::from(row)),
                formula: None,
                number_format: None,
                reading: Reading::Number(crate::number::Quantity {
                    value: Decimal::from(row),
                    decimals: 0,
                    percent: false,
                    from_text: false,
                }),
            })
            .collect();
        cells.extend(formulas.iter().map(|(at, text)| formula_cell(at, text)));
        cells.sort_by_key(|c| c.at);
        Sheet {
            name: "s".into(),
            cells,
            ..Sheet::default()
        }
    }

    #[test]
    fn a_change_moves_a_plain_sum_as_a_full_evaluation_would() {
        use crate::template::Template;
        let template = Template::all_builtins().first().unwrap();
        // Overlapping ranges count a cell twice; D2 is not a plain sum.
        let sheet = sheet_with(
            300,
            &[
                ("D1", "SUM(C1:C300,C100:C200)"),
                ("D2", "SUM(C1:C150)+0"),
                ("D3", "D1+D2"),
            ],
        );
        let bound = crate::template::Bound {
            layout: crate::layout::Layout {
                header_first: 0,
                header_last: 0,
                number_row: None,
                headers: Default::default(),
                label_col: 0,
                stt_col: None,
                body: Vec::new(),
                footer_first: None,
                second_table: None,
            },
            columns: Default::default(),
            cells: Default::default(),
            units: Default::default(),
        };
        let evaluator = Evaluator::new(&sheet, &bound, &template.spec, &[]);
        let reads = reads_of(&sheet);
        let graph = FormulaGraph::build(&sheet, &reads);
        let at = |a: &str| CellRef::parse(a).unwrap();
        let edits = HashMap::from([(at("C120"), Decimal::from(1120)), (at("C5"), Decimal::ZERO)]);
        let values = graph.propagate(&evaluator, &edits);
        // D1 = 45150 + 15150, moved by +1000 twice for C120 and -5 for C5.
        assert_eq!(
            values.get(&at("D1")),
            Some(&Decimal::from(45150 + 15150 + 2000 - 5))
        );
        assert_eq!(
            values.get(&at("D2")),
            Some(&Decimal::from(11325 + 1000 - 5))
        );
        assert_eq!(
            values.get(&at("D3")),
            Some(&Decimal::from(60300 + 1995 + 12320))
        );
        assert!(graph
            .sums
            .borrow()
            .get(&at("D1"))
            .is_some_and(Option::is_some));
        assert!(graph
            .sums
            .borrow()
            .get(&at("D2"))
            .is_some_and(Option::is_none));
    }

    #[test]
    fn small_ranges_are_points_large_ones_ranges_and_both_are_found() {
        let sheet = sheet_with(
            200,
            &[
                ("D1", "SUM(C1:C200)"),
                ("D2", "C2+C3"),
                ("E1", "SUM(C1:C10)"),
                ("E2", "not a formula ("),
            ],
        );
        let reads = reads_of(&sheet);
        let graph = FormulaGraph::build(&sheet, &reads);
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
        assert!(graph.points.len() <= 14, "the large range is not expanded");
        assert!(graph.is_formula(CellRef::parse("D2").unwrap()));
        assert!(!graph.is_formula(CellRef::parse("E2").unwrap()));
        assert!(graph.formula(CellRef::parse("D1").unwrap()).is_some());
        assert!(graph.formula(CellRef::parse("C1").unwrap()).is_none());
    }
}
