//! Which cell is wrong: error localization across all relations of a sheet at once
//! (Fellegi–Holt). A typo in a detail cell breaks its row identity, its section total and
//! the grand total; only the detail cell explains them all. Single-cell explanations are
//! tried first, then pairs, each verified against every relation that reads the changed
//! cells (and, through the sheet's own formulas, the totals computed from them).

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};

use rust_decimal::{Decimal, RoundingStrategy};

use crate::finding::Severity;
use crate::formula::{references, Reference};
use crate::layout::RowKind;
use crate::model::CellRef;
use crate::number::Reading;

use super::evaluations::{Evaluations, Readers};
use super::graph::FormulaGraph;
use super::relations::{CellSetIter, ChildSum, Evaluator, Outcome, Relations};
use super::typo::{diagnose, Typo};

/// Most candidate cells considered for one group of violated relations.
const MAX_CANDIDATES: usize = 400;
/// Most single-cell candidates paired with each other.
const MAX_PAIRED: usize = 60;

/// One proposed change.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change {
    pub cell: CellRef,
    pub value: Decimal,
    pub typo: Option<Typo>,
}

/// What explains a group of violated relations.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Explanation {
    /// These changes make every relation hold; no other explanation as small fits as well.
    Confident {
        changes: Vec<Change>,
        repaired: Vec<usize>,
    },
    /// Several explanations fit equally: the cells that could be wrong.
    Ambiguous {
        candidates: Vec<Change>,
        repaired: Vec<usize>,
    },
}

/// Everything localization reads, gathered once per sheet.
pub(crate) struct Localizer<'a> {
    pub evaluator: &'a Evaluator<'a>,
    pub relations: &'a Relations,
    pub evaluations: &'a Evaluations,
    pub graph: &'a FormulaGraph<'a>,
    readers: &'a Readers<'a>,
    /// Hierarchy sums added up once as the sheet stands, by relation: a tried change
    /// moves them ([`Evaluator::moved_sum_holds`]).
    tallies: RefCell<HashMap<usize, Option<ChildSum>>>,
    /// Whether each column asked about holds a negative number, found once.
    signed_columns: RefCell<HashMap<u32, bool>>,
}

impl<'a> Localizer<'a> {
    pub(crate) fn new(
        evaluator: &'a Evaluator<'a>,
        relations: &'a Relations,
        evaluations: &'a Evaluations,
        graph: &'a FormulaGraph<'a>,
        readers: &'a Readers<'a>,
    ) -> Self {
        Localizer {
            evaluator,
            relations,
            evaluations,
            graph,
            readers,
            tallies: RefCell::new(HashMap::new()),
            signed_columns: RefCell::new(HashMap::new()),
        }
    }

    fn severity(&self, i: usize) -> Severity {
        self.relations
            .get(i)
            .and_then(|r| self.evaluator.spec.rules.get(r.rule()))
            .map_or(Severity::Error, |rule| rule.severity)
    }

    fn held_before(&self, i: usize) -> bool {
        self.evaluations.get(i).is_some_and(|e| {
            matches!(
                e.outcome,
                Outcome::Holds
                    | Outcome::HoldsTruncated(_)
                    | Outcome::HoldsRounded
                    | Outcome::Skipped
            )
        })
    }

    fn holds(&self, i: usize, values: &HashMap<CellRef, Decimal>) -> bool {
        self.relations.get(i).is_some_and(|relation| {
            if self.evaluator.is_plain_sum(&relation) {
                let moved = match self.evaluations.sum(i) {
                    Some(tally) => self.evaluator.moved_sum_holds(&relation, tally, values),
                    None => self
                        .tallies
                        .borrow_mut()
                        .entry(i)
                        .or_insert_with(|| self.evaluator.sum_tally(&relation))
                        .as_ref()
                        .and_then(|tally| self.evaluator.moved_sum_holds(&relation, tally, values)),
                };
                if let Some(holds) = moved {
                    return holds;
                }
            }
            matches!(
                self.evaluator.evaluate(&relation, values).outcome,
                Outcome::Holds
                    | Outcome::HoldsTruncated(_)
                    | Outcome::HoldsRounded
                    | Outcome::Skipped
            )
        })
    }

    /// Explains the violated error relations, group by group.
    pub(crate) fn explain(&self) -> Vec<Explanation> {
        // Only evaluations kept whole can fail.
        let violated: Vec<usize> = self
            .evaluations
            .whole()
            .filter(|(_, e)| matches!(e.outcome, Outcome::Fails(_)))
            .map(|(i, _)| i)
            .filter(|&i| self.severity(i) == Severity::Error)
            .collect();
        let extended: HashMap<usize, BTreeSet<CellRef>> = violated
            .iter()
            .map(|&i| (i, self.extended_cells(i)))
            .collect();
        let mut explanations: Vec<Explanation> = self
            .groups(&violated, &extended)
            .into_iter()
            .filter_map(|group| self.explain_group(&group))
            .collect();
        self.follow_into_totals(&mut explanations, &violated);
        explanations
    }

    /// Violated relations no group explained, but that the confident explanations repair
    /// through the sheet's formulas: on a big sheet a section total's inputs are too many
    /// to group its relation with the slip's row, and a grand total computed from two
    /// sections holds only once both slips are corrected. Each such relation joins the
    /// explanations whose changes it depends on, so it is not reported on its own.
    fn follow_into_totals(&self, explanations: &mut [Explanation], violated: &[usize]) {
        let explained: HashSet<usize> = explanations
            .iter()
            .flat_map(|e| match e {
                Explanation::Confident { repaired, .. }
                | Explanation::Ambiguous { repaired, .. } => repaired.iter().copied(),
            })
            .collect();
        let left: Vec<usize> = violated
            .iter()
            .copied()
            .filter(|i| !explained.contains(i))
            .collect();
        let edits: HashMap<CellRef, Decimal> = explanations
            .iter()
            .flat_map(|e| match e {
                Explanation::Confident { changes, .. } => changes.as_slice(),
                Explanation::Ambiguous { .. } => &[],
            })
            .map(|change| (change.cell, change.value))
            .collect();
        if left.is_empty() || edits.is_empty() {
            return;
        }
        let values = self.graph.propagate(self.evaluator, &edits);
        // Nothing that held may break once every correction is made together.
        let mut affected: BTreeSet<usize> = BTreeSet::new();
        for cell in values.keys() {
            affected.extend(self.readers.of(*cell));
        }
        if affected
            .iter()
            .any(|&i| self.held_before(i) && !self.holds(i, &values))
        {
            return;
        }
        let now_hold: Vec<usize> = left
            .into_iter()
            .filter(|&i| affected.contains(&i) && self.holds(i, &values))
            .collect();
        if now_hold.is_empty() {
            return;
        }
        let mut attached: HashSet<usize> = HashSet::new();
        let mut reaching: Vec<(usize, BTreeSet<usize>)> = Vec::new();
        for (k, explanation) in explanations.iter_mut().enumerate() {
            let Explanation::Confident { changes, repaired } = explanation else {
                continue;
            };
            let reached: BTreeSet<usize> = changes
                .iter()
                .flat_map(|change| self.dependent_relations(change.cell))
                .collect();
            // Only the relations this change is needed for: with every other correction
            // made and not this one, they still fail (a slip in column D does not list
            // column C's total that another slip repairs).
            let own: HashSet<CellRef> = changes.iter().map(|change| change.cell).collect();
            let others: HashMap<CellRef, Decimal> = edits
                .iter()
                .filter(|(cell, _)| !own.contains(cell))
                .map(|(cell, value)| (*cell, *value))
                .collect();
            let without = self.graph.propagate(self.evaluator, &others);
            let needed: Vec<usize> = now_hold
                .iter()
                .copied()
                .filter(|i| reached.contains(i) && !self.holds(*i, &without))
                .collect();
            attached.extend(needed.iter().copied());
            repaired.extend(needed);
            reaching.push((k, reached));
        }
        // A relation no single change is needed for (two corrections each enough) goes
        // with every change that reaches it, rather than be reported as if unexplained.
        for i in now_hold.into_iter().filter(|i| !attached.contains(i)) {
            for (k, reached) in &reaching {
                if let Some(Explanation::Confident { repaired, .. }) = explanations.get_mut(*k) {
                    if reached.contains(&i) {
                        repaired.push(i);
                    }
                }
            }
        }
    }

    /// The cells a relation depends on: all those it reads, and the inputs of the formulas
    /// among them (a formula total is wrong because one of its inputs is), as many of
    /// those as localization considers.
    fn extended_cells(&self, i: usize) -> BTreeSet<CellRef> {
        let mut cells: BTreeSet<CellRef> = self.direct(i).collect();
        let mut stack: Vec<CellRef> = self
            .direct(i)
            .filter(|&at| self.graph.is_formula(at))
            .collect();
        let mut expanded = 0usize;
        while let Some(cell) = stack.pop() {
            let Some(expr) = self.graph.formula(cell) else {
                continue;
            };
            for reference in references(&expr) {
                let inputs: Vec<CellRef> = match reference {
                    Reference::Cell { sheet: None, at } => vec![at],
                    Reference::Range { sheet: None, range } => {
                        let last_row = range.last.row.min(range.first.row.saturating_add(2_000));
                        let last_col = range.last.col.min(range.first.col.saturating_add(50));
                        (range.first.row..=last_row)
                            .flat_map(|row| {
                                (range.first.col..=last_col).map(move |col| CellRef::new(row, col))
                            })
                            .collect()
                    }
                    _ => Vec::new(),
                };
                for input in inputs {
                    if expanded >= MAX_CANDIDATES * 4 {
                        return cells;
                    }
                    if cells.insert(input) {
                        expanded = expanded.saturating_add(1);
                        stack.push(input);
                    }
                }
            }
        }
        cells
    }

    /// Violated relations grouped by the cells they share.
    fn groups(
        &self,
        violated: &[usize],
        extended: &HashMap<usize, BTreeSet<CellRef>>,
    ) -> Vec<Vec<usize>> {
        let empty = BTreeSet::new();
        let cells: Vec<&BTreeSet<CellRef>> = violated
            .iter()
            .map(|i| extended.get(i).unwrap_or(&empty))
            .collect();
        let mut group_of: Vec<usize> = (0..violated.len()).collect();
        fn root(group_of: &mut [usize], mut i: usize) -> usize {
            while let Some(&parent) = group_of.get(i) {
                if parent == i {
                    break;
                }
                i = parent;
            }
            i
        }
        let mut owner: HashMap<CellRef, usize> = HashMap::new();
        for (k, set) in cells.iter().enumerate() {
            for cell in set.iter() {
                match owner.get(cell) {
                    Some(&other) => {
                        let (a, b) = (root(&mut group_of, k), root(&mut group_of, other));
                        if let Some(slot) = group_of.get_mut(a) {
                            *slot = b;
                        }
                    }
                    None => {
                        owner.insert(*cell, k);
                    }
                }
            }
        }
        let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
        for (k, &i) in violated.iter().enumerate() {
            groups.entry(root(&mut group_of, k)).or_default().push(i);
        }
        let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
        groups.sort();
        groups
    }

    /// A cell that may be proposed as wrong: a typed number (formulas are computed, not
    /// typed) that the sheet shows, or a blank a figure may have been left out of (with
    /// the decimals of the figures beside it).
    fn candidate_value(&self, at: CellRef) -> Option<(Decimal, u32)> {
        if self.graph.is_formula(at) {
            return None;
        }
        let Some(cell) = self
            .evaluator
            .cells
            .cell(at)
            .filter(|cell| !cell.value.is_blank())
        else {
            return Some((Decimal::ZERO, self.neighbour_decimals(at)));
        };
        match &cell.reading {
            Reading::Number(q) => Some((q.value, q.decimals)),
            Reading::Ambiguous { primary, .. } => Some((primary.value, primary.decimals)),
            _ => None,
        }
    }

    /// The most decimals the numbers above and below a cell show.
    fn neighbour_decimals(&self, at: CellRef) -> u32 {
        let sheet = self.evaluator.sheet;
        [at.row.checked_sub(1), at.row.checked_add(1)]
            .into_iter()
            .flatten()
            .filter_map(
                |row| match &sheet.cell(CellRef::new(row, at.col))?.reading {
                    Reading::Number(q) => Some(q.decimals),
                    _ => None,
                },
            )
            .max()
            .unwrap_or(0)
    }

    /// Whether a proposed value is one a person could have meant: no negative figure where
    /// the column holds none, and, unless the slip is a known one, the cell was empty or
    /// the value makes several relations hold at once, no change larger than the figure
    /// itself (such a value only balances one relation's books).
    fn plausible(&self, change: &Change, current: Decimal, repaired: usize) -> bool {
        if change.value.is_sign_negative() && !current.is_sign_negative() {
            let sheet = self.evaluator.sheet;
            let column_has_negatives = *self
                .signed_columns
                .borrow_mut()
                .entry(change.cell.col)
                .or_insert_with(|| {
                    sheet.cells.iter().any(|cell| {
                        cell.at.col == change.cell.col
                            && matches!(&cell.reading, Reading::Number(q) if q.value.is_sign_negative())
                    })
                });
            if !column_has_negatives {
                return false;
            }
        }
        if change.typo.is_some() || current.is_zero() || repaired > 1 {
            return true;
        }
        change
            .value
            .checked_sub(current)
            .is_some_and(|moved| moved.abs() <= current.abs())
    }

    /// The value of `cell` that makes relation `i` hold, found from two evaluations of its
    /// residual (relations are linear in each cell they add up).
    fn solve(&self, i: usize, cell: CellRef, current: Decimal, decimals: u32) -> Option<Decimal> {
        let relation = self.relations.get(i)?;
        let at = |x: Decimal| {
            let values = self
                .graph
                .propagate(self.evaluator, &HashMap::from([(cell, x)]));
            self.evaluator.residual(&relation, &values)
        };
        let g0 = at(current)?;
        let g1 = at(current.checked_add(Decimal::ONE)?)?;
        let slope = g1.checked_sub(g0)?;
        if slope.is_zero() {
            return None;
        }
        let value = current.checked_sub(g0.checked_div(slope)?)?;
        let value = value.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
        (value != current).then_some(value)
    }

    /// What a set of changes does: the relations it repairs among `group`, or `None` when it
    /// breaks a relation that held.
    fn try_changes(
        &self,
        edits: &HashMap<CellRef, Decimal>,
        group: &[usize],
    ) -> Option<Vec<usize>> {
        let values = self.graph.propagate(self.evaluator, edits);
        let mut affected: BTreeSet<usize> = BTreeSet::new();
        for cell in values.keys() {
            affected.extend(self.readers.of(*cell));
        }
        let mut repaired = Vec::new();
        for i in affected {
            let holds = self.holds(i, &values);
            if self.held_before(i) && !holds {
                return None;
            }
            if holds && group.contains(&i) {
                repaired.push(i);
            }
        }
        Some(repaired)
    }

    fn neighbours(&self, at: CellRef) -> Vec<Decimal> {
        let sheet = self.evaluator.sheet;
        [
            at.row.checked_sub(1).map(|r| CellRef::new(r, at.col)),
            Some(CellRef::new(at.row.saturating_add(1), at.col)),
            at.col.checked_sub(1).map(|c| CellRef::new(at.row, c)),
            Some(CellRef::new(at.row, at.col.saturating_add(1))),
        ]
        .into_iter()
        .flatten()
        .filter_map(|n| match &sheet.cell(n)?.reading {
            Reading::Number(q) => Some(q.value),
            _ => None,
        })
        .collect()
    }

    fn change(&self, cell: CellRef, current: Decimal, value: Decimal) -> Change {
        let blank = self
            .evaluator
            .cells
            .cell(cell)
            .is_none_or(|c| c.value.is_blank());
        Change {
            cell,
            value,
            typo: if blank {
                Some(Typo::LeftBlank)
            } else {
                diagnose(value, current, &self.neighbours(cell))
            },
        }
    }

    /// Detail rows are typed by people; totals are computed (by a formula or by the office).
    fn is_detail(&self, at: CellRef) -> bool {
        self.evaluator
            .bound
            .layout
            .body_row(at.row)
            .is_none_or(|r| r.kind == RowKind::Unit)
    }

    fn explain_group(&self, group: &[usize]) -> Option<Explanation> {
        // One cell that explains the whole group is read by every relation of it: look for
        // those among the cells of the group's smallest relation first. Only when none
        // exists are all the cells tried, singly and in pairs (a section total reads
        // thousands of cells: that scan is what costs).
        let complete = self.complete_singles(group);
        let complete = if complete.is_empty() {
            let singles = self.singles(group);
            self.pairs(&singles, group)
        } else {
            complete
        };
        if complete.is_empty() {
            return None;
        }
        let mut explanation = self.choose(complete, group);
        // The failing relations of lesser severity the changes repair too (a column
        // identity's warning on the slip's row) are part of the same finding.
        if let Explanation::Confident { changes, repaired } = &mut explanation {
            for i in self.repaired_beyond(changes, group) {
                if !repaired.contains(&i) {
                    repaired.push(i);
                }
            }
        }
        Some(explanation)
    }

    /// The cells a relation reads itself.
    fn direct(&self, i: usize) -> CellSetIter<'_> {
        self.evaluations.cells(i)
    }

    /// Every relation whose value depends on `cell`: those that read it, and those that
    /// read a formula computed from it.
    fn dependent_relations(&self, cell: CellRef) -> BTreeSet<usize> {
        let mut relations = BTreeSet::new();
        let mut seen: HashSet<CellRef> = HashSet::new();
        let mut stack = vec![cell];
        while let Some(at) = stack.pop() {
            if seen.len() > MAX_CANDIDATES * 4 || !seen.insert(at) {
                continue;
            }
            relations.extend(self.readers.of(at));
            stack.extend(self.graph.dependents(at));
        }
        relations
    }

    /// Whether relation `i` reads `cell` itself.
    fn reads(&self, i: usize, cell: CellRef) -> bool {
        self.readers.of(cell).any(|r| r == i)
    }

    /// The changes of `cell` that repair some relation of the group and break nothing, one
    /// per value solved from a relation that reads it (`seen` skips values already tried).
    fn changes_at(
        &self,
        cell: CellRef,
        group: &[usize],
        seen: &mut HashSet<(CellRef, Decimal)>,
    ) -> Vec<(Change, Vec<usize>)> {
        let Some((current, decimals)) = self.candidate_value(cell) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for &i in group.iter().filter(|&&i| self.reads(i, cell)) {
            let Some(value) = self.solve(i, cell, current, decimals) else {
                continue;
            };
            if !seen.insert((cell, value)) {
                continue;
            }
            let change = self.change(cell, current, value);
            if let Some(repaired) = self.try_changes(&HashMap::from([(cell, value)]), group) {
                if !repaired.is_empty() && self.plausible(&change, current, repaired.len()) {
                    found.push((change, repaired));
                }
            }
        }
        found
    }

    /// The single changes that repair every relation of the group.
    fn complete_singles(&self, group: &[usize]) -> Vec<(Vec<Change>, Vec<usize>)> {
        let Some(&smallest) = group
            .iter()
            .min_by_key(|&&i| self.evaluations.cells(i).count())
        else {
            return Vec::new();
        };
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        for cell in self.extended_cells(smallest) {
            let dependent = self.dependent_relations(cell);
            if !group.iter().all(|i| dependent.contains(i)) {
                continue;
            }
            found.extend(
                self.changes_at(cell, group, &mut seen)
                    .into_iter()
                    .filter(|(_, repaired)| repaired.len() == group.len())
                    .map(|(change, repaired)| (vec![change], repaired)),
            );
        }
        found
    }

    /// Every single change, among the cells the group's relations read themselves, that
    /// repairs something and breaks nothing: the parts pairs are made of.
    fn singles(&self, group: &[usize]) -> Vec<(Change, Vec<usize>)> {
        // A wrong cell breaks at least its own row's relation. (The formulas' inputs only
        // group relations.)
        let mut candidates: BTreeSet<CellRef> = BTreeSet::new();
        for &i in group {
            candidates.extend(self.direct(i));
            if candidates.len() > MAX_CANDIDATES {
                break;
            }
        }
        let mut seen = HashSet::new();
        candidates
            .into_iter()
            .take(MAX_CANDIDATES)
            .flat_map(|cell| self.changes_at(cell, group, &mut seen))
            .collect()
    }

    /// Pairs of single changes that together repair the whole group.
    fn pairs(
        &self,
        singles: &[(Change, Vec<usize>)],
        group: &[usize],
    ) -> Vec<(Vec<Change>, Vec<usize>)> {
        let mut ranked: Vec<&(Change, Vec<usize>)> = singles.iter().collect();
        ranked.sort_by_key(|(_, repaired)| std::cmp::Reverse(repaired.len()));
        ranked.truncate(MAX_PAIRED);
        let mut found = Vec::new();
        let mut rest = ranked.as_slice();
        while let Some(((a, repaired_a), later)) = rest.split_first() {
            rest = later;
            for (b, repaired_b) in later {
                if a.cell == b.cell {
                    continue;
                }
                // Every violated relation must read one of the two cells.
                let covers = group.iter().all(|&i| {
                    repaired_a.contains(&i)
                        || repaired_b.contains(&i)
                        || self.reads(i, a.cell)
                        || self.reads(i, b.cell)
                });
                if !covers {
                    continue;
                }
                let edits = HashMap::from([(a.cell, a.value), (b.cell, b.value)]);
                if let Some(repaired) = self.try_changes(&edits, group) {
                    if repaired.len() == group.len() {
                        found.push((vec![a.clone(), b.clone()], repaired));
                    }
                }
            }
        }
        found
    }

    /// Evidence beyond the group: the one explanation that also repairs the most failing
    /// relations outside it (a warning such as received = resolved + pending, which a typo
    /// in the received total breaks as well and a typo in one of its parts does not), with
    /// those relations among the ones it repairs; `None` when none or several repair most.
    fn repairing_most_beyond(
        &self,
        complete: &[(Vec<Change>, Vec<usize>)],
        group: &[usize],
    ) -> Option<Explanation> {
        let beyond: Vec<Vec<usize>> = complete
            .iter()
            .map(|(changes, _)| self.repaired_beyond(changes, group))
            .collect();
        let most = beyond.iter().map(Vec::len).max().filter(|&most| most > 0)?;
        let mut best = complete
            .iter()
            .zip(&beyond)
            .filter(|(_, b)| b.len() == most);
        let ((changes, repaired), extra) = best.next()?;
        if best.next().is_some() {
            return None;
        }
        let mut repaired = repaired.clone();
        repaired.extend(extra.iter().copied());
        Some(Explanation::Confident {
            changes: changes.clone(),
            repaired,
        })
    }

    /// The relations outside `group` that failed and hold once `changes` are made.
    fn repaired_beyond(&self, changes: &[Change], group: &[usize]) -> Vec<usize> {
        let edits: HashMap<CellRef, Decimal> = changes.iter().map(|c| (c.cell, c.value)).collect();
        let values = self.graph.propagate(self.evaluator, &edits);
        let mut affected: BTreeSet<usize> = BTreeSet::new();
        for cell in values.keys() {
            affected.extend(self.readers.of(*cell));
        }
        affected
            .into_iter()
            .filter(|i| !group.contains(i) && !self.held_before(*i) && self.holds(*i, &values))
            .collect()
    }

    /// The explanation to report: the only one; else the only one that also repairs the
    /// most failing relations beyond the group; else the only one whose every change is a
    /// recognised slip; else the only one that changes typed detail rows only (totals are
    /// computed, details are typed by hand); otherwise an ambiguity for a person to decide.
    fn choose(&self, complete: Vec<(Vec<Change>, Vec<usize>)>, group: &[usize]) -> Explanation {
        let single_out = |keep: &dyn Fn(&[Change]) -> bool| {
            let kept: Vec<&(Vec<Change>, Vec<usize>)> = complete
                .iter()
                .filter(|(changes, _)| keep(changes))
                .collect();
            match kept.as_slice() {
                [only] => Some(Explanation::Confident {
                    changes: only.0.clone(),
                    repaired: only.1.clone(),
                }),
                _ => None,
            }
        };
        let every = |_: &[Change]| true;
        let slips = |changes: &[Change]| changes.iter().all(|c| c.typo.is_some());
        let details = |changes: &[Change]| changes.iter().all(|c| self.is_detail(c.cell));
        if let Some(explanation) = single_out(&every)
            .or_else(|| self.repairing_most_beyond(&complete, group))
            .or_else(|| single_out(&slips))
            .or_else(|| single_out(&details))
        {
            return explanation;
        }
        let mut candidates: Vec<Change> = complete.iter().flat_map(|(c, _)| c.clone()).collect();
        candidates.sort_by_key(|c| (std::cmp::Reverse(c.typo.is_some()), c.cell));
        candidates.dedup_by_key(|c| c.cell);
        Explanation::Ambiguous {
            candidates,
            repaired: group.to_vec(),
        }
    }
}
